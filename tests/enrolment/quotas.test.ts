/**
 * Branch seat quotas, end to end through the app: the office gives units seats and
 * deadlines, a coordinator nominates and ranks (main nominees, reserves), the office
 * decides, nominees confirm or decline, and released seats go to the unit's reserves
 * first, then back to the office.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as s from '../../db/schema.ts';
import { confirmDeadline, RESERVE_CONFIRM_MS, standings } from '../../server/enrolments/quota-rules.ts';
import { QUOTA_SWEEP_MS, QuotaService } from '../../server/enrolments/quotas.ts';
import { activityForm } from '../activities/factories.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeEnrolment, makeSession } from './factories.ts';
import { enrolmentOf, eventsOf, memberClient } from './helpers.ts';

const DAY = 86_400_000;
let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

const signedIn = async (who: string) => {
  const c = new Client(t.app);
  await c.login(who);
  return c;
};
const isoDay = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);
const quotasOf = (activityId: number) =>
  t.db.select().from(s.unitQuotas).where(eq(s.unitQuotas.activityId, activityId)).all();
const notificationsOf = (userId: number) =>
  t.db.select().from(s.notifications).where(eq(s.notifications.userId, userId)).all();
const kindsOf = (userId: number) => notificationsOf(userId).map((n) => n.kind);

/** a nominations-only course starting in 10 days */
function course(capacity: number | null = 4) {
  const a = makeActivity(t.db, {
    organisingUnitId: org.units.centre.id,
    kind: 'course',
    selfEnrol: false,
    capacity,
    enrolClosesAt: new Date(Date.now() + 9 * DAY),
  });
  makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.now() + 10 * DAY) });
  return a;
}

describe('the office gives units seat quotas', () => {
  it('adds, changes and removes a quota, and refuses bad input beside the field with nothing saved', async () => {
    const a = course(5);
    const office = await signedIn('office');
    const add = await office.post(`/activities/${a.id}/quotas`, {
      unit: org.units.raqqa.id,
      seats: '3',
      deadline: isoDay(3 * DAY),
      confirmBy: isoDay(5 * DAY),
    });
    expect(add.status).toBe(303);
    const page = textOf((await office.get(`/activities/${a.id}/quotas`)).body);
    expect(page).toContain('أُضيفت الحصة');
    expect(page).toContain('مجلس مدينة الرقة');
    // the unit's coordinator is told
    expect(kindsOf(org.users.coordinator.id)).toContain('quota.assigned');

    // the same unit twice
    const twice = await office.post(`/activities/${a.id}/quotas`, { unit: org.units.raqqa.id, seats: '1' });
    expect(twice.status).toBe(400);
    expect(textOf(twice.body)).toContain('لهذه الوحدة حصة في هذا النشاط من قبل');
    expect(twice.body).toMatch(/id="f-unit-error"/);
    // the total above the capacity (3 + 3 > 5): the message sits beside the seats, the typed value kept
    const over = await office.post(`/activities/${a.id}/quotas`, { unit: org.units.tabqa.id, seats: '3' });
    expect(over.status).toBe(400);
    expect(textOf(over.body)).toContain('مجموع الحصص سيتجاوز سعة النشاط');
    expect(over.body).toMatch(/id="f-seats-error"/);
    expect(over.body).toContain('value="3"');
    // a deadline after the activity starts
    const late = await office.post(`/activities/${a.id}/quotas`, {
      unit: org.units.tabqa.id,
      seats: '2',
      deadline: isoDay(20 * DAY),
    });
    expect(late.status).toBe(400);
    expect(textOf(late.body)).toContain('يجب أن يكون آخر موعد للترشيح قبل بداية النشاط');
    expect(late.body).toMatch(/id="f-deadline-error"/);
    // a confirm-by date before the deadline
    const early = await office.post(`/activities/${a.id}/quotas`, {
      unit: org.units.tabqa.id,
      seats: '2',
      deadline: isoDay(4 * DAY),
      confirmBy: isoDay(2 * DAY),
    });
    expect(early.status).toBe(400);
    expect(textOf(early.body)).toContain('لا يجوز أن يسبق موعد التأكيد آخر موعد للترشيح');
    expect(quotasOf(a.id)).toHaveLength(1);

    // editing keeps the unit; the seats change
    const edit = await office.get(`/activities/${a.id}/quotas?edit=${org.units.raqqa.id}`);
    expect(textOf(edit.body)).toContain('تعديل حصة مجلس مدينة الرقة');
    expect(
      (
        await office.post(`/activities/${a.id}/quotas`, {
          unit: org.units.raqqa.id,
          editing: org.units.raqqa.id,
          seats: '5',
        })
      ).status,
    ).toBe(303);
    expect(quotasOf(a.id)[0].seats).toBe(5);
    expect(kindsOf(org.users.coordinator.id)).toContain('quota.changed');

    // removing
    expect((await office.post(`/activities/${a.id}/quotas/${org.units.raqqa.id}/remove`)).status).toBe(303);
    expect(quotasOf(a.id)).toHaveLength(0);
    expect((await office.post(`/activities/${a.id}/quotas/${org.units.raqqa.id}/remove`)).status).toBe(404);
    // a coordinator may not set quotas
    const coord = await signedIn('coordinator');
    expect((await coord.post(`/activities/${a.id}/quotas`, { unit: org.units.raqqa.id, seats: '1' })).status).toBe(403);
    expect(quotasOf(a.id)).toHaveLength(0);
  });
});

