/**
 * The member search by words (issue 12): a member is found by the beginning of any word of
 * the name, whatever the Arabic letter variants; several words must all be found; the
 * coordinator's scope always applies; the word index (member_words, kept by SQL triggers)
 * follows every way a name is written: the form, the CSV import, a direct insert.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { normalizeArabic } from '../../server/core/arabic.ts';
import { MembersRepository } from '../../server/members/repository.ts';
import { searchWords } from '../../server/members/search.ts';
import { makeMember, makeOrg, makeUnit, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  office = new Client(t.app);
  await office.login('office');
});
afterEach(() => t.close());

/** names shown in the list's table rows */
const listed = (html: string) => [...html.matchAll(/<a href="\/members\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
const search = async (c: Client, q: string, more = '') =>
  listed((await c.get(`/members?q=${encodeURIComponent(q)}${more}`)).body);
const totalOf = (html: string) => Number(/المجموع: (\d+)/.exec(textOf(html))?.[1]);
/** the words the triggers keep for a member */
const wordsOf = (memberId: number) =>
  t.db
    .select({ token: s.memberWords.token })
    .from(s.memberWords)
    .where(eq(s.memberWords.memberId, memberId))
    .all()
    .map((r) => r.token)
    .sort();

/** What the triggers of migration 0003 must keep for a name_search, written in JavaScript. */
function expectedWords(nameSearch: string): string[] {
  const words = nameSearch.split(/[\s\-.,،()/"']+/).filter(Boolean);
  const out = new Set(words);
  for (const w of words) if (w.startsWith('ال') && w.length >= 4) out.add(w.slice(2));
  return [...out].sort();
}

describe('searching members by words', () => {
  it('finds the beginning of any word, whatever hamza, alef maqsura, ta marbuta, diacritics and tatweel', async () => {
    const { karama } = org.units;
    makeMember(t.db, { unitId: karama.id, fullName: 'أحمـــد محمد الخَلَف' });
    makeMember(t.db, { unitId: karama.id, fullName: 'فاطمة إبراهيم العيسى' });
    makeMember(t.db, { unitId: karama.id, fullName: 'مصطفى آدم الخليل', nameLatin: 'Mustafa Adam al-Khalil' });
    makeMember(t.db, { unitId: karama.id, fullName: 'زينب حمدان' });
    expect(await search(office, 'احمد')).toEqual(['أحمـــد محمد الخَلَف']);
    expect(await search(office, 'أح')).toEqual(['أحمـــد محمد الخَلَف']);
    expect(await search(office, 'فاطمه')).toEqual(['فاطمة إبراهيم العيسى']);
    expect(await search(office, 'العيسي')).toEqual(['فاطمة إبراهيم العيسى']);
    expect(await search(office, 'ابراهيم')).toEqual(['فاطمة إبراهيم العيسى']);
    expect(await search(office, 'مصطفي')).toEqual(['مصطفى آدم الخليل']);
    expect(await search(office, 'ادم')).toEqual(['مصطفى آدم الخليل']);
    // the family name without its article, and a part of it
    expect((await search(office, 'خلف')).sort()).toEqual(['أحمـــد محمد الخَلَف', 'سلمى الخلف'].sort());
    expect((await search(office, 'الخل')).sort()).toEqual(
      ['أحمـــد محمد الخَلَف', 'سلمى الخلف', 'مصطفى آدم الخليل'].sort(),
    );
    // the Latin name, by any of its parts
    expect(await search(office, 'KHALIL')).toEqual(['مصطفى آدم الخليل']);
    expect(await search(office, 'al-khal')).toEqual(['مصطفى آدم الخليل']);
    // a word's middle is not its beginning (the search before issue 12 matched any part of the name)
    expect(await search(office, 'مد')).toEqual([]);
    expect(await search(office, 'حمد')).toEqual(['زينب حمدان']);
    expect(await search(office, '%')).toEqual([]);
    expect(await search(office, '-')).toEqual([]);
  });

  it('finds a first name with a family name, in either order, each word by its beginning', async () => {
    const { karama, tabqa } = org.units;
    makeMember(t.db, { unitId: karama.id, fullName: 'أحمد محمد الخلف' });
    makeMember(t.db, { unitId: tabqa.id, fullName: 'أحمد علي العيسى' });
    makeMember(t.db, { unitId: tabqa.id, fullName: 'سارة أحمد الخلف' });
    expect((await search(office, 'احمد الخلف')).sort()).toEqual(['أحمد محمد الخلف', 'سارة أحمد الخلف'].sort());
    expect(await search(office, 'الخلف سار')).toEqual(['سارة أحمد الخلف']);
    expect(await search(office, 'اح مح خ')).toEqual(['أحمد محمد الخلف']);
    expect(await search(office, 'احمد العيسى')).toEqual(['أحمد علي العيسى']);
    expect(await search(office, 'احمد الموسى')).toEqual([]);
    // a word that begins another one adds nothing
    expect(searchWords('ا احمد احمد')).toEqual(['احمد']);
  });

  it('keeps the whole and partial phone number searches', async () => {
    makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'صاحب الهاتف', phone: '+963933777888' });
    expect(await search(office, '0933777888')).toEqual(['صاحب الهاتف']);
    expect(await search(office, '+963 933 777 888')).toEqual(['صاحب الهاتف']);
    expect(await search(office, '7778')).toEqual(['صاحب الهاتف']);
  });

  it("never shows a coordinator a member outside the coordinator's units", async () => {
    makeMember(t.db, { unitId: org.units.karama.id, fullName: 'خالد الخلف' });
    makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'خالد الخلف الطبقة' });
    makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'خالدة الخلف' });
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const page = await coord.get(`/members?q=${encodeURIComponent('الخلف')}`);
    expect(listed(page.body).sort()).toEqual(['خالد الخلف', 'سلمى الخلف'].sort());
    expect(totalOf(page.body)).toBe(2);
    expect(await search(coord, 'خالد')).toEqual(['خالد الخلف']);
    expect((await search(office, 'خالد')).sort()).toEqual(['خالد الخلف', 'خالد الخلف الطبقة', 'خالدة الخلف'].sort());
    // the export of a search holds the same members
    const csv = (await coord.get(`/members/export.csv?q=${encodeURIComponent('خالد')}`)).body;
    expect(csv).toContain('خالد الخلف');
    expect(csv).not.toContain('الطبقة');
    expect(csv).not.toContain('خالدة');
  });
});

