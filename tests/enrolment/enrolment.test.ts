import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeEnrolment, makeProgramme, makeSession } from './factories.ts';
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

describe('a member enrols and withdraws', () => {
  it('is approved at once when the activity approves automatically, sees it, and cannot enrol twice', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true, capacity: 10 });
    const c = await signedIn('member');
    const open = await c.get('/enrolments');
    expect(textOf(open.body)).toContain(a.title);
    const res = await c.post(`/activities/${a.id}/enrol`, { next: '/enrolments' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/enrolments');
    const e = enrolmentOf(t.db, a.id, org.member.id)!;
    expect(e.status).toBe('approved');
    expect(e.source).toBe('self');
    const mine = textOf((await c.get('/enrolments')).body);
    expect(mine).toContain('تمّ تسجيلك وقُبلت');
    expect(mine).toContain('مقبول');

    const twice = await c.post(`/activities/${a.id}/enrol`);
    expect(twice.status).toBe(400);
    expect(textOf(twice.body)).toContain('مسجّل في هذا النشاط من قبل');
    expect(eventsOf(t.db, e.id)).toHaveLength(1);
  });

  it('waits for the office when the activity does not approve automatically', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const c = await signedIn('member');
    await c.post(`/activities/${a.id}/enrol`);
    expect(enrolmentOf(t.db, a.id, org.member.id)!.status).toBe('pending');
  });

  it('refuses outside the window, outside the audience, finished, nominations-only, with a clear message and no row', async () => {
    const centre = org.units.centre.id;
    const cases: [Partial<typeof s.activities.$inferInsert>, string][] = [
      [{ enrolClosesAt: new Date(Date.now() - DAY) }, 'انتهت فترة التسجيل'],
      [{ enrolOpensAt: new Date(Date.now() + DAY) }, 'لم تبدأ فترة التسجيل بعد'],
      [{ audienceKind: 'units', audienceUnitId: org.units.tabqa.id }, 'ليس موجّهًا لهذا العضو'],
      [{ executiveOnly: true }, 'ليس موجّهًا لهذا العضو'],
      [{ status: 'finished' }, 'انتهى هذا النشاط'],
      [{ status: 'draft' }, 'غير مفتوح للتسجيل'],
      [{ selfEnrol: false }, 'بالترشيح فقط'],
    ];
    const c = await signedIn('member');
    for (const [opts, message] of cases) {
      const a = makeActivity(t.db, { organisingUnitId: centre, autoApprove: true, ...opts });
      const res = await c.post(`/activities/${a.id}/enrol`);
      expect(res.status, JSON.stringify(opts)).toBe(400);
      expect(textOf(res.body)).toContain(message);
      expect(enrolmentOf(t.db, a.id, org.member.id)).toBeUndefined();
    }
    expect((await c.post('/activities/999999/enrol')).status).toBe(404);
    // staff without a member record cannot enrol themselves
    expect(
      (
        await (
          await signedIn('office')
        ).post(`/activities/${makeActivity(t.db, { organisingUnitId: centre }).id}/enrol`)
      ).status,
    ).toBe(403);
  });

  it('enforces the previous phase of the programme', async () => {
    const { phases } = makeProgramme(t.db, [{ requiresPrevious: false }, { requiresPrevious: true }]);
    const first = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      phaseId: phases[0].id,
      status: 'finished',
    });
    const second = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      phaseId: phases[1].id,
      autoApprove: true,
    });
    const c = await signedIn('member');
    const refused = await c.post(`/activities/${second.id}/enrol`);
    expect(refused.status).toBe(400);
    expect(textOf(refused.body)).toContain('إتمام المرحلة السابقة');
    makeEnrolment(t.db, { activityId: first.id, memberId: org.member.id, status: 'not_completed' });
    expect((await c.post(`/activities/${second.id}/enrol`)).status).toBe(400);
    t.db.update(s.enrolments).set({ status: 'completed' }).where(eq(s.enrolments.activityId, first.id)).run();
    expect((await c.post(`/activities/${second.id}/enrol`)).status).toBe(303);
    expect(enrolmentOf(t.db, second.id, org.member.id)!.status).toBe('approved');
  });

  it('withdraws before the cut-off, not after, and may enrol again', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true });
    const late = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      autoApprove: true,
      withdrawCutoffAt: new Date(Date.now() - 1000),
    });
    makeEnrolment(t.db, { activityId: late.id, memberId: org.member.id });
    const c = await signedIn('member');
    await c.post(`/activities/${a.id}/enrol`);
    expect((await c.post(`/activities/${a.id}/withdraw`)).status).toBe(303);
    expect(enrolmentOf(t.db, a.id, org.member.id)!.status).toBe('withdrawn');
    const again = await c.post(`/activities/${a.id}/withdraw`);
    expect(again.status).toBe(400);
    expect(textOf(again.body)).toContain('لا يمكن الانسحاب');
    const cut = await c.post(`/activities/${late.id}/withdraw`);
    expect(cut.status).toBe(400);
    expect(textOf(cut.body)).toContain('فات آخر موعد للانسحاب');
    expect(enrolmentOf(t.db, late.id, org.member.id)!.status).toBe('approved');
    expect((await c.post(`/activities/${a.id}/enrol`)).status).toBe(303);
    const e = enrolmentOf(t.db, a.id, org.member.id)!;
    expect(e.status).toBe('approved');
    expect(eventsOf(t.db, e.id).map((x) => x.toStatus)).toEqual(['approved', 'withdrawn', 'approved']);
  });
});

