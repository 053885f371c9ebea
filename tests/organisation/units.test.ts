import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { dateFormatter } from '../../server/core/time.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
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

const unit = (id: number) => t.db.select().from(s.units).where(eq(s.units.id, id)).get()!;

describe('unit tree', () => {
  it('shows every unit with member counts that include the units below', async () => {
    const { centre, raqqa, karama, tabqa } = org.units;
    makeMember(t.db, { unitId: raqqa.id });
    makeMember(t.db, { unitId: karama.id });
    makeMember(t.db, { unitId: karama.id, status: 'inactive' });
    const page = await office.get('/units');
    expect(page.status).toBe(200);
    const row = (id: number) =>
      textOf(new RegExp(`<tr[^>]*>\\s*<td[^>]*><a href="/units/${id}">[\\s\\S]*?</tr>`).exec(page.body)![0]);
    // karama: org member + 1 active; raqqa: those + 1; centre: all 3 active
    expect(row(karama.id)).toContain('2');
    expect(row(raqqa.id)).toMatch(/ 3$/);
    expect(row(centre.id)).toMatch(/ 3$/);
    expect(row(tabqa.id)).toMatch(/ 0$/);
    expect(textOf(page.body)).toContain('مجلس ناحية الكرامة');
  });

  it('creates a unit under a parent with its materialised path, and audits it', async () => {
    await office.get('/units');
    const res = await office.post('/units', {
      nameAr: 'مجلس ناحية السبخة',
      nameEn: 'Sabkha',
      kind: 'district',
      parentId: org.units.raqqa.id,
    });
    expect(res.status).toBe(303);
    const id = Number(res.location!.split('/').pop());
    expect(unit(id).path).toBe(`${org.units.raqqa.path}${id}/`);
    const page = await office.get(`/units/${id}`);
    expect(textOf(page.body)).toContain('مجلس ناحية السبخة');
    expect(textOf(page.body)).toContain('مجلس مدينة الرقة');
    const audit = t.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'unit.create')).all();
    expect(audit).toHaveLength(1);
    // who, what, on what and when, as the admin's audit page shows the line
    const admin = new Client(t.app);
    await admin.login('admin');
    const line = textOf((await admin.get('/admin/audit?action=unit.create')).body);
    expect(line).toContain(org.users.office.displayName);
    expect(line).toContain(`unit #${id}`);
    expect(line).toContain('مجلس ناحية السبخة');
    expect(line).toContain(dateFormatter('ar', t.config.TAAHIL_TZ).date(new Date()));
  });

  it('refuses bad input beside the field and keeps what was typed', async () => {
    await office.get('/units');
    const res = await office.post('/units', { nameAr: '  ', nameEn: 'Typed', kind: 'planet', parentId: '999999' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('value="Typed"');
    expect(textOf(res.body)).toContain('هذا الحقل مطلوب');
    expect(textOf(res.body)).toContain('اختر نوع الوحدة');
    const bad = await office.post('/units', { nameAr: 'وحدة', kind: 'city', parentId: '999999' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('الوحدة الأعلى غير موجودة');
    expect(t.db.select().from(s.units).all()).toHaveLength(5);
  });

  it('lists each unit right after its parent, siblings in creation order (not "/1/11/" before "/1/2/")', async () => {
    for (let i = 0; i < 8; i++) makeUnit(t.db, { parentId: org.units.centre.id, nameAr: `مدينة ${i}` });
    const late = makeUnit(t.db, { parentId: org.units.raqqa.id, nameAr: 'ناحية متأخرة' });
    const ids = [...(await office.get('/units')).body.matchAll(/<td class="depth-\d+"><a href="\/units\/(\d+)">/g)].map(
      (m) => Number(m[1]),
    );
    const { centre, raqqa, karama, tabqa, mansoura } = org.units;
    expect(ids.slice(0, 6)).toEqual([centre.id, raqqa.id, karama.id, late.id, tabqa.id, mansoura.id]);
  });

  it('renames a unit', async () => {
    await office.get(`/units/${org.units.karama.id}`);
    const res = await office.post(`/units/${org.units.karama.id}`, {
      nameAr: 'ناحية الكرامة',
      nameEn: 'Karama',
      kind: 'district',
    });
    expect(res.status).toBe(303);
    expect(unit(org.units.karama.id).nameAr).toBe('ناحية الكرامة');
  });

  it('moves a unit with its whole subtree and rewrites every path', async () => {
    const { raqqa, tabqa, karama } = org.units;
    const deep = makeUnit(t.db, { parentId: karama.id, nameAr: 'قرية' });
    await office.get(`/units/${raqqa.id}`);
    const res = await office.post(`/units/${raqqa.id}/move`, { parentId: tabqa.id });
    expect(res.status).toBe(303);
    expect(unit(raqqa.id).path).toBe(`${tabqa.path}${raqqa.id}/`);
    expect(unit(raqqa.id).parentId).toBe(tabqa.id);
    expect(unit(karama.id).path).toBe(`${tabqa.path}${raqqa.id}/${karama.id}/`);
    expect(unit(deep.id).path).toBe(`${tabqa.path}${raqqa.id}/${karama.id}/${deep.id}/`);
    // the coordinator of Raqqa still sees its subtree (scope follows the path)
    const coord = new Client(t.app);
    await coord.login('coordinator');
    expect((await coord.get(`/units/${deep.id}`)).status).toBe(200);
  });

  it('never moves a unit under itself or its descendants', async () => {
    const { raqqa, karama } = org.units;
    await office.get(`/units/${raqqa.id}`);
    for (const target of [raqqa.id, karama.id]) {
      const res = await office.post(`/units/${raqqa.id}/move`, { parentId: target });
      expect(res.status).toBe(400);
      expect(textOf(res.body)).toContain('لا يمكن نقل وحدة إلى نفسها');
    }
    expect(unit(raqqa.id).path).toBe(raqqa.path);
    expect(unit(karama.id).path).toBe(karama.path);
  });

  it('archives a unit with members and never deletes it; deletes an empty unused one', async () => {
    const { karama, raqqa } = org.units;
    await office.get(`/units/${karama.id}`);
    const del = await office.post(`/units/${karama.id}/delete`);
    expect(del.status).toBe(400);
    expect(textOf(del.body)).toContain('لهذه الوحدة سجل');
    // a parent with active children cannot be archived first
    const parent = await office.post(`/units/${raqqa.id}/archive`);
    expect(parent.status).toBe(400);
    expect(unit(raqqa.id).archivedAt).toBeNull();
    expect((await office.post(`/units/${karama.id}/archive`)).status).toBe(303);
    expect(unit(karama.id).archivedAt).not.toBeNull();
    expect(textOf((await office.get('/units')).body)).not.toContain('مجلس ناحية الكرامة');
    expect(textOf((await office.get('/units?archived=1')).body)).toContain('مجلس ناحية الكرامة');
    expect((await office.post(`/units/${karama.id}/restore`)).status).toBe(303);
    expect(unit(karama.id).archivedAt).toBeNull();

    const empty = makeUnit(t.db, { parentId: raqqa.id, nameAr: 'وحدة فارغة' });
    expect((await office.post(`/units/${empty.id}/delete`)).status).toBe(303);
    expect(t.db.select().from(s.units).where(eq(s.units.id, empty.id)).get()).toBeUndefined();
  });

  it('shows a coordinator only its own subtree, read-only', async () => {
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const tree = await coord.get('/units');
    expect(tree.status).toBe(200);
    expect(textOf(tree.body)).toContain('مجلس مدينة الرقة');
    expect(textOf(tree.body)).toContain('مجلس ناحية الكرامة');
    expect(textOf(tree.body)).not.toContain('مجلس مدينة الطبقة');
    expect(tree.body).not.toContain('action="/units"');
    expect((await coord.get(`/units/${org.units.tabqa.id}`)).status).toBe(403);
    const own = await coord.get(`/units/${org.units.karama.id}`);
    expect(own.status).toBe(200);
    expect(own.body).not.toContain('/move"');
    expect((await coord.post(`/units/${org.units.karama.id}`, { nameAr: 'x', kind: 'district' })).status).toBe(403);
    expect((await coord.post('/units', { nameAr: 'x', kind: 'district' })).status).toBe(403);
    expect((await coord.post(`/units/${org.units.karama.id}/archive`)).status).toBe(403);
    expect((await office.get('/units/999999')).status).toBe(404);
  });
});
