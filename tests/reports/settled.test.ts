/**
 * Figures of a settled period (ended more than two days ago) are kept across the writes that
 * cannot change them, and only those: every kind of write that can change a past month's
 * report must raise `data_stamps.settled` (migration 0006), or the report kept in memory would
 * be stale. Each case below makes one such write and compares the kept report with one
 * computed afresh on a second connection (its own, empty caches).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { SETTLED_AFTER_MS } from '../../server/core/cache.ts';
import { openDatabase } from '../../server/core/db.ts';
import type { Viewer } from '../../server/core/policy.ts';
import { monthRange } from '../../server/core/time.ts';
import { monthKey, ReportsService } from '../../server/reports/service.ts';
import { makeOrg, makeUnit } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';
import { at, certificate, complete, enrol, mark, novemberData, session, TZ } from './factories.ts';

let t: TestApp;
let file: string;
let org: Awaited<ReturnType<typeof makeOrg>>;
let data: ReturnType<typeof novemberData>;
let kept: ReportsService;
let recorder: ReturnType<typeof queryRecorder>;

const office: Viewer = {
  userId: 1,
  username: 'office',
  displayName: 'office',
  memberId: null,
  locale: null,
  roles: ['office'],
  coordinatorUnits: [],
  sessionId: 'test',
};
const NOVEMBER = { month: '2020-11', unit: null };

/** the report through the app's connection (its caches) and on a fresh connection */
function both(q: { month: string; unit: number | null } = NOVEMBER) {
  const conn = openDatabase(file);
  try {
    return { kept: kept.monthly(office, q), fresh: new ReportsService(conn, TZ).monthly(office, q) };
  } finally {
    conn.$client.close();
  }
}
const stamp = () => t.db.select().from(s.dataStamps).where(eq(s.dataStamps.name, 'settled')).get()!.n;
/** the statements summing a month's marks per member that a report ran */
const monthSums = (q = NOVEMBER) =>
  recorder.capture(() => kept.monthly(office, q)).filter((r) => /with per as/.test(r.sql));
const enrolmentOf = (activityId: number, memberId: number) =>
  t.db
    .select()
    .from(s.enrolments)
    .where(and(eq(s.enrolments.activityId, activityId), eq(s.enrolments.memberId, memberId)))
    .get()!;

