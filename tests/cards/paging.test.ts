/**
 * The pages of a unit's print run (counted per unit, read only where the page falls) and the
 * pages of members of the sheet entry grid: what each page shows, against the whole list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRINT_PAGE } from '../../server/cards/service.ts';
import { enrol, makeActivity, makeSession, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
import { mark } from '../followup/factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const clients: Record<string, Client> = {};
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'trainer']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

/** the names on the printed cards of a page, in their order */
const cardNames = (html: string) => [...html.matchAll(/<p class="mc-name">([^<]*)<\/p>/g)].map((m) => m[1]);

let tokens = 0;
const carded = (unitId: number, fullName: string) =>
  makeMember(t.db, { unitId, fullName, cardToken: `paging-token-${++tokens}`, cardIssuedAt: new Date() });

describe('a print run of many units, a page at a time', () => {
  it('pages by unit path then name across the units a page spans, and counts the whole subtree', async () => {
    const city = makeUnit(t.db, { parentId: org.units.centre.id, nameAr: 'مدينة الطباعة' });
    const districts = [0, 1, 2].map((i) => makeUnit(t.db, { parentId: city.id, nameAr: `ناحية الطباعة ${i}` }));
    const archived = makeUnit(t.db, { parentId: city.id, nameAr: 'ناحية مؤرشفة' });
    const expected: { path: string; name: string }[] = [];
    // the city's own members, then 100, 100 and 50 in the districts, plus one in an archived district
    const plan: [{ id: number; path: string }, number][] = [
      [city, 5],
      [districts[0], 100],
      [districts[1], 100],
      [districts[2], 50],
      [archived, 1],
    ];
    for (const [u, n] of plan)
      for (let i = n - 1; i >= 0; i--) {
        // created out of name order: the page must sort them
        const name = `بطاقة ${u.id} رقم ${String(i).padStart(3, '0')}`;
        carded(u.id, name);
        expected.push({ path: u.path, name });
      }
    // neither printed nor counted as having a card: no card, or not active
    for (const u of [city, ...districts]) makeMember(t.db, { unitId: u.id });
    makeMember(t.db, { unitId: districts[1].id, status: 'inactive', cardToken: 'paging-inactive' });
    expected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.name < b.name ? -1 : 1));
    const total = expected.length;
    expect(total).toBe(256);

    const office = clients.office;
    const seen: string[] = [];
    const pages = Math.ceil(total / PRINT_PAGE);
    for (let p = 1; p <= pages; p++) {
      const page = await office.get(`/units/${city.id}/cards?subtree=1&page=${p}`);
      expect(page.status).toBe(200);
      expect(textOf(page.body)).toContain(`${total} عضواً فاعلاً لديهم بطاقة؛ 4 بلا بطاقة`);
      expect(textOf(page.body)).toContain(`صفحة ${p} من ${pages}`);
      const names = cardNames(page.body);
      expect(names).toEqual(expected.slice((p - 1) * PRINT_PAGE, p * PRINT_PAGE).map((e) => e.name));
      seen.push(...names);
    }
    expect(seen).toHaveLength(total);
    // past the last page: no cards, the counts still right
    const past = await office.get(`/units/${city.id}/cards?subtree=1&page=${pages + 1}`);
    expect(cardNames(past.body)).toEqual([]);
    expect(textOf(past.body)).toContain(`${total} عضواً فاعلاً لديهم بطاقة؛ 4 بلا بطاقة`);

    // one unit alone
    const one = await office.get(`/units/${districts[1].id}/cards?subtree=0`);
    expect(textOf(one.body)).toContain('100 عضواً فاعلاً لديهم بطاقة؛ 1 بلا بطاقة');
    expect(cardNames(one.body)).toEqual(expected.filter((e) => e.path === districts[1].path).map((e) => e.name));

    // the counts follow a change at once: issuing the missing cards of the subtree
    await office.post(`/units/${city.id}/cards/issue`, { subtree: 'on' });
    const after = await office.get(`/units/${city.id}/cards?subtree=1&page=2`);
    expect(textOf(after.body)).toContain(`${total + 4} عضواً فاعلاً لديهم بطاقة؛ 0 بلا بطاقة`);
  });
});