describe('the word index follows every write of a name', () => {
  it('keeps the words of a name as the triggers split it, for awkward names too', () => {
    const names = [
      'عبد-الله (أبو علي) الحسن',
      'ال الي الطه',
      'Anne-Marie O\'Neil "Nan"',
      'x/y.z,w،v  back\\slash',
      'محمد محمد المحمد',
    ];
    for (const fullName of names) {
      const m = makeMember(t.db, { unitId: org.units.karama.id, fullName });
      expect(wordsOf(m.id), fullName).toEqual(expectedWords(normalizeArabic(fullName)));
    }
  });

  it('changes the words when the office renames a member, and finds the new name only', async () => {
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ليلى العلي', gender: 'f' });
    await office.get(`/members/${m.id}/edit`);
    const res = await office.post(`/members/${m.id}`, {
      fullName: 'ليلى الحمود',
      nameLatin: 'Layla al-Hamoud',
      unitId: org.units.karama.id,
      gender: 'f',
      birthYear: '1990',
      phone: '',
      status: 'active',
      notes: '',
    });
    expect(res.status).toBe(303);
    expect(await search(office, 'العلي')).toEqual([]);
    expect(await search(office, 'حمود')).toEqual(['ليلى الحمود']);
    expect(await search(office, 'hamoud')).toEqual(['ليلى الحمود']);
    expect(wordsOf(m.id)).toEqual(expectedWords('ليلي الحمود layla al-hamoud'));
    // a save that keeps the name keeps the words
    t.db.update(s.members).set({ notes: 'x' }).where(eq(s.members.id, m.id)).run();
    expect(wordsOf(m.id)).toEqual(expectedWords('ليلي الحمود layla al-hamoud'));
    // a member deleted by hand (no page does it) leaves no words behind
    t.db.delete(s.members).where(eq(s.members.id, m.id)).run();
    expect(wordsOf(m.id)).toEqual([]);
  });

  it('indexes the members a CSV import creates and renames', async () => {
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'رنا القديم', gender: 'f' });
    const file = [
      'الرقم,الاسم الكامل,الوحدة,الجنس',
      `${m.id},رنا الجديدة,مجلس ناحية الكرامة,أنثى`,
      ',يوسف المستورد,مجلس مدينة الطبقة,ذكر',
    ].join('\n');
    await office.get('/members/import');
    const boundary = '----taahilsearch';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.csv"\r\nContent-Type: text/csv\r\n\r\n`;
    const preview = await office.request('POST', `/members/import?_csrf=${encodeURIComponent(office.csrf!)}`, {
      payload: Buffer.from(`${head}${file}\r\n--${boundary}--\r\n`),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    const token = /name="token" value="([^"]+)"/.exec(preview.body)?.[1];
    expect(token, textOf(preview.body)).toBeTruthy();
    expect((await office.post('/members/import/confirm', { token: token! })).status).toBe(200);
    expect(await search(office, 'مستورد')).toEqual(['يوسف المستورد']);
    expect(await search(office, 'رنا الجد')).toEqual(['رنا الجديدة']);
    expect(await search(office, 'القديم')).toEqual([]);
  });
});

