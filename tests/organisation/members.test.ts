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

const member = (id: number) => t.db.select().from(s.members).where(eq(s.members.id, id)).get()!;
const councilsOf = (id: number) =>
  t.db
    .select()
    .from(s.memberCouncils)
    .where(eq(s.memberCouncils.memberId, id))
    .all()
    .map((r) => r.councilId)
    .sort();
const valid = (over: Record<string, unknown> = {}) => ({
  fullName: 'هيفاء الأحمد',
  nameLatin: 'Haifaa al-Ahmad',
  unitId: org.units.karama.id,
  gender: 'f',
  birthYear: '1996',
  phone: '0944 555 111',
  status: 'active',
  notes: '',
  ...over,
});
/** names shown in the list's table rows */
const listed = (html: string) => [...html.matchAll(/<a href="\/members\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('adding and editing members', () => {
  it('adds a member with councils, a normalised phone and a search name, and audits it', async () => {
    const women = makeCouncil(t.db, { nameAr: 'مجلس المرأة', kind: 'women' });
    const youth = makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
    await office.get('/members/new');
    const res = await office.post('/members', { ...valid(), isExecutive: 'on', councilIds: [women.id, youth.id] });
    expect(res.status).toBe(303);
    const id = Number(res.location!.split('/').pop());
    const m = member(id);
    expect(m.phone).toBe('+963944555111');
    expect(m.nameSearch).toBe('هيفاء الاحمد haifaa al-ahmad');
    expect(m.isExecutive).toBe(true);
    expect(councilsOf(id)).toEqual([women.id, youth.id].sort());
    const page = textOf((await office.get(`/members/${id}`)).body);
    expect(page).toContain('هيفاء الأحمد');
    expect(page).toContain('مجلس الشباب، مجلس المرأة');
    expect(page).toContain('مجلس ناحية الكرامة');
    expect(t.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'member.create')).all()).toHaveLength(1);
  });

  it('refuses bad input on every field, beside the field, keeping what was typed and saving nothing', async () => {
    await office.get('/members/new');
    const before = t.db.select().from(s.members).all().length;
    const res = await office.post('/members', {
      fullName: ' ',
      nameLatin: 'Typed Latin',
      unitId: '',
      gender: 'x',
      birthYear: '1800',
      phone: '12ab',
      status: 'sleeping',
      councilIds: ['abc'],
    });
    expect(res.status).toBe(400);
    const text = textOf(res.body);
    expect(text).toContain('هذا الحقل مطلوب');
    expect(text).toContain('اختر إحدى وحداتك');
    expect(text).toContain('اختر أنثى أو ذكر');
    expect(text).toContain('رقم الهاتف غير صالح');
    expect(res.body).toContain('value="Typed Latin"');
    expect(res.body).toContain('value="12ab"');
    const future = await office.post('/members', valid({ birthYear: String(new Date().getUTCFullYear() + 1) }));
    expect(future.status).toBe(400);
    expect(textOf(future.body)).toContain('أدخل سنة بين 1900');
    const council = await office.post('/members', valid({ councilIds: ['999999'] }));
    expect(council.status).toBe(400);
    expect(textOf(council.body)).toContain('اختر المجالس من القائمة');
    const unit = await office.post('/members', valid({ unitId: '999999' }));
    expect(unit.status).toBe(400);
    expect(t.db.select().from(s.members).all().length).toBe(before);
  });

  it('keeps phones unique among active members only', async () => {
    await office.get('/members/new');
    const first = await office.post('/members', valid({ phone: '+963 944 555 111' }));
    expect(first.status).toBe(303);
    const dup = await office.post('/members', valid({ fullName: 'آخر', phone: '00963944555111' }));
    expect(dup.status).toBe(400);
    expect(textOf(dup.body)).toContain('رقم الهاتف هذا لعضو فعّال آخر');
    // an inactive member may keep the same number
    const inactive = await office.post(
      '/members',
      valid({ fullName: 'سابق', phone: '0944555111', status: 'inactive' }),
    );
    expect(inactive.status).toBe(303);
    const inactiveId = Number(inactive.location!.split('/').pop());
    // but cannot become active while another active member has it
    await office.get(`/members/${inactiveId}/edit`);
    const reactivate = await office.post(`/members/${inactiveId}`, valid({ fullName: 'سابق', phone: '0944555111' }));
    expect(reactivate.status).toBe(400);
    expect(member(inactiveId).status).toBe('inactive');
  });

  it('edits a member, keeping memberships of archived councils', async () => {
    const old = makeCouncil(t.db, { nameAr: 'مجلس قديم' });
    const youth = makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
    const m = makeMember(t.db, { unitId: org.units.karama.id, councilIds: [old.id] });
    t.db.update(s.councils).set({ archivedAt: new Date() }).where(eq(s.councils.id, old.id)).run();
    const form = await office.get(`/members/${m.id}/edit`);
    expect(form.body).toContain(`value="${m.fullName}"`);
    const res = await office.post(
      `/members/${m.id}`,
      valid({ fullName: 'اسم جديد', councilIds: [youth.id], unitId: org.units.mansoura.id }),
    );
    expect(res.status).toBe(303);
    expect(member(m.id).fullName).toBe('اسم جديد');
    expect(member(m.id).unitId).toBe(org.units.mansoura.id);
    expect(councilsOf(m.id)).toEqual([old.id, youth.id].sort());
    expect(member(m.id).updatedAt).not.toBeNull();
  });

  it('links to creating a login, and the user form comes prefilled with the member', async () => {
    const page = await office.get(`/members/${org.member.id}`);
    // org.member already has a login: no link
    expect(page.body).not.toContain('/admin/users/new?memberId=');
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    const other = await office.get(`/members/${m.id}`);
    expect(other.body).toContain(`href="/admin/users/new?memberId=${m.id}"`);
    const form = await office.get(`/admin/users/new?memberId=${m.id}`);
    expect(form.body).toContain(`name="memberId" value="${m.id}"`);
    expect(form.body).toMatch(/name="roleMember" value="on" checked/);
    const coord = new Client(t.app);
    await coord.login('coordinator');
    expect((await coord.get(`/members/${m.id}`)).body).not.toContain('/admin/users/new');
  });
});

