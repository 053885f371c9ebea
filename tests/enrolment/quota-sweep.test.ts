/**
 * When the seats nobody confirmed are released (issue 12): exactly when one is due, on the
 * office's queue view (or the timer, or the quota page), once per request. The queue views in
 * between read no seats at all, also when a quota's confirm-by date has long passed with every
 * seat confirmed; the earliest deadline kept between views never makes a release late.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as s from '../../db/schema.ts';
import { QuotaRepository } from '../../server/enrolments/quota-repository.ts';
import { RESERVE_CONFIRM_MS } from '../../server/enrolments/quota-rules.ts';
import { QuotaService } from '../../server/enrolments/quotas.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { makeActivity, makeEnrolment, makeSession } from './factories.ts';
import { enrolmentOf, eventsOf } from './helpers.ts';

const DAY = 86_400_000;
let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  await t.close();
});

const signedIn = async (who: string) => {
  const c = new Client(t.app);
  await c.login(who);
  return c;
};
const auditOf = (enrolmentId: number, action: string) =>
  t.db
    .select()
    .from(s.auditLog)
    .where(and(eq(s.auditLog.entity, 'enrolment'), eq(s.auditLog.entityId, enrolmentId), eq(s.auditLog.action, action)))
    .all();
const kindsOf = (userId: number) =>
  t.db
    .select()
    .from(s.notifications)
    .where(eq(s.notifications.userId, userId))
    .all()
    .map((n) => n.kind);

/** a nominations-only course starting in 10 days, whose quota for Raqqa must be confirmed by `confirmBy` */
function course(confirmBy: Date, seats = 1) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, kind: 'course', selfEnrol: false });
  makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.now() + 10 * DAY) });
  t.db.insert(s.unitQuotas).values({ activityId: a.id, unitId: org.units.raqqa.id, seats, confirmBy }).run();
  return a;
}

