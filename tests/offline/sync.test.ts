import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import {
  auditOf,
  daysAgo,
  enrol,
  enrolmentOf,
  eventsOf,
  makeActivity,
  makeEnrolledMembers,
  makeSession,
  marksOf,
} from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
let office: Client;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
  office = new Client(t.app);
  await office.login('office');
});
afterAll(() => t.close());

const MIN = 60_000;
const cid = () => `c${Date.now().toString(36)}x${(++n).toString().padStart(6, '0')}`;

/** a running course of the centre taught by the trainer, with `k` enrolled members */
function course(k = 3, opts: { startMin?: number; editWindowDays?: number } = {}) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, editWindowDays: opts.editWindowDays ?? 14 });
  const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: opts.startMin });
  const people = makeEnrolledMembers(t.db, a.id, org.units.karama.id, k);
  return { a, sess, people };
}

interface Result {
  clientId: string;
  outcome: string;
  replayed: boolean;
  reason?: string;
  message: string;
  server?: { status: string; byName: string | null; at: number };
}

async function sync(c: Client, items: unknown[], sentAt = Date.now()) {
  if (!c.csrf) await c.get('/offline');
  const res = await c.request('POST', '/offline/sync', {
    payload: JSON.stringify({ sentAt, items }),
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': c.csrf ?? '' },
  });
  return { status: res.status, body: JSON.parse(res.body) as { ok: boolean; results: Result[] } };
}

const receipts = (sessionId: number) => auditOf(t.db, 'attendance.offline').filter((r) => r.entityId === sessionId);