describe('capacity and the waiting list', () => {
  it('promotes the first on the waiting list when a seat is freed by a withdrawal', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true, capacity: 1 });
    const first = await memberClient(t, org.units.karama.id);
    const second = await memberClient(t, org.units.karama.id);
    const third = await memberClient(t, org.units.mansoura.id);
    for (const x of [first, second, third]) await x.client.post(`/activities/${a.id}/enrol`);
    expect(enrolmentOf(t.db, a.id, first.member.id)!.status).toBe('approved');
    const w2 = enrolmentOf(t.db, a.id, second.member.id)!;
    const w3 = enrolmentOf(t.db, a.id, third.member.id)!;
    expect([w2.status, w3.status]).toEqual(['waitlisted', 'waitlisted']);
    expect(w2.waitlistSeq!).toBeLessThan(w3.waitlistSeq!);
    expect(textOf((await second.client.get(`/enrolments/${w2.id}`)).body)).toContain('الترتيب 1 على قائمة الانتظار');

    await first.client.post(`/activities/${a.id}/withdraw`);
    expect(enrolmentOf(t.db, a.id, second.member.id)!.status).toBe('approved');
    expect(enrolmentOf(t.db, a.id, third.member.id)!.status).toBe('waitlisted');
    const history = textOf((await second.client.get(`/enrolments/${w2.id}`)).body);
    expect(history).toContain('شغر مقعد فانتقل من قائمة الانتظار إلى القبول');
    // a rejection of an approved one frees its seat too
    const office = await signedIn('office');
    const res = await office.post(`/enrolments/${w2.id}/decide`, { action: 'reject', reason: 'غياب متكرر' });
    expect(res.status).toBe(303);
    expect(enrolmentOf(t.db, a.id, third.member.id)!.status).toBe('approved');
  });

  it('promotes after the capacity is raised, through the service function or the roster button', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true, capacity: 1 });
    const x = await memberClient(t, org.units.karama.id);
    const y = await memberClient(t, org.units.karama.id);
    await x.client.post(`/activities/${a.id}/enrol`);
    await y.client.post(`/activities/${a.id}/enrol`);
    t.db.update(s.activities).set({ capacity: 2 }).where(eq(s.activities.id, a.id)).run();
    const office = await signedIn('office');
    await office.get(`/activities/${a.id}/roster`);
    expect((await office.post(`/activities/${a.id}/promote`)).status).toBe(303);
    expect(enrolmentOf(t.db, a.id, y.member.id)!.status).toBe('approved');
  });

  it('lets the office go over capacity only with the explicit, recorded override', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, capacity: 1 });
    makeEnrolment(t.db, { activityId: a.id, memberId: makeMember(t.db, { unitId: org.units.karama.id }).id });
    const c = await signedIn('member');
    await c.post(`/activities/${a.id}/enrol`);
    const e = enrolmentOf(t.db, a.id, org.member.id)!;
    expect(e.status).toBe('pending');
    const office = await signedIn('office');
    await office.post(`/enrolments/${e.id}/decide`, { action: 'approve' });
    expect(enrolmentOf(t.db, a.id, org.member.id)!.status).toBe('waitlisted');
    await office.post(`/enrolments/${e.id}/decide`, { action: 'approve', override: 'on' });
    const after = enrolmentOf(t.db, a.id, org.member.id)!;
    expect(after.status).toBe('approved');
    expect(after.overCapacity).toBe(true);
    const page = textOf((await office.get(`/enrolments/${e.id}`)).body);
    expect(page).toContain('قبول فوق عدد المقاعد بقرار من مكتب التأهيل');
    expect(page).toContain('فوق عدد المقاعد');
    const audit = t.db
      .select()
      .from(s.auditLog)
      .all()
      .filter((r) => r.action === 'enrolment.approve');
    expect(audit.at(-1)!.details).toContain('"override":true');
  });
});

