/**
 * Parts of a page rendered once and kept (pageLocals' `kept`, issue 12): the unit filters of
 * the catalogue and of the member list, whose hundreds of options cost half a catalogue page.
 * A kept part must still show each viewer what is theirs: the option they selected, their
 * language, only their units, and a renamed unit at once.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

/** the options of the select named `name`: label, value, selected */
function optionsOf(html: string, name: string) {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) throw new Error(`no select ${name}`);
  return [...select[1].matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({
    value: m[1],
    selected: !!m[2],
    label: m[3].replace(/^(— )+/, ''),
  }));
}
const selectedOf = (html: string, name: string) => optionsOf(html, name).find((o) => o.selected)?.value;
const labelsOf = (html: string, name: string) => optionsOf(html, name).map((o) => o.label);

describe('the kept unit filters', () => {
  it("selects each request's own unit, in its own language, and shows a renamed unit at once", async () => {
    const { karama, tabqa } = org.units;
    const member = new Client(t.app);
    await member.login('member');
    const first = (await member.get('/activities')).body;
    expect(labelsOf(first, 'unit')).toContain('مجلس ناحية الكرامة');
    expect(selectedOf(first, 'unit')).toBe('');
    expect(selectedOf((await member.get(`/activities?unit=${karama.id}`)).body, 'unit')).toBe(String(karama.id));
    expect(selectedOf((await member.get(`/activities?unit=${tabqa.id}`)).body, 'unit')).toBe(String(tabqa.id));
    // the same page again: nothing selected, as the first time
    expect((await member.get('/activities')).body).toContain(optionsOfHtml(first));

    // another viewer in English, at the same time
    const office = new Client(t.app);
    await office.login('office');
    await office.post('/lang/en', { next: '/activities' });
    const english = (await office.get('/activities')).body;
    expect(labelsOf(english, 'unit')).toContain('Karama');
    expect(labelsOf((await member.get('/activities')).body, 'unit')).not.toContain('Karama');

    t.db.update(s.units).set({ nameAr: 'مجلس ناحية الكرامة الجديد' }).where(eq(s.units.id, karama.id)).run();
    expect(labelsOf((await member.get('/activities')).body, 'unit')).toContain('مجلس ناحية الكرامة الجديد');
  });

  it("keeps each viewer's scope in the member list: a coordinator's units only", async () => {
    const office = new Client(t.app);
    await office.login('office');
    const coordinator = new Client(t.app);
    await coordinator.login('coordinator');
    const all = labelsOf((await office.get('/members')).body, 'unit');
    expect(all).toEqual(expect.arrayContaining(['مجلس مدينة الرقة', 'مجلس ناحية الكرامة', 'مجلس مدينة الطبقة']));
    // the coordinator of Raqqa, right after the office: Raqqa's subtree, not the office's list
    const own = labelsOf((await coordinator.get('/members')).body, 'unit');
    expect(own).toEqual(expect.arrayContaining(['مجلس مدينة الرقة', 'مجلس ناحية الكرامة']));
    expect(own).not.toContain('مجلس مدينة الطبقة');
    expect(labelsOf((await office.get('/members')).body, 'unit')).toEqual(all);
  });
});

/** the markup of the unit select of a page */
function optionsOfHtml(html: string) {
  return /<select[^>]*name="unit"[^>]*>[\s\S]*?<\/select>/.exec(html)![0];
}