describe('the quota and reserve flow', () => {
  it('ranks main nominees and reserves, hands declined and unconfirmed seats to the reserves, then back to the office', async () => {
    const a = course(4);
    const office = await signedIn('office');
    const coord = await signedIn('coordinator');
    await office.post(`/activities/${a.id}/quotas`, {
      unit: org.units.raqqa.id,
      seats: '3',
      deadline: isoDay(3 * DAY),
      confirmBy: isoDay(5 * DAY),
    });
    // the fourth seat goes to someone the office enrolled; the waiting list has one more
    const other = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو آخر' });
    makeEnrolment(t.db, { activityId: a.id, memberId: other.id, source: 'office', status: 'approved' });
    const waiting = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'منتظر الدور' });
    makeEnrolment(t.db, {
      activityId: a.id,
      memberId: waiting.id,
      source: 'office',
      status: 'waitlisted',
      waitlistSeq: 1,
    });

    // the coordinator sees its unit's quota on the activity page
    const activityPage = textOf((await coord.get(`/activities/${a.id}`)).body);
    expect(activityPage).toContain('حصة الوحدة مجلس مدينة الرقة: 3 مقاعد');

    // five nominees: three with a login, two without
    const names = ['أحمد الأول', 'باسل الثاني', 'جمال الثالث', 'داود الرابع', 'هاني الخامس'];
    const people: { member: { id: number }; user?: { id: number }; client: Client | null }[] = [];
    for (const [i, fullName] of names.entries()) {
      if ([0, 2, 3].includes(i)) people.push(await memberClient(t, org.units.karama.id, { fullName }));
      else people.push({ member: makeMember(t.db, { unitId: org.units.karama.id, fullName }), client: null });
    }
    const [m1, m2, m3, m4, m5] = people;
    const nominate = await coord.post(`/activities/${a.id}/nominate`, { memberIds: people.map((p) => p.member.id) });
    expect(nominate.status).toBe(303);
    const e = (p: (typeof people)[number]) => enrolmentOf(t.db, a.id, p.member.id)!;
    expect(people.map((p) => e(p).rank)).toEqual([1, 2, 3, 4, 5]);
    expect(people.every((p) => e(p).nominatedByUnitId === org.units.raqqa.id)).toBe(true);
    let page = textOf((await coord.get(`/activities/${a.id}/nominate`)).body);
    expect(page).toContain('الترتيب: مجلس مدينة الرقة');
    expect(page).toMatch(/أحمد الأول أساسي/);
    expect(page).toMatch(/داود الرابع احتياط رقم 1/);
    expect(page).toMatch(/هاني الخامس احتياط رقم 2/);

    // the coordinator ranks: داود first (rank numbers), then moves جمال down one step
    const ranked = await coord.post(`/activities/${a.id}/ranks`, {
      unit: org.units.raqqa.id,
      [`rank_${e(m1).id}`]: '2',
      [`rank_${e(m2).id}`]: '3',
      [`rank_${e(m3).id}`]: '4',
      [`rank_${e(m4).id}`]: '1',
      [`rank_${e(m5).id}`]: '5',
    });
    expect(ranked.status).toBe(303);
    expect(people.map((p) => e(p).rank)).toEqual([2, 3, 4, 1, 5]);
    expect(kindsOf(m4.user!.id)).toContain('quota.nowMain');
    expect(kindsOf(m3.user!.id)).toContain('quota.nowReserve');
    // the member sees where they stand on their own page
    expect(textOf((await m3.client!.get('/enrolments')).body)).toContain('احتياط رقم 1');
    await coord.post(`/activities/${a.id}/ranks`, { unit: org.units.raqqa.id, move: `down:${e(m2).id}` });
    expect(people.map((p) => e(p).rank)).toEqual([2, 4, 3, 1, 5]);
    await coord.post(`/activities/${a.id}/ranks`, { unit: org.units.raqqa.id, move: `up:${e(m2).id}` });
    expect(people.map((p) => e(p).rank)).toEqual([2, 3, 4, 1, 5]);
    // a bad rank number: a message, nothing changed
    const bad = await coord.post(`/activities/${a.id}/ranks`, { unit: org.units.raqqa.id, [`rank_${e(m1).id}`]: '0' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('أدخل ترتيبًا من 1 فما فوق');
    expect(textOf(bad.body).match(/أدخل ترتيبًا من 1 فما فوق/g)).toHaveLength(2);
    expect(e(m1).rank).toBe(2);

    // the office sees the quota, rank and main/reserve in its queue, and approves the main three
    const queue = textOf((await office.get(`/nominations?activity=${a.id}`)).body);
    expect(queue).toContain('حصة 3 · الترتيب 1');
    expect(queue).toMatch(/حصة 3 · الترتيب 4 احتياط رقم 1/);
    const approve = await office.post(`/nominations/decide?activity=${a.id}`, {
      ids: [e(m4).id, e(m1).id, e(m2).id],
      action: 'approve',
    });
    expect(approve.status).toBe(303);
    expect([m1, m2, m4].map((p) => e(p).status)).toEqual(['approved', 'approved', 'approved']);
    expect([m3, m5].map((p) => e(p).status)).toEqual(['nominated', 'nominated']);

    // داود confirms from /enrolments
    const mine = textOf((await m4.client!.get('/enrolments')).body);
    expect(mine).toContain('تأكيد الحضور');
    expect((await m4.client!.post(`/enrolments/${e(m4).id}/confirm`, { next: '/enrolments' })).status).toBe(303);
    expect(e(m4).confirmation).toBe('confirmed');
    expect(kindsOf(org.users.coordinator.id)).toContain('quota.confirmed');
    // confirming twice is refused
    expect((await m4.client!.post(`/enrolments/${e(m4).id}/confirm`)).status).toBe(400);

    // أحمد declines: reserve #1 (جمال) gets the seat, approved and notified
    const declined = await m1.client!.post(`/enrolments/${e(m1).id}/decline`, { reason: 'سفر' });
    expect(declined.status).toBe(303);
    expect(e(m1).status).toBe('withdrawn');
    expect(e(m1).confirmation).toBe('declined');
    expect(e(m3).status).toBe('approved');
    expect(kindsOf(m3.user!.id)).toContain('quota.fromReserve.member');
    expect(kindsOf(org.users.coordinator.id)).toEqual(
      expect.arrayContaining(['quota.declined.nominator', 'quota.fromReserve.nominator']),
    );
    expect(eventsOf(t.db, e(m3).id).map((h) => h.reason)).toContain('enrolments.history.fromReserve');
    const m3Page = textOf((await m3.client!.get(`/enrolments/${e(m3).id}`)).body);
    expect(m3Page).toContain('تحرّر مقعد من حصة الوحدة: نُقل من الاحتياط');
    // جمال confirms on the enrolment page
    await m3.client!.post(`/enrolments/${e(m3).id}/confirm`);
    expect(e(m3).confirmation).toBe('confirmed');

    // the confirm-by date passes with باسل (no login) unconfirmed: read the quota page
    // (time moves: the decisions so far were taken two days ago)
    t.db
      .update(s.enrolmentEvents)
      .set({ at: sql`${s.enrolmentEvents.at} - ${2 * DAY}` })
      .run();
    t.db
      .update(s.unitQuotas)
      .set({ confirmBy: new Date(Date.now() - 1000) })
      .where(and(eq(s.unitQuotas.activityId, a.id), eq(s.unitQuotas.unitId, org.units.raqqa.id)))
      .run();
    page = textOf((await office.get(`/activities/${a.id}/quotas`)).body);
    expect(e(m2).status).toBe('withdrawn');
    expect(eventsOf(t.db, e(m2).id).map((h) => h.reason)).toContain('enrolments.history.unconfirmed');
    expect(e(m5).status).toBe('approved');
    expect(kindsOf(org.users.coordinator.id)).toEqual(expect.arrayContaining(['quota.unconfirmed.nominator']));
    // confirmed seats stay; the freshly moved-up reserve has its own time to confirm
    expect(e(m3).status).toBe('approved');
    expect(e(m4).status).toBe('approved');
    expect(await QuotaService.of(t.app).sweep()).toBe(0);

    // هاني has no login: the coordinator declines on his behalf; no reserve is left,
    // so the seat goes back to the office and the waiting list moves up
    expect(textOf((await coord.get(`/enrolments/${e(m5).id}`)).body)).toContain('نيابة عنه');
    expect((await coord.post(`/enrolments/${e(m5).id}/decline`)).status).toBe(303);
    expect(e(m5).status).toBe('withdrawn');
    expect(enrolmentOf(t.db, a.id, waiting.id)!.status).toBe('approved');
    expect(kindsOf(org.users.office.id)).toContain('quota.seatReturned');
    expect(kindsOf(org.users.admin.id)).toContain('quota.seatReturned');
    const seated = t.db
      .select()
      .from(s.enrolments)
      .where(and(eq(s.enrolments.activityId, a.id), eq(s.enrolments.status, 'approved')))
      .all();
    expect(seated).toHaveLength(4);
    // every status change is in the history
    for (const p of people) expect(eventsOf(t.db, e(p).id).at(-1)!.toStatus).toBe(e(p).status);
  });

  it('releases a reserve who does not confirm within its own time, and the periodic sweep is idempotent', async () => {
    const a = course(null);
    const office = await signedIn('office');
    const coord = await signedIn('coordinator');
    await office.post(`/activities/${a.id}/quotas`, {
      unit: org.units.raqqa.id,
      seats: '1',
      confirmBy: isoDay(2 * DAY),
    });
    const m1 = makeMember(t.db, { unitId: org.units.karama.id });
    const m2 = makeMember(t.db, { unitId: org.units.karama.id });
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [m1.id, m2.id] });
    await office.post('/nominations/decide', { ids: [enrolmentOf(t.db, a.id, m1.id)!.id], action: 'approve' });
    // three days pass: the approval is old, the confirm-by date was yesterday
    t.db
      .update(s.enrolmentEvents)
      .set({ at: sql`${s.enrolmentEvents.at} - ${3 * DAY}` })
      .run();
    t.db
      .update(s.unitQuotas)
      .set({ confirmBy: new Date(Date.now() - DAY) })
      .where(eq(s.unitQuotas.activityId, a.id))
      .run();
    const quotas = QuotaService.of(t.app);
    expect(quotas.sweep()).toBe(1);
    expect(enrolmentOf(t.db, a.id, m1.id)!.status).toBe('withdrawn');
    // the reserve moved up after the date: it has three days of its own
    expect(enrolmentOf(t.db, a.id, m2.id)!.status).toBe('approved');
    expect(quotas.sweep()).toBe(0);
    expect(quotas.sweep(new Date(Date.now() + 2 * DAY))).toBe(0);
    // three more days: the reserve did not confirm either; none left, the office is told
    expect(quotas.sweep(new Date(Date.now() + 3 * DAY + 1000))).toBe(1);
    expect(enrolmentOf(t.db, a.id, m2.id)!.status).toBe('withdrawn');
    expect(kindsOf(org.users.office.id)).toContain('quota.seatReturned');
  });
});

