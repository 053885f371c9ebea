/**
 * The follow-up pages and the absence check stay fast with 100,000 members and 2,000,000
 * attendance rows: a constant number of queries whatever the number of members (no N+1),
 * none reading a whole large table (EXPLAIN QUERY PLAN of every statement actually run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/core/policy.ts';
import { daysAgo } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { enrol, makeActivity, makeSession, mark } from './factories.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events', 'enrolment_events', 'audit_log'];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let recorded: { sql: string; args: unknown[] }[] | null = null;
const viewer = (over: Partial<Viewer>): Viewer => ({
  userId: 1,
  username: 'x',
  displayName: 'x',
  memberId: null,
  locale: null,
  roles: [],
  coordinatorUnits: [],
  sessionId: 'x',
  ...over,
});

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  const client = t.db.$client;
  const prepare = client.prepare.bind(client);
  (client as any).prepare = (sql: string) => {
    const stmt = prepare(sql);
    for (const m of ['all', 'get', 'run', 'iterate'] as const) {
      const orig = (stmt as any)[m].bind(stmt);
      (stmt as any)[m] = (...args: unknown[]) => {
        recorded?.push({ sql, args });
        return orig(...args);
      };
    }
    return stmt;
  };
});
afterAll(() => t.close());

function capture(fn: () => unknown) {
  recorded = [];
  fn();
  const out = recorded;
  recorded = null;
  return out.filter((q) => /^\s*(select|with)/i.test(q.sql));
}

function fullScans(q: { sql: string; args: unknown[] }): string[] {
  const sql = q.sql.replace(/"/g, '');
  const steps = (
    t.db.$client.prepare(`explain query plan ${sql}`).all(...(q.args as any[])) as { detail: string }[]
  ).map((r) => r.detail);
  const alias = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+(\w+)(?:\s+(?:as\s+)?(\w+))?/gi)) {
    alias.set(m[1].toLowerCase(), m[1].toLowerCase());
    const a = m[2]?.toLowerCase();
    if (a && !['where', 'on', 'join', 'left', 'inner', 'cross', 'order', 'group', 'limit', 'using'].includes(a))
      alias.set(a, m[1].toLowerCase());
  }
  return steps
    .map((s) => /^SCAN (\w+)/.exec(s)?.[1]?.toLowerCase())
    .filter((n): n is string => !!n)
    .map((n) => alias.get(n) ?? n)
    .filter((table) => LARGE.includes(table))
    .map((table) => `${table} in: ${sql.slice(0, 200)}`);
}

/** a course with `n` Karama members, 3 held sessions all marked absent, one to come */
function courseWith(n: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, absenceAlertAfter: 3 });
  const held = [3, 2, 1].map((d) => makeSession(t.db, a.id, { startMin: daysAgo(d) }));
  makeSession(t.db, a.id, { startMin: 24 * 60 });
  const members = Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }));
  for (const m of members) {
    enrol(t.db, a.id, m.id);
    for (const s of held) mark(t.db, s.id, m.id, 'absent');
  }
  return { a, held, members };
}

describe('follow-up queries', () => {
  it('the absence check, the digest, the queue and the panels: constant, indexed reads', () => {
    const { apologies, alerts, digests } = t.app.followup;
    const small = courseWith(3);
    const big = courseWith(30);
    const office = viewer({ userId: org.users.office.id, roles: ['office'] });
    const coordinator = viewer({
      userId: org.users.coordinator.id,
      roles: ['coordinator'],
      coordinatorUnits: [{ id: org.units.raqqa.id, path: org.units.raqqa.path }],
    });
    const member = viewer({ userId: org.users.member.id, roles: ['member'], memberId: org.member.id });
    const now = new Date();
    const runs = {
      alert: (x: typeof small) => () =>
        alerts.onAttendanceChanged({
          sessionId: x.held[2].id,
          activityId: x.a.id,
          changes: x.members.map((m) => ({ memberId: m.id, from: null, to: 'absent' as const })),
          byUserId: null,
        }),
      digest: (_: typeof small) => () =>
        digests.build(org.units.raqqa, new Date(now.getTime() - 7 * 86_400_000), now, now),
      queueOffice: (_: typeof small) => () => apologies.queue(office, { status: 'pending', page: 1 }),
      queueCoordinator: (_: typeof small) => () => apologies.queue(coordinator, { status: 'all', page: 1 }),
      upcoming: (_: typeof small) => () => apologies.upcoming(member),
      sessionPanel: (x: typeof small) => () => apologies.sessionPanel(office, x.held[0].id),
      memberPanel: (x: typeof small) => () => apologies.memberPanel(office, x.members[0].id),
    };
    // the first check alerts every member (a notification each: its recipients are read); the next finds them alerted
    for (const q of capture(runs.alert(big))) expect(fullScans(q), 'alert').toEqual([]);
    capture(runs.alert(small));
    for (const [name, run] of Object.entries(runs)) {
      const a = capture(run(small));
      const b = capture(run(big));
      expect(a.length, name).toBeGreaterThan(0);
      // the same statements for 3 members and for 30 (an N+1 would add one per member); the logger may
      // count a statement's first preparation, so the totals may differ by a few, never by the members
      const shapes = (qs: typeof a) => [...new Set(qs.map((q) => q.sql.replace(/\(\?(, \?)*\)/g, '(…)')))].sort();
      expect(shapes(b), name).toEqual(shapes(a));
      expect(b.length, name).toBeLessThan(a.length + 10);
      for (const q of b) expect(fullScans(q), name).toEqual([]);
    }
  });
});