describe('nominations', () => {
  it('lets a coordinator search (Arabic-aware) and nominate members of its subtree with a note each', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, selfEnrol: false, capacity: 22 });
    const ahmad = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'أحمد العلي' });
    const coord = await signedIn('coordinator');
    const page = await coord.get(`/activities/${a.id}/nominate?q=${encodeURIComponent('احمد')}`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('أحمد العلي');
    expect(textOf(page.body)).not.toContain('سلمى الخلف');
    const res = await coord.post(`/activities/${a.id}/nominate`, {
      memberIds: [ahmad.id, org.member.id],
      [`note_${ahmad.id}`]: 'عضو هيئة تنفيذية',
    });
    expect(res.status).toBe(303);
    const e = enrolmentOf(t.db, a.id, ahmad.id)!;
    expect(e).toMatchObject({ status: 'nominated', source: 'nomination', note: 'عضو هيئة تنفيذية' });
    expect(e.nominatedByUnitId).toBe(org.units.raqqa.id);
    expect(e.nominatedByUserId).toBe(org.users.coordinator.id);
    const list = textOf((await coord.get(`/activities/${a.id}/nominate`)).body);
    expect(list).toContain('ترشيحاتكم');
    expect(list).toContain('عضو هيئة تنفيذية');
    expect(list).toContain('مرشّح');
    // the coordinator sees its nominations with statuses on /nominations, without decision buttons
    const queue = await coord.get('/nominations');
    expect(textOf(queue.body)).toContain('أحمد العلي');
    expect(queue.body).not.toContain('name="single"');
  });

  it('lists the latest 50 enrolments under the search, and sends to the queue for the rest', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, selfEnrol: false });
    const people = Array.from({ length: 53 }, (_, i) =>
      makeMember(t.db, { unitId: org.units.karama.id, fullName: `عضو ${i}` }),
    );
    // created one after another: the newest last
    for (const m of people) makeEnrolment(t.db, { activityId: a.id, memberId: m.id, source: 'office' });
    const office = await signedIn('office');
    const page = (await office.get(`/activities/${a.id}/nominate`)).body;
    const listed = page.slice(page.indexOf('التسجيلات والترشيحات في هذا النشاط'));
    expect((listed.match(/<a href="\/enrolments\/\d+">/g) ?? []).length).toBe(50);
    expect(textOf(listed)).toContain('تسجيلات وترشيحات أقدم لا تظهر هنا: 3.');
    expect(listed).toContain(`href="/nominations?activity=${a.id}&amp;status=all"`);
    // the queue there holds all 53, the newest first
    const queue = textOf((await office.get(`/nominations?activity=${a.id}&status=all`)).body);
    expect(queue).toContain('المجموع: 53');
    expect(queue).toContain('عضو 52');
    // with 50 or fewer, no such line
    const b = makeActivity(t.db, { organisingUnitId: org.units.centre.id, selfEnrol: false });
    makeEnrolment(t.db, { activityId: b.id, memberId: people[0].id, source: 'office' });
    expect(textOf((await office.get(`/activities/${b.id}/nominate`)).body)).not.toContain('لا تظهر هنا');
  });

  it('refuses a member outside the coordinator scope, and a member already enrolled: nothing saved', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, selfEnrol: false });
    const inside = makeMember(t.db, { unitId: org.units.karama.id });
    const outside = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو الطبقة' });
    const coord = await signedIn('coordinator');
    expect(textOf((await coord.get(`/activities/${a.id}/nominate`)).body)).not.toContain('عضو الطبقة');
    await coord.get(`/activities/${a.id}/nominate`);
    const res = await coord.post(`/activities/${a.id}/nominate`, { memberIds: [inside.id, outside.id] });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('خارج نطاق وحدتك');
    expect(t.db.select().from(s.enrolments).all()).toHaveLength(0);
    // the same member twice
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: [inside.id] });
    const twice = await coord.post(`/activities/${a.id}/nominate`, { memberIds: [inside.id] });
    expect(twice.status).toBe(400);
    expect(textOf(twice.body)).toContain('مسجّل في هذا النشاط من قبل');
    expect(t.db.select().from(s.enrolments).all()).toHaveLength(1);
    // nothing chosen
    expect((await coord.post(`/activities/${a.id}/nominate`, {})).status).toBe(400);
    // closed window: refused for coordinators
    const closed = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      enrolClosesAt: new Date(Date.now() - DAY),
    });
    const late = await coord.post(`/activities/${closed.id}/nominate`, { memberIds: [inside.id] });
    expect(late.status).toBe(400);
    expect(textOf(late.body)).toContain('انتهت فترة التسجيل');
  });

  it('lets the office enrol anyone directly, seats first then the waiting list', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, capacity: 1, selfEnrol: false });
    const x = makeMember(t.db, { unitId: org.units.mansoura.id });
    const office = await signedIn('office');
    await office.get(`/activities/${a.id}/nominate`);
    const res = await office.post(`/activities/${a.id}/nominate`, { memberIds: [x.id, org.member.id] });
    expect(res.status).toBe(303);
    expect(enrolmentOf(t.db, a.id, x.id)).toMatchObject({ status: 'approved', source: 'office' });
    expect(enrolmentOf(t.db, a.id, org.member.id)!.status).toBe('waitlisted');
  });
});