describe('a declined seat goes to the reserve, not to a main nominee still waiting for the office', () => {
  it('approves reserve #1 and leaves the undecided main nominee to the office', async () => {
    const a = course(10);
    const office = await signedIn('office');
    const coord = await signedIn('coordinator');
    await office.post(`/activities/${a.id}/quotas`, { unit: org.units.raqqa.id, seats: '2' });
    const [first, second, reserve] = [0, 1, 2].map(() => makeMember(t.db, { unitId: org.units.karama.id }));
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [first.id, second.id, reserve.id] });
    const e = (m: { id: number }) => enrolmentOf(t.db, a.id, m.id)!;
    await office.post('/nominations/decide', { ids: [e(first).id], action: 'approve' });
    // the member has no login: the coordinator declines for them
    expect((await coord.post(`/enrolments/${e(first).id}/decline`, { reason: 'مريض' })).status).toBe(303);
    expect(e(first).status).toBe('withdrawn');
    expect(eventsOf(t.db, e(first).id).at(-1)!.reason).toBe('مريض');
    expect(e(second).status).toBe('nominated');
    expect(e(reserve).status).toBe('approved');
    // the unit holds its quota again (1 approved + 1 to decide): a later decline with no reserve
    // left goes back to the office
    await office.post('/nominations/decide', { ids: [e(second).id], action: 'approve' });
    await coord.post(`/enrolments/${e(second).id}/decline`);
    expect(kindsOf(org.users.office.id)).toContain('quota.seatReturned');
  });
});

