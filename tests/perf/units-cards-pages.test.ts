/**
 * The unit tree, a unit's page, a unit's print run of cards and the sheet entry grid, checked
 * by the statements they really run (recorded while app.inject serves them), after a write
 * (nothing kept) and again: none reads a large table whole, their number does not grow with
 * the units, members, cards or the roster (no query per unit or per member), and the hot
 * statements use the indexes pinned below. The benchmark measures the speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrol, makeActivity, makeSession } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
import { mark } from '../followup/factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { fullScans, planOf, queryRecorder, type RecordedQuery } from '../queries.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events', 'enrolment_events', 'audit_log'];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let recorder: ReturnType<typeof queryRecorder>;
const clients: Record<string, Client> = {};

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  recorder = queryRecorder(t.db);
  for (const role of ['office', 'coordinator', 'trainer']) {
    clients[role] = new Client(t.app);
    await clients[role].login(role);
  }
});
afterAll(() => t.close());

let tokens = 0;
/** `n` districts under the Raqqa city, each with `members` active members, half with a card */
function districts(n: number, members: number) {
  for (let d = 0; d < n; d++) {
    const u = makeUnit(t.db, { parentId: org.units.raqqa.id });
    for (let i = 0; i < members; i++)
      makeMember(t.db, i % 2 ? { unitId: u.id } : { unitId: u.id, cardToken: `plan-${++tokens}` });
  }
}

/** a course with `n` members and `sessions` held (marked) sessions, one walk-in, taught by the trainer */
function course(n: number, sessions: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, status: 'running' });
  const members = Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }));
  for (const m of members) enrol(t.db, a.id, m.id);
  for (let d = sessions; d >= 1; d--) {
    const s = makeSession(t.db, a.id, { startMin: -60 * 24 * d, trainerUserId: org.users.trainer.id });
    for (const m of members) mark(t.db, s.id, m.id, 'present');
    if (d === 1) mark(t.db, s.id, makeMember(t.db, { unitId: org.units.mansoura.id }).id, 'late');
  }
  return a;
}

const PAGES: [string, (activityId: number) => string][] = [
  ['office', () => '/units'],
  ['coordinator', () => '/units'],
  ['office', () => `/units/${org.units.centre.id}`],
  ['coordinator', () => `/units/${org.units.raqqa.id}`],
  ['office', () => `/units/${org.units.centre.id}/cards?subtree=1`],
  ['coordinator', () => `/units/${org.units.raqqa.id}/cards?subtree=1&page=1`],
  ['trainer', (id) => `/activities/${id}/sheet-entry`],
];

async function statementsOf(role: string, url: string): Promise<RecordedQuery[]> {
  const recorded = await recorder.captureAsync(async () => {
    const res = await clients[role].get(url);
    expect(res.status, `${role} ${url}`).toBe(200);
  });
  return recorded.filter((q) => /^\s*(select|with)/i.test(q.sql));
}

let writes = 0;
async function everyPage(activityId: number) {
  const out = new Map<string, { cold: RecordedQuery[]; warm: RecordedQuery[] }>();
  for (const [role, page] of PAGES) {
    t.db.$client.prepare("insert or replace into settings (key, value) values ('test.units', ?)").run(String(++writes));
    const cold = await statementsOf(role, page(activityId));
    const warm = await statementsOf(role, page(activityId));
    out.set(`${role} ${page(0)}`, { cold, warm });
  }
  return out;
}

describe('the statements of the unit and card pages', () => {
  it('read no large table whole, and stay as many with more units, members, cards and marks', async () => {
    districts(2, 4);
    const few = await everyPage(course(3, 2).id);
    districts(12, 12);
    const many = await everyPage(course(60, 6).id);
    for (const [page, before] of few) {
      const after = many.get(page)!;
      for (const run of ['cold', 'warm'] as const)
        expect(after[run].length, `${page} (${run}): ${after[run].length} statements vs ${before[run].length}`).toBe(
          before[run].length,
        );
      expect(
        after.cold.flatMap((q) => fullScans(t.db, q, LARGE)),
        page,
      ).toEqual([]);
    }
    // the counts many viewers share are kept: a second request counts nothing again
    const tree = many.get('office /units')!;
    const counts = (qs: RecordedQuery[]) => qs.filter((q) => /count\(\*\)/i.test(q.sql)).length;
    expect(counts(tree.cold)).toBeGreaterThan(0);
    expect(counts(tree.warm)).toBe(0);
    expect(counts(many.get('office /units/1/cards?subtree=1')!.warm)).toBe(0);
  });
});

describe('the plans of the hot statements', () => {
  const pagePlan = (role: string, url: string, match: RegExp): Promise<string[]> =>
    recorder
      .captureAsync(async () => {
        t.db.$client
          .prepare("insert or replace into settings (key, value) values ('test.units', ?)")
          .run(String(++writes));
        expect((await clients[role].get(url)).status).toBe(200);
      })
      .then((qs) => {
        const q = qs.find((r) => match.test(r.sql));
        expect(q, String(match)).toBeDefined();
        return planOf(t.db, q!);
      });

  it("count each unit's active members along members_unit_idx, without the table", async () => {
    const steps = await pagePlan('office', '/units', /count\(\*\)[\s\S]*from "members"[\s\S]*json_each/i);
    expect(steps).toContain('SEARCH members USING COVERING INDEX members_unit_idx (unit_id=? AND status=?)');
  });

  it('count the cards of each unit along an index of the unit', async () => {
    const steps = await pagePlan(
      'office',
      `/units/${org.units.centre.id}/cards?subtree=1`,
      /count\(\*\)[\s\S]*card_token" is not null/i,
    );
    expect(
      steps.some((s) =>
        /^SEARCH members USING (COVERING )?INDEX members_(unit|card_unit)_idx \(unit_id=\? AND status=\?\)/.test(s),
      ),
    ).toBe(true);
  });

  it('read the grid page’s members by id and its marks by session and member', async () => {
    const a = course(5, 2);
    // the roster along its activity, each member by id; the walk-ins from the sessions' marks (attendance's rosterWithWalkIns)
    const roster = await pagePlan('trainer', `/activities/${a.id}/sheet-entry`, /from enrolments e\s+join members m/i);
    expect(
      roster.some((s) =>
        /^SEARCH e USING (COVERING )?INDEX enrolments_status_idx \(activity_id=\? AND status=\?\)/.test(s),
      ),
      roster.join(' | '),
    ).toBe(true);
    expect(roster).toContain('SEARCH m USING INTEGER PRIMARY KEY (rowid=?)');
    const walkIns = await pagePlan(
      'trainer',
      `/activities/${a.id}/sheet-entry`,
      /select distinct member_id from attendance/i,
    );
    expect(
      walkIns.some((s) => s.startsWith('SEARCH attendance USING COVERING INDEX attendance_session_member_idx')),
      walkIns.join(' | '),
    ).toBe(true);
    const marks = await pagePlan(
      'trainer',
      `/activities/${a.id}/sheet-entry`,
      /select member_id, session_id, status from attendance/i,
    );
    // a point look-up per (session, member) of the page, along either index of both
    expect(
      marks.some((s) =>
        /^SEARCH attendance USING (COVERING )?INDEX attendance_(session_member_idx \(session_id=\? AND member_id=\?\)|member_idx \(member_id=\? AND session_id=\?\))/.test(
          s,
        ),
      ),
      marks.join(' | '),
    ).toBe(true);
  });
});
