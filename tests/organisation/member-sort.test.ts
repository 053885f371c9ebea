/**
 * The member list sorted by unit or by birth year (issue 12): what each viewer sees, page after
 * page, in both directions, with and without a search, is the order the list promises — units
 * in path order (or birth years, members without one first when ascending), then name, then
 * the order members were added — whichever way the repository reads it: walking the units in
 * path order or the birth-year index and stopping after the page, or sorting every match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeArabic } from '../../server/core/arabic.ts';
import { searchWords } from '../../server/members/search.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
let coord: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  const { centre, raqqa, tabqa, karama, mansoura } = org.units;
  // more districts, so that paths compare as text ("/1/2/10/" comes before "/1/2/4/")
  const districts = [karama, mansoura];
  for (let i = 0; i < 8; i++)
    districts.push(makeUnit(t.db, { parentId: i % 4 === 3 ? tabqa.id : raqqa.id, nameAr: `مجلس ناحية ${i + 1}` }));
  const units = [centre, raqqa, tabqa, ...districts];
  const first = ['أحمد', 'محمد', 'فاطمة', 'سارة', 'علي', 'ليلى', 'حسن', 'رنا', 'إبراهيم', 'زينب'];
  const father = ['خالد', 'عمر', 'يوسف', 'سليمان', 'مصطفى', 'عيسى', 'جميل'];
  const last = ['الخلف', 'العلي', 'الحسن', 'الموسى', 'الجاسم', 'الطه'];
  for (let i = 0; i < 170; i++)
    makeMember(t.db, {
      unitId: units[(i * 7) % units.length].id,
      fullName: `${first[i % 10]} ${father[(i * 3) % 7]} ${last[(i * 5) % 6]}`,
      gender: i % 3 ? 'm' : 'f',
      birthYear: i % 17 === 0 ? null : 1960 + ((i * 7) % 41),
      status: i % 11 === 0 ? 'inactive' : 'active',
    });
  // the same name in the same unit and year: told apart by the order they were added
  for (let i = 0; i < 3; i++) makeMember(t.db, { unitId: karama.id, fullName: 'رنا العلي', birthYear: 1985 });
  office = new Client(t.app);
  await office.login('office');
  coord = new Client(t.app);
  await coord.login('coordinator');
});
afterAll(() => t.close());

interface Shown {
  id: number;
  name: string;
}
/** the members a page lists, as their links show them */
const listed = (html: string): Shown[] =>
  [...html.matchAll(/<a href="\/members\/(\d+)">([^<]+)<\/a>/g)].map((m) => ({ id: Number(m[1]), name: m[2] }));

