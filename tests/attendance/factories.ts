/** Test data for attendance: activities, sessions and enrolments written straight into the database. */
import { eq } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import type { Db } from '../../server/core/db.ts';
import { makeMember } from '../factories.ts';

let seq = 0;
const MIN = 60_000;
const DAY = 86_400_000;

export function makeActivity(db: Db, opts: Partial<typeof s.activities.$inferInsert> & { organisingUnitId: number }) {
  return db
    .insert(s.activities)
    .values({ kind: 'course', title: `دورة ${++seq}`, status: 'running', selfEnrol: false, ...opts })
    .returning()
    .get();
}

/** A session relative to now: `startMin` minutes from now (negative: already started), lasting `minutes`. */
export function makeSession(
  db: Db,
  activityId: number,
  opts: Partial<typeof s.sessions.$inferInsert> & { startMin?: number; minutes?: number } = {},
) {
  const { startMin = -30, minutes = 120, ...rest } = opts;
  const startsAt = new Date(Date.now() + startMin * MIN);
  return db
    .insert(s.sessions)
    .values({ activityId, startsAt, endsAt: new Date(startsAt.getTime() + minutes * MIN), ...rest })
    .returning()
    .get();
}

export const daysAgo = (n: number) => -n * (DAY / MIN);

export function enrol(db: Db, activityId: number, memberId: number, status: s.EnrolmentStatus = 'approved') {
  return db.insert(s.enrolments).values({ activityId, memberId, source: 'office', status }).returning().get();
}

/** `n` members of a unit, each enrolled (approved) in the activity. */
export function makeEnrolledMembers(db: Db, activityId: number, unitId: number, n: number) {
  const out: { id: number }[] = [];
  for (let i = 0; i < n; i++) {
    const m = makeMember(db, { unitId, fullName: `متدرب ${String(i).padStart(3, '0')}` });
    enrol(db, activityId, m.id);
    out.push(m);
  }
  return out;
}

export function enrolmentOf(db: Db, activityId: number, memberId: number) {
  return db
    .select()
    .from(s.enrolments)
    .where(eq(s.enrolments.activityId, activityId))
    .all()
    .find((e) => e.memberId === memberId)!;
}

export function marksOf(db: Db, sessionId: number) {
  return new Map(
    db
      .select()
      .from(s.attendance)
      .where(eq(s.attendance.sessionId, sessionId))
      .all()
      .map((a) => [a.memberId, a]),
  );
}

export function eventsOf(db: Db, sessionId: number) {
  return db.select().from(s.attendanceEvents).where(eq(s.attendanceEvents.sessionId, sessionId)).all();
}

export function auditOf(db: Db, action: string) {
  return db.select().from(s.auditLog).where(eq(s.auditLog.action, action)).all();
}