describe('sending the queue', () => {
  it('saves queued marks once: a replay writes nothing and says so', async () => {
    const { a, sess, people } = course(3);
    const items = [
      { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'present', at: Date.now() - 5 * MIN },
      { clientId: cid(), sessionId: sess.id, memberId: people[1].id, status: 'late', at: Date.now() - 4 * MIN },
    ];
    const first = await sync(trainer, items);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r) => [r.outcome, r.replayed])).toEqual([
      ['applied', false],
      ['applied', false],
    ]);
    expect(first.body.results[0].message).toBe('محفوظ على الخادم');
    const marks = marksOf(t.db, sess.id);
    expect(marks.get(people[0].id)!.status).toBe('present');
    expect(marks.get(people[1].id)!.status).toBe('late');
    expect(marks.get(people[1].id)!.markedBy).toBe(org.users.trainer.id);
    expect(eventsOf(t.db, sess.id).length).toBe(2);
    expect(auditOf(t.db, 'attendance.save').filter((r) => r.entityId === sess.id).length).toBe(2);
    expect(receipts(sess.id).length).toBe(2);
    expect(enrolmentOf(t.db, a.id, people[0].id).attendedCount).toBe(1);

    // the phone lost the answer and sends the same queue again (twice)
    for (let i = 0; i < 2; i++) {
      const again = await sync(trainer, items);
      expect(again.body.results.map((r) => [r.outcome, r.replayed])).toEqual([
        ['applied', true],
        ['applied', true],
      ]);
    }
    expect(eventsOf(t.db, sess.id).length).toBe(2);
    expect(auditOf(t.db, 'attendance.save').filter((r) => r.entityId === sess.id).length).toBe(2);
    expect(receipts(sess.id).length).toBe(2);
    expect(enrolmentOf(t.db, a.id, people[0].id).attendedCount).toBe(1);
  });

  it('a replay never undoes a later change by the office', async () => {
    const { a, sess, people } = course(1);
    const item = { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'present', at: Date.now() };
    expect((await sync(trainer, [item])).body.results[0].outcome).toBe('applied');
    await office.get(`/sessions/${sess.id}/attendance`);
    const res = await office.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      [`s_${people[0].id}`]: 'excused',
    });
    expect(res.status).toBe(303);
    const replay = await sync(trainer, [item]);
    expect(replay.body.results[0]).toMatchObject({ outcome: 'applied', replayed: true });
    expect(marksOf(t.db, sess.id).get(people[0].id)!.status).toBe('excused');
    expect(eventsOf(t.db, sess.id).length).toBe(2);
  });

  it('an office change newer than the queued mark wins; both stay in the trail and the trainer is told', async () => {
    const { a, sess, people } = course(2);
    const markedOffline = Date.now() - 10 * MIN;
    // the office marks both while the trainer's phone is offline
    await office.get(`/sessions/${sess.id}/attendance`);
    await office.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.id),
      [`s_${people[0].id}`]: 'absent',
      [`s_${people[1].id}`]: 'present',
    });
    const items = [
      { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'present', at: markedOffline },
      { clientId: cid(), sessionId: sess.id, memberId: people[1].id, status: 'present', at: markedOffline },
    ];
    const res = await sync(trainer, items);
    const [over, same] = res.body.results;
    expect(over.outcome).toBe('overridden');
    expect(over.server).toMatchObject({ status: 'absent', byName: org.users.office.displayName });
    expect(over.message).toContain('غائب');
    expect(over.message).toContain(org.users.office.displayName);
    expect(same.outcome).toBe('unchanged');

    // the later change stays
    const marks = marksOf(t.db, sess.id);
    expect(marks.get(people[0].id)!.status).toBe('absent');
    expect(marks.get(people[0].id)!.markedBy).toBe(org.users.office.id);
    expect(enrolmentOf(t.db, a.id, people[0].id).attendedCount).toBe(0);
    // both are in the session's attendance events
    const events = eventsOf(t.db, sess.id).filter((e) => e.memberId === people[0].id);
    expect(events.map((e) => [e.byUserId, e.toStatus])).toEqual([
      [org.users.office.id, 'absent'],
      [org.users.trainer.id, 'present'],
    ]);
    expect(events[1].fromStatus).toBe('absent');
    expect(events[1].reason).toContain('لم تُطبَّق');
    expect(eventsOf(t.db, sess.id).filter((e) => e.memberId === people[1].id).length).toBe(1);
    // the full roster shows the not-applied mark in the member's history
    const roster = await office.get(`/sessions/${sess.id}/attendance`);
    expect(textOf(roster.body)).toContain('لم تُطبَّق');

    // replaying it changes nothing more
    const replay = await sync(trainer, items);
    expect(replay.body.results.map((r) => [r.outcome, r.replayed])).toEqual([
      ['overridden', true],
      ['unchanged', true],
    ]);
    expect(eventsOf(t.db, sess.id).length).toBe(3);

    // a mark made after the office's change is applied (the later change wins either way)
    const later = await sync(trainer, [
      { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'late', at: Date.now() },
    ]);
    expect(later.body.results[0].outcome).toBe('applied');
    expect(marksOf(t.db, sess.id).get(people[0].id)!.status).toBe('late');
  });

  it('corrects a phone whose clock is off by the difference it shows when sending', async () => {
    const { sess, people } = course(1);
    // the office marked five minutes ago
    await office.get(`/sessions/${sess.id}/attendance`);
    const a = t.db.select().from(s.sessions).where(eq(s.sessions.id, sess.id)).get()!;
    await office.post(`/sessions/${sess.id}/attendance`, {
      activityId: String(a.activityId),
      [`s_${people[0].id}`]: 'absent',
    });
    t.db
      .update(s.attendance)
      .set({ markedAt: new Date(Date.now() - 5 * MIN) })
      .where(and(eq(s.attendance.sessionId, sess.id), eq(s.attendance.memberId, people[0].id)))
      .run();
    // the phone runs an hour late: it marked two minutes ago by its own clock, after the office
    const hour = 60 * MIN;
    const res = await sync(
      trainer,
      [
        {
          clientId: cid(),
          sessionId: sess.id,
          memberId: people[0].id,
          status: 'present',
          at: Date.now() - hour - 2 * MIN,
        },
      ],
      Date.now() - hour,
    );
    expect(res.body.results[0].outcome).toBe('applied');
    expect(marksOf(t.db, sess.id).get(people[0].id)!.status).toBe('present');
  });
});

