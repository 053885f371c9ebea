import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { isoDateInZone, isoTimeInZone, parseLocalDateTime } from '../../server/core/time.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeSession, markAttendance } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
let coordinator: Client;
let changed = 0;
const TZ = 'Asia/Damascus';

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  t.app.events.on('sessions.changed', () => changed++);
  office = new Client(t.app);
  await office.login('office');
  coordinator = new Client(t.app);
  await coordinator.login('coordinator');
});
afterAll(() => t.close());

const sessionsOf = (activityId: number) =>
  t.db.select().from(s.sessions).where(eq(s.sessions.activityId, activityId)).orderBy(s.sessions.startsAt).all();
const days = (activityId: number) => sessionsOf(activityId).map((x) => isoDateInZone(x.startsAt, TZ));
const rule = (o: Record<string, unknown> = {}) => ({
  freq: 'weekly',
  interval: '1',
  weekdays: ['1', '3'],
  startDate: '2027-01-04',
  count: '6',
  startTime: '17:00',
  endTime: '19:00',
  skipFridays: 'on',
  skipDates: '',
  place: 'قاعة أ',
  ...o,
});

describe('generating sessions from a rule', () => {
  it('creates the sessions in the org zone, each with its own check-in code, and keeps the rule', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    changed = 0;
    const res = await office.post(
      `/activities/${a.id}/sessions/generate`,
      rule({ trainerUserId: String(org.users.trainer.id), skipDates: '2027-01-11' }),
    );
    expect(res.status).toBe(303);
    expect(days(a.id)).toEqual(['2027-01-04', '2027-01-06', '2027-01-13', '2027-01-18', '2027-01-20', '2027-01-25']);
    const rows = sessionsOf(a.id);
    expect(
      rows.every((r) => isoTimeInZone(r.startsAt, TZ) === '17:00' && r.trainerUserId === org.users.trainer.id),
    ).toBe(true);
    const codes = new Set(rows.map((r) => r.checkinCode));
    expect(codes.size).toBe(6);
    for (const c of codes) expect(c).toMatch(/^[A-Z0-9]{8}$/);
    const stored = JSON.parse(t.db.select().from(s.activities).where(eq(s.activities.id, a.id)).get()!.recurrence!);
    expect(stored).toMatchObject({ freq: 'weekly', weekdays: [1, 3], count: 6, skipDates: ['2027-01-11'] });
    expect(changed).toBe(1);
    const list = textOf((await office.get(`/activities/${a.id}/sessions`)).body);
    expect(list).toContain('قاعة أ');
    expect(list).toContain('الاثنين، 4 كانون الثاني 2027');
  });

  it('refuses bad rules with a clear message and saves nothing', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const cases: [Record<string, unknown>, string][] = [
      [{ endTime: '16:00' }, 'يجب أن تكون النهاية بعد البداية'],
      [{ count: '', until: '' }, 'حدد تاريخ انتهاء أو عدد الجلسات'],
      [{ count: '', until: '2026-12-01' }, 'تاريخ الانتهاء قبل تاريخ البداية'],
      [{ weekdays: [] }, 'اختر يوماً واحداً على الأقل'],
      [{ freq: 'daily', count: '', startDate: '2027-01-08', until: '2027-01-08' }, 'هذه القاعدة لا تنتج أي جلسة'],
      [{ freq: 'daily', count: '', until: '2031-01-01' }, 'أكثر من 1000 جلسة'],
      [{ count: '5000' }, 'أكثر من 1000 جلسة'],
      [{ startDate: '2027-02-30' }, 'تاريخ غير صالح'],
      [{ skipDates: 'عيد' }, 'اكتب التواريخ بصيغة سنة-شهر-يوم'],
      [{ trainerUserId: String(org.users.member.id) }, 'اختر مدرباً من القائمة'],
    ];
    for (const [change, message] of cases) {
      const res = await office.post(`/activities/${a.id}/sessions/generate`, rule({ place: 'مكان مكتوب', ...change }));
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(textOf(res.body), JSON.stringify(change)).toContain(message);
      expect(res.body).toContain('value="مكان مكتوب"');
    }
    expect(sessionsOf(a.id)).toEqual([]);
  });

  it('regenerating keeps sessions with attendance, hand edits and hand additions, and replaces the rest', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    await office.post(`/activities/${a.id}/sessions/generate`, rule({ weekdays: ['1'], count: '4' }));
    const [first, second, third] = sessionsOf(a.id);
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    markAttendance(t.db, first.id, m.id);
    // move the third occurrence by hand to a Tuesday
    const moved = await office.post(`/sessions/${third.id}`, {
      date: '2027-01-19',
      startTime: '18:00',
      endTime: '20:00',
      topic: 'منقولة',
      trainerUserId: '',
      place: 'قاعة ب',
    });
    expect(moved.status).toBe(303);
    const extra = await office.post(`/activities/${a.id}/sessions`, {
      date: '2027-03-01',
      startTime: '10:00',
      endTime: '11:00',
      topic: 'إضافية',
    });
    expect(extra.status).toBe(303);
    // the new rule: Wednesdays instead of Mondays
    const regen = await office.post(`/activities/${a.id}/sessions/generate`, rule({ weekdays: ['3'], count: '3' }));
    expect(regen.status, textOf(regen.body).slice(0, 3000)).toBe(303);
    const ids = sessionsOf(a.id).map((x) => x.id);
    expect(ids).toContain(first.id);
    expect(ids).toContain(third.id);
    expect(ids).not.toContain(second.id);
    expect(days(a.id)).toEqual(['2027-01-04', '2027-01-06', '2027-01-13', '2027-01-19', '2027-01-20', '2027-03-01']);
    expect(t.db.select().from(s.attendance).where(eq(s.attendance.sessionId, first.id)).all()).toHaveLength(1);
  });

  it('one occurrence can be given another trainer or cancelled without touching the rest', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    await office.post(
      `/activities/${a.id}/sessions/generate`,
      rule({ count: '3', trainerUserId: String(org.users.trainer.id) }),
    );
    const [one, two, three] = sessionsOf(a.id);
    const other = (await import('../factories.ts')).makeUser(t.db, {
      username: 'trainer2',
      roles: [{ role: 'trainer' }],
    });
    const t2 = await other;
    await office.post(`/sessions/${two.id}`, {
      date: isoDateInZone(two.startsAt, TZ),
      startTime: '17:00',
      endTime: '19:00',
      trainerUserId: String(t2.id),
      place: 'قاعة أ',
    });
    const noReason = await office.post(`/sessions/${three.id}/cancel`, { reason: '' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.body)).toContain('اذكر سبب الإلغاء');
    await office.post(`/sessions/${three.id}/cancel`, { reason: 'عطلة رسمية' });
    const after = sessionsOf(a.id);
    expect(after.find((x) => x.id === one.id)).toMatchObject({
      trainerUserId: org.users.trainer.id,
      status: 'scheduled',
      detached: false,
    });
    expect(after.find((x) => x.id === two.id)).toMatchObject({ trainerUserId: t2.id, detached: true });
    expect(after.find((x) => x.id === three.id)).toMatchObject({
      status: 'cancelled',
      cancelReason: 'عطلة رسمية',
      detached: true,
    });
    expect(textOf((await office.get(`/sessions/${three.id}`)).body)).toContain('هذه الجلسة ملغاة: عطلة رسمية');
  });

  it('refuses a session ending before it starts, or outside the rule’s span', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    await office.post(`/activities/${a.id}/sessions/generate`, rule({ count: '', until: '2027-01-31' }));
    const before = sessionsOf(a.id).length;
    const bad = await office.post(`/activities/${a.id}/sessions`, {
      date: '2027-01-15',
      startTime: '12:00',
      endTime: '11:00',
      topic: 'محفوظ',
    });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('يجب أن تكون النهاية بعد البداية');
    expect(bad.body).toContain('value="محفوظ"');
    const outside = await office.post(`/activities/${a.id}/sessions`, {
      date: '2027-03-15',
      startTime: '10:00',
      endTime: '11:00',
    });
    expect(outside.status).toBe(400);
    expect(textOf(outside.body)).toContain('هذا التاريخ خارج جدول النشاط');
    const badDate = await office.post(`/activities/${a.id}/sessions`, {
      date: 'غداً',
      startTime: '10:00',
      endTime: '11:00',
    });
    expect(badDate.status).toBe(400);
    expect(sessionsOf(a.id)).toHaveLength(before);
  });

  it('a coordinator schedules its own seminars but not the sessions of a centre course', async () => {
    const own = makeActivity(t.db, { organisingUnitId: org.units.karama.id });
    expect((await coordinator.post(`/activities/${own.id}/sessions/generate`, rule({ count: '2' }))).status).toBe(303);
    const course = makeActivity(t.db, { organisingUnitId: org.units.centre.id, kind: 'course' });
    expect((await coordinator.post(`/activities/${course.id}/sessions/generate`, rule({ count: '2' }))).status).toBe(
      403,
    );
    expect(
      (
        await coordinator.post(`/activities/${course.id}/sessions`, {
          date: '2027-01-04',
          startTime: '10:00',
          endTime: '11:00',
        })
      ).status,
    ).toBe(403);
    expect(sessionsOf(course.id)).toEqual([]);
  });
});

