/**
 * A roster save plans its changes without the write lock, from the session's marks kept until
 * the next write (server/attendance/repository.ts plainMarks), and inside the transaction uses
 * that plan again only when nothing was written since. A commit by another process must never
 * leave a plan made on marks older than it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { AttendanceService } from '../../server/attendance/service.ts';
import { dataCache } from '../../server/core/cache.ts';
import { tx } from '../../server/core/db.ts';
import type { Viewer } from '../../server/core/policy.ts';
import { makeOrg } from '../factories.ts';
import { tempDir } from '../faults/server.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { activity, enrol, mark, session } from '../reports/factories.ts';

let dir: string;
let t: TestApp;
let other: Database.Database;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Viewer;
beforeAll(async () => {
  dir = tempDir('save-plan');
  const file = path.join(dir, 'taahil.sqlite');
  t = await createTestApp({}, file);
  other = new Database(file);
  org = await makeOrg(t.db);
  const c = new Client(t.app);
  await c.login('trainer');
  trainer = t.app.sessions.validate(c.cookies.get('taahil_session')!)!;
});
afterAll(async () => {
  other.close();
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function roster() {
  const a = activity(t.db, { organisingUnitId: org.units.centre.id, status: 'running', title: 'حلقة الخطة' });
  const sess = session(t.db, a.id, new Date(Date.now() - 30 * 60_000), { trainerUserId: org.users.trainer.id });
  enrol(t.db, a.id, org.member.id, 'approved');
  mark(t.db, sess.id, org.member.id, 'present');
  return { a, sess };
}
const form = (activityId: number, status: s.AttendanceStatus) => ({
  activityId,
  entries: [{ memberId: org.member.id, status }],
  reason: null,
  allPresent: false,
});
const eventsOf = (sessionId: number) =>
  t.db
    .select()
    .from(s.attendanceEvents)
    .where(and(eq(s.attendanceEvents.sessionId, sessionId), eq(s.attendanceEvents.memberId, org.member.id)))
    .all();

describe('a roster save and another process', () => {
  it('plans on the marks another process committed within the same turn, not on kept ones', () => {
    const { a, sess } = roster();
    const service = new AttendanceService(t.db, t.app.audit, t.app.events);
    // the marks are kept: a form sent again as it is writes nothing
    expect(service.save(trainer, sess.id, form(a.id, 'present'))).toEqual({ changed: 0 });
    // another process marks the member absent, and the trainer's form says absent too
    other
      .prepare('update attendance set status = ? where session_id = ? and member_id = ?')
      .run('absent', sess.id, org.member.id);
    expect(service.save(trainer, sess.id, form(a.id, 'absent'))).toEqual({ changed: 0 });
    expect(eventsOf(sess.id)).toHaveLength(0);
  });

  it('writes what changed, from the stored mark, and the next identical form writes nothing', () => {
    const { a, sess } = roster();
    const service = new AttendanceService(t.db, t.app.audit, t.app.events);
    expect(service.save(trainer, sess.id, form(a.id, 'late'))).toEqual({ changed: 1 });
    expect(service.save(trainer, sess.id, form(a.id, 'late'))).toEqual({ changed: 0 });
    expect(eventsOf(sess.id).map((e) => [e.fromStatus, e.toStatus])).toEqual([['present', 'late']]);
    const stored = t.db
      .select({ status: s.attendance.status })
      .from(s.attendance)
      .where(and(eq(s.attendance.sessionId, sess.id), eq(s.attendance.memberId, org.member.id)))
      .get();
    expect(stored?.status).toBe('late');
  });

  it('keeps the marks a save wrote for the next save, and still sees a later commit of another process', () => {
    const { a, sess } = roster();
    const service = new AttendanceService(t.db, t.app.audit, t.app.events);
    expect(service.save(trainer, sess.id, form(a.id, 'late'))).toEqual({ changed: 1 });
    // the marks as the save left them are kept: the next save reads nothing
    let read = false;
    const kept = dataCache(t.db, 'roster-plan').get(`marks|${sess.id}`, () => {
      read = true;
      return new Map();
    }) as Map<number, { status: string }>;
    expect(read).toBe(false);
    expect(kept.get(org.member.id)?.status).toBe('late');
    // another process then marks the member absent: a form saying absent changes nothing
    other
      .prepare('update attendance set status = ? where session_id = ? and member_id = ?')
      .run('absent', sess.id, org.member.id);
    expect(service.save(trainer, sess.id, form(a.id, 'absent'))).toEqual({ changed: 0 });
    expect(service.save(trainer, sess.id, form(a.id, 'present'))).toEqual({ changed: 1 });
    expect(eventsOf(sess.id).map((e) => [e.fromStatus, e.toStatus])).toEqual([
      ['present', 'late'],
      ['absent', 'present'],
    ]);
  });

  it('keeps nothing from a save inside a transaction that is then rolled back (a sign-in sheet of several sessions)', () => {
    const { a, sess } = roster();
    const service = new AttendanceService(t.db, t.app.audit, t.app.events);
    expect(() =>
      tx(t.db, () => {
        expect(service.save(trainer, sess.id, form(a.id, 'late'))).toEqual({ changed: 1 });
        throw new Error('a later session of the sheet was refused');
      }),
    ).toThrow('refused');
    // the mark is still present: the same form must write it
    expect(service.save(trainer, sess.id, form(a.id, 'late'))).toEqual({ changed: 1 });
    expect(eventsOf(sess.id).map((e) => [e.fromStatus, e.toStatus])).toEqual([['present', 'late']]);
  });
});
