/**
 * The report and dashboard queries must reach attendance, enrolments and members only
 * through indexes: a month's report starts from the month's sessions, never from every
 * attendance row. EXPLAIN QUERY PLAN shows how SQLite runs each one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASH_SQL } from '../../server/dashboard/repository.ts';
import { SQL } from '../../server/reports/repository.ts';
import { createTestApp, type TestApp } from '../helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const PARAMS: Record<string, unknown> = {
  from: 0,
  to: 1,
  now: 1,
  path: '/1/',
  pathEnd: '/10',
  youthFrom: 1985,
  youthTo: 2002,
  ids: '[1,2]',
  trainer: 1,
  member: 1,
};

function plan(sql: string): string[] {
  const stmt = t.db.$client.prepare(`explain query plan ${sql}`);
  const names = new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]));
  const params = Object.fromEntries([...names].map((n) => [n, PARAMS[n]]));
  return (stmt.all(params) as { detail: string }[]).map((r) => r.detail);
}

// aliases the queries give the big tables
const BIG = /^SCAN (attendance|enrolments|members|sessions|enrolment_events|certificates|at|at2|e|m|s|s2|ev|c)\b/;

describe('query plans', () => {
  for (const [name, sql] of Object.entries({ ...SQL, ...DASH_SQL })) {
    it(`${name} never scans a big table`, () => {
      const lines = plan(sql);
      expect(
        lines.filter((l) => BIG.test(l)),
        lines.join('\n'),
      ).toEqual([]);
    });
  }

  it('starts the month report from the sessions of the month', () => {
    const lines = plan(SQL.attendanceByUnit);
    expect(lines.join('\n')).toMatch(/SEARCH s USING INDEX sessions_starts_idx/);
    expect(lines.join('\n')).toMatch(/SEARCH at USING INDEX attendance_session_member_idx/);
    expect(plan(SQL.completionsByUnit)[0]).toMatch(/enrolment_events_status_at_idx/);
    expect(plan(SQL.certificatesByUnit)[0]).toMatch(/certificates_issued_idx/);
  });
});