describe('queued marks the server refuses', () => {
  it('a session cancelled meanwhile: refused with the reason, nothing saved, no receipt', async () => {
    const { sess, people } = course(1);
    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, sess.id)).run();
    const item = { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'present', at: Date.now() };
    const res = await sync(trainer, [item]);
    expect(res.body.results[0]).toMatchObject({ outcome: 'refused', reason: 'cancelled', replayed: false });
    expect(res.body.results[0].message).toBe('أُلغيت الجلسة في الأثناء.');
    expect(marksOf(t.db, sess.id).size).toBe(0);
    expect(eventsOf(t.db, sess.id).length).toBe(0);
    expect(receipts(sess.id).length).toBe(0);
  });

  it('a member no longer on the roster, beside a good mark in the same batch', async () => {
    const { a, sess, people } = course(2);
    t.db
      .update(s.enrolments)
      .set({ status: 'withdrawn' })
      .where(and(eq(s.enrolments.activityId, a.id), eq(s.enrolments.memberId, people[1].id)))
      .run();
    const stranger = makeMember(t.db, { unitId: org.units.karama.id });
    const res = await sync(trainer, [
      { clientId: cid(), sessionId: sess.id, memberId: people[0].id, status: 'present', at: Date.now() },
      { clientId: cid(), sessionId: sess.id, memberId: people[1].id, status: 'present', at: Date.now() },
      { clientId: cid(), sessionId: sess.id, memberId: stranger.id, status: 'present', at: Date.now() },
    ]);
    expect(res.body.results.map((r) => [r.outcome, r.reason ?? null])).toEqual([
      ['applied', null],
      ['refused', 'notOnRoster'],
      ['refused', 'notOnRoster'],
    ]);
    expect(res.body.results[1].message).toBe('لم يعد هذا العضو في القائمة.');
    expect([...marksOf(t.db, sess.id).keys()]).toEqual([people[0].id]);
  });

  it('an expired edit window, a session of another trainer, an unknown session, a bad item', async () => {
    const old = course(1, { startMin: daysAgo(5), editWindowDays: 1 });
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const trainer2 = await makeUser(t.db, { username: `trainer-${cid()}`, roles: [{ role: 'trainer' }] });
    const otherSession = makeSession(t.db, other.id, { trainerUserId: trainer2.id });
    enrol(t.db, other.id, old.people[0].id);
    const res = await sync(trainer, [
      { clientId: cid(), sessionId: old.sess.id, memberId: old.people[0].id, status: 'present', at: Date.now() },
      { clientId: cid(), sessionId: otherSession.id, memberId: old.people[0].id, status: 'present', at: Date.now() },
      { clientId: cid(), sessionId: 99_999_999, memberId: old.people[0].id, status: 'present', at: Date.now() },
      { clientId: cid(), sessionId: old.sess.id, memberId: old.people[0].id, status: 'asleep', at: Date.now() },
      { clientId: cid(), sessionId: old.sess.id, cardToken: 'no-such-card-token', status: 'present', at: Date.now() },
      {
        clientId: cid(),
        sessionId: old.sess.id,
        memberId: old.people[0].id,
        status: 'present',
        at: Date.now(),
        userId: org.users.office.id,
      },
      'garbage',
    ]);
    expect(res.body.results.map((r) => r.reason)).toEqual([
      'windowClosed',
      'forbidden',
      'unknownSession',
      'invalid',
      'unknownCard',
      'otherUser',
      'invalid',
    ]);
    expect(res.body.results.every((r) => r.outcome === 'refused' && r.message.length > 0)).toBe(true);
    expect(marksOf(t.db, old.sess.id).size).toBe(0);
    expect(marksOf(t.db, otherSession.id).size).toBe(0);
  });

  it('a card token resolves to its member', async () => {
    const { sess, people } = course(1);
    t.db.update(s.members).set({ cardToken: 'tok-abcdefghijklmnop' }).where(eq(s.members.id, people[0].id)).run();
    const res = await sync(trainer, [
      { clientId: cid(), sessionId: sess.id, cardToken: 'tok-abcdefghijklmnop', status: 'present', at: Date.now() },
    ]);
    expect(res.body.results[0]).toMatchObject({ outcome: 'applied' });
    expect(marksOf(t.db, sess.id).get(people[0].id)!.status).toBe('present');
  });

  it('refuses a malformed request, a signed-out caller, a member and a missing CSRF token', async () => {
    const bad = await trainer.request('POST', '/offline/sync', {
      payload: JSON.stringify({ items: 'x' }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': trainer.csrf ?? '', accept: 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error ?? bad.body).toBeTruthy();
    const tooMany = await sync(
      trainer,
      Array.from({ length: 501 }, () => ({})),
    );
    expect(tooMany.status).toBe(400);

    const member = new Client(t.app);
    await member.login('member');
    expect((await sync(member, [])).status).toBe(403);
    const anon = new Client(t.app);
    const res = await anon.request('POST', '/offline/sync', {
      payload: JSON.stringify({ sentAt: Date.now(), items: [] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    const noCsrf = await trainer.request('POST', '/offline/sync', {
      payload: JSON.stringify({ sentAt: Date.now(), items: [] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(noCsrf.status).toBe(403);
  });
});
