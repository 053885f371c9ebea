/**
 * The hot queries must use indexes: EXPLAIN QUERY PLAN on a database migrated with the real
 * migrations, failing when a query reads a whole large table (members, sessions, enrolments,
 * attendance, attendance_events) — by its rows or by walking a whole index. With 100,000
 * members and 2,000,000 attendance rows such a scan costs tens of milliseconds per request.
 * No timing here: the benchmark (npm run bench) measures speed.
 */
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ActivityRepository } from '../../server/activities/repository.ts';
import { TRAINS_SQL } from '../../server/attendance/repository.ts';
import { openDatabase } from '../../server/core/db.ts';
import { DASH_SQL } from '../../server/dashboard/repository.ts';
import { MembersRepository } from '../../server/members/repository.ts';
import { SQL } from '../../server/reports/repository.ts';
import { planOf, queryRecorder } from '../queries.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events'];
const db = openDatabase(':memory:');
const sqlite: Database.Database = db.$client;
const recorder = queryRecorder(db);
afterAll(() => sqlite.close());

/** The plan's steps, e.g. "SEARCH m USING INDEX members_unit_idx (unit_id=?)". */
function plan(sql: string, params: unknown[]): string[] {
  return (sqlite.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

/** The large tables a plan reads in full, resolving aliases from the query's FROM/JOIN clauses. */
function fullScans(sql: string, steps: string[]): string[] {
  const alias = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+(\w+)(?:\s+(?:as\s+)?(\w+))?/gi)) {
    const table = m[1].toLowerCase();
    alias.set(table, table);
    const a = m[2]?.toLowerCase();
    if (a && !['where', 'on', 'join', 'left', 'inner', 'order', 'group', 'limit', 'using'].includes(a))
      alias.set(a, table);
  }
  return steps
    .map((s) => /^SCAN (\w+)/.exec(s)?.[1]?.toLowerCase())
    .filter((name): name is string => !!name)
    .map((name) => alias.get(name) ?? name)
    .filter((table) => LARGE.includes(table));
}

const MONTH = [Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1)];

/** The hot queries of the pages the benchmark drives, in the form the repositories should use. */
const HOT: Record<string, [string, unknown[]]> = {
  'member search within a unit subtree (coordinator)': [
    `select m.id, m.full_name, m.unit_id from members m
     where m.unit_id in (select id from units where path >= ? and path < ?)
       and m.name_search like ? escape '\\'
     order by m.name_search limit 50`,
    ['/1/2/', '/1/20', '%احمد%'],
  ],
  // a search of one or two letters, counted up to 1,000 (members/repository.ts countUpTo)
  'a broad search counted along one word': [
    `select count(*) from (select distinct w.member_id from member_words w cross join members m
       where m.id = w.member_id and w.token >= ? and w.token < ? and m.status = 'active' limit 1001)`,
    ['م', 'م\u{10FFFF}'],
  ],
  'members of one unit': [
    `select id, full_name from members where unit_id = ? and status = 'active' order by name_search limit 50`,
    [5],
  ],
  'member by phone': ['select id from members where phone = ?', ['+963944123456']],
  'sessions of a month with their activity': [
    `select s.id, s.starts_at, a.title from sessions s join activities a on a.id = s.activity_id
     where s.starts_at >= ? and s.starts_at < ? order by s.starts_at`,
    MONTH,
  ],
  'attendance of a month (monthly report)': [
    `select a.status, count(*) from sessions s join attendance a on a.session_id = s.id
     where s.starts_at >= ? and s.starts_at < ? and s.status = 'scheduled' group by a.status`,
    MONTH,
  ],
  'sessions of an activity': ['select id, starts_at from sessions where activity_id = ? order by starts_at', [1]],
  "a trainer's sessions of a day": [
    'select id from sessions where trainer_user_id = ? and starts_at >= ? and starts_at < ? order by starts_at',
    [1, ...MONTH],
  ],
  'a session by its check-in code': ['select id from sessions where checkin_code = ?', ['ABC123']],
  'attendance of a session (roster)': [
    `select e.member_id, m.full_name, at.status from enrolments e
     join members m on m.id = e.member_id
     left join attendance at on at.session_id = ? and at.member_id = e.member_id
     where e.activity_id = ? and e.status in ('approved', 'completed', 'not_completed')
     order by m.name_search`,
    [1, 1],
  ],
  'marks of a session': ['select member_id, status from attendance where session_id = ?', [1]],
  'audit trail of a session': ['select * from attendance_events where session_id = ? order by at desc', [1]],
  "a member's mark in a session (check-in)": [
    'select id, status from attendance where session_id = ? and member_id = ?',
    [1, 1],
  ],
  'enrolments of an activity by status': [
    `select e.id, e.status, m.full_name from enrolments e join members m on m.id = e.member_id
     where e.activity_id = ? and e.status = ? order by e.waitlist_seq`,
    [1, 'waitlisted'],
  ],
  'seats taken in an activity': [
    `select count(*) from enrolments where activity_id = ? and status in ('approved', 'completed')`,
    [1],
  ],
  "a member's enrolments (record)": [
    `select e.*, a.title, a.kind from enrolments e join activities a on a.id = e.activity_id
     where e.member_id = ? order by a.id desc`,
    [1],
  ],
  "a member's attendance (record)": [
    `select at.status, s.starts_at, s.activity_id from attendance at join sessions s on s.id = at.session_id
     where at.member_id = ? order by s.starts_at desc`,
    [1],
  ],
  "a member's certificates": [
    `select c.code, a.title from certificates c join enrolments e on e.id = c.enrolment_id
     join activities a on a.id = e.activity_id where e.member_id = ?`,
    [1],
  ],
  'nominations of a unit': [
    'select id from enrolments where nominated_by_unit_id = ? and status = ?',
    [1, 'nominated'],
  ],
};

