import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { daysAgo, enrol, eventsOf, makeActivity, makeEnrolledMembers, makeSession, marksOf } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const c = {} as Record<'admin' | 'office' | 'coordinator' | 'trainer' | 'member' | 'trainer2' | 'tabqa', Client>;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  await makeUser(t.db, { username: 'trainer2', roles: [{ role: 'trainer' }] });
  await makeUser(t.db, { username: 'tabqa', roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }] });
  for (const who of Object.keys({
    admin: 1,
    office: 1,
    coordinator: 1,
    trainer: 1,
    member: 1,
    trainer2: 1,
    tabqa: 1,
  })) {
    c[who as keyof typeof c] = new Client(t.app);
    await c[who as keyof typeof c].login(who);
  }
});
afterAll(() => t.close());

describe('who may mark', () => {
  it('lets the session trainer and the office mark; coordinators read their subtree; others are refused', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الصلاحيات' });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [raqqaMember] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const tabqaMember = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو من المنصورة' });
    enrol(t.db, a.id, tabqaMember.id);
    const url = `/sessions/${sess.id}/attendance`;
    const expected = {
      admin: 303,
      office: 303,
      trainer: 303,
      trainer2: 403,
      coordinator: 403,
      tabqa: 403,
      member: 403,
    };
    let n = 0;
    for (const [who, status] of Object.entries(expected)) {
      const client = c[who as keyof typeof c];
      await client.get('/account');
      const st = ['present', 'late', 'absent'][n++ % 3];
      const res = await client.post(url, { [`s_${raqqaMember.id}`]: st });
      expect(res.status, who).toBe(status);
      if (status === 303) expect(marksOf(t.db, sess.id).get(raqqaMember.id)!.status).toBe(st);
    }
    // views: the coordinator of Raqqa sees only Raqqa's members, read-only
    const coordView = await c.coordinator.get(url);
    expect(coordView.status).toBe(200);
    const text = textOf(coordView.body);
    expect(text).toContain('يمكنك الاطلاع على هذه القائمة دون تعديلها.');
    expect(text).not.toContain('عضو من المنصورة');
    expect(coordView.body).not.toContain('id="save-roster"');
    expect(coordView.body).toContain('<fieldset class="mark" disabled');
    expect(textOf((await c.tabqa.get(url)).body)).toContain('عضو من المنصورة');
    expect((await c.trainer2.get(url)).status).toBe(403);
    expect((await c.member.get(url)).status).toBe(403);
    expect((await c.office.get(url)).body).toContain('id="save-roster"');
    expect((await c.office.get('/sessions/999999/attendance')).status).toBe(404);
    expect((await c.office.get('/sessions/abc/attendance')).status).toBe(404);
  });
});

describe('the edit window', () => {
  it('closes for the trainer; the office corrects with a reason that is kept', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, editWindowDays: 7 });
    const old = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: daysAgo(10) });
    const recent = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: daysAgo(6) });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);

    await c.trainer.get('/account');
    expect((await c.trainer.post(`/sessions/${recent.id}/attendance`, { [`s_${p.id}`]: 'present' })).status).toBe(303);
    const closed = await c.trainer.post(`/sessions/${old.id}/attendance`, { [`s_${p.id}`]: 'present' });
    expect(closed.status).toBe(400);
    expect(textOf(closed.body)).toContain('انتهت مهلة تعديل هذه الجلسة');
    const page = await c.trainer.get(`/sessions/${old.id}/attendance`);
    expect(textOf(page.body)).toContain('انتهت مهلة التعديل في');
    expect(page.body).not.toContain('id="save-roster"');

    const officePage = await c.office.get(`/sessions/${old.id}/attendance`);
    expect(officePage.body).toContain('name="reason"');
    const noReason = await c.office.post(`/sessions/${old.id}/attendance`, { [`s_${p.id}`]: 'excused' });
    expect(noReason.status).toBe(400);
    expect(textOf(noReason.body)).toContain('اذكر سبب تصحيح الحضور بعد انتهاء مهلة التعديل.');
    expect(marksOf(t.db, old.id).size).toBe(0);
    const withReason = await c.office.post(`/sessions/${old.id}/attendance`, {
      [`s_${p.id}`]: 'excused',
      reason: 'قدّم العضو عذراً طبياً',
    });
    expect(withReason.status).toBe(303);
    const [ev] = eventsOf(t.db, old.id);
    expect(ev.reason).toBe('قدّم العضو عذراً طبياً');
    expect(ev.byUserId).toBe(org.users.office.id);
    const shown = textOf((await c.office.get(`/sessions/${old.id}/attendance`)).body);
    expect(shown).toContain('قدّم العضو عذراً طبياً');
  });
});

describe('today', () => {
  it("lists a trainer's sessions today and the next days, and all of today's for the office", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة اليوم' });
    const b = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة مدرب آخر' });
    const mine = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 1, minutes: 5 });
    makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 3 * 24 * 60, topic: 'بعد ثلاثة أيام' });
    makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 9 * 24 * 60, topic: 'بعد تسعة أيام' });
    makeSession(t.db, b.id, { startMin: 2, minutes: 5, topic: 'جلسة غيري' });
    makeEnrolledMembers(t.db, a.id, org.units.karama.id, 3);
    const page = await c.trainer.get('/today');
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('دورة اليوم');
    expect(text).toContain('بعد ثلاثة أيام');
    expect(text).not.toContain('بعد تسعة أيام');
    expect(text).not.toContain('جلسة غيري');
    expect(text).toContain('سُجّل 0 من 3');
    expect(page.body).toContain(`href="/sessions/${mine.id}/attendance"`);
    const office = textOf((await c.office.get('/today')).body);
    expect(office).toContain('جلسة غيري');
    expect((await c.member.get('/today')).status).toBe(403);
  });
});
