import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeCouncil, makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

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

const council = (id: number) => t.db.select().from(s.councils).where(eq(s.councils.id, id)).get()!;

describe('councils', () => {
  it('creates a council with its kind, lists it with its active members, and audits', async () => {
    await office.get('/councils');
    const res = await office.post('/councils', {
      nameAr: 'مجلس المرأة',
      nameEn: "Women's Council",
      kind: 'women',
      description: 'تأسس في الطبقة',
    });
    expect(res.status).toBe(303);
    const id = Number(res.location!.split('/').pop());
    expect(council(id).kind).toBe('women');
    makeMember(t.db, { unitId: org.units.karama.id, fullName: 'رنا', councilIds: [id] });
    makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'هدى', councilIds: [id] });
    makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'سابقة', councilIds: [id], status: 'inactive' });
    const list = await office.get('/councils');
    expect(textOf(list.body)).toMatch(/مجلس المرأة مجلس المرأة 2 /);
    const page = textOf((await office.get(`/councils/${id}`)).body);
    expect(page).toContain('رنا');
    expect(page).toContain('هدى');
    expect(page).toContain('مجلس ناحية الكرامة');
    expect(t.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'council.create')).all()).toHaveLength(1);
  });

  it('refuses bad input beside the field and keeps what was typed', async () => {
    await office.get('/councils');
    const res = await office.post('/councils', {
      nameAr: '',
      nameEn: 'Kept',
      kind: 'aliens',
      description: 'x'.repeat(3000),
    });
    expect(res.status).toBe(400);
    expect(res.body).toContain('value="Kept"');
    expect(textOf(res.body)).toContain('اختر نوع المجلس');
    expect(textOf(res.body)).toContain('هذا الحقل مطلوب');
    expect(textOf(res.body)).toContain('النص أطول من المسموح');
    const c = makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
    const edit = await office.post(`/councils/${c.id}`, { nameAr: 'مجلس الشباب', kind: '' });
    expect(edit.status).toBe(400);
    expect(council(c.id).kind).toBe('youth');
    expect(t.db.select().from(s.councils).all()).toHaveLength(1);
  });

  it('renames, archives and restores, never deletes', async () => {
    const c = makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
    const m = makeMember(t.db, { unitId: org.units.karama.id, councilIds: [c.id] });
    await office.get(`/councils/${c.id}`);
    expect((await office.post(`/councils/${c.id}`, { nameAr: 'مجلس الشبيبة', kind: 'youth' })).status).toBe(303);
    expect(council(c.id).nameAr).toBe('مجلس الشبيبة');
    expect((await office.post(`/councils/${c.id}/archive`)).status).toBe(303);
    expect(council(c.id).archivedAt).not.toBeNull();
    expect(textOf((await office.get('/councils')).body)).not.toContain('مجلس الشبيبة');
    expect(textOf((await office.get('/councils?archived=1')).body)).toContain('مجلس الشبيبة');
    // the membership stays
    expect(t.db.select().from(s.memberCouncils).where(eq(s.memberCouncils.memberId, m.id)).all()).toHaveLength(1);
    expect((await office.post(`/councils/${c.id}/restore`)).status).toBe(303);
    expect(council(c.id).archivedAt).toBeNull();
    expect((await office.get('/councils/999999')).status).toBe(404);
    expect((await office.post('/councils/999999/archive')).status).toBe(404);
  });
});

describe("a council's member pages", () => {
  it('lists every member once, in name order, on both sides of the page where the reading changes', async () => {
    const c = makeCouncil(t.db, { nameAr: 'مجلس كبير', kind: 'other' });
    // 1,120 members (some not in the council between them, one name twice): pages 1–20 walk the
    // name index, pages 21–23 take the council's members first; both in the same order
    const names: string[] = [];
    t.db.$client.transaction(() => {
      for (let i = 0; i < 1200; i++) {
        const fullName = `عضو ${String(i % 1119).padStart(4, '0')}`;
        const inCouncil = i % 15 !== 7;
        makeMember(t.db, { unitId: org.units.karama.id, fullName, councilIds: inCouncil ? [c.id] : [] });
        if (inCouncil) names.push(fullName);
      }
    })();
    names.sort();
    const listed: string[] = [];
    for (let page = 1; page <= 23; page++) {
      const html = (await office.get(`/councils/${c.id}?page=${page}`)).body;
      listed.push(...[...textOf(html).matchAll(/عضو \d{4}/g)].map((m) => m[0]));
    }
    expect(listed).toEqual(names);
    expect(textOf((await office.get('/councils')).body)).toMatch(new RegExp(`مجلس كبير .*? ${names.length} `));
  });
});
