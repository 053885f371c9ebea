/**
 * The pages the benchmark drives, checked by the statements they really run (recorded on the
 * connection while app.inject serves the page): none reads a whole large table (EXPLAIN QUERY
 * PLAN of each statement with its parameters), and their number does not grow with the number
 * of members, sessions or marks (no N+1). The benchmark measures the speed; this keeps the
 * shape that makes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysAgo, enrol, makeActivity, makeSession } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { mark } from '../followup/factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { fullScans as fullScansOf, queryRecorder, type RecordedQuery } from '../queries.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events', 'enrolment_events', 'audit_log'];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let recorder: ReturnType<typeof queryRecorder>;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  recorder = queryRecorder(t.db);
  for (const role of ['admin', 'office', 'coordinator', 'trainer', 'member']) {
    clients[role] = new Client(t.app);
    await clients[role].login(role);
  }
});
afterAll(() => t.close());

/**
 * A running course the signed-in member and `n` others follow, taught by the trainer, with
 * `sessions` held sessions (all marked) and one today.
 */
function courseWith(n: number, sessions: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, status: 'running', selfEnrol: true });
  const members = [org.member, ...Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }))];
  for (const m of members) enrol(t.db, a.id, m.id);
  for (let d = sessions; d >= 1; d--) {
    const s = makeSession(t.db, a.id, { startMin: daysAgo(d), trainerUserId: org.users.trainer.id });
    for (const m of members) mark(t.db, s.id, m.id, d % 3 ? 'present' : 'absent');
  }
  makeSession(t.db, a.id, { startMin: 60, trainerUserId: org.users.trainer.id });
  return a;
}

const PAGES: [string, string | ((activityId: number) => string)][] = [
  ['member', '/'],
  ['trainer', '/'],
  ['office', '/'],
  ['admin', '/'],
  ['coordinator', '/'],
  ['member', '/activities'],
  ['member', (id) => `/activities/${id}`],
  ['office', (id) => `/activities/${id}`],
  ['office', () => `/members/${org.member.id}/record`],
  ['trainer', (id) => `/activities/${id}/attendance`],
];

async function statementsOf(role: string, url: string): Promise<RecordedQuery[]> {
  const recorded = await recorder.captureAsync(async () => {
    const res = await clients[role].get(url);
    expect(res.status, `${role} ${url}`).toBe(200);
  });
  return recorded.filter((q) => /^\s*(select|with)/i.test(q.sql));
}

let writes = 0;
/**
 * A page's statements as the first request after a write runs them (every kept value read
 * again), and as the next one runs them (what is kept is used).
 */
async function coldAndWarm(role: string, url: string) {
  t.db.$client.prepare("insert or replace into settings (key, value) values ('test.pages', ?)").run(String(++writes));
  const cold = await statementsOf(role, url);
  const warm = await statementsOf(role, url);
  return { cold, warm };
}

async function everyPage(activityId: number) {
  const out = new Map<string, Awaited<ReturnType<typeof coldAndWarm>>>();
  for (const [role, page] of PAGES)
    out.set(
      `${role} ${typeof page === 'string' ? page : page(0)}`,
      await coldAndWarm(role, typeof page === 'string' ? page : page(activityId)),
    );
  return out;
}

describe('the statements of the benchmarked pages', () => {
  it('read no large table whole, and stay as many with more members, sessions and activities', async () => {
    const few = await everyPage(courseWith(3, 2).id);
    // more of everything: members and sessions, and activities the member and the trainer are in
    const big = courseWith(40, 12);
    for (let i = 0; i < 3; i++) courseWith(5, 3);
    const many = await everyPage(big.id);
    for (const [page, before] of few) {
      const after = many.get(page)!;
      for (const run of ['cold', 'warm'] as const)
        expect(after[run].length, `${page} (${run}): ${after[run].length} statements vs ${before[run].length}`).toBe(
          before[run].length,
        );
      // the cold request runs every statement the page has (none is served from a cache)
      expect(
        after.cold.flatMap((q) => fullScansOf(t.db, q, LARGE)),
        page,
      ).toEqual([]);
    }
  });
});
