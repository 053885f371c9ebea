/**
 * A small hand-built data set for the report tests, written straight into the database.
 * Every figure the tests expect is worked out by hand in tests/reports/monthly.test.ts.
 */
import { eq } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import { AttendanceRepository } from '../../server/attendance/repository.ts';
import type { Db } from '../../server/core/db.ts';
import { zonedToUtc } from '../../server/core/time.ts';
import { makeCouncil, makeMember, type makeOrg } from '../factories.ts';

export const TZ = 'Asia/Damascus';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** a wall-clock time in Damascus */
export const at = (y: number, mo: number, d: number, h = 17) => zonedToUtc(y, mo, d, h, 0, TZ);

export function activity(db: Db, opts: Partial<typeof s.activities.$inferInsert> & { organisingUnitId: number }) {
  return db
    .insert(s.activities)
    .values({ kind: 'course', title: 'نشاط', status: 'running', ...opts })
    .returning()
    .get();
}

export function session(
  db: Db,
  activityId: number,
  startsAt: Date,
  opts: Partial<typeof s.sessions.$inferInsert> = {},
) {
  return db
    .insert(s.sessions)
    .values({ activityId, startsAt, endsAt: new Date(startsAt.getTime() + 2 * HOUR), ...opts })
    .returning()
    .get();
}

export function enrol(
  db: Db,
  activityId: number,
  memberId: number,
  status: s.EnrolmentStatus = 'approved',
  source: 'self' | 'nomination' | 'office' = 'office',
) {
  const e = db.insert(s.enrolments).values({ activityId, memberId, source, status }).returning().get();
  new AttendanceRepository(db).recomputeCounters(activityId, [memberId]);
  return e;
}

/** A mark, with the enrolment's counters kept as the attendance service keeps them. */
export function mark(db: Db, sessionId: number, memberId: number, status: s.AttendanceStatus) {
  db.insert(s.attendance).values({ sessionId, memberId, status, markedAt: new Date() }).run();
  const session = db
    .select({ activityId: s.sessions.activityId })
    .from(s.sessions)
    .where(eq(s.sessions.id, sessionId))
    .get()!;
  new AttendanceRepository(db).recomputeCounters(session.activityId, [memberId]);
}

export function complete(db: Db, enrolmentId: number, when: Date) {
  db.insert(s.enrolmentEvents).values({ enrolmentId, fromStatus: 'approved', toStatus: 'completed', at: when }).run();
}

let codes = 0;
export function certificate(db: Db, enrolmentId: number, issuedAt: Date, revokedAt: Date | null = null) {
  return db
    .insert(s.certificates)
    .values({ enrolmentId, code: `CODE${++codes}${Math.random().toString(36).slice(2, 8)}`, issuedAt, revokedAt })
    .returning()
    .get();
}

/**
 * November 2020 in the small organisation of makeOrg (centre → Raqqa → Karama, centre → Tabqa → Mansoura).
 *
 * members: m1 Karama f 1995 (Women's Council), m2 Karama m 1980, m3 Raqqa f 2000,
 *          m4 Mansoura m 1990 (Youth Council), m5 Karama "=cmd" nominated, never came
 * A1 course by Raqqa, running, rule 60 %: S1 3 Nov (m1 P, m2 A, m3 L), S2 10 Nov (m1 P, m2 E, m3 A),
 *    S3 17 Nov cancelled (a stray m2 P that must not count), S6 in 30 days (future)
 * A2 seminar by Mansoura, finished: S4 20 Nov (m4 P, m1 L); m4 completed 25 Nov with a certificate
 *    26 Nov; m1 completed 1 Dec with a certificate 27 Nov that was revoked; m3 completed, no certificate
 * A3 lecture by Tabqa, finished: S5 15 Oct (m4 P, m2 A); m4 completed there, no certificate
 * D  a draft activity by the centre with a session on 5 Nov (not held)
 * A4 circle by Tabqa, open, taught by the trainer: a session now and one 2 days ago (unmarked, m2 enrolled)
 * A5 course by Karama, running, the demo member enrolled: 2 days ago (present), in 3 days
 */