describe('a search of one or two letters', () => {
  it('is counted only up to 1,000 members, says "more than", and pages through those', async () => {
    const { karama, raqqa, tabqa } = org.units;
    // 3,000 members, each with four words beginning with م (12,000 words: a "broad" search)
    const last = ['الخلف', 'العلي', 'الحسن', 'الموسى', 'الجاسم', 'الطه'];
    const unitIds = [tabqa.id, tabqa.id, tabqa.id, karama.id, raqqa.id];
    const insert = t.db.$client.prepare(
      "insert into members (full_name, name_search, unit_id, gender, status) values (?, ?, ?, 'm', 'active')",
    );
    t.db.$client.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const name = `محمد مأمون محمود ${last[i % 6]} مصطفى${i}`;
        insert.run(name, normalizeArabic(name), unitIds[i % 5]);
      }
    })();
    const page = async (c: Client, q: string, n = 1) => {
      const html = (await c.get(`/members?q=${encodeURIComponent(q)}&page=${n}`)).body;
      return { text: textOf(html), names: listed(html) };
    };
    // every active member with a word beginning with م, in the list's order (searchable name, then id)
    const byName = (
      t.db.$client
        .prepare("select id, full_name as name, name_search as ns from members where status = 'active'")
        .all() as { id: number; name: string; ns: string }[]
    )
      .filter((r) => expectedWords(r.ns).some((w) => w.startsWith('م')))
      .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.id - b.id))
      .map((r) => r.name);
    expect(byName.length).toBeGreaterThanOrEqual(3000);
    const first = await page(office, 'م');
    expect(first.text).toContain('أكثر من 1000. أضف كلمة إلى البحث لتضييقه.');
    expect(first.text).toContain('صفحة 1 من 20');
    expect(first.names).toEqual(byName.slice(0, 50));
    const last20 = await page(office, 'م', 20);
    expect(last20.names).toEqual(byName.slice(950, 1000));
    // the CSV export of the search holds every member it matches
    const csv = (await office.get(`/members/export.csv?q=${encodeURIComponent('م')}`)).body;
    expect(csv.trim().split('\n').length - 1).toBe(byName.length);
    // a word more: counted exactly
    const narrow = await page(office, 'م الخلف');
    expect(narrow.text).toContain('المجموع: 500');
    expect(narrow.text).not.toContain('أكثر من');
    // a coordinator's units hold 1,200 of them (Karama and Raqqa): more than 1,000 again; the
    // demo's other members of those units do not change that
    const coord = new Client(t.app);
    await coord.login('coordinator');
    expect((await page(coord, 'م')).text).toContain('أكثر من 1000');
    expect((await page(coord, 'م الخلف')).text).toContain('المجموع: 200');
    // a district of three members: its coordinator's search walks them, checking their words
    const small = makeUnit(t.db, { parentId: tabqa.id, nameAr: 'مجلس ناحية صغيرة' });
    for (const fullName of ['مريم العلي', 'سارة محمود', 'علي الطه']) makeMember(t.db, { unitId: small.id, fullName });
    await makeUser(t.db, { username: 'small', roles: [{ role: 'coordinator', unitId: small.id }] });
    const smallCoord = new Client(t.app);
    await smallCoord.login('small');
    // which way each capped count went: along the word's range, or through the viewer's units
    const recorder = queryRecorder(t.db);
    const countWay = async (c: Client, q: string) => {
      let text = '';
      const ran = await recorder.captureAsync(async () => {
        text = (await page(c, q)).text;
      });
      const count = ran.find((r) => /^select count\(\*\) from \(select/.test(r.sql))?.sql ?? '';
      return { text, way: /cross join/.test(count) ? 'word' : /"unit_id" in/.test(count) ? 'units' : count };
    };
    const fromSmall = await countWay(smallCoord, 'م');
    expect(fromSmall.way).toBe('units');
    expect(fromSmall.text).toContain('المجموع: 2');
    expect(fromSmall.text).not.toContain('أكثر من');
    expect((await countWay(coord, 'م')).way).toBe('word');
    // in English too
    await office.post('/lang/en', { _csrf: office.csrf });
    expect((await page(office, 'م')).text).toContain('More than 1000. Add a word to the search to narrow it.');
  });
});