describe('the sheet entry grid, a page of members at a time', () => {
  it('shows 100 members a page, in name order, with their marks, and saves a later page', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'محاضرة الكشف الكبير' });
    const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 24 });
    const names: string[] = [];
    const idOf = new Map<string, number>();
    for (let i = 129; i >= 0; i--) {
      const name = `مستمع ${String(i).padStart(3, '0')}`;
      const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: name });
      enrol(t.db, a.id, m.id);
      names.push(name);
      idOf.set(name, m.id);
    }
    // a walk-in, marked without an enrolment, is on the grid too
    const walkIn = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'مستمع 999 حضر دون تسجيل' });
    mark(t.db, s1.id, walkIn.id, 'present');
    names.push(walkIn.fullName);
    idOf.set(walkIn.fullName, walkIn.id);
    mark(t.db, s1.id, idOf.get('مستمع 120')!, 'late');
    names.sort((x, y) => new Intl.Collator('ar').compare(x, y));

    const rowNames = (html: string) => [...html.matchAll(/<th scope="row">([^<]*?) <span/g)].map((m) => m[1]);
    const trainer = clients.trainer;
    const first = await trainer.get(`/activities/${a.id}/sheet-entry`);
    expect(first.status).toBe(200);
    expect(rowNames(first.body)).toEqual(names.slice(0, 100));
    expect(textOf(first.body)).toContain('الأعضاء 1–100 من 131');
    expect(first.body).toContain(`href="/activities/${a.id}/sheet-entry?page=1&amp;members=2"`);

    const second = await trainer.get(`/activities/${a.id}/sheet-entry?members=2`);
    expect(rowNames(second.body)).toEqual(names.slice(100));
    expect(textOf(second.body)).toContain('الأعضاء 101–131 من 131');
    expect(second.body).toContain(`href="/activities/${a.id}/sheet-entry?page=1&amp;members=1"`);
    // the stored marks of the page's members
    expect(second.body).toMatch(
      new RegExp(`name="c_${s1.id}_${idOf.get('مستمع 120')}"[^>]*>[^]*?value="late" selected`),
    );
    expect(second.body).toMatch(new RegExp(`name="c_${s1.id}_${walkIn.id}"[^>]*>[^]*?value="present" selected`));
    expect(textOf(second.body)).toContain('مجلس ناحية المنصورة');
    // a page past the last shows the last one
    expect(rowNames((await trainer.get(`/activities/${a.id}/sheet-entry?members=9`)).body)).toEqual(names.slice(100));

    // saving the second page writes its cells and comes back to it
    const target = idOf.get('مستمع 125')!;
    const res = await trainer.post(`/activities/${a.id}/sheet-entry`, {
      page: '1',
      members: '2',
      [`c_${s1.id}_${target}`]: 'absent',
    });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/activities/${a.id}/sheet-entry?page=1&members=2`);
    expect(marksOf(t.db, s1.id).get(target)).toMatchObject({ status: 'absent', via: 'sheet' });
    const shown = await trainer.get(res.location!);
    expect(shown.body).toMatch(new RegExp(`name="c_${s1.id}_${target}"[^>]*>[^]*?value="absent" selected`));
    // a refused grid is shown again on the page it came from, with what was typed
    const bad = await trainer.post(`/activities/${a.id}/sheet-entry`, {
      page: '1',
      members: '2',
      [`c_${s1.id}_${target}`]: 'maybe',
    });
    expect(bad.status).toBe(400);
    expect(rowNames(bad.body)).toEqual(names.slice(100));
    expect(bad.body).toContain('name="members" value="2"');
  });

  it('shows no member pager when everyone fits on one page', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 });
    enrol(t.db, a.id, makeMember(t.db, { unitId: org.units.karama.id }).id);
    const page = await clients.trainer.get(`/activities/${a.id}/sheet-entry`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('الأعضاء السابقون');
    expect(page.body).not.toContain('الأعضاء التالون');
    expect(textOf(page.body)).not.toContain('الأعضاء 1–1 من 1');
  });
});