describe('the member list', () => {
  it('finds names whatever the diacritics, tatweel and letter variants', async () => {
    const { karama } = org.units;
    makeMember(t.db, { unitId: karama.id, fullName: 'أحمـــد الخَلَف' });
    makeMember(t.db, { unitId: karama.id, fullName: 'فاطمة الزهراء' });
    makeMember(t.db, { unitId: karama.id, fullName: 'مصطفى العلي', nameLatin: 'Mustafa al-Ali' });
    makeMember(t.db, { unitId: karama.id, fullName: 'إبراهيم الحسن' });
    const search = async (q: string) => listed((await office.get(`/members?q=${encodeURIComponent(q)}`)).body);
    expect(await search('احمد')).toEqual(['أحمـــد الخَلَف']);
    expect(await search('الخلف')).toEqual(expect.arrayContaining(['أحمـــد الخَلَف', 'سلمى الخلف']));
    expect(await search('أَحْمَد')).toEqual(['أحمـــد الخَلَف']);
    expect(await search('فاطمه')).toEqual(['فاطمة الزهراء']);
    expect(await search('مصطفي')).toEqual(['مصطفى العلي']);
    expect(await search('MUSTAFA')).toEqual(['مصطفى العلي']);
    expect(await search('ابراهيم')).toEqual(['إبراهيم الحسن']);
    expect(await search('آبراهيم')).toEqual(['إبراهيم الحسن']);
    expect(await search('زينب')).toEqual([]);
    // "100%" must not act as a wildcard
    expect(await search('%')).toEqual([]);
  });

  it('finds a member by phone', async () => {
    const m = makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'صاحب الهاتف', phone: '+963933777888' });
    expect(listed((await office.get('/members?q=0933777888')).body)).toEqual([m.fullName]);
  });

  it('filters by unit subtree, council, gender, executive body and status', async () => {
    const { raqqa, karama, tabqa, mansoura } = org.units;
    const women = makeCouncil(t.db, { nameAr: 'مجلس المرأة', kind: 'women' });
    makeMember(t.db, { unitId: raqqa.id, fullName: 'عضو الرقة', gender: 'm', isExecutive: true });
    makeMember(t.db, { unitId: karama.id, fullName: 'عضوة الكرامة', gender: 'f', councilIds: [women.id] });
    makeMember(t.db, { unitId: tabqa.id, fullName: 'عضو الطبقة', gender: 'm', status: 'inactive' });
    makeMember(t.db, { unitId: mansoura.id, fullName: 'عضوة المنصورة', gender: 'f', isExecutive: true });
    const names = async (q: string) => listed((await office.get(`/members?${q}`)).body).sort();
    expect(await names(`unit=${raqqa.id}`)).toEqual(['سلمى الخلف', 'عضو الرقة', 'عضوة الكرامة'].sort());
    expect(await names(`unit=${karama.id}`)).toEqual(['سلمى الخلف', 'عضوة الكرامة'].sort());
    expect(await names(`council=${women.id}`)).toEqual(['عضوة الكرامة']);
    expect(await names('gender=f&exec=yes')).toEqual(['عضوة المنصورة']);
    expect(await names(`unit=${tabqa.id}`)).toEqual(['عضوة المنصورة']);
    expect(await names(`unit=${tabqa.id}&status=inactive`)).toEqual(['عضو الطبقة']);
    expect(await names(`unit=${tabqa.id}&status=all`)).toEqual(['عضو الطبقة', 'عضوة المنصورة'].sort());
    expect((await office.get('/members?unit=999999')).status).toBe(404);
    // nonsense in the query string falls back to the defaults, never a 500
    expect((await office.get('/members?gender=x&sort=evil&page=-3&status=zzz')).status).toBe(200);
  });

  it('pages and sorts', async () => {
    for (let i = 0; i < 60; i++)
      makeMember(t.db, {
        unitId: org.units.mansoura.id,
        fullName: `عضو ${String(i).padStart(2, '0')}`,
        birthYear: 1950 + i,
      });
    const p1 = await office.get(`/members?unit=${org.units.mansoura.id}&sort=birthYear&dir=desc`);
    expect(listed(p1.body)[0]).toBe('عضو 59');
    expect(listed(p1.body)).toHaveLength(50);
    expect(textOf(p1.body)).toContain('صفحة 1 من 2');
    const p2 = await office.get(`/members?unit=${org.units.mansoura.id}&sort=birthYear&dir=desc&page=2`);
    expect(listed(p2.body)).toHaveLength(10);
    expect(listed(p2.body).at(-1)).toBe('عضو 00');
  });
});

