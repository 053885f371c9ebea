/** Test data for the follow-up feature, written straight into the test database. */
import { eq } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import type { Db } from '../../server/core/db.ts';

export { enrol, makeActivity, makeSession } from '../attendance/factories.ts';

export function mark(db: Db, sessionId: number, memberId: number, status: s.AttendanceStatus, markedBy?: number) {
  db.insert(s.attendance)
    .values({ sessionId, memberId, status, markedAt: new Date(), markedBy: markedBy ?? null })
    .run();
}

export function apologiesOf(db: Db, memberId: number) {
  return db.select().from(s.apologies).where(eq(s.apologies.memberId, memberId)).all();
}

export function notificationsOf(db: Db, userId: number) {
  return db.select().from(s.notifications).where(eq(s.notifications.userId, userId)).all();
}

export function moveSession(db: Db, sessionId: number, startsAt: Date) {
  db.update(s.sessions)
    .set({ startsAt, endsAt: new Date(startsAt.getTime() + 2 * 3_600_000) })
    .where(eq(s.sessions.id, sessionId))
    .run();
}
