/** Factories for activities, sessions and enrolments, written straight into the test database. */
import * as s from '../../db/schema.ts';
import type { Db } from '../../server/core/db.ts';

let seq = 0;

export function makeActivity(
  db: Db,
  opts: Partial<typeof s.activities.$inferInsert> & { organisingUnitId: number; councilIds?: number[] },
) {
  const row = db
    .insert(s.activities)
    .values({ kind: 'seminar', title: `نشاط ${++seq}`, status: 'open', ...opts })
    .returning()
    .get();
  for (const councilId of opts.councilIds ?? [])
    db.insert(s.activityCouncils).values({ activityId: row.id, councilId }).run();
  return row;
}

export function makeSession(
  db: Db,
  opts: Partial<typeof s.sessions.$inferInsert> & { activityId: number; startsAt: Date },
) {
  return db
    .insert(s.sessions)
    .values({
      endsAt: new Date(opts.startsAt.getTime() + 2 * 3600_000),
      checkinCode: `T${++seq}X${Date.now() % 100000}`,
      ...opts,
    })
    .returning()
    .get();
}

export function makeEnrolment(db: Db, activityId: number, memberId: number, status: s.EnrolmentStatus = 'approved') {
  return db.insert(s.enrolments).values({ activityId, memberId, source: 'office', status }).returning().get();
}

export function markAttendance(db: Db, sessionId: number, memberId: number, status: s.AttendanceStatus = 'present') {
  return db.insert(s.attendance).values({ sessionId, memberId, status, markedAt: new Date() }).returning().get();
}

/** A valid activity form as a browser would send it. */
export function activityForm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'seminar',
    title: 'ندوة تجريبية',
    audienceKind: 'everyone',
    selfEnrol: 'on',
    minAttendancePct: '75',
    lateCounts: 'on',
    excusedExcluded: 'on',
    denominator: 'held',
    excusedWeight: '0',
    dropLowest: '0',
    checkinOpensBeforeMin: '15',
    lateAfterMin: '10',
    editWindowDays: '7',
    ...overrides,
  };
}