describe('the periodic confirm-by job', () => {
  it('runs from a timer the feature starts, and stops with the app', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let t2: TestApp | null = null;
    try {
      t2 = await createTestApp();
      const o2 = await makeOrg(t2.db);
      const a = makeActivity(t2.db, { organisingUnitId: o2.units.centre.id, selfEnrol: false, capacity: 5 });
      const m = makeMember(t2.db, { unitId: o2.units.karama.id });
      t2.db
        .insert(s.unitQuotas)
        .values({ activityId: a.id, unitId: o2.units.raqqa.id, seats: 1, confirmBy: new Date(Date.now() - DAY) })
        .run();
      const e = makeEnrolment(t2.db, {
        activityId: a.id,
        memberId: m.id,
        source: 'nomination',
        status: 'approved',
        nominatedByUnitId: o2.units.raqqa.id,
        rank: 1,
      });
      vi.advanceTimersByTime(QUOTA_SWEEP_MS);
      expect(enrolmentOf(t2.db, a.id, m.id)!.status).toBe('withdrawn');
      expect(eventsOf(t2.db, e.id).map((h) => h.reason)).toContain('enrolments.history.unconfirmed');
      const running = vi.getTimerCount();
      expect(running).toBeGreaterThan(0);
      await t2.close();
      t2 = null;
      expect(vi.getTimerCount()).toBeLessThan(running);
    } finally {
      if (t2) await t2.close();
      vi.useRealTimers();
    }
  });
});

