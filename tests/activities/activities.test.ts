import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeCouncil, makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { activityForm, makeActivity, makeEnrolment, makeSession } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const events: { activityId: number; from: string; to: string }[] = [];
const as: Record<string, Client> = {};

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  t.app.events.on('activity.statusChanged', (e) => events.push(e));
  for (const who of ['office', 'coordinator', 'trainer', 'member']) {
    as[who] = new Client(t.app);
    await as[who].login(who);
  }
});
afterAll(() => t.close());

const activity = (id: number) => t.db.select().from(s.activities).where(eq(s.activities.id, id)).get()!;
const idFrom = (location?: string) => Number(/\/activities\/(\d+)/.exec(location ?? '')?.[1]);

describe('planning an activity', () => {
  it('the office creates a course with every field, and it shows on its page', async () => {
    const council = makeCouncil(t.db, { nameAr: 'مجلس المرأة' });
    const res = await as.office.post(
      '/activities',
      activityForm({
        kind: 'course',
        title: 'الدورة التدريبية الأولى',
        honoree: 'الشهيدة ناديا الخشان',
        seriesNumber: '1',
        topics: 'مبادئ\nالتنظيم',
        organisingUnitId: String(org.units.centre.id),
        audienceKind: 'councils',
        councilIds: [String(council.id)],
        executiveOnly: 'on',
        location: 'قاعة التدريب',
        capacity: '25',
        enrolOpensAt: '2026-12-01T09:00',
        enrolClosesAt: '2026-12-10T18:00',
        hasAssessment: 'on',
        passMark: '60',
        maxConsecutiveAbsences: '3',
        excusedWeight: '0.5',
        denominator: 'planned',
      }),
    );
    expect(res.status).toBe(303);
    const a = activity(idFrom(res.location));
    expect(a).toMatchObject({
      kind: 'course',
      status: 'draft',
      capacity: 25,
      passMark: 60,
      excusedWeight: 0.5,
      executiveOnly: true,
    });
    // typed in Damascus time (UTC+3)
    expect(a.enrolOpensAt?.toISOString()).toBe('2026-12-01T06:00:00.000Z');
    const page = textOf((await as.office.get(`/activities/${a.id}`)).body);
    expect(page).toContain('الدورة التدريبية الأولى');
    expect(page).toContain('باسم الشهيدة ناديا الخشان');
    expect(page).toContain('مجلس المرأة');
    expect(page).toContain('التنظيم');
  });

  it('refuses bad input with messages beside the fields and keeps what was typed', async () => {
    const res = await as.office.post(
      '/activities',
      activityForm({
        title: '',
        organisingUnitId: String(org.units.centre.id),
        audienceKind: 'units',
        minAttendancePct: '150',
        enrolOpensAt: '2026-12-10T09:00',
        enrolClosesAt: '2026-12-01T09:00',
        excusedWeight: '2',
        hasAssessment: 'on',
        location: 'مكان محفوظ',
      }),
    );
    expect(res.status).toBe(400);
    const text = textOf(res.body);
    expect(text).toContain('هذا الحقل مطلوب');
    expect(text).toContain('اختر الوحدة التي يُستهدف أعضاؤها');
    expect(text).toContain('يجب أن ينتهي التسجيل بعد بدايته');
    expect(text).toContain('أدخل رقماً من 0 إلى 1');
    expect(text).toContain('أدخل علامة النجاح');
    expect(res.body).toContain('value="مكان محفوظ"');
    expect(t.db.select().from(s.activities).where(eq(s.activities.location, 'مكان محفوظ')).all()).toEqual([]);
  });

  it('a coordinator plans seminars of its own subtree, but not courses and not outside it', async () => {
    const ok = await as.coordinator.post(
      '/activities',
      activityForm({ organisingUnitId: String(org.units.karama.id) }),
    );
    expect(ok.status).toBe(303);
    const course = await as.coordinator.post(
      '/activities',
      activityForm({ kind: 'course', title: 'دورة ممنوعة', organisingUnitId: String(org.units.raqqa.id) }),
    );
    expect(course.status).toBe(400);
    expect(textOf(course.body)).toContain('مكتب التأهيل وحده يخطط الدورات التدريبية');
    const outside = await as.coordinator.post(
      '/activities',
      activityForm({ title: 'ندوة خارج النطاق', organisingUnitId: String(org.units.tabqa.id) }),
    );
    expect(outside.status).toBe(400);
    expect(textOf(outside.body)).toContain('وحدتك والوحدات التابعة لها فقط');
    expect(t.db.select().from(s.activities).where(eq(s.activities.title, 'ندوة خارج النطاق')).all()).toEqual([]);
    // and cannot edit an activity of another subtree, nor turn its own seminar into a course
    const tabqa = makeActivity(t.db, { organisingUnitId: org.units.tabqa.id, status: 'open' });
    expect((await as.coordinator.get(`/activities/${tabqa.id}/edit`)).status).toBe(403);
    expect(
      (
        await as.coordinator.post(
          `/activities/${tabqa.id}`,
          activityForm({ organisingUnitId: String(org.units.karama.id) }),
        )
      ).status,
    ).toBe(403);
    const own = idFrom(ok.location);
    const toCourse = await as.coordinator.post(
      `/activities/${own}`,
      activityForm({ kind: 'course', organisingUnitId: String(org.units.karama.id) }),
    );
    expect(toCourse.status).toBe(400);
    expect(activity(own).kind).toBe('seminar');
    // members and trainers do not plan
    expect((await as.member.get('/activities/new')).status).toBe(403);
    expect(
      (await as.trainer.post('/activities', activityForm({ organisingUnitId: String(org.units.centre.id) }))).status,
    ).toBe(403);
  });

  it('moves through draft → open → running → finished with an event each time, and refuses skipping', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, status: 'draft' });
    events.length = 0;
    const skip = await as.office.post(`/activities/${a.id}/status`, { to: 'finished' });
    expect(skip.status).toBe(400);
    expect(textOf(skip.body)).toContain('لا يمكن نقل النشاط إلى هذه الحالة');
    for (const to of ['open', 'running', 'finished']) {
      expect((await as.office.post(`/activities/${a.id}/status`, { to })).status).toBe(303);
    }
    expect(activity(a.id).status).toBe('finished');
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual(['draft→open', 'open→running', 'running→finished']);
    // a finished activity can no longer change
    expect((await as.office.post(`/activities/${a.id}/status`, { to: 'cancelled', reason: 'x' })).status).toBe(400);
    const audit = t.db.select().from(s.auditLog).where(eq(s.auditLog.action, 'activity.status')).all();
    expect(audit.filter((r) => r.entityId === a.id)).toHaveLength(3);
  });

  it('cancelling needs a reason, which the page then shows', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, status: 'open' });
    const noReason = await as.office.post(`/activities/${a.id}/status`, { to: 'cancelled', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.body)).toContain('اذكر سبب الإلغاء');
    expect(activity(a.id).status).toBe('open');
    await as.office.post(`/activities/${a.id}/status`, { to: 'cancelled', reason: 'ظروف أمنية' });
    expect(activity(a.id)).toMatchObject({ status: 'cancelled', cancelReason: 'ظروف أمنية' });
    expect(textOf((await as.office.get(`/activities/${a.id}`)).body)).toContain('ملغى: ظروف أمنية');
  });

  it('refuses a capacity below the enrolments already approved', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, capacity: 10 });
    for (let i = 0; i < 3; i++) makeEnrolment(t.db, a.id, makeMember(t.db, { unitId: org.units.karama.id }).id);
    const form = activityForm({ title: a.title, organisingUnitId: String(org.units.centre.id), capacity: '2' });
    const res = await as.office.post(`/activities/${a.id}`, form);
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('لا يمكن أن يقل عدد المقاعد عن التسجيلات المقبولة');
    expect(activity(a.id).capacity).toBe(10);
    expect((await as.office.post(`/activities/${a.id}`, { ...form, capacity: '3' })).status).toBe(303);
    expect(activity(a.id).capacity).toBe(3);
  });
});

