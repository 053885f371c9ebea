/**
 * What the faster session pages and calendars (issue 12) must still show: clashes found per
 * session (only the sessions near each one are read), an activity's session list kept while
 * the data is unchanged, the office's calendar of every unit read without per-session joins and
 * its days kept per scope, month, language and day, and the kept trainer and unit selects.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { isoDateInZone, parseLocalDateTime } from '../../server/core/time.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeSession, markAttendance } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
let coordinator: Client;
let member: Client;
const TZ = 'Asia/Damascus';
const at = (date: string, time: string) => parseLocalDateTime(date, time, TZ)!;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  office = new Client(t.app);
  await office.login('office');
  coordinator = new Client(t.app);
  await coordinator.login('coordinator');
  member = new Client(t.app);
  await member.login('member');
});
afterAll(() => t.close());

/** the status cell of each row of a sessions list, by the session's id */
function statusCells(html: string) {
  const out = new Map<number, string>();
  for (const row of html.matchAll(/<tr[^>]*>\s*<td><a href="\/sessions\/(\d+)">[\s\S]*?<\/tr>/g)) {
    const cells = [...row[0].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)];
    out.set(Number(row[1]), textOf(cells[cells.length - 1][1]));
  }
  return out;
}

/** the options of the select named `name`: value and whether selected */
function optionsOf(html: string, name: string) {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) throw new Error(`no select ${name}`);
  return [...select[1].matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({
    value: m[1],
    selected: !!m[2],
    label: m[3],
  }));
}
const selectedOf = (html: string, name: string) =>
  optionsOf(html, name)
    .filter((o) => o.selected)
    .map((o) => o.value);

describe('clashes on a sessions list', () => {
  it('finds each session its own clashes across months, also with a session that began hours before', async () => {
    const course = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الربيع' });
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'ندوة التعارض' });
    const trainer = org.users.trainer.id;
    const place = 'قاعة الاختبار';
    const first = makeSession(t.db, { activityId: course.id, startsAt: at('2027-03-01', '17:00'), place });
    const second = makeSession(t.db, {
      activityId: course.id,
      startsAt: at('2027-05-10', '17:00'),
      trainerUserId: trainer,
    });
    const third = makeSession(t.db, { activityId: course.id, startsAt: at('2027-07-05', '22:00'), place });
    const quiet = makeSession(t.db, { activityId: course.id, startsAt: at('2027-04-05', '17:00'), place });
    // the same trainer on the second's day, overlapping; the same place on the first's day, the
    // place spelled with capitals and spaces around it
    makeSession(t.db, { activityId: other.id, startsAt: at('2027-05-10', '18:00'), trainerUserId: trainer });
    makeSession(t.db, { activityId: other.id, startsAt: at('2027-03-01', '18:30'), place: '  قاعة الاختبار ' });
    // a whole day's session, begun 22 hours before the third
    t.db
      .insert(s.sessions)
      .values({
        activityId: other.id,
        startsAt: at('2027-07-05', '00:00'),
        endsAt: at('2027-07-05', '23:30'),
        place,
        checkinCode: 'LONGDAY1',
      })
      .run();
    // near the quiet one but not overlapping it: touching it, or the day before, or another place
    makeSession(t.db, { activityId: other.id, startsAt: at('2027-04-05', '15:00'), place }); // 15:00–17:00
    makeSession(t.db, { activityId: other.id, startsAt: at('2027-04-04', '17:00'), place });
    makeSession(t.db, { activityId: other.id, startsAt: at('2027-04-05', '17:00'), place: 'قاعة أخرى' });

    const html = (await office.get(`/activities/${course.id}/sessions`)).body;
    const cells = statusCells(html);
    expect(cells.get(first.id)).toContain('المكان محجوز: ندوة التعارض');
    expect(cells.get(first.id)).not.toContain('المدرب/ة مشغول/ة');
    expect(cells.get(second.id)).toContain('المدرب/ة مشغول/ة: ندوة التعارض');
    expect(cells.get(second.id)).not.toContain('المكان محجوز');
    expect(cells.get(third.id)).toContain('المكان محجوز: ندوة التعارض');
    expect(cells.get(quiet.id)).not.toContain('ندوة التعارض');
    expect(textOf(html)).toContain('3 جلسات تتعارض');

    // one session's page shows its own clash, the quiet one's none
    expect(textOf((await office.get(`/sessions/${third.id}`)).body)).toContain('ندوة التعارض');
    expect(textOf((await office.get(`/sessions/${quiet.id}`)).body)).not.toContain('ندوة التعارض');
  });

  it('shows a change at once: a clash moved away, a session added, marks taken', async () => {
    const course = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الصيف' });
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'حلقة المكان' });
    const place = 'قاعة الصيف';
    const mine = makeSession(t.db, { activityId: course.id, startsAt: at('2027-08-02', '17:00'), place });
    const theirs = makeSession(t.db, { activityId: other.id, startsAt: at('2027-08-02', '17:30'), place });
    const url = `/activities/${course.id}/sessions`;
    expect(statusCells((await member.get(url)).body).get(mine.id)).toContain('المكان محجوز: حلقة المكان');

    // the other activity's session is moved to the next day: no clash on the next view
    const moved = await office.post(`/sessions/${theirs.id}`, {
      date: '2027-08-03',
      startTime: '17:30',
      endTime: '19:30',
      place,
    });
    expect(moved.status).toBe(303);
    expect(statusCells((await member.get(url)).body).get(mine.id)).not.toContain('المكان محجوز');

    // a session added to this activity shows, with its own clash
    const added = await office.post(url, { date: '2027-08-03', startTime: '18:00', endTime: '19:00', place });
    expect(added.status).toBe(303);
    const cells = statusCells((await member.get(url)).body);
    expect(cells.size).toBe(2);
    const addedId = Number(added.location!.split('/').pop());
    expect(cells.get(addedId)).toContain('المكان محجوز: حلقة المكان');

    // the first mark of a session shows on the list (the session's kept count)
    expect(cells.get(mine.id)).not.toContain('سُجّل الحضور');
    const someone = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ريم الأحمد' });
    markAttendance(t.db, mine.id, someone.id);
    expect(statusCells((await member.get(url)).body).get(mine.id)).toContain('سُجّل الحضور');
  });
});