describe('coordinators', () => {
  let coord: Client;
  beforeEach(async () => {
    coord = new Client(t.app);
    await coord.login('coordinator');
  });

  it('see and manage the members of their subtree only', async () => {
    const inTabqa = makeMember(t.db, { unitId: org.units.tabqa.id, fullName: 'عضو الطبقة' });
    const inRaqqa = makeMember(t.db, { unitId: org.units.raqqa.id, fullName: 'عضو الرقة' });
    const list = listed((await coord.get('/members')).body);
    expect(list).toContain('عضو الرقة');
    expect(list).toContain('سلمى الخلف');
    expect(list).not.toContain('عضو الطبقة');
    expect((await coord.get(`/members/${inTabqa.id}`)).status).toBe(404);
    expect((await coord.get(`/members/${inTabqa.id}/edit`)).status).toBe(404);
    expect((await coord.get(`/members?unit=${org.units.tabqa.id}`)).status).toBe(403);
    await coord.get('/members/new');
    expect((await coord.post(`/members/${inTabqa.id}`, valid())).status).toBe(404);
    expect(member(inTabqa.id).fullName).toBe('عضو الطبقة');
    // creating in, or moving a member to, a unit outside the subtree is refused beside the field
    const outside = await coord.post('/members', valid({ unitId: org.units.tabqa.id }));
    expect(outside.status).toBe(400);
    expect(textOf(outside.body)).toContain('اختر إحدى وحداتك');
    const move = await coord.post(`/members/${inRaqqa.id}`, valid({ unitId: org.units.tabqa.id }));
    expect(move.status).toBe(400);
    expect(member(inRaqqa.id).unitId).toBe(org.units.raqqa.id);
    const ok = await coord.post('/members', valid({ unitId: org.units.karama.id }));
    expect(ok.status).toBe(303);
    // the unit select offers their units only
    const form = await coord.get('/members/new');
    expect(form.body).toContain('مجلس ناحية الكرامة');
    expect(form.body).not.toContain('مجلس مدينة الطبقة');
    // the export holds their subtree only
    const csv = (await coord.get('/members/export.csv')).body;
    expect(csv).toContain('عضو الرقة');
    expect(csv).not.toContain('عضو الطبقة');
  });

  it('cannot open the councils pages; trainers and members see no member at all', async () => {
    expect((await coord.get('/councils')).status).toBe(403);
    for (const who of ['trainer', 'member']) {
      const c = new Client(t.app);
      await c.login(who);
      expect((await c.get('/members')).status).toBe(403);
      expect((await c.get(`/members/${org.member.id}`)).status).toBe(403);
      expect((await c.get('/members/export.csv')).status).toBe(403);
    }
  });
});

describe('menu', () => {
  it('shows Units, Councils and Members to the office; Units and Members to coordinators', async () => {
    const home = (await office.get('/')).body;
    for (const href of ['/units', '/councils', '/members']) expect(home).toContain(`href="${href}"`);
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const ch = (await coord.get('/')).body;
    expect(ch).toContain('href="/units"');
    expect(ch).toContain('href="/members"');
    expect(ch).not.toContain('href="/councils"');
    const trainer = new Client(t.app);
    await trainer.login('trainer');
    expect((await trainer.get('/')).body).not.toContain('href="/members"');
  });
});
