/** Test data for completion and certificates: activities, sessions, enrolments, attendance. */
import { eq } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import { AttendanceRepository } from '../../server/attendance/repository.ts';
import type { Db } from '../../server/core/db.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let seq = 0;

export function makeProgramme(db: Db, opts: { phases?: number; organisingUnitId?: number } = {}) {
  const n = ++seq;
  const programme = db
    .insert(s.programmes)
    .values({ title: `برنامج ${n}`, organisingUnitId: opts.organisingUnitId ?? null })
    .returning()
    .get();
  const phases = Array.from({ length: opts.phases ?? 2 }, (_, i) =>
    db
      .insert(s.phases)
      .values({ programmeId: programme.id, position: i + 1, title: `المرحلة ${i + 1}`, requiresPrevious: i > 0 })
      .returning()
      .get(),
  );
  return { programme, phases };
}

export function makeActivity(db: Db, opts: Partial<typeof s.activities.$inferInsert> & { organisingUnitId: number }) {
  const n = ++seq;
  return db
    .insert(s.activities)
    .values({ kind: 'course', title: `دورة ${n}`, status: 'running', ...opts })
    .returning()
    .get();
}

/**
 * n sessions of two hours, one a day; the first `past` already started (ended in the past),
 * the rest in the future.
 */
export function makeSessions(
  db: Db,
  activityId: number,
  n: number,
  opts: { past?: number; trainerUserId?: number | null; now?: Date } = {},
) {
  const now = (opts.now ?? new Date()).getTime();
  const past = opts.past ?? n;
  return Array.from({ length: n }, (_, i) => {
    const startsAt = new Date(i < past ? now - (past - i) * DAY : now + (i - past + 1) * DAY);
    return db
      .insert(s.sessions)
      .values({
        activityId,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 2 * HOUR),
        trainerUserId: opts.trainerUserId ?? null,
      })
      .returning()
      .get();
  });
}

export function enrol(db: Db, activityId: number, memberId: number, status: s.EnrolmentStatus = 'approved') {
  return db.insert(s.enrolments).values({ activityId, memberId, source: 'office', status }).returning().get();
}

/** Marks attendance: statuses[i] for sessions[i] (null: no mark). */
export function mark(db: Db, sessions: { id: number }[], memberId: number, statuses: (s.AttendanceStatus | null)[]) {
  statuses.forEach((status, i) => {
    if (!status) return;
    db.insert(s.attendance)
      .values({ sessionId: sessions[i].id, memberId, status, markedAt: new Date() })
      .onConflictDoUpdate({ target: [s.attendance.sessionId, s.attendance.memberId], set: { status } })
      .run();
  });
  // the enrolment counters, as the attendance service keeps them
  const activityIds = new Set(
    sessions.map(
      (x) => db.select({ a: s.sessions.activityId }).from(s.sessions).where(eq(s.sessions.id, x.id)).get()!.a,
    ),
  );
  for (const a of activityIds) new AttendanceRepository(db).recomputeCounters(a, [memberId]);
}

export function enrolmentOf(db: Db, id: number) {
  return db.select().from(s.enrolments).where(eq(s.enrolments.id, id)).get()!;
}

export function eventsOf(db: Db, enrolmentId: number) {
  return db.select().from(s.enrolmentEvents).where(eq(s.enrolmentEvents.enrolmentId, enrolmentId)).all();
}

export function setActivityStatus(db: Db, id: number, status: s.ActivityStatus) {
  db.update(s.activities).set({ status }).where(eq(s.activities.id, id)).run();
}

export function certificateOf(db: Db, enrolmentId: number) {
  return db.select().from(s.certificates).where(eq(s.certificates.enrolmentId, enrolmentId)).get();
}