describe('the catalogue', () => {
  it('shows a member what is open to their audience with the window open, with filters', async () => {
    const past = new Date(Date.now() - 86_400_000);
    const future = new Date(Date.now() + 86_400_000);
    const unit = org.units.centre.id;
    const open = makeActivity(t.db, { organisingUnitId: unit, title: 'مفتوحة للجميع', kind: 'lecture' });
    makeSession(t.db, { activityId: open.id, startsAt: future, trainerUserId: org.users.trainer.id });
    makeEnrolment(t.db, open.id, org.member.id);
    makeActivity(t.db, {
      organisingUnitId: unit,
      title: 'لأعضاء الرقة',
      audienceKind: 'units',
      audienceUnitId: org.units.raqqa.id,
    });
    makeActivity(t.db, {
      organisingUnitId: unit,
      title: 'لأعضاء الطبقة',
      audienceKind: 'units',
      audienceUnitId: org.units.tabqa.id,
    });
    makeActivity(t.db, { organisingUnitId: unit, title: 'للتنفيذيين', executiveOnly: true });
    makeActivity(t.db, { organisingUnitId: unit, title: 'مسودة خفية', status: 'draft' });
    makeActivity(t.db, { organisingUnitId: unit, title: 'التسجيل انتهى', enrolClosesAt: past });
    makeActivity(t.db, { organisingUnitId: unit, title: 'لم يبدأ التسجيل', enrolOpensAt: future });
    const text = textOf((await as.member.get('/activities')).body);
    expect(text).toContain('مفتوحة للجميع');
    expect(text).toContain('لأعضاء الرقة');
    for (const hidden of ['لأعضاء الطبقة', 'للتنفيذيين', 'مسودة خفية', 'التسجيل انتهى', 'لم يبدأ التسجيل'])
      expect(text).not.toContain(hidden);
    const lectures = textOf((await as.member.get('/activities?kind=lecture')).body);
    expect(lectures).toContain('مفتوحة للجميع');
    expect(lectures).not.toContain('لأعضاء الرقة');
    // the office sees everything, with a status filter
    const drafts = textOf((await as.office.get('/activities?status=draft')).body);
    expect(drafts).toContain('مسودة خفية');
    expect(drafts).not.toContain('مفتوحة للجميع');
  });

  it("pages through a month's activities, each once, however many sessions each has in that month", async () => {
    const titles: string[] = [];
    for (let i = 0; i < 30; i++) {
      // finished: the other tests' catalogues of open activities stay as they were
      const a = makeActivity(t.db, {
        organisingUnitId: org.units.centre.id,
        title: `نشاط آذار ${i}`,
        status: 'finished',
      });
      titles.push(a.title);
      for (let day = 1; day <= 1 + (i % 4); day++)
        makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.UTC(2031, 2, day * 5, 9)) });
    }
    const shown: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const html = (await as.office.get(`/activities?month=2031-03&page=${page}`)).body;
      // each card's title once (its link)
      shown.push(...[...html.matchAll(/<a href="\/activities\/\d+">(نشاط آذار \d+)<\/a>/g)].map((m) => m[1]));
    }
    expect(shown.sort()).toEqual([...titles].sort());
  });

  it('a member of a council sees council activities; the page is refused to others', async () => {
    const youth = makeCouncil(t.db, { nameAr: 'مجلس الشباب', kind: 'youth' });
    const m = makeMember(t.db, { unitId: org.units.mansoura.id, councilIds: [youth.id] });
    await makeUser(t.db, { username: 'youthmember', roles: [{ role: 'member' }], memberId: m.id });
    const c = new Client(t.app);
    await c.login('youthmember');
    const a = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      title: 'حلقة الشباب',
      audienceKind: 'councils',
      councilIds: [youth.id],
    });
    expect(textOf((await c.get('/activities')).body)).toContain('حلقة الشباب');
    expect(textOf((await as.member.get('/activities')).body)).not.toContain('حلقة الشباب');
    expect((await c.get(`/activities/${a.id}`)).status).toBe(200);
    expect((await as.member.get(`/activities/${a.id}`)).status).toBe(403);
    expect((await as.member.get('/activities/999999')).status).toBe(404);
  });

  it('the office turns the public catalogue on: visitors see open activities without personal data', async () => {
    const anon = new Client(t.app);
    expect((await anon.get('/activities')).status).toBe(302);
    expect((await as.member.post('/activities/public-catalogue', { enabled: 'on' })).status).toBe(403);
    expect((await as.office.post('/activities/public-catalogue', { enabled: 'on' })).status).toBe(303);
    const page = await anon.get('/activities');
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('مفتوحة للجميع');
    expect(text).not.toContain('مسودة خفية');
    expect(text).not.toContain(org.users.trainer.displayName);
    expect(text).not.toContain(org.member.fullName);
    expect((await anon.get('/activities/1')).status).toBe(302);
    await as.office.post('/activities/public-catalogue', {});
    expect((await anon.get('/activities')).status).toBe(302);
  });
});
