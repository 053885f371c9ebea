import { eq } from 'drizzle-orm';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { parseLocalDateTime, startOfDay } from '../../server/core/time.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeEnrolment, makeSession } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const as: Record<string, Client> = {};

beforeAll(async () => {
  t = await createTestApp({ TAAHIL_TZ: 'Europe/Berlin' });
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'trainer', 'member']) {
    as[who] = new Client(t.app);
    await as[who].login(who);
  }
});
afterAll(() => t.close());

function events(ics: string) {
  const comp = new ICAL.Component(ICAL.parse(ics));
  return comp.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      summary: e.summary,
      start: e.startDate.toJSDate().toISOString(),
      end: e.endDate.toJSDate().toISOString(),
      status: String(v.getFirstPropertyValue('status') ?? ''),
      location: e.location,
    };
  });
}

describe('iCalendar', () => {
  it('an activity downloads as .ics with the right instants across a DST change, parsed back by ical.js', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الربيع' });
    await as.office.post(`/activities/${a.id}/sessions/generate`, {
      freq: 'weekly',
      interval: '1',
      weekdays: ['4'],
      startDate: '2026-03-19',
      count: '3',
      startTime: '17:00',
      endTime: '19:00',
      place: 'قاعة برلين',
      topic: 'مدخل',
    });
    const cancelled = t.db.select().from(s.sessions).where(eq(s.sessions.activityId, a.id)).all()[1];
    await as.office.post(`/sessions/${cancelled.id}/cancel`, { reason: 'عطلة' });
    const res = await as.office.get(`/activities/${a.id}/calendar.ics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    const ev = events(res.body);
    expect(ev.map((e) => e.start)).toEqual([
      '2026-03-19T16:00:00.000Z', // 17:00 CET
      '2026-03-26T16:00:00.000Z',
      '2026-04-02T15:00:00.000Z', // 17:00 CEST
    ]);
    expect(ev[2].end).toBe('2026-04-02T17:00:00.000Z');
    expect(ev[0]).toMatchObject({ summary: 'دورة الربيع — مدخل', location: 'قاعة برلين', status: 'CONFIRMED' });
    expect(ev[1].status).toBe('CANCELLED');
    expect(new Set(ev.map((e) => e.uid)).size).toBe(3);
    // someone who may not see the activity cannot download it
    const draft = makeActivity(t.db, { organisingUnitId: org.units.centre.id, status: 'draft' });
    expect((await as.member.get(`/activities/${draft.id}/calendar.ics`)).status).toBe(403);
  });

  it('a private subscription shows the member’s and trainer’s sessions, and stops when revoked', async () => {
    const enrolled = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة مسجّل فيها' });
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة أخرى' });
    const soon = new Date(Date.now() + 3 * 86_400_000);
    makeSession(t.db, { activityId: enrolled.id, startsAt: soon });
    makeSession(t.db, { activityId: other.id, startsAt: soon, trainerUserId: org.users.trainer.id });
    makeEnrolment(t.db, enrolled.id, org.member.id);

    expect(textOf((await as.member.get('/calendar')).body)).toContain('إنشاء عنوان اشتراكي');
    expect((await as.member.post('/calendar/token')).status).toBe(303);
    const token = t.db.select().from(s.users).where(eq(s.users.id, org.users.member.id)).get()!.calendarToken!;
    expect(token).toMatch(/^[a-z0-9]{32}$/);
    expect((await as.member.get('/calendar')).body).toContain(`/calendar/${token}.ics`);

    const anon = new Client(t.app);
    const feed = await anon.get(`/calendar/${token}.ics`);
    expect(feed.status).toBe(200);
    const summaries = events(feed.body).map((e) => e.summary);
    expect(summaries).toContain('دورة مسجّل فيها');
    expect(summaries).not.toContain('دورة أخرى');

    await as.trainer.post('/calendar/token');
    const trainerToken = t.db.select().from(s.users).where(eq(s.users.id, org.users.trainer.id)).get()!.calendarToken!;
    expect(events((await anon.get(`/calendar/${trainerToken}.ics`)).body).map((e) => e.summary)).toEqual(['دورة أخرى']);

    // a new link replaces the old one; revoking ends it
    await as.member.post('/calendar/token');
    expect((await anon.get(`/calendar/${token}.ics`)).status).toBe(404);
    await as.member.post('/calendar/token/revoke');
    expect(t.db.select().from(s.users).where(eq(s.users.id, org.users.member.id)).get()!.calendarToken).toBeNull();
    expect((await anon.get('/calendar/x.ics')).status).toBe(404);
  });
});

describe('calendar pages', () => {
  it('a week view and a month agenda of the viewer’s sessions; a unit view for coordinators, in their scope', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.karama.id, title: 'حلقة الكرامة' });
    const b = makeActivity(t.db, { organisingUnitId: org.units.mansoura.id, title: 'حلقة المنصورة' });
    const at = parseLocalDateTime('2027-06-09', '16:00', 'Europe/Berlin')!; // a Wednesday
    makeSession(t.db, { activityId: a.id, startsAt: at, place: 'مجلس الكرامة', trainerUserId: org.users.trainer.id });
    makeSession(t.db, { activityId: b.id, startsAt: at });
    const week = textOf((await as.trainer.get('/calendar?date=2027-06-09')).body);
    expect(week).toContain('حلقة الكرامة');
    expect(week).toContain('16:00–18:00');
    expect(week).not.toContain('حلقة المنصورة');
    const month = textOf((await as.trainer.get('/calendar?view=month&date=2027-06-01')).body);
    expect(month).toContain('الأربعاء، 9 حزيران 2027');
    const print = textOf((await as.trainer.get('/calendar/print?date=2027-06-09')).body);
    expect(print).toContain('الجدول الأسبوعي');
    expect(print).toContain('مجلس الكرامة');

    const unit = textOf((await as.coordinator.get('/calendar?scope=unit&date=2027-06-09')).body);
    expect(unit).toContain('حلقة الكرامة');
    expect(unit).not.toContain('حلقة المنصورة');
    expect((await as.coordinator.get(`/calendar?scope=unit&unit=${org.units.tabqa.id}`)).status).toBe(403);
    expect((await as.member.get('/calendar?scope=unit')).status).toBe(403);
    const office = textOf(
      (await as.office.get(`/calendar?scope=unit&unit=${org.units.tabqa.id}&date=2027-06-09`)).body,
    );
    expect(office).toContain('حلقة المنصورة');
    expect(office).not.toContain('حلقة الكرامة');
  });
});

describe('the dashboard panel', () => {
  it('shows a trainer the sessions they teach in the week from tomorrow, and nothing to a member', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الأسبوع' });
    const trainerUserId = org.users.trainer.id;
    const day = 86_400_000;
    // today's are on the trainer's own card (with their marks): not repeated here
    const today = startOfDay(new Date(), t.app.config.TAAHIL_TZ);
    makeSession(t.db, {
      activityId: a.id,
      startsAt: new Date(today.getTime() + 60_000),
      topic: 'اليوم',
      trainerUserId,
    });
    makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.now() + day), topic: 'غداً', trainerUserId });
    makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.now() + 30 * day), topic: 'بعد شهر', trainerUserId });
    makeEnrolment(t.db, a.id, org.member.id);
    const panelOf = (html: string) => {
      const at = html.indexOf('id="cal-next-h"');
      return at < 0 ? null : textOf(html.slice(at, html.indexOf('</section>', at)));
    };
    const trainer = panelOf((await as.trainer.get('/')).body);
    expect(trainer).toContain('جلسات تدرّبها في الأيام السبعة القادمة');
    expect(trainer).toContain('دورة الأسبوع — غداً');
    expect(trainer).not.toContain('اليوم');
    expect(trainer).not.toContain('بعد شهر');
    // the member's next sessions are the follow-up panel's, with the apology to send
    expect(panelOf((await as.member.get('/')).body)).toBeNull();
  });
});