describe('the kept trainer select', () => {
  it("selects each session's own trainer and lists a new trainer at once", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة المدربين' });
    const second = await makeUser(t.db, { roles: [{ role: 'trainer' }], displayName: 'مدربة ثانية' });
    const one = makeSession(t.db, {
      activityId: a.id,
      startsAt: at('2027-09-06', '17:00'),
      trainerUserId: org.users.trainer.id,
    });
    const two = makeSession(t.db, { activityId: a.id, startsAt: at('2027-09-07', '17:00'), trainerUserId: second.id });
    const none = makeSession(t.db, { activityId: a.id, startsAt: at('2027-09-08', '17:00') });
    expect(selectedOf((await office.get(`/sessions/${one.id}/edit`)).body, 'trainerUserId')).toEqual([
      String(org.users.trainer.id),
    ]);
    expect(selectedOf((await office.get(`/sessions/${two.id}/edit`)).body, 'trainerUserId')).toEqual([
      String(second.id),
    ]);
    expect(selectedOf((await office.get(`/sessions/${none.id}/edit`)).body, 'trainerUserId')).toEqual(['']);
    expect(selectedOf((await office.get(`/sessions/${one.id}/edit`)).body, 'trainerUserId')).toEqual([
      String(org.users.trainer.id),
    ]);

    // a refused form keeps the typed trainer and shows the field's error
    const refused = await office.post(`/sessions/${two.id}`, {
      date: '2027-09-07',
      startTime: '17:00',
      endTime: '19:00',
      trainerUserId: '999999',
    });
    expect(refused.status).toBe(400);
    expect(textOf(refused.body)).toContain('اختر مدرباً من القائمة');

    const third = await makeUser(t.db, { roles: [{ role: 'trainer' }], displayName: 'مدرب ثالث' });
    const list = (await office.get(`/activities/${a.id}/sessions`)).body;
    expect(optionsOf(list, 'trainerUserId').map((o) => o.label)).toContain('مدرب ثالث');
    const saved = await office.post(`/sessions/${none.id}`, {
      date: '2027-09-08',
      startTime: '17:00',
      endTime: '19:00',
      trainerUserId: String(third.id),
    });
    expect(saved.status).toBe(303);
    expect(t.db.select().from(s.sessions).where(eq(s.sessions.id, none.id)).get()!.trainerUserId).toBe(third.id);
  });
});

