/**
 * The member search never reads the whole members table (issue 12: 100,000 members): the
 * EXPLAIN QUERY PLAN of every statement the repository actually runs for a search. A search
 * with few hits starts from the word index; one that matches a good part of the members
 * reads the name index in order and stops after a page (no sort of every hit); a count for a
 * coordinator starts from the words or from the subtree's members, never from all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeArabic } from '../../server/core/arabic.ts';
import { type MemberFilters, MembersRepository } from '../../server/members/repository.ts';
import { makeOrg } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { fullScans, planOf, queryRecorder, type RecordedQuery } from '../queries.ts';

const LARGE = ['members', 'member_words', 'member_councils'];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let recorder: ReturnType<typeof queryRecorder>;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  recorder = queryRecorder(t.db);
  // 1,200 members, a fifth of them in the coordinator's units (Raqqa and Karama)
  const first = ['أحمد', 'محمد', 'فاطمة', 'سارة', 'علي', 'ليلى', 'حسن', 'رنا'];
  const last = ['الخلف', 'العلي', 'الحسن', 'الموسى', 'الجاسم', 'الطه'];
  const { karama, raqqa, tabqa, mansoura } = org.units;
  const units = [karama.id, raqqa.id, ...Array(8).fill(tabqa.id), mansoura.id];
  const insert = t.db.$client.prepare(
    "insert into members (full_name, name_search, unit_id, gender) values (?, ?, ?, 'm')",
  );
  t.db.$client.transaction(() => {
    for (let i = 0; i < 1200; i++) {
      const name = `${first[i % 8]} ${first[(i * 7) % 8]} ${last[(i * 5) % 6]}${i % 97 === 0 ? ' النادر' : ''}`;
      insert.run(name, normalizeArabic(name), units[i % units.length]);
    }
  })();
});
afterAll(() => t.close());

/** the statements a search runs, with the plan of each */
function searchFor(q: string, scope: MemberFilters['scope'], sort = 'name', dir: 'asc' | 'desc' = 'asc', offset = 0) {
  const repo = new MembersRepository(t.db);
  const f: MemberFilters = { q, unitPath: null, councilId: null, gender: '', exec: '', status: 'active', scope };
  const ran = recorder.capture(() => repo.list(f, { sort, dir, limit: 50, offset }));
  const plan = (r: RecordedQuery) => planOf(t.db, r).join('\n');
  const page = ran.find((r) => /^select "members"\."id", "members"\."full_name"/.test(r.sql))!;
  return { ran, page, plan };
}

describe('the plans of the member search', () => {
  it('starts a search with few hits from the word index, for the office and for a coordinator', () => {
    const raqqa = [org.units.raqqa.path];
    const cases: [string, MemberFilters['scope']][] = [
      ['النادر', 'all'],
      ['النادر احمد', 'all'],
      ['الخلف', raqqa],
      ['ناد', raqqa],
    ];
    for (const [q, scope] of cases) {
      const { ran, page, plan } = searchFor(q, scope);
      // a constant handful of statements (besides the cache's two checks of the data's version),
      // none reading a whole large table
      const reads = ran.filter((r) => !/^(pragma data_version|select total_changes\(\))$/.test(r.sql));
      expect(reads.length, q).toBeLessThanOrEqual(6);
      for (const r of ran) expect(fullScans(t.db, r, LARGE), `${q}\n${plan(r)}`).toEqual([]);
      expect(plan(page)).toMatch(/SEARCH member_words USING PRIMARY KEY \(token>\? AND token<\?\)/);
    }
  });

  it('reads a search that matches many in name order and stops after a page', () => {
    const cases: [string, MemberFilters['scope']][] = [
      ['الطه', 'all'],
      ['ا', 'all'],
      ['ا', [org.units.raqqa.path]],
    ];
    for (const [q, scope] of cases) {
      const { ran, page, plan } = searchFor(q, scope);
      const steps = plan(page);
      expect(steps, q).toMatch(/SCAN members USING INDEX members_name_idx/);
      expect(steps, q).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      // the counts start from the words or from the subtree's members
      for (const r of ran.filter((s) => s !== page)) expect(fullScans(t.db, r, LARGE), `${q}\n${plan(r)}`).toEqual([]);
    }
  });
});