describe('the office decides in the queue', () => {
  async function nominated(n: number, capacity: number | null) {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, capacity, selfEnrol: false });
    const ms = Array.from({ length: n }, (_, i) =>
      makeMember(t.db, { unitId: org.units.karama.id, fullName: `مرشح ${i}` }),
    );
    const coord = await signedIn('coordinator');
    await coord.get(`/activities/${a.id}/nominate`);
    await coord.post(`/activities/${a.id}/nominate`, { memberIds: ms.map((m) => m.id) });
    const ids = ms.map((m) => enrolmentOf(t.db, a.id, m.id)!.id);
    return { a, ms, ids };
  }

  it('filters by activity and unit, and approves in bulk up to capacity; the rest wait in order', async () => {
    const { a, ids } = await nominated(3, 2);
    await nominated(1, null);
    const office = await signedIn('office');
    const all = textOf((await office.get('/nominations')).body);
    expect(all).toContain('مرشح 0');
    expect(all).toContain('المجموع: 4');
    const filtered = textOf((await office.get(`/nominations?activity=${a.id}`)).body);
    expect(filtered).toContain('المجموع: 3');
    expect(textOf((await office.get(`/nominations?unit=${org.units.tabqa.id}`)).body)).not.toContain('مرشح 0');
    expect(textOf((await office.get(`/nominations?unit=${org.units.karama.id}`)).body)).toContain('مرشح 0');
    const res = await office.post(`/nominations/decide?activity=${a.id}`, { ids, action: 'approve' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/nominations?activity=${a.id}`);
    const rows = ids.map((id) => t.db.select().from(s.enrolments).where(eq(s.enrolments.id, id)).get()!);
    expect(rows.map((r) => r.status)).toEqual(['approved', 'approved', 'waitlisted']);
    expect(textOf((await office.get(res.location!)).body)).toContain('وُضع من لم يتّسع له مقعد على قائمة الانتظار');
  });

  it('rejects in bulk only with a reason, and refuses to decide an already decided one: no change', async () => {
    const { ids } = await nominated(2, null);
    const office = await signedIn('office');
    await office.get('/nominations');
    const noReason = await office.post('/nominations/decide', { ids, action: 'reject' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.body)).toContain('اكتب سبب الرفض');
    const ok = await office.post('/nominations/decide', { ids, action: 'reject', reason: 'لا ينطبق الشرط' });
    expect(ok.status).toBe(303);
    const before = t.db.select().from(s.enrolmentEvents).all().length;
    const again = await office.post('/nominations/decide', { ids, action: 'reject', reason: 'مرة ثانية' });
    expect(again.status).toBe(400);
    expect(textOf(again.body)).toContain('حالته الآن «مرفوض»');
    const approve = await office.post(`/enrolments/${ids[0]}/decide`, { action: 'approve' });
    expect(approve.status).toBe(400);
    expect(t.db.select().from(s.enrolmentEvents).all()).toHaveLength(before);
  });

  it('decides one row with its own button, and waitlists', async () => {
    const { ids } = await nominated(2, 5);
    const office = await signedIn('office');
    await office.get('/nominations');
    await office.post('/nominations/decide', { single: `waitlist:${ids[1]}` });
    await office.post('/nominations/decide', { single: `approve:${ids[0]}` });
    const st = ids.map((id) => t.db.select().from(s.enrolments).where(eq(s.enrolments.id, id)).get()!.status);
    expect(st).toEqual(['approved', 'waitlisted']);
  });

  it('keeps the history with who, when and why, visible to the member, the nominating coordinator and the office', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, selfEnrol: false });
    const coord = await signedIn('coordinator');
    await coord.get(`/activities/${a.id}/nominate`);
    await coord.post(`/activities/${a.id}/nominate`, {
      memberIds: [org.member.id],
      [`note_${org.member.id}`]: 'مرشحة',
    });
    const e = enrolmentOf(t.db, a.id, org.member.id)!;
    const office = await signedIn('office');
    await office.get('/nominations');
    await office.post(`/enrolments/${e.id}/decide`, { action: 'reject', reason: 'اكتمل العدد المطلوب' });
    const events = eventsOf(t.db, e.id);
    expect(events.map((x) => [x.fromStatus, x.toStatus, x.byUserId])).toEqual([
      [null, 'nominated', org.users.coordinator.id],
      ['nominated', 'rejected', org.users.office.id],
    ]);
    for (const who of ['member', 'coordinator', 'office']) {
      const c = await signedIn(who);
      const res = await c.get(`/enrolments/${e.id}`);
      expect(res.status, who).toBe(200);
      const text = textOf(res.body);
      expect(text).toContain('اكتمل العدد المطلوب');
      expect(text).toContain('مرشّح → مرفوض');
    }
    expect((await (await signedIn('trainer')).get(`/enrolments/${e.id}`)).status).toBe(403);
    // another member may not see it
    const other = await memberClient(t, org.units.karama.id);
    expect((await other.client.get(`/enrolments/${e.id}`)).status).toBe(403);
  });
});

describe('rosters', () => {
  it('lists the enrolled with statuses, exports CSV with a BOM and neutralised formulas, and prints a sign-in sheet', async () => {
    const trainer = await makeUser(t.db, { username: 'trainer2', roles: [{ role: 'trainer' }] });
    const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, capacity: 2 });
    makeSession(t.db, { activityId: a.id, trainerUserId: trainer.id, startsAt: new Date(Date.UTC(2026, 0, 5, 14)) });
    makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.UTC(2026, 0, 12, 14)) });
    const evil = makeMember(t.db, { unitId: org.units.karama.id, fullName: '=HYPERLINK("x")' });
    makeEnrolment(t.db, { activityId: a.id, memberId: evil.id });
    makeEnrolment(t.db, { activityId: a.id, memberId: org.member.id });
    const waiting = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'منتظر' });
    makeEnrolment(t.db, { activityId: a.id, memberId: waiting.id, status: 'waitlisted', waitlistSeq: 1 });

    const coord = await signedIn('coordinator');
    const roster = textOf((await coord.get(`/activities/${a.id}/roster`)).body);
    expect(roster).toContain('سلمى الخلف');
    expect(roster).toContain('منتظر');
    expect(roster).toContain('على قائمة الانتظار');

    const csv = await coord.get(`/activities/${a.id}/roster.csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.charCodeAt(0)).toBe(0xfeff);
    expect(csv.body).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv.body).toContain('سلمى الخلف');

    const c2 = new Client(t.app);
    await c2.login('trainer2');
    const sheet = await c2.get(`/activities/${a.id}/sign-in-sheet`);
    expect(sheet.status).toBe(200);
    const text = textOf(sheet.body);
    expect(text).toContain('كشف التوقيع');
    expect(text).toContain('سلمى الخلف');
    expect(text).toContain('5 كانون الثاني 2026');
    expect(text).toContain('12 كانون الثاني 2026');
    expect(text).not.toContain('منتظر');
    expect(sheet.body).toContain('class="print-sheet"');
    // a trainer who does not teach it, and a coordinator of another city, may not
    expect((await (await signedIn('trainer')).get(`/activities/${a.id}/roster`)).status).toBe(403);
    const tabqaCoord = await makeUser(t.db, {
      username: 'ctabqa',
      roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }],
    });
    const c3 = new Client(t.app);
    await c3.login(tabqaCoord.username);
    expect((await c3.get(`/activities/${a.id}/roster.csv`)).status).toBe(403);
  });
});

describe('panels', () => {
  it('adds the enrolment panel to the activity page and the enrolments to the member page', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, autoApprove: true, capacity: 3 });
    const c = await signedIn('member');
    const viewer = t.app.sessions.validate(c.cookies.get('taahil_session'))!;
    const req = { viewer, server: t.app } as any;
    const [panel] = await t.app.panels.load('activity', req, a);
    expect(panel.view).toBe('enrolments/activity-panel');
    expect(panel.data).toMatchObject({ canEnrol: true, seats: 0 });
    await c.post(`/activities/${a.id}/enrol`);
    const [after] = await t.app.panels.load('activity', req, { id: a.id });
    expect(after.data).toMatchObject({ canEnrol: false, canWithdraw: true, seats: 1 });
    const [member] = await t.app.panels.load('member', req, org.member);
    expect((member.data.rows as any[])[0].status).toBe('approved');
    // another member's page shows nothing to this member
    const other = makeMember(t.db, { unitId: org.units.karama.id });
    expect(await t.app.panels.load('member', req, other.id)).toEqual([]);
  });
});