/** What the list must show, computed here from the members' rows. */
function expected(opts: {
  scope: string | null;
  q: string;
  sort: 'unit' | 'birthYear';
  dir: 'asc' | 'desc';
  status?: string;
}) {
  const rows = t.db.$client
    .prepare(
      `select m.id, m.full_name as name, m.name_search as ns, m.birth_year as year, m.status, u.path
         from members m join units u on u.id = m.unit_id`,
    )
    .all() as { id: number; name: string; ns: string; year: number | null; status: string; path: string }[];
  const words = searchWords(opts.q);
  const wordsOf = (ns: string) => {
    const ws = ns.split(/[\s\-.,،()/"']+/).filter(Boolean);
    return [...ws, ...ws.filter((w) => w.startsWith('ال') && w.length >= 4).map((w) => w.slice(2))];
  };
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const sign = opts.dir === 'desc' ? -1 : 1;
  // SQLite puts NULL first in ascending order, last in descending
  const year = (y: number | null) => y ?? Number.NEGATIVE_INFINITY;
  return rows
    .filter((r) => (opts.status ?? 'active') === 'all' || r.status === (opts.status ?? 'active'))
    .filter((r) => !opts.scope || r.path.startsWith(opts.scope))
    .filter((r) => words.every((w) => wordsOf(r.ns).some((token) => token.startsWith(w))))
    .sort(
      (a, b) =>
        (opts.sort === 'unit' ? sign * cmp(a.path, b.path) : sign * cmp(year(a.year), year(b.year))) ||
        cmp(a.ns, b.ns) ||
        a.id - b.id,
    )
    .map((r) => ({ id: r.id, name: r.name }));
}

/** how the page's statement reads it */
const wayOf = (sql: string) =>
  /from "units" cross join "members"/.test(sql)
    ? 'walk units'
    : /indexed by members_birth_idx/.test(sql)
      ? 'walk birth years'
      : 'sort';

describe('the member list sorted by unit or by birth year', () => {
  it('shows every page in order, both directions, to the office and a coordinator, with and without a search', async () => {
    const recorder = queryRecorder(t.db);
    const ways = new Set<string>();
    const raqqa = org.units.raqqa.path;
    const viewers: [string, Client, string | null][] = [
      ['office', office, null],
      ['coordinator', coord, raqqa],
    ];
    // everyone, a letter most names have a word beginning with, a family name (a sixth)
    for (const q of ['', 'ا', 'الحسن'])
      for (const [who, client, scope] of viewers)
        for (const sort of ['unit', 'birthYear'] as const)
          for (const dir of ['asc', 'desc'] as const) {
            const want = expected({ scope, q, sort, dir });
            expect(want.length, `${who} ${q}`).toBeGreaterThan(q === 'الحسن' ? 10 : 50);
            const seen: Shown[] = [];
            for (let page = 1; page <= Math.ceil(want.length / 50); page++) {
              const url = `/members?q=${encodeURIComponent(q)}&sort=${sort}&dir=${dir}&page=${page}`;
              let html = '';
              const ran = await recorder.captureAsync(async () => {
                html = (await client.get(url)).body;
              });
              const statement = ran.find((r) => /^select "members"\."id", "members"\."full_name"/.test(r.sql));
              if (statement) ways.add(wayOf(statement.sql));
              const shown = listed(html);
              const label = `${who} q=${q} sort=${sort} ${dir} page ${page}`;
              expect(shown, label).toEqual(want.slice((page - 1) * 50, page * 50));
              expect(textOf(html), label).toContain(`المجموع: ${want.length}`);
              seen.push(...shown);
            }
            // the pages follow each other: every member once
            expect(new Set(seen.map((m) => m.id)).size).toBe(want.length);
          }
    // each way of reading the pages was checked against the same order
    expect([...ways].sort()).toEqual(['sort', 'walk birth years', 'walk units']);
  });

  it('keeps members without a birth year first going up and last going down, and the same names in the order they were added', async () => {
    const noYear = (
      t.db.$client.prepare("select id from members where birth_year is null and status = 'active'").all() as {
        id: number;
      }[]
    ).map((r) => r.id);
    expect(noYear.length).toBeGreaterThan(5);
    for (const dir of ['asc', 'desc']) {
      const all: Shown[] = [];
      for (let page = 1; page <= 4; page++)
        all.push(...listed((await office.get(`/members?sort=birthYear&dir=${dir}&page=${page}`)).body));
      const ends = dir === 'asc' ? all.slice(0, noYear.length) : all.slice(-noYear.length);
      expect(ends.map((m) => m.id).sort((a, b) => a - b)).toEqual(noYear.sort((a, b) => a - b));
      // three "رنا العلي" of Karama born in 1985 follow each other in the order they were added
      const ranas = all.flatMap((m, i) => (m.name === 'رنا العلي' ? [{ ...m, i }] : []));
      expect(ranas.length).toBeGreaterThanOrEqual(3);
      expect(ranas.map((m) => m.id)).toEqual(ranas.map((m) => m.id).sort((a, b) => a - b));
    }
  });

  it('lists a unit filter, inactive members and everyone in the same orders', async () => {
    const { raqqa, tabqa } = org.units;
    for (const dir of ['asc', 'desc'] as const) {
      const inRaqqa = listed((await office.get(`/members?unit=${raqqa.id}&sort=unit&dir=${dir}`)).body);
      expect(inRaqqa).toEqual(expected({ scope: raqqa.path, q: '', sort: 'unit', dir }).slice(0, 50));
      const inactive = listed((await office.get(`/members?status=inactive&sort=birthYear&dir=${dir}`)).body);
      expect(inactive).toEqual(expected({ scope: null, q: '', sort: 'birthYear', dir, status: 'inactive' }));
      for (const sort of ['unit', 'birthYear'] as const) {
        const everyone = listed((await office.get(`/members?status=all&sort=${sort}&dir=${dir}&page=2`)).body);
        expect(everyone).toEqual(expected({ scope: null, q: '', sort, dir, status: 'all' }).slice(50, 100));
      }
      const tabqaYears = listed(
        (
          await office.get(
            `/members?unit=${tabqa.id}&q=${encodeURIComponent(normalizeArabic('أ'))}&sort=birthYear&dir=${dir}`,
          )
        ).body,
      );
      expect(tabqaYears).toEqual(expected({ scope: tabqa.path, q: 'ا', sort: 'birthYear', dir }).slice(0, 50));
    }
  });
});
