import { eq } from 'drizzle-orm';
import * as s from '../../db/schema.ts';
import type { Db } from '../../server/core/db.ts';
import { makeMember, makeUser } from '../factories.ts';
import { Client, type TestApp } from '../helpers.ts';

/** a member with a login, signed in */
export async function memberClient(t: TestApp, unitId: number, opts: { fullName?: string; email?: string } = {}) {
  const m = makeMember(t.db, { unitId, fullName: opts.fullName });
  const u = await makeUser(t.db, { roles: [{ role: 'member' }], memberId: m.id });
  if (opts.email) t.db.update(s.users).set({ email: opts.email }).where(eq(s.users.id, u.id)).run();
  const c = new Client(t.app);
  await c.login(u.username);
  return { member: m, user: u, client: c };
}

export function enrolmentOf(db: Db, activityId: number, memberId: number) {
  return db
    .select()
    .from(s.enrolments)
    .all()
    .find((e) => e.activityId === activityId && e.memberId === memberId);
}

export function eventsOf(db: Db, enrolmentId: number) {
  return db.select().from(s.enrolmentEvents).where(eq(s.enrolmentEvents.enrolmentId, enrolmentId)).all();
}