describe('the plans of the member list sorted by unit or by birth year', () => {
  /** the page statement's plan as [parent is the top level, step] */
  const stepsOf = (r: RecordedQuery) =>
    (
      t.db.$client.prepare(`explain query plan ${r.sql}`).all(...(r.args as never[])) as {
        parent: number;
        detail: string;
      }[]
    ).map((s) => ({ top: s.parent === 0, detail: s.detail }));

  it('walks the units in path order, or the birth-year index, and sorts only the page it found', () => {
    const raqqa = [org.units.raqqa.path];
    const cases: [string, MemberFilters['scope'], string, 'asc' | 'desc', number][] = [];
    for (const dir of ['asc', 'desc'] as const)
      for (const offset of [0, 950]) {
        cases.push(
          ['', 'all', 'unit', dir, offset],
          ['ا', 'all', 'unit', dir, offset],
          ['', raqqa, 'unit', dir, offset],
        );
        cases.push(['', 'all', 'birthYear', dir, offset], ['ا', 'all', 'birthYear', dir, offset]);
        // the birth-year index holds the unit: a coordinator's walk reads no row it does not list
        if (offset === 0) cases.push(['', raqqa, 'birthYear', dir, offset]);
      }
    for (const [q, scope, sort, dir, offset] of cases) {
      const label = `q=${q} ${scope} sort=${sort} ${dir} offset ${offset}`;
      const { ran, page } = searchFor(q, scope, sort, dir, offset);
      const steps = stepsOf(page);
      // the page's 50 ids first, then their rows, sorted (50 rows)
      expect(steps[0], label).toEqual({ top: true, detail: 'SEARCH members USING INTEGER PRIMARY KEY (rowid=?)' });
      const inner = steps.filter((s) => !s.top).map((s) => s.detail);
      if (sort === 'unit') {
        expect(inner, label).toContain('SCAN units USING COVERING INDEX units_path_idx');
        expect(inner, label).toContain(
          'SEARCH members USING COVERING INDEX members_unit_name_idx (unit_id=? AND status=?)',
        );
        expect(inner.join('\n'), label).not.toMatch(/TEMP B-TREE/);
      } else {
        expect(inner, label).toContain('SCAN members USING COVERING INDEX members_birth_idx');
        // the same year and name (ascending), or one year's members (descending), sorted by name
        const sorts = inner.filter((d) => /TEMP B-TREE/.test(d));
        expect(sorts, label).toEqual([
          dir === 'asc' ? 'USE TEMP B-TREE FOR LAST TERM OF ORDER BY' : 'USE TEMP B-TREE FOR LAST 2 TERMS OF ORDER BY',
        ]);
      }
      // each member read checked against the words: its own (check) or the set of hits (filter)
      if (q)
        expect(inner.join('\n'), label).toMatch(
          /SEARCH member_words USING (COVERING INDEX member_words_member_idx \(member_id=\?|PRIMARY KEY \(token>\?)/,
        );
      // the counts start from the words or from the subtree's members (the whole organisation's
      // count reads an index whole: it is kept while the data is unchanged)
      if (q || scope !== 'all')
        for (const r of ran.filter((s) => s !== page)) expect(fullScans(t.db, r, LARGE), label).toEqual([]);
    }
  });

  it("sorts a coordinator's deep page in name order from the subtree's members, not along the name index", () => {
    // the name index does not hold the unit: walking it to the 200th of the coordinator's ~220
    // members would read most of the organisation's rows
    const { ran, page, plan } = searchFor('', [org.units.raqqa.path], 'name', 'asc', 150);
    expect(plan(page)).toMatch(/SEARCH members USING INDEX members_unit_(name_)?idx \(unit_id=\? AND status=\?\)/);
    expect(plan(page)).toMatch(/USE TEMP B-TREE FOR ORDER BY/);
    for (const r of ran) expect(fullScans(t.db, r, LARGE), plan(r)).toEqual([]);
  });
});