beforeAll(async () => {
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-settled-')), 'taahil.sqlite');
  t = await createTestApp({}, file);
  org = await makeOrg(t.db);
  data = novemberData(t.db, org);
  kept = new ReportsService(t.db, TZ);
  recorder = queryRecorder(t.db);
});
afterAll(async () => {
  await t.close();
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

describe('a settled month is kept across the writes that cannot change it', () => {
  // writes of every day: a check-in today, an enrolment, its counters, a completion and a
  // certificate dated now, a member's phone
  const everyday: [string, () => void][] = [
    ['a mark on a session that started now', () => mark(t.db, data.today.id, data.m2.id, 'present')],
    [
      'a session that started yesterday, and a mark on it',
      () => mark(t.db, session(t.db, data.a4.id, new Date(Date.now() - 86_400_000)).id, data.m1.id, 'late'),
    ],
    ['a new enrolment', () => enrol(t.db, data.a4.id, data.m5.id)],
    [
      'a completion and a certificate dated now',
      () => {
        const e = enrolmentOf(data.a4.id, data.m2.id);
        t.db.update(s.enrolments).set({ status: 'completed' }).where(eq(s.enrolments.id, e.id)).run();
        complete(t.db, e.id, new Date());
        certificate(t.db, e.id, new Date());
      },
    ],
    [
      "a member's phone",
      () =>
        t.db
          .update(s.members)
          .set({ phone: '0999000111', unitId: data.m1.unitId, gender: data.m1.gender })
          .where(eq(s.members.id, data.m1.id))
          .run(),
    ],
  ];

  it('computes November and October 2020 once, then serves them kept after each everyday write', () => {
    expect(monthSums()).toHaveLength(2); // November and October, computed
    expect(monthSums()).toHaveLength(0); // kept: nothing written
    const before = stamp();
    for (const [what, write] of everyday) {
      write();
      expect(stamp(), what).toBe(before);
      expect(monthSums(), what).toHaveLength(0);
      const r = both();
      expect(r.kept, what).toEqual(r.fresh);
    }
  });

  it('draws a month that is not settled again after any write', () => {
    const now = new Date();
    const thisMonth = { month: monthKey(now, TZ), unit: null };
    expect(monthSums(thisMonth)).toHaveLength(2);
    mark(t.db, data.today.id, org.member.id, 'late');
    // this month is never settled; last month is once two days of this one have passed
    const settledLast = monthRange(thisMonth.month, TZ)!.from.getTime() <= now.getTime() - SETTLED_AFTER_MS;
    expect(monthSums(thisMonth)).toHaveLength(settledLast ? 1 : 2);
  });
});

describe('every write that can change a settled month raises the stamp and draws it afresh', () => {
  const cases: [string, () => void][] = [
    ['a mark added to a session in November', () => mark(t.db, data.s1.id, data.m4.id, 'present')],
    [
      'a mark changed',
      () =>
        t.db
          .update(s.attendance)
          .set({ status: 'present' })
          .where(and(eq(s.attendance.sessionId, data.s1.id), eq(s.attendance.memberId, data.m2.id)))
          .run(),
    ],
    [
      'a mark deleted',
      () =>
        t.db
          .delete(s.attendance)
          .where(and(eq(s.attendance.sessionId, data.s1.id), eq(s.attendance.memberId, data.m4.id)))
          .run(),
    ],
    [
      'a session cancelled',
      () => t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, data.s2.id)).run(),
    ],
    [
      'a session moved to October',
      () =>
        t.db
          .update(s.sessions)
          .set({ startsAt: at(2020, 10, 20) })
          .where(eq(s.sessions.id, data.s4.id))
          .run(),
    ],
    ['a session added in November', () => session(t.db, data.a1.id, at(2020, 11, 12))],
    [
      'that session deleted',
      () =>
        t.db
          .delete(s.sessions)
          .where(and(eq(s.sessions.activityId, data.a1.id), eq(s.sessions.startsAt, at(2020, 11, 12))))
          .run(),
    ],
    [
      "an activity's kind",
      () => t.db.update(s.activities).set({ kind: 'seminar' }).where(eq(s.activities.id, data.a1.id)).run(),
    ],
    [
      'an activity back to draft',
      () => t.db.update(s.activities).set({ status: 'draft' }).where(eq(s.activities.id, data.a3.id)).run(),
    ],
    [
      "an activity's organising unit",
      () =>
        t.db
          .update(s.activities)
          .set({ organisingUnitId: org.units.tabqa.id })
          .where(eq(s.activities.id, data.a1.id))
          .run(),
    ],
    [
      'a member moved to another unit',
      () => t.db.update(s.members).set({ unitId: org.units.mansoura.id }).where(eq(s.members.id, data.m1.id)).run(),
    ],
    ["a member's gender", () => t.db.update(s.members).set({ gender: 'm' }).where(eq(s.members.id, data.m3.id)).run()],
    [
      "a member's birth year",
      () => t.db.update(s.members).set({ birthYear: 1999 }).where(eq(s.members.id, data.m2.id)).run(),
    ],
    [
      'a member joins a council',
      () => t.db.insert(s.memberCouncils).values({ memberId: data.m3.id, councilId: data.women.id }).run(),
    ],
    [
      'a member leaves a council',
      () =>
        t.db
          .delete(s.memberCouncils)
          .where(and(eq(s.memberCouncils.memberId, data.m4.id), eq(s.memberCouncils.councilId, data.youth.id)))
          .run(),
    ],
    [
      "a council's kind",
      () => t.db.update(s.councils).set({ kind: 'youth' }).where(eq(s.councils.id, data.women.id)).run(),
    ],
    [
      'a unit renamed',
      () => t.db.update(s.units).set({ nameAr: 'مدينة الرقة' }).where(eq(s.units.id, org.units.raqqa.id)).run(),
    ],
    ['a unit added', () => makeUnit(t.db, { parentId: org.units.centre.id, nameAr: 'مجلس جديد', kind: 'city' })],
    [
      'a completion undone',
      () =>
        t.db
          .update(s.enrolments)
          .set({ status: 'approved' })
          .where(eq(s.enrolments.id, enrolmentOf(data.a2.id, data.m4.id).id))
          .run(),
    ],
    [
      'a completion recorded with its date in November',
      () => complete(t.db, enrolmentOf(data.a2.id, data.m3.id).id, at(2020, 11, 22, 12)),
    ],
    [
      'a certificate revoked',
      () =>
        t.db
          .update(s.certificates)
          .set({ revokedAt: new Date() })
          .where(eq(s.certificates.enrolmentId, enrolmentOf(data.a2.id, data.m4.id).id))
          .run(),
    ],
    [
      'a certificate issued with its date in November',
      () => certificate(t.db, enrolmentOf(data.a2.id, data.m3.id).id, at(2020, 11, 23, 12)),
    ],
    [
      'that certificate deleted',
      () =>
        t.db
          .delete(s.certificates)
          .where(eq(s.certificates.enrolmentId, enrolmentOf(data.a2.id, data.m3.id).id))
          .run(),
    ],
  ];

  it.each(cases)('%s', (_what, write) => {
    const before = both();
    expect(before.kept).toEqual(before.fresh);
    const n = stamp();
    write();
    expect(stamp()).toBeGreaterThan(n);
    const after = both();
    // the write changes November's or October's report, and the kept one shows it
    expect(after.fresh).not.toEqual(before.fresh);
    expect(after.kept).toEqual(after.fresh);
  });
});