describe('query plans of the hot queries', () => {
  it('detects a full scan (the check itself can fail)', () => {
    const sql = 'select * from attendance a where a.via = ?';
    expect(fullScans(sql, plan(sql, ['roster']))).toEqual(['attendance']);
    const viaIndex = 'select m.id from members m order by m.name_search';
    expect(fullScans(viaIndex, plan(viaIndex, []))).toEqual(['members']);
  });

  for (const [name, [sql, params]] of Object.entries(HOT)) {
    it(name, () => {
      const steps = plan(sql, params);
      expect(fullScans(sql, steps), steps.join('\n')).toEqual([]);
    });
  }
});

/** Plans with the named parameters of the report and dashboard queries bound to sample values. */
function namedPlan(sql: string): string[] {
  const sample: Record<string, unknown> = {
    from: 0,
    to: 1,
    now: 1,
    path: '/1/2/',
    pathEnd: '/1/20',
    ids: '[1,2]',
    member: 1,
  };
  const names = new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]));
  const params = Object.fromEntries([...names].map((n) => [n, sample[n] ?? null]));
  return plan(sql, [params]);
}

describe('the indexes the hot queries must pick (issue 12)', () => {
  it("asks whether a user trains an activity along the activity's sessions, not all the trainer's", () => {
    expect(plan(TRAINS_SQL, [1, 1])).toEqual(['SEARCH sessions USING INDEX sessions_activity_idx (activity_id=?)']);
  });

  it("the member record reaches a course's completion date by the enrolment, not by every completion", () => {
    const sql = `select (select max(ev.created_at) from enrolment_events ev
        where ev.enrolment_id = e.id and +ev.to_status = 'completed') from enrolments e where e.member_id = ?`;
    expect(plan(sql, [1]).join('\n')).toMatch(/enrolment_events_enrolment_idx/);
  });

  it('counts certificates to issue from the small partial index', () => {
    expect(namedPlan(DASH_SQL.certificatesToIssueAll).join('\n')).toMatch(/enrolments_uncertified_idx/);
    expect(namedPlan(DASH_SQL.certificatesToIssue).join('\n')).toMatch(/enrolments_uncertified_idx/);
  });

  it("filters a subtree's marks by its member set, never probing the index once per member", () => {
    for (const sql of [
      SQL.attendanceTotals,
      SQL.participantsByKind,
      SQL.runningEnrolments,
      DASH_SQL.nominationsWaiting,
    ]) {
      const steps = namedPlan(sql).join('\n');
      expect(steps, steps).not.toMatch(/member_id=\?/);
      expect(fullScans(sql, namedPlan(sql)), steps).toEqual([]);
    }
  });

  it('takes whole-organisation month totals from the per-session counters', () => {
    const steps = namedPlan(SQL.attendanceTotalsAll);
    expect(steps.join('\n')).toMatch(/sessions_starts_idx/);
    expect(steps.join('\n')).not.toMatch(/attendance/);
  });

  // the member list sorted by unit: the units in path order, each one's members in name order
  // along members_unit_name_idx, stopping after the page (members/repository.ts readPage); no sort
  it('reads a page of the member list in unit order from the indexes alone, without sorting', () => {
    for (const dir of ['asc', 'desc']) {
      const sql = `select m.id from units u cross join members m
        where m.unit_id = u.id and (+u.id in (select id from units where substr(path, 1, ?) = ?)) and m.status = 'active'
        order by u.path ${dir}, u.id ${dir}, m.name_search, m.id limit 50 offset 950`;
      const steps = plan(sql, [3, '/1/']);
      // the units read in path order (the subtree's ids a set looked up per unit), then their members
      expect(steps[0], dir).toBe('SCAN u USING COVERING INDEX units_path_idx');
      expect(steps, dir).toContain('SEARCH m USING COVERING INDEX members_unit_name_idx (unit_id=? AND status=?)');
      expect(steps.join('\n'), dir).not.toMatch(/TEMP B-TREE/);
    }
  });

  // sorted by birth year: members_birth_idx read in order (named: SQLite would rather sort);
  // only members of the same year and name (ascending), or of one year (descending), are sorted
  it('reads a page of the member list in birth-year order along its index', () => {
    const sql = (dir: string) => `select m.id from members m indexed by members_birth_idx where m.status = 'active'
      order by m.birth_year ${dir}, m.name_search, m.id limit 50 offset 950`;
    expect(plan(sql('asc'), [])).toEqual([
      'SCAN m USING COVERING INDEX members_birth_idx',
      'USE TEMP B-TREE FOR LAST TERM OF ORDER BY',
    ]);
    expect(plan(sql('desc'), [])).toEqual([
      'SCAN m USING COVERING INDEX members_birth_idx',
      'USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY',
    ]);
  });

  it('keeps the other readers of the member indexes on their plans', () => {
    // counts and subtree sets read the small (unit_id, status) index, not the longer ones
    const perUnit = `select unit_id, count(*) as n from members where status = 'active' group by unit_id`;
    expect(plan(perUnit, [])).toEqual(['SCAN members USING COVERING INDEX members_unit_idx']);
    expect(plan(`select count(*) from members where status = 'active'`, [])).toEqual([
      'SCAN members USING COVERING INDEX members_unit_idx',
    ]);
    const subtree = `select count(*) from members where unit_id in (select id from units where substr(path, 1, ?) = ?)
      and status = 'active'`;
    expect(plan(subtree, [5, '/1/2/'])[0]).toBe(
      'SEARCH members USING COVERING INDEX members_unit_idx (unit_id=? AND status=?)',
    );
    // the name order still walks the name index (no new index with status first takes it over)
    const byName = `select id from members where status = 'active' order by name_search limit 50`;
    expect(plan(byName, [])).toEqual(['SCAN members USING INDEX members_name_idx']);
  });

  it('checks enrolment at check-in with one point look-up', () => {
    const sql = `select id from enrolments where activity_id = ? and member_id = ? and status in ('approved', 'completed', 'not_completed')`;
    expect(plan(sql, [1, 1]).join('\n')).toMatch(/enrolments_activity_member_idx \(activity_id=\? AND member_id=\?\)/);
  });

  it("finds a trainer's activities in the catalogue by reading their sessions once, not once per activity", () => {
    const ran = recorder.capture(() =>
      new ActivityRepository(db).catalogue(
        {
          all: false,
          unitPaths: [],
          nonDraft: false,
          trainerUserId: 7,
          member: null,
          publicOnly: false,
          now: new Date(),
        },
        { kind: null, unitPath: null, month: null, status: null, q: '', limit: 20, offset: 0 },
      ),
    );
    const scoped = ran.filter((q) => q.sql.includes('"sessions"."trainer_user_id"'));
    expect(scoped.length).toBeGreaterThan(0);
    for (const q of scoped) {
      const steps = planOf(db, q);
      expect(steps, q.sql).toContain('LIST SUBQUERY 1');
      expect(steps.join('\n'), q.sql).not.toMatch(/CORRELATED[^\n]*\n[^\n]*sessions_trainer_idx/);
    }
  });

  it('lists members by name, either way, along the name index without sorting them', () => {
    const filters = {
      q: '',
      unitPath: null,
      councilId: null,
      gender: '',
      exec: '',
      status: 'active',
      scope: 'all',
    } as const;
    const ran = recorder.capture(() => {
      for (const dir of ['asc', 'desc'] as const)
        new MembersRepository(db).list(filters, { sort: 'name', dir, limit: 50, offset: 100 });
    });
    const pages = ran.filter((q) => q.sql.includes('order by "members"."name_search"'));
    expect(pages).toHaveLength(2);
    for (const q of pages) {
      const steps = planOf(db, q);
      expect(steps[0], q.sql).toBe('SCAN members USING INDEX members_name_idx');
      expect(steps.join('\n'), q.sql).not.toMatch(/TEMP B-TREE/);
    }
  });
});
