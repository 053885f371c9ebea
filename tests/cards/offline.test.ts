import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { enrol, eventsOf, makeActivity, makeSession, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
let office: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
  office = new Client(t.app);
  await office.login('office');
});
afterAll(() => t.close());

/** what static/js/cards.js queues when a scan finds no connection, as the offline queue sends it later */
async function syncQueued(
  sessionId: number,
  items: { clientId: string; cardToken: string; status: string; at: number }[],
) {
  await trainer.get(`/sessions/${sessionId}/scan`);
  const res = await trainer.request('POST', '/offline/sync', {
    payload: JSON.stringify({
      sentAt: Date.now(),
      items: items.map((i) => ({ ...i, sessionId, userId: org.users.trainer.id })),
    }),
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': trainer.csrf! },
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { results: { clientId: string; outcome: string; reason?: string }[] }).results;
}

const tokenOf = (memberId: number) => t.db.select().from(s.members).where(eq(s.members.id, memberId)).get()!.cardToken!;

describe('a card scanned with no connection, sent later by the offline queue', () => {
  it('is marked via the card once (a replay changes nothing); a revoked card is refused', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -20 });
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    const gone = makeMember(t.db, { unitId: org.units.karama.id });
    enrol(t.db, a.id, m.id);
    enrol(t.db, a.id, gone.id);
    await office.post(`/members/${m.id}/card`, { action: 'issue' });
    await office.post(`/members/${gone.id}/card`, { action: 'issue' });
    const revoked = tokenOf(gone.id);
    await office.post(`/members/${gone.id}/card`, { action: 'revoke' });

    const at = Date.now() - 60_000;
    const items = [
      { clientId: 'scan-card-0001', cardToken: tokenOf(m.id), status: 'late', at },
      { clientId: 'scan-card-0002', cardToken: revoked, status: 'present', at },
    ];
    let results = await syncQueued(sess.id, items);
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'refused']);
    expect(results[1].reason).toBe('unknownCard');
    expect(marksOf(t.db, sess.id).get(m.id)).toMatchObject({ status: 'late', via: 'card' });
    expect(marksOf(t.db, sess.id).has(gone.id)).toBe(false);

    results = await syncQueued(sess.id, items);
    expect(results[0].outcome).toBe('applied');
    expect(eventsOf(t.db, sess.id).filter((e) => e.memberId === m.id)).toHaveLength(1);
  });
});
