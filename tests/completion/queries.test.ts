/**
 * The completion pages stay fast with 100,000 members and 2,000,000 attendance rows: each
 * issues a constant number of queries whatever the number of members (no N+1), and none of
 * them reads a whole large table (EXPLAIN QUERY PLAN of every statement actually run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateService } from '../../server/certificates/service.ts';
import { completionService } from '../../server/completion/routes.ts';
import type { Viewer } from '../../server/core/policy.ts';
import { RecordService } from '../../server/record/service.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { enrol, makeActivity, makeProgramme, makeSessions, mark, setActivityStatus } from './factories.ts';

const LARGE = [
  'members',
  'sessions',
  'enrolments',
  'attendance',
  'attendance_events',
  'enrolment_events',
  'certificates',
];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Viewer;
let recorded: { sql: string; args: unknown[] }[] | null = null;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  office = {
    userId: org.users.office.id,
    username: 'office',
    displayName: 'office',
    memberId: null,
    locale: null,
    roles: ['office'],
    coordinatorUnits: [],
    sessionId: 'x',
  };
  // record every statement run (and its parameters) while `recorded` is set
  const client = t.db.$client;
  const prepare = client.prepare.bind(client);
  const wrapped = new WeakSet<object>(); // the connection keeps its statements: wrap each once
  (client as any).prepare = (sql: string) => {
    const stmt = prepare(sql);
    if (wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
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
  return out;
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
    if (a && !['where', 'on', 'join', 'left', 'inner', 'order', 'group', 'limit', 'using'].includes(a))
      alias.set(a, m[1].toLowerCase());
  }
  return steps
    .map((s) => /^SCAN (\w+)/.exec(s)?.[1]?.toLowerCase())
    .filter((n): n is string => !!n)
    .map((n) => alias.get(n) ?? n)
    .filter((table) => LARGE.includes(table))
    .map((table) => `${table} in: ${sql.slice(0, 160)}`);
}

/** A finished course with `n` members enrolled and marked on 4 sessions. */
function courseWith(n: number, phaseId?: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, phaseId: phaseId ?? null });
  const sessions = makeSessions(t.db, a.id, 4, { past: 4 });
  const members = Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }));
  for (const m of members) {
    enrol(t.db, a.id, m.id);
    mark(t.db, sessions, m.id, ['present', 'late', 'absent', 'present']);
  }
  return { a, members };
}

describe('completion queries', () => {
  it('load an activity, a member and the decisions with a constant number of indexed queries', () => {
    const service = completionService(t.app);
    const small = courseWith(3);
    const big = courseWith(25);
    const pages = {
      progress: (x: typeof small) => () => service.activityProgress(office, x.a.id),
      memberProgress: (x: typeof small) => () => service.memberProgress(office, x.members[0].id),
      decide: (x: typeof small) => () => {
        setActivityStatus(t.db, x.a.id, 'finished');
        service.decideActivity(x.a.id, office.userId);
      },
    };
    for (const [name, page] of Object.entries(pages)) {
      const a = capture(page(small));
      const b = capture(page(big));
      // writes are one per changed enrolment; reads stay constant
      const reads = (q: typeof a) => q.filter((x) => /^\s*select/i.test(x.sql)).length;
      expect(reads(a), name).toBeGreaterThan(1);
      expect(reads(b), name).toBe(reads(a));
      for (const q of b) if (/^\s*select/i.test(q.sql)) expect(fullScans(q), name).toEqual([]);
    }
  });

  it('eligibility, certificates, the record and verification use indexes', () => {
    const { phases, programme } = makeProgramme(t.db);
    const x = courseWith(5, phases[0].id);
    setActivityStatus(t.db, x.a.id, 'finished');
    completionService(t.app).decideActivity(x.a.id, office.userId);
    const certs = new CertificateService(t.db, t.app.audit);
    const record = new RecordService(t.db);
    const runs = [
      () =>
        completionService(t.app).eligibility(office, programme.id, {
          phase: phases[0].id,
          unit: org.units.raqqa.id,
          from: '2020-01-01',
          to: '2099-01-01',
          page: 1,
        }),
      () => certs.issueAll(office, x.a.id),
      () => certs.list(office, x.a.id),
      () => record.record(office, x.members[0].id),
      () => certs.verify('abcdefghijkmnpqrstuvwxyz'),
    ];
    for (const run of runs) {
      const queries = capture(run);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) if (/^\s*select/i.test(q.sql)) expect(fullScans(q)).toEqual([]);
    }
  });
});
