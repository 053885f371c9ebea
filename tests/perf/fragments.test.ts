/**
 * Parts of a page rendered once and kept (pageLocals' `kept`, issue 12): the unit filters of
 * the catalogue and of the member list, whose hundreds of options cost half a catalogue page,
 * and a roster's rows. A kept part must still show each viewer what is theirs: the option they
 * selected, their language, only their units' members, editable only where they may mark, and
 * a change at once.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { pageBytes } from '../../server/core/render.ts';
import { daysAgo, makeActivity, makeEnrolledMembers, makeSession, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
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
    const { raqqa, karama, tabqa } = org.units;
    const member = new Client(t.app);
    await member.login('member');
    const first = (await member.get('/activities')).body;
    expect(labelsOf(first, 'unit')).toContain('مجلس مدينة الرقة');
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
    expect(labelsOf(english, 'unit')).toContain('Raqqa');
    expect(labelsOf((await member.get('/activities')).body, 'unit')).not.toContain('Raqqa');

    t.db.update(s.units).set({ nameAr: 'مجلس مدينة الرقة الجديد' }).where(eq(s.units.id, raqqa.id)).run();
    expect(labelsOf((await member.get('/activities')).body, 'unit')).toContain('مجلس مدينة الرقة الجديد');
  });

  it("lists the centre and the cities, and a chosen city's districts (the filter covers the subtree)", async () => {
    const { raqqa, karama, mansoura } = org.units;
    const member = new Client(t.app);
    await member.login('member');
    const top = (await member.get('/activities')).body;
    expect(labelsOf(top, 'unit')).toEqual(['الكل', 'المركز العام', 'مجلس مدينة الرقة', 'مجلس مدينة الطبقة']);
    expect(top).toContain('اختر مدينة ثم اضغط «تصفية» لتظهر نواحيها.');
    // a city chosen: its districts under it, not another city's
    const city = (await member.get(`/activities?unit=${raqqa.id}`)).body;
    expect(labelsOf(city, 'unit')).toContain('مجلس ناحية الكرامة');
    expect(labelsOf(city, 'unit')).not.toContain('مجلس ناحية المنصورة');
    // a district chosen: it and its sister districts stay listed, selected
    const district = (await member.get(`/activities?unit=${karama.id}`)).body;
    expect(labelsOf(district, 'unit')).toContain('مجلس ناحية الكرامة');
    expect(selectedOf(district, 'unit')).toBe(String(karama.id));
    expect(labelsOf((await member.get(`/activities?unit=${mansoura.id}`)).body, 'unit')).toEqual([
      'الكل',
      'المركز العام',
      'مجلس مدينة الرقة',
      'مجلس مدينة الطبقة',
      'مجلس ناحية المنصورة',
    ]);
  });

  it('keeps the catalogue cards with the rows they show: links for the signed in, a change at once', async () => {
    const a = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      status: 'open',
      selfEnrol: true,
      title: 'دورة نادية الخشان',
    });
    t.db.insert(s.settings).values({ key: 'public_catalogue', value: 'on' }).run();
    const member = new Client(t.app);
    await member.login('member');
    const link = `<a href="/activities/${a.id}">دورة نادية الخشان</a>`;
    expect((await member.get('/activities')).body).toContain(link);
    expect((await member.get('/activities')).body).toContain(link);
    const outside = (await new Client(t.app).get('/activities')).body;
    expect(outside).toContain('دورة نادية الخشان');
    expect(outside).not.toContain(`href="/activities/${a.id}"`);
    expect((await member.get('/activities')).body).toContain(link);
    t.db.update(s.activities).set({ title: 'دورة نادية الخشان الثانية' }).where(eq(s.activities.id, a.id)).run();
    expect((await member.get('/activities')).body).toContain(
      `<a href="/activities/${a.id}">دورة نادية الخشان الثانية</a>`,
    );
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

describe("a roster's kept rows", () => {
  it('show each viewer their own members, editable or not, and a new mark at once', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الصفوف', editWindowDays: 7 });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const closed = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: daysAgo(10) });
    const [raqqaMember] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const other = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو من المنصورة' });
    t.db
      .insert(s.enrolments)
      .values({ activityId: a.id, memberId: other.id, status: 'approved', source: 'office' })
      .run();
    await makeUser(t.db, { username: 'tabqa', roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }] });
    const who: Record<string, Client> = {};
    for (const name of ['trainer', 'office', 'coordinator', 'tabqa']) {
      who[name] = new Client(t.app);
      await who[name].login(name);
    }
    const page = async (name: string, id: number) => {
      const html = (await who[name].get(`/sessions/${id}/attendance`)).body;
      const shown = [raqqaMember.id, other.id].filter((m) => html.includes(`data-member="${m}"`));
      return {
        shown,
        editable: html.includes('<fieldset class="mark"') && !html.includes('<fieldset class="mark" disabled'),
      };
    };
    // two read-only viewers of different units, one after the other
    expect(await page('coordinator', sess.id)).toEqual({ shown: [raqqaMember.id], editable: false });
    expect(await page('tabqa', sess.id)).toEqual({ shown: [other.id], editable: false });
    // the same members for two viewers, after the edit window: the office may still correct
    expect(await page('trainer', closed.id)).toEqual({ shown: [raqqaMember.id, other.id], editable: false });
    expect(await page('office', closed.id)).toEqual({ shown: [raqqaMember.id, other.id], editable: true });
    // a mark shows on the next request
    expect((await page('trainer', sess.id)).editable).toBe(true);
    const res = await who.trainer.post(`/sessions/${sess.id}/attendance`, { [`s_${raqqaMember.id}`]: 'late' });
    expect(res.status).toBe(303);
    expect(marksOf(t.db, sess.id).get(raqqaMember.id)!.status).toBe('late');
    const after = (await who.trainer.get(`/sessions/${sess.id}/attendance`)).body;
    expect(after).toMatch(new RegExp(`name="s_${raqqaMember.id}" value="late" checked`));
  });
});

describe('the bytes of a page with kept parts', () => {
  it('puts each kept part in its place, encoded once, and leaves a forged mark as text', async () => {
    const member = new Client(t.app);
    await member.login('member');
    const res = await member.get(`/activities?unit=${org.units.karama.id}`);
    // the reassembled page: valid UTF-8 Arabic around the kept select, no mark left
    expect(res.body).not.toContain('\u0000');
    expect(selectedOf(res.body, 'unit')).toBe(String(org.units.karama.id));
    expect(labelsOf(res.body, 'unit')).toContain('مجلس ناحية الكرامة');
    // text that looks like a mark but lacks this process's secret stays what it was
    const forged = 'قبل\u0000abc:0\u0000بعد';
    expect(pageBytes(forged, [Buffer.from('مسروق')]).toString('utf8')).toBe(forged);
    expect(pageBytes('نص', []).toString('utf8')).toBe('نص');
  });
});