describe('quota rules for coordinators', () => {
  it('refuses nominations after the unit deadline and for units without a quota, nothing saved', async () => {
    const a = course(10);
    const office = await signedIn('office');
    // the deadline already passed (yesterday)
    await office.post(`/activities/${a.id}/quotas`, { unit: org.units.karama.id, seats: '2', deadline: isoDay(-DAY) });
    const coord = await signedIn('coordinator');
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    const res = await coord.post(`/activities/${a.id}/nominate`, { memberIds: [m.id] });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('انتهى آخر موعد للترشيح في هذه الوحدة');
    expect(enrolmentOf(t.db, a.id, m.id)).toBeUndefined();
    // a member of a unit with no quota (raqqa itself, not karama)
    const direct = makeMember(t.db, { unitId: org.units.raqqa.id });
    const none = await coord.post(`/activities/${a.id}/nominate`, { memberIds: [direct.id] });
    expect(none.status).toBe(400);
    expect(textOf(none.body)).toContain('ولا حصة لوحدة هذا العضو');
    expect(enrolmentOf(t.db, a.id, direct.id)).toBeUndefined();
    // the office still enrols directly
    expect((await office.post(`/activities/${a.id}/nominate`, { memberIds: [m.id] })).status).toBe(303);
    expect(enrolmentOf(t.db, a.id, m.id)!.status).toBe('approved');
  });

  it("does not let a coordinator rank another unit's nominees or confirm for a member who has a login", async () => {
    const a = course(10);
    const office = await signedIn('office');
    await office.post(`/activities/${a.id}/quotas`, { unit: org.units.raqqa.id, seats: '1' });
    await office.post(`/activities/${a.id}/quotas`, { unit: org.units.tabqa.id, seats: '1' });
    const coord = await signedIn('coordinator');
    const { member, client } = await memberClient(t, org.units.karama.id);
    const other = makeMember(t.db, { unitId: org.units.karama.id });
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [member.id, other.id] });
    const mine = enrolmentOf(t.db, a.id, member.id)!;
    const tabqaCoordUser = await makeUser(t.db, {
      username: 'tabqa-coord',
      roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }],
    });
    const tabqa = new Client(t.app);
    await tabqa.login(tabqaCoordUser.username);
    // another unit's quota: refused
    expect(
      (await tabqa.post(`/activities/${a.id}/ranks`, { unit: org.units.raqqa.id, move: `down:${mine.id}` })).status,
    ).toBe(403);
    // its own quota, naming a raqqa nominee: not found
    expect(
      (await tabqa.post(`/activities/${a.id}/ranks`, { unit: org.units.tabqa.id, [`rank_${mine.id}`]: '2' })).status,
    ).toBe(404);
    expect(enrolmentOf(t.db, a.id, member.id)!.rank).toBe(1);
    // the ranking section shows only the viewer's own quota units
    const page = textOf((await tabqa.get(`/activities/${a.id}/nominate`)).body);
    expect(page).toContain('الترتيب: مجلس مدينة الطبقة');
    expect(page).not.toContain('الترتيب: مجلس مدينة الرقة');

    await office.post('/nominations/decide', { ids: [mine.id], action: 'approve' });
    // the member has a login: only they confirm
    expect((await coord.post(`/enrolments/${mine.id}/confirm`)).status).toBe(403);
    expect((await tabqa.post(`/enrolments/${mine.id}/decline`)).status).toBe(403);
    expect(enrolmentOf(t.db, a.id, member.id)!.status).toBe('approved');
    expect((await client.post(`/enrolments/${mine.id}/confirm`)).status).toBe(303);
    expect((await client.post('/enrolments/999999/confirm')).status).toBe(404);
  });
});

