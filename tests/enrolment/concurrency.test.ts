/**
 * Many members ask for the last seats at the same moment, through the real HTTP server
 * on a database file: approved never exceeds capacity, the rest wait in arrival order.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { makeActivity, makeEnrolment } from './factories.ts';

let t: TestApp;
let dir: string;
let base: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-enrol-'));
  t = await createTestApp({ TAAHIL_LOGIN_MAX_PER_MINUTE: '1000' }, path.join(dir, 'test.sqlite'));
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('capacity under concurrency', () => {
  it('approves exactly the free seats and waitlists the rest in arrival order', async () => {
    const org = await makeOrg(t.db);
    const capacity = 8;
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true, capacity });
    // 5 seats already taken: 3 last seats for 24 requests
    for (let i = 0; i < 5; i++)
      makeEnrolment(t.db, {
        activityId: a.id,
        memberId: makeMember(t.db, { unitId: org.units.karama.id }).id,
        source: 'office',
      });
    const people = [];
    for (let i = 0; i < 24; i++) {
      const m = makeMember(t.db, { unitId: org.units.karama.id });
      const u = await makeUser(t.db, { roles: [{ role: 'member' }], memberId: m.id });
      const c = new Client(t.app);
      await c.login(u.username);
      await c.get('/enrolments');
      people.push({ m, c });
    }
    const responses = await Promise.all(
      people.map(({ c }) =>
        fetch(`${base}/activities/${a.id}/enrol`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          },
          body: new URLSearchParams({ _csrf: c.csrf!, next: '/enrolments' }).toString(),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(people.map(() => 303));

    const rows = t.db.select().from(s.enrolments).where(eq(s.enrolments.activityId, a.id)).all();
    const approved = rows.filter((r) => r.status === 'approved');
    const waitlisted = rows.filter((r) => r.status === 'waitlisted');
    expect(approved).toHaveLength(capacity);
    expect(waitlisted).toHaveLength(24 - 3);
    expect(approved.every((r) => !r.overCapacity)).toBe(true);
    // arrival order: the enrolments were created in the order the server took them;
    // the waiting list follows it, numbered 1, 2, 3, ... without gaps
    const byArrival = [...waitlisted].sort((x, y) => x.id - y.id);
    expect(byArrival.map((r) => r.waitlistSeq)).toEqual(byArrival.map((_, i) => i + 1));
    // the three seats went to the first three to arrive
    const newcomers = rows.filter((r) => r.source === 'self').sort((x, y) => x.id - y.id);
    expect(newcomers.slice(0, 3).map((r) => r.status)).toEqual(['approved', 'approved', 'approved']);

    // a withdrawal gives the seat to the first on the waiting list
    const leaving = people.find((p) => p.m.id === newcomers[0].memberId)!;
    await leaving.c.post(`/activities/${a.id}/withdraw`);
    const first = byArrival[0];
    expect(t.db.select().from(s.enrolments).where(eq(s.enrolments.id, first.id)).get()!.status).toBe('approved');
    const after = t.db.select().from(s.enrolments).where(eq(s.enrolments.activityId, a.id)).all();
    expect(after.filter((r) => r.status === 'approved')).toHaveLength(capacity);
  });
});