describe('seats not confirmed in time, released by the office’s queue view', () => {
  it('releases a seat when its date passes, once, and reads no seats on the views in between', async () => {
    // a quota whose confirm-by date passed a week ago, every seat confirmed: nothing is ever due
    const old = course(new Date(Date.now() - 7 * DAY));
    makeEnrolment(t.db, {
      activityId: old.id,
      memberId: makeMember(t.db, { unitId: org.units.karama.id }).id,
      source: 'nomination',
      status: 'approved',
      nominatedByUnitId: org.units.raqqa.id,
      rank: 1,
      confirmation: 'confirmed',
    });
    // a course to confirm within 10 seconds: the coordinator nominates two, the office approves the first
    const start = Date.now();
    const a = course(new Date(start + 10_000));
    const office = await signedIn('office');
    const coord = await signedIn('coordinator');
    const [main, reserve] = [0, 1].map(() => makeMember(t.db, { unitId: org.units.karama.id }));
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [main.id, reserve.id] });
    const e = (m: { id: number }) => enrolmentOf(t.db, a.id, m.id)!;
    expect((await office.post('/nominations/decide', { ids: [e(main).id], action: 'approve' })).status).toBe(303);

    const search = vi.spyOn(QuotaRepository.prototype, 'expiredSeats');
    // before the date: the views release nothing and do not search (neither does a coordinator's)
    for (const c of [office, office, coord]) expect((await c.get('/nominations')).status).toBe(200);
    expect(search).not.toHaveBeenCalled();
    expect(e(main).status).toBe('approved');

    // the date passes with no write in between: the next view of the office releases the seat
    vi.useFakeTimers({ toFake: ['Date'], now: start + 11_000 });
    const page = await office.get('/nominations');
    expect(page.status).toBe(200);
    expect(search).toHaveBeenCalledTimes(1);
    expect(e(main).status).toBe('withdrawn');
    expect(eventsOf(t.db, e(main).id).map((h) => h.reason)).toContain('enrolments.history.unconfirmed');
    expect(auditOf(e(main).id, 'quota.unconfirmed')).toHaveLength(1);
    // the reserve has the seat, with three days of its own to confirm
    expect(e(reserve).status).toBe('approved');
    const coordinatorKinds = kindsOf(org.users.coordinator.id);
    expect(coordinatorKinds.filter((k) => k === 'quota.unconfirmed.nominator')).toHaveLength(1);
    expect(coordinatorKinds).toContain('quota.fromReserve.nominator');

    // the next views: nothing more to release, no search, nothing written twice
    for (const c of [office, office]) expect((await c.get('/nominations')).status).toBe(200);
    expect(search).toHaveBeenCalledTimes(1);
    expect(auditOf(e(main).id, 'quota.unconfirmed')).toHaveLength(1);
    expect(eventsOf(t.db, e(main).id).filter((h) => h.reason === 'enrolments.history.unconfirmed')).toHaveLength(1);
    expect(e(reserve).status).toBe('approved');
    // the quota confirmed long ago was never touched
    expect(t.db.select().from(s.enrolments).where(eq(s.enrolments.activityId, old.id)).all()[0].status).toBe(
      'approved',
    );
  });

  it('releases a reserve moved up after the date exactly at the end of its own time, not a millisecond before', async () => {
    const a = course(new Date(Date.now() - DAY));
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    const coord = await signedIn('coordinator');
    const office = await signedIn('office');
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [m.id] });
    await office.post('/nominations/decide', { ids: [enrolmentOf(t.db, a.id, m.id)!.id], action: 'approve' });
    const e = enrolmentOf(t.db, a.id, m.id)!;
    const quotas = QuotaService.of(t.app);
    const repo = new QuotaRepository(t.db);
    const deadline = repo.approvedAt(e.id)!.getTime() + RESERVE_CONFIRM_MS;
    // the earliest deadline, kept while nothing is written: the sweeps below compare with it
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBe(deadline);
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS, a.id)).toBe(deadline);
    const search = vi.spyOn(QuotaRepository.prototype, 'expiredSeats');
    expect(quotas.sweep(new Date(deadline - 1))).toBe(0);
    expect(quotas.sweep(new Date(deadline - 1), a.id)).toBe(0);
    expect(search).not.toHaveBeenCalled();
    expect(quotas.sweep(new Date(deadline), a.id)).toBe(1);
    expect(search).toHaveBeenCalledTimes(1);
    expect(enrolmentOf(t.db, a.id, m.id)!.status).toBe('withdrawn');
    // no reserve left: the office is told the seat came back; nothing waits any more
    expect(kindsOf(org.users.office.id)).toContain('quota.seatReturned');
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBeNull();
    expect(quotas.sweep(new Date(deadline + DAY))).toBe(0);
    expect(search).toHaveBeenCalledTimes(1);
  });

  it('follows a confirmation, a changed date and another activity, each a write', async () => {
    const a = course(new Date(Date.now() + DAY));
    const b = course(new Date(Date.now() + 2 * DAY));
    const seat = (activityId: number) =>
      makeEnrolment(t.db, {
        activityId,
        memberId: makeMember(t.db, { unitId: org.units.karama.id }).id,
        source: 'nomination',
        status: 'approved',
        nominatedByUnitId: org.units.raqqa.id,
        rank: 1,
      });
    const ea = seat(a.id);
    seat(b.id);
    const repo = new QuotaRepository(t.db);
    const confirmByOf = (id: number) =>
      t.db.select().from(s.unitQuotas).where(eq(s.unitQuotas.activityId, id)).get()!.confirmBy!.getTime();
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBe(confirmByOf(a.id));
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS, b.id)).toBe(confirmByOf(b.id));
    // the seat of `a` confirmed: the next deadline is the other activity's
    t.db.update(s.enrolments).set({ confirmation: 'confirmed' }).where(eq(s.enrolments.id, ea.id)).run();
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBe(confirmByOf(b.id));
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS, a.id)).toBeNull();
    // b's date moved earlier
    const earlier = new Date(Date.now() + 3_600_000);
    t.db.update(s.unitQuotas).set({ confirmBy: earlier }).where(eq(s.unitQuotas.activityId, b.id)).run();
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBe(earlier.getTime());
    // an activity finished (or cancelled) no longer hands its seats on
    t.db.update(s.activities).set({ status: 'finished' }).where(eq(s.activities.id, b.id)).run();
    expect(repo.nextConfirmDeadline(RESERVE_CONFIRM_MS)).toBeNull();
  });
});