describe('every way of reading a search gives the same members', () => {
  /** 1,200 members written straight into the database (as the large generator does) */
  function populate() {
    const first = ['أحمد', 'محمد', 'فاطمة', 'سارة', 'علي', 'ليلى', 'حسن', 'رنا'];
    const last = ['الخلف', 'العلي', 'الحسن', 'الموسى', 'الجاسم', 'الطه'];
    // a fifth in the coordinator's units (Raqqa and Karama), the rest in Tabqa
    const units = [
      org.units.karama.id,
      org.units.raqqa.id,
      org.units.tabqa.id,
      org.units.mansoura.id,
      org.units.tabqa.id,
    ];
    const units10 = [...units, ...units.slice(2), ...units.slice(2)];
    const insert = t.db.$client.prepare(
      "insert into members (full_name, name_search, unit_id, gender, status) values (?, ?, ?, 'm', ?)",
    );
    t.db.$client.transaction(() => {
      for (let i = 0; i < 1200; i++) {
        const name = `${first[i % 8]} ${first[(i * 7) % 8]} ${last[(i * 5) % 6]}${i % 97 === 0 ? ' النادر' : ''}`;
        insert.run(name, normalizeArabic(name), units10[i % units10.length], i % 13 === 0 ? 'inactive' : 'active');
      }
    })();
  }

  /** the members a search must list, computed here from the names */
  function expected(q: string, unitPaths: string[] | null, page: number) {
    const words = searchWords(q);
    const rows = t.db.$client
      .prepare(
        `select m.id, m.full_name as name, m.name_search as ns from members m join units u on u.id = m.unit_id
         where m.status = 'active' and (? is null or exists (select 1 from json_each(?) p where u.path like p.value || '%'))`,
      )
      .all(unitPaths && JSON.stringify(unitPaths), unitPaths && JSON.stringify(unitPaths)) as {
      id: number;
      name: string;
      ns: string;
    }[];
    const hits = rows
      .filter((r) => words.every((w) => expectedWords(r.ns).some((token) => token.startsWith(w))))
      .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.id - b.id));
    return { total: hits.length, names: hits.slice((page - 1) * 50, page * 50).map((r) => r.name) };
  }

  /** which ways the count and the page of a search took, from the statements the repository ran */
  function waysOf(scope: string[] | 'all', q: string, page: number): string[] {
    const repo = new MembersRepository(t.db);
    const filters = { q, unitPath: null, councilId: null, gender: '', exec: '', status: 'active', scope } as const;
    const ran = queryRecorder(t.db).capture(() =>
      repo.list(filters, { sort: 'name', dir: 'asc', limit: 50, offset: (page - 1) * 50 }),
    );
    const way = (sql: string) =>
      (/[^+]"members"\."unit_id" in/.test(sql) ? 'units ' : '') +
      (/exists \(select 1 from "member_words"/.test(sql)
        ? 'check'
        : /\+"members"\."id" in/.test(sql)
          ? 'filter'
          : 'drive');
    // the count is kept for the filters (paging reuses it): only their first page counts
    const count = ran.find((r) => /^select count\(\*\) from "members" where .*member_words/.test(r.sql))?.sql;
    const list = ran.find((r) => /^select "members"\."id", "members"\."full_name"/.test(r.sql))!.sql;
    return [...(count ? [`count ${way(count)}`] : []), `page ${way(list)}`];
  }

  it('from the words or from the subtree; looking members up in the set of hits or checking their words', async () => {
    populate();
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const raqqa = [org.units.raqqa.path];
    // a district of five members, and its coordinator
    const small = makeUnit(t.db, { parentId: org.units.tabqa.id, nameAr: 'مجلس ناحية صغيرة' });
    for (const fullName of ['أحمد الصغير', 'سارة الصغيرة', 'علي الطه', 'رنا الخلف', 'حسن العلي'])
      makeMember(t.db, { unitId: small.id, fullName });
    await makeUser(t.db, { username: 'small', roles: [{ role: 'coordinator', unitId: small.id }] });
    const smallCoord = new Client(t.app);
    await smallCoord.login('small');
    const cases: [Client, string[] | 'all', string, number][] = [
      [office, 'all', 'النادر', 1], // a few hits: sorted from the words
      [office, 'all', 'الطه', 1], // a sixth: along the name index, looking each up in the set
      [office, 'all', 'ا', 1], // everyone: along the name index, checking each one's words
      [office, 'all', 'ا', 3],
      [office, 'all', 'احمد الخ', 2],
      [office, 'all', 'محمد احمد', 1],
      [coord, raqqa, 'الخلف', 1],
      [coord, raqqa, 'ا', 2],
      [coord, raqqa, 'النادر', 1],
      [smallCoord, [small.path], 'ا', 1], // a few members: checking the words of each
      [smallCoord, [small.path], 'الخلف', 1],
    ];
    const ways = new Set<string>();
    for (const [client, scope, q, page] of cases) {
      for (const w of waysOf(scope, q, page)) ways.add(w);
      const res = await client.get(`/members?q=${encodeURIComponent(q)}&page=${page}`);
      const want = expected(q, scope === 'all' ? null : scope, page);
      expect(listed(res.body), `${q} page ${page}`).toEqual(want.names);
      expect(totalOf(res.body), q).toBe(want.total);
    }
    expect([...ways].sort()).toEqual([
      'count drive',
      'count units check',
      'count units filter',
      'page check',
      'page drive',
      'page filter',
      'page units check',
      'page units filter',
    ]);
  });

  it('counts a search once while the office pages through it, keeps a page, and reads both again after any change', async () => {
    const { karama, raqqa } = org.units;
    for (let i = 0; i < 60; i++) makeMember(t.db, { unitId: i % 2 ? karama.id : raqqa.id, fullName: `عضو ${i} الخلف` });
    const recorder = queryRecorder(t.db);
    const counting = async (url: string) => {
      let html = '';
      const ran = await recorder.captureAsync(async () => {
        html = (await office.get(url)).body;
      });
      return {
        total: totalOf(html),
        counts: ran.filter((r) => /^select count\(\*\) from "members"/.test(r.sql)).length,
        pages: ran.filter((r) => /^select "members"\."id", "members"\."full_name"/.test(r.sql)).length,
        names: listed(html),
      };
    };
    const q = encodeURIComponent('الخلف');
    const first = await counting(`/members?q=${q}`);
    expect(first).toMatchObject({ total: 61, counts: 1, pages: 1 });
    expect(first.names).toHaveLength(50);
    // back to the same results (from a member's page): the same page, nothing read again
    expect(await counting(`/members?q=${q}`)).toEqual({ ...first, counts: 0, pages: 0 });
    // the next page and another order of the same search: the same count, not counted again
    expect(await counting(`/members?q=${q}&page=2`)).toMatchObject({ total: 61, counts: 0, pages: 1 });
    expect(await counting(`/members?q=${q}&sort=unit`)).toMatchObject({ total: 61, counts: 0, pages: 1 });
    // other filters are another count
    expect((await counting(`/members?q=${q}&status=all`)).counts).toBe(1);
    // a new member, a member made inactive, a renamed one: each is counted at once
    makeMember(t.db, { unitId: karama.id, fullName: 'رنا الخلف' });
    expect(await counting(`/members?q=${q}&page=2`)).toMatchObject({ total: 62, counts: 1 });
    expect((await counting(`/members?q=${q}`)).names).toContain('رنا الخلف');
    const [someone] = t.db.select().from(s.members).where(eq(s.members.fullName, 'عضو 3 الخلف')).all();
    t.db.update(s.members).set({ status: 'inactive' }).where(eq(s.members.id, someone.id)).run();
    expect((await counting(`/members?q=${q}`)).total).toBe(61);
    t.db
      .update(s.members)
      .set({ fullName: 'عضو العلي', nameSearch: normalizeArabic('عضو العلي') })
      .where(eq(s.members.fullName, 'عضو 4 الخلف'))
      .run();
    expect((await counting(`/members?q=${q}`)).total).toBe(60);
  });
});