export function novemberData(db: Db, org: Awaited<ReturnType<typeof makeOrg>>) {
  const { raqqa, tabqa, karama, mansoura, centre } = org.units;
  const women = makeCouncil(db, { kind: 'women', nameAr: 'مجلس المرأة' });
  const youth = makeCouncil(db, { kind: 'youth', nameAr: 'مجلس الشباب' });
  const m1 = makeMember(db, {
    unitId: karama.id,
    fullName: 'هيفاء الأحمد',
    gender: 'f',
    birthYear: 1995,
    councilIds: [women.id],
  });
  const m2 = makeMember(db, { unitId: karama.id, fullName: 'خالد العلي', gender: 'm', birthYear: 1980 });
  const m3 = makeMember(db, { unitId: raqqa.id, fullName: 'رنا الحسن', gender: 'f', birthYear: 2000 });
  const m4 = makeMember(db, {
    unitId: mansoura.id,
    fullName: 'جوان الكردي',
    gender: 'm',
    birthYear: 1990,
    councilIds: [youth.id],
  });
  const m5 = makeMember(db, { unitId: karama.id, fullName: '=cmd|calc', gender: 'm', birthYear: 1970 });

  const a1 = activity(db, { kind: 'course', title: 'دورة الرقة', organisingUnitId: raqqa.id, minAttendancePct: 60 });
  const s1 = session(db, a1.id, at(2020, 11, 3));
  const s2 = session(db, a1.id, at(2020, 11, 10));
  const s3 = session(db, a1.id, at(2020, 11, 17), { status: 'cancelled' });
  session(db, a1.id, new Date(Date.now() + 30 * DAY));
  for (const m of [m1, m2, m3]) enrol(db, a1.id, m.id);
  enrol(db, a1.id, m5.id, 'nominated', 'nomination');
  mark(db, s1.id, m1.id, 'present');
  mark(db, s1.id, m2.id, 'absent');
  mark(db, s1.id, m3.id, 'late');
  mark(db, s2.id, m1.id, 'present');
  mark(db, s2.id, m2.id, 'excused');
  mark(db, s2.id, m3.id, 'absent');
  mark(db, s3.id, m2.id, 'present');

  const a2 = activity(db, {
    kind: 'seminar',
    title: 'ندوة المنصورة',
    organisingUnitId: mansoura.id,
    status: 'finished',
  });
  const s4 = session(db, a2.id, at(2020, 11, 20));
  mark(db, s4.id, m4.id, 'present');
  mark(db, s4.id, m1.id, 'late');
  const e4 = enrol(db, a2.id, m4.id, 'completed');
  complete(db, e4.id, at(2020, 11, 25, 12));
  certificate(db, e4.id, at(2020, 11, 26, 12));
  const e1 = enrol(db, a2.id, m1.id, 'completed');
  complete(db, e1.id, at(2020, 12, 1, 12));
  certificate(db, e1.id, at(2020, 11, 27, 12), at(2020, 11, 28, 12));
  enrol(db, a2.id, m3.id, 'completed');

  const a3 = activity(db, { kind: 'lecture', title: 'محاضرة الطبقة', organisingUnitId: tabqa.id, status: 'finished' });
  const s5 = session(db, a3.id, at(2020, 10, 15));
  mark(db, s5.id, m4.id, 'present');
  mark(db, s5.id, m2.id, 'absent');
  enrol(db, a3.id, m4.id, 'completed');

  const draft = activity(db, { kind: 'lecture', title: 'مسودة', organisingUnitId: centre.id, status: 'draft' });
  session(db, draft.id, at(2020, 11, 5));

  const now = Date.now();
  const a4 = activity(db, { kind: 'circle', title: 'حلقة الطبقة', organisingUnitId: tabqa.id, status: 'open' });
  const today = session(db, a4.id, new Date(Math.floor(now / 60_000) * 60_000), {
    trainerUserId: org.users.trainer.id,
  });
  const unmarked = session(db, a4.id, new Date(now - 2 * DAY), { trainerUserId: org.users.trainer.id });
  enrol(db, a4.id, m2.id);

  const a5 = activity(db, { kind: 'course', title: 'دورة الكرامة', organisingUnitId: karama.id });
  const past = session(db, a5.id, new Date(now - 2 * DAY));
  const next = session(db, a5.id, new Date(now + 3 * DAY));
  enrol(db, a5.id, org.member.id);
  mark(db, past.id, org.member.id, 'present');
  const eCert = enrol(db, a2.id, org.member.id, 'completed');
  complete(db, eCert.id, at(2021, 1, 10, 12));
  const memberCert = certificate(db, eCert.id, at(2021, 1, 11, 12));

  return {
    m1,
    m2,
    m3,
    m4,
    m5,
    a1,
    a2,
    a3,
    a4,
    a5,
    s1,
    s2,
    s3,
    s4,
    s5,
    today,
    unmarked,
    next,
    memberCert,
    women,
    youth,
  };
}