describe('capacity raised', () => {
  it('promotes the waiting list at once when the office raises the capacity', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, capacity: 1, autoApprove: true });
    const m1 = makeMember(t.db, { unitId: org.units.karama.id });
    const m2 = makeMember(t.db, { unitId: org.units.karama.id });
    makeEnrolment(t.db, { activityId: a.id, memberId: m1.id, status: 'approved' });
    makeEnrolment(t.db, { activityId: a.id, memberId: m2.id, status: 'waitlisted', waitlistSeq: 1 });
    const office = await signedIn('office');
    const res = await office.post(
      `/activities/${a.id}`,
      activityForm({ title: a.title, organisingUnitId: String(org.units.centre.id), capacity: '2' }),
    );
    expect(res.status).toBe(303);
    const e2 = enrolmentOf(t.db, a.id, m2.id)!;
    expect(e2.status).toBe('approved');
    expect(eventsOf(t.db, e2.id).map((h) => h.reason)).toContain('enrolments.history.promoted');
  });
});

describe('main nominees and reserves', () => {
  it('gives the seats left to the best ranked not yet seated, the rest are numbered reserves', () => {
    const rows = [
      { id: 1, status: 'nominated' as const },
      { id: 2, status: 'approved' as const },
      { id: 3, status: 'waitlisted' as const },
      { id: 4, status: 'nominated' as const },
      { id: 5, status: 'nominated' as const },
    ];
    const st = standings(rows, 3);
    expect([...st.values()].map((x) => (x.role === 'main' ? 'main' : `r${x.reserveNo}`))).toEqual([
      'main',
      'main',
      'main',
      'r1',
      'r2',
    ]);
    // a seat holder ranked low stays main; the one above it becomes the reserve
    const low = standings(
      [
        { id: 1, status: 'nominated' },
        { id: 2, status: 'nominated' },
        { id: 3, status: 'approved' },
      ],
      2,
    );
    expect([1, 2, 3].map((id) => low.get(id)!.role)).toEqual(['main', 'reserve', 'main']);
    expect(standings(rows, 0).get(2)!.role).toBe('main');
  });

  it('gives a seat approved after the confirm-by date its own days to confirm', () => {
    const by = new Date('2026-12-01T00:00:00Z');
    expect(confirmDeadline(null, new Date())).toBeNull();
    expect(confirmDeadline(by, new Date('2026-11-20T00:00:00Z'))).toEqual(by);
    expect(confirmDeadline(by, new Date('2026-12-02T00:00:00Z'))).toEqual(
      new Date(new Date('2026-12-02T00:00:00Z').getTime() + RESERVE_CONFIRM_MS),
    );
  });

  it('shows the quota page in English too', async () => {
    const a = course(5);
    const office = await signedIn('office');
    await office.post(`/activities/${a.id}/quotas`, { unit: org.units.raqqa.id, seats: '2' });
    office.cookies.set('taahil_lang', 'en');
    const page = textOf((await office.get(`/activities/${a.id}/quotas`)).body);
    expect(page).toContain('Seat quotas');
    expect(page).toContain('Raqqa');
    expect(page).toContain('0 nominated, 0 seated (0 confirmed), 0 reserves');
  });
});
