import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOf, enrol, eventsOf, makeActivity, makeSession, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
});
afterAll(() => t.close());

function course() {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الكشف الورقي' });
  const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 48 });
  const s2 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 24 });
  const future = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 60 * 24 * 3 });
  const m1 = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'أ عضو الكشف' });
  const m2 = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ب عضو الكشف' });
  enrol(t.db, a.id, m1.id);
  enrol(t.db, a.id, m2.id);
  return { a, s1, s2, future, m1, m2 };
}

describe('typing a filled paper sheet in (members × sessions, one POST)', () => {
  it('saves every ticked cell via the sheet, and the same grid posted again changes nothing', async () => {
    const { a, s1, s2, future, m1, m2 } = course();
    const page = await trainer.get(`/activities/${a.id}/sheet-entry`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`name="c_${s1.id}_${m1.id}"`);
    expect(page.body).toContain(`name="c_${s2.id}_${m2.id}"`);
    // sessions not started yet are not on the grid
    expect(page.body).not.toContain(`name="c_${future.id}_`);

    const grid = {
      [`c_${s1.id}_${m1.id}`]: 'present',
      [`c_${s1.id}_${m2.id}`]: 'absent',
      [`c_${s2.id}_${m1.id}`]: 'late',
      [`c_${s2.id}_${m2.id}`]: '',
    };
    const res = await trainer.post(`/activities/${a.id}/sheet-entry`, grid);
    expect(res.status).toBe(303);
    expect(marksOf(t.db, s1.id).get(m1.id)).toMatchObject({ status: 'present', via: 'sheet' });
    expect(marksOf(t.db, s1.id).get(m2.id)).toMatchObject({ status: 'absent', via: 'sheet' });
    expect(marksOf(t.db, s2.id).get(m1.id)).toMatchObject({ status: 'late', via: 'sheet' });
    expect(marksOf(t.db, s2.id).has(m2.id)).toBe(false);
    const events = eventsOf(t.db, s1.id).length + eventsOf(t.db, s2.id).length;
    expect(events).toBe(3);
    const audits = auditOf(t.db, 'attendance.save').length;

    const again = await trainer.post(`/activities/${a.id}/sheet-entry`, grid);
    expect(again.status).toBe(303);
    const shown = await trainer.get(again.location!);
    expect(textOf(shown.body)).toContain('لم يتغير شيء');
    expect(eventsOf(t.db, s1.id).length + eventsOf(t.db, s2.id).length).toBe(3);
    expect(auditOf(t.db, 'attendance.save').length).toBe(audits);
    // the grid shows what is stored
    expect(shown.body).toMatch(new RegExp(`name="c_${s2.id}_${m1.id}"[\\s\\S]*?value="late" selected`));
  });

  it('refuses the whole grid when one cell is wrong, keeping what was typed', async () => {
    const { a, s1, s2, m1, m2 } = course();
    const stranger = makeMember(t.db, { unitId: org.units.mansoura.id });
    const res = await trainer.post(`/activities/${a.id}/sheet-entry`, {
      [`c_${s1.id}_${m1.id}`]: 'present',
      [`c_${s2.id}_${m2.id}`]: 'maybe',
    });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('تعذّرت قراءة بعض الخانات');
    expect(res.body).toMatch(new RegExp(`name="c_${s1.id}_${m1.id}"[\\s\\S]*?value="present" selected`));
    expect(marksOf(t.db, s1.id).size).toBe(0);

    const outside = await trainer.post(`/activities/${a.id}/sheet-entry`, {
      [`c_${s1.id}_${m1.id}`]: 'present',
      [`c_${s1.id}_${stranger.id}`]: 'present',
    });
    expect(outside.status).toBe(400);
    expect(marksOf(t.db, s1.id).size).toBe(0);
  });

  it('a session whose edit window closed refuses the trainer’s whole grid; other sessions are not half-saved', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, editWindowDays: 2 });
    const old = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 * 24 * 10 });
    const recent = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 });
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    enrol(t.db, a.id, m.id);
    const res = await trainer.post(`/activities/${a.id}/sheet-entry`, {
      [`c_${recent.id}_${m.id}`]: 'present',
      [`c_${old.id}_${m.id}`]: 'present',
    });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('رُفض الكشف');
    expect(marksOf(t.db, recent.id).size + marksOf(t.db, old.id).size).toBe(0);

    // the office corrects it, with a reason
    const office = new Client(t.app);
    await office.login('office');
    const noReason = await office.post(`/activities/${a.id}/sheet-entry`, { [`c_${old.id}_${m.id}`]: 'present' });
    expect(noReason.status).toBe(400);
    const ok = await office.post(`/activities/${a.id}/sheet-entry`, {
      [`c_${old.id}_${m.id}`]: 'present',
      reason: 'الكشف الورقي وصل متأخراً',
    });
    expect(ok.status).toBe(303);
    expect(eventsOf(t.db, old.id)[0]).toMatchObject({ via: 'sheet', reason: 'الكشف الورقي وصل متأخراً' });
  });

  it('coordinators and members cannot type a sheet in', async () => {
    const { a, s1, m1 } = course();
    for (const who of ['coordinator', 'member']) {
      const c = new Client(t.app);
      await c.login(who);
      expect((await c.get(`/activities/${a.id}/sheet-entry`)).status).toBe(403);
      expect((await c.post(`/activities/${a.id}/sheet-entry`, { [`c_${s1.id}_${m1.id}`]: 'present' })).status).toBe(
        403,
      );
    }
    expect(marksOf(t.db, s1.id).size).toBe(0);
    expect((await trainer.get('/activities/99999999/sheet-entry')).status).toBe(404);
  });
});