describe('clash warnings', () => {
  it('warns when the same trainer or the same place is booked at overlapping times, but saves', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الإعلام' });
    const b = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'ندوة الشباب' });
    const at = parseLocalDateTime('2027-05-03', '17:00', TZ)!;
    makeSession(t.db, { activityId: a.id, startsAt: at, trainerUserId: org.users.trainer.id, place: 'القاعة الكبرى' });
    // overlapping, same trainer
    const res = await office.post(`/activities/${b.id}/sessions`, {
      date: '2027-05-03',
      startTime: '18:00',
      endTime: '20:00',
      trainerUserId: String(org.users.trainer.id),
      place: 'مكان آخر',
    });
    expect(res.status).toBe(303);
    const page = textOf((await office.get(res.location!)).body);
    expect(page).toContain('انتبه إلى تحذيرات التعارض');
    expect(page).toContain('المدرب/ة نفسه/ا مشغول/ة');
    expect(page).toContain('دورة الإعلام');
    // same place (spelled with other spaces), no trainer: a clash; touching but not overlapping: none
    await office.post(`/activities/${b.id}/sessions`, {
      date: '2027-05-03',
      startTime: '18:30',
      endTime: '19:30',
      place: ' القاعة  الكبرى ',
    });
    await office.post(`/activities/${b.id}/sessions`, {
      date: '2027-05-03',
      startTime: '15:00',
      endTime: '17:00',
      place: 'القاعة الكبرى',
    });
    const list = textOf((await office.get(`/activities/${b.id}/sessions`)).body);
    expect(list).toContain('2 جلسات تتعارض');
    expect(list).toContain('المكان محجوز');
    expect(list).toContain('المدرب/ة مشغول/ة');
    // a cancelled session no longer clashes
    const clashing = t.db
      .select()
      .from(s.sessions)
      .where(and(eq(s.sessions.activityId, a.id)))
      .get()!;
    await office.post(`/sessions/${clashing.id}/cancel`, { reason: 'أُلغيت' });
    expect(textOf((await office.get(`/activities/${b.id}/sessions`)).body)).not.toContain('تتعارض');
  });
});