describe("the office's calendar of every unit", () => {
  it('shows every unit’s sessions but drafts, in time order, and a change at once', async () => {
    const karama = makeActivity(t.db, { organisingUnitId: org.units.karama.id, title: 'حلقة كرامة الشهر' });
    const tabqa = makeActivity(t.db, { organisingUnitId: org.units.tabqa.id, title: 'ندوة طبقة الشهر' });
    const draft = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      title: 'مسودة الشهر',
      status: 'draft',
    });
    makeSession(t.db, {
      activityId: tabqa.id,
      startsAt: at('2027-10-12', '10:00'),
      trainerUserId: org.users.trainer.id,
      topic: 'الجلسة الأولى',
    });
    makeSession(t.db, {
      activityId: karama.id,
      startsAt: at('2027-10-05', '17:00'),
      place: 'مجلس الكرامة',
      status: 'cancelled',
    });
    makeSession(t.db, { activityId: draft.id, startsAt: at('2027-10-06', '17:00') });
    const trainerName = t.db.select().from(s.users).where(eq(s.users.id, org.users.trainer.id)).get()!.displayName;

    const url = '/calendar?view=month&scope=unit&date=2027-10-15';
    await office.get(url); // shows (and ends) the last test's one-time message
    const page = textOf((await office.get(url)).body);
    expect(page).toContain('حلقة كرامة الشهر · مجلس الكرامة ملغاة');
    expect(page).toContain(`ندوة طبقة الشهر — الجلسة الأولى · ${trainerName}`);
    expect(page.indexOf('حلقة كرامة الشهر')).toBeLessThan(page.indexOf('ندوة طبقة الشهر'));
    expect(page).not.toContain('مسودة الشهر');
    // the same page again (kept) is the same
    expect(textOf((await office.get(url)).body)).toBe(page);

    // the coordinator of Raqqa, right after: Karama's only
    const own = textOf((await coordinator.get(url)).body);
    expect(own).toContain('حلقة كرامة الشهر');
    expect(own).not.toContain('ندوة طبقة الشهر');

    // the draft opens: its session shows on the next view
    t.db.update(s.activities).set({ status: 'open' }).where(eq(s.activities.id, draft.id)).run();
    expect(textOf((await office.get(url)).body)).toContain('مسودة الشهر');

    // another viewer in English at the same time; the Arabic page stays Arabic
    const english = new Client(t.app);
    await english.login('admin');
    await english.post('/lang/en', { next: '/calendar' });
    const en = textOf((await english.get(url)).body);
    expect(en).toContain('October 2027');
    expect(en).toContain('Cancelled');
    expect(textOf((await office.get(url)).body)).toContain('ملغاة');
  });

  it("marks today in this week's grid and keeps each viewer's unit selected", async () => {
    const today = isoDateInZone(new Date(), TZ);
    const week = (await office.get(`/calendar?view=week&scope=unit&date=${today}`)).body;
    expect(week).toMatch(/<section class="day today">/);
    expect(week.match(/class="day today"/g)).toHaveLength(1);

    const { karama, tabqa } = org.units;
    expect(selectedOf((await office.get(`/calendar?scope=unit&unit=${karama.id}`)).body, 'unit')).toEqual([
      String(karama.id),
    ]);
    expect(selectedOf((await office.get(`/calendar?scope=unit&unit=${tabqa.id}`)).body, 'unit')).toEqual([
      String(tabqa.id),
    ]);
    const all = await office.get('/calendar?scope=unit');
    expect(selectedOf(all.body, 'unit')).toEqual(['']);
    expect(optionsOf(all.body, 'unit').map((o) => o.value)).toContain(String(tabqa.id));
    // the coordinator's select: Raqqa's subtree only
    const own = optionsOf((await coordinator.get('/calendar?scope=unit')).body, 'unit').map((o) => o.value);
    expect(own).toEqual(['', String(org.units.raqqa.id), String(karama.id)]);
  });
});
