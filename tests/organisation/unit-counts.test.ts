/**
 * The member counts of the unit tree and of a unit's page: active members of the unit and
 * every unit below it (archived ones too), counted per unit and kept until the data changes.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const clients: Record<string, Client> = {};
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

/** the member count in a tree row (its last cell) */
const treeCount = (html: string, id: number) => {
  const row = new RegExp(`<tr[^>]*>\\s*<td[^>]*><a href="/units/${id}">[\\s\\S]*?</tr>`).exec(html);
  return row ? Number(/(\d+)\s*$/.exec(textOf(row[0]))![1]) : null;
};
/** a unit page's two counts: with the units below it, and of the unit alone */
const unitCounts = (html: string) => {
  const text = textOf(html);
  return {
    members: Number(/\(مع الوحدات التابعة\) (\d+)/.exec(text)?.[1]),
    own: Number(/في الوحدة نفسها (\d+)/.exec(text)?.[1]),
  };
};
const childCount = (html: string, id: number) => {
  const row = new RegExp(`<tr><td><a href="/units/${id}">[\\s\\S]*?</tr>`).exec(html);
  return row ? Number(/(\d+)\s*$/.exec(textOf(row[0]))![1]) : null;
};

describe('member counts of the tree and of a unit', () => {
  it('count the active members below a unit, archived units included, and follow every change', async () => {
    const city = makeUnit(t.db, { parentId: org.units.centre.id, nameAr: 'مدينة العدّ' });
    const d1 = makeUnit(t.db, { parentId: city.id, nameAr: 'ناحية العدّ الأولى' });
    const d2 = makeUnit(t.db, { parentId: city.id, nameAr: 'ناحية العدّ الثانية' });
    const old = makeUnit(t.db, { parentId: city.id, nameAr: 'ناحية العدّ المؤرشفة' });
    for (let i = 0; i < 3; i++) makeMember(t.db, { unitId: city.id });
    for (let i = 0; i < 5; i++) makeMember(t.db, { unitId: d1.id });
    makeMember(t.db, { unitId: d1.id, status: 'inactive' });
    makeMember(t.db, { unitId: old.id });
    makeMember(t.db, { unitId: old.id });
    t.db.update(s.units).set({ archivedAt: new Date() }).where(eq(s.units.id, old.id)).run();
    const everyone = () =>
      t.db.select({ id: s.members.id }).from(s.members).where(eq(s.members.status, 'active')).all().length;

    let tree = (await clients.office.get('/units')).body;
    expect(treeCount(tree, city.id)).toBe(10);
    expect(treeCount(tree, d1.id)).toBe(5);
    expect(treeCount(tree, d2.id)).toBe(0);
    // hidden while archived, its members still counted above it
    expect(treeCount(tree, old.id)).toBeNull();
    expect(treeCount(tree, org.units.centre.id)).toBe(everyone());
    tree = (await clients.office.get('/units?archived=1')).body;
    expect(treeCount(tree, old.id)).toBe(2);
    expect(treeCount(tree, city.id)).toBe(10);

    let page = await clients.office.get(`/units/${city.id}`);
    expect(unitCounts(page.body)).toEqual({ members: 10, own: 3 });
    expect(childCount(page.body, d1.id)).toBe(5);
    expect(childCount(page.body, d2.id)).toBe(0);
    expect(childCount(page.body, old.id)).toBe(2);

    // a new member, one leaving, and a member moving to another unit: shown at once
    makeMember(t.db, { unitId: d2.id });
    const leaving = makeMember(t.db, { unitId: d1.id });
    t.db.update(s.members).set({ status: 'inactive' }).where(eq(s.members.id, leaving.id)).run();
    const mover = makeMember(t.db, { unitId: city.id });
    t.db.update(s.members).set({ unitId: org.units.mansoura.id }).where(eq(s.members.id, mover.id)).run();
    page = await clients.office.get(`/units/${city.id}`);
    expect(unitCounts(page.body)).toEqual({ members: 11, own: 3 });
    expect(childCount(page.body, d2.id)).toBe(1);
    tree = (await clients.office.get('/units')).body;
    expect(treeCount(tree, city.id)).toBe(11);
    expect(treeCount(tree, org.units.tabqa.id)).toBe(1);
    expect(treeCount(tree, org.units.centre.id)).toBe(everyone());

    // a unit moved under another city takes its members with it
    await clients.office.post(`/units/${d1.id}/move`, { parentId: String(org.units.tabqa.id) });
    tree = (await clients.office.get('/units')).body;
    expect(treeCount(tree, city.id)).toBe(6);
    expect(treeCount(tree, org.units.tabqa.id)).toBe(6);
    expect(treeCount(tree, org.units.centre.id)).toBe(everyone());
  });

  it('a coordinator sees the counts of its own subtree only', async () => {
    const { raqqa, karama, tabqa } = org.units;
    const before = treeCount((await clients.coordinator.get('/units')).body, karama.id)!;
    makeMember(t.db, { unitId: karama.id });
    const tree = (await clients.coordinator.get('/units')).body;
    expect(treeCount(tree, karama.id)).toBe(before + 1);
    expect(treeCount(tree, raqqa.id)).toBe(before + 1);
    expect(treeCount(tree, tabqa.id)).toBeNull();
    const page = await clients.coordinator.get(`/units/${karama.id}`);
    expect(unitCounts(page.body)).toEqual({ members: before + 1, own: before + 1 });
    expect((await clients.coordinator.get(`/units/${tabqa.id}`)).status).toBe(403);
  });
});
