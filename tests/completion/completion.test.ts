import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEligibleForPhase } from '../../server/completion/service.ts';
import type { DomainEvents } from '../../server/core/events.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import {
  enrol,
  enrolmentOf,
  eventsOf,
  makeActivity,
  makeProgramme,
  makeSessions,
  mark,
  setActivityStatus,
} from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const c = {} as Record<'office' | 'trainer' | 'coordinator' | 'member' | 'trainer2', Client>;
let trainer2Id: number;
const statusEvents: DomainEvents['enrolment.statusChanged'][] = [];

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer2Id = (await makeUser(t.db, { username: 'trainer2', roles: [{ role: 'trainer' }] })).id;
  for (const who of Object.keys({
    office: 1,
    trainer: 1,
    coordinator: 1,
    member: 1,
    trainer2: 1,
  }) as (keyof typeof c)[]) {
    c[who] = new Client(t.app);
    await c[who].login(who);
  }
  t.app.events.on('enrolment.statusChanged', (e) => statusEvents.push(e));
});
afterAll(() => t.close());

/** A course with `n` sessions (`past` of them held) taught by "trainer", org.member enrolled. */
function course(opts: Parameters<typeof makeActivity>[1] extends infer O ? Partial<O> : never, n = 4, past = n) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, ...opts });
  const sessions = makeSessions(t.db, a.id, n, { past, trainerUserId: org.users.trainer.id });
  const e = enrol(t.db, a.id, org.member.id);
  return { a, sessions, e };
}

const finish = (activityId: number) => {
  setActivityStatus(t.db, activityId, 'finished');
  t.app.events.emit('activity.statusChanged', {
    activityId,
    from: 'running',
    to: 'finished',
    byUserId: org.users.office.id,
  });
};

describe('live progress through the app', () => {
  it('shows held, attended, rate, what is still needed and "at risk"', async () => {
    const { a, sessions } = course({}, 4, 3);
    mark(t.db, sessions, org.member.id, ['present', 'late', 'absent']);
    const res = await c.office.get(`/activities/${a.id}/completion`);
    expect(res.status).toBe(200);
    const row = textOf(res.body);
    expect(row).toContain('سلمى الخلف');
    expect(row).toMatch(/3 \/ 4/);
    expect(row).toContain('67%');
    expect(row).toContain('معرّض للخطر');
  });

  it('late does not count when the rule says so', async () => {
    const { a, sessions } = course({ lateCounts: false }, 4, 3);
    mark(t.db, sessions, org.member.id, ['present', 'late', 'absent']);
    const text = textOf((await c.office.get(`/activities/${a.id}/completion`)).body);
    expect(text).toContain('33%');
    expect(text).toContain('لا يمكنه الإتمام');
  });

  it('leaves excused sessions out, or counts them, by the rule', async () => {
    const out = course({}, 3, 3);
    mark(t.db, out.sessions, org.member.id, ['present', 'excused', 'present']);
    expect(textOf((await c.office.get(`/activities/${out.a.id}/completion`)).body)).toContain('100%');
    const inside = course({ excusedExcluded: false }, 3, 3);
    mark(t.db, inside.sessions, org.member.id, ['present', 'excused', 'present']);
    expect(textOf((await c.office.get(`/activities/${inside.a.id}/completion`)).body)).toContain('67%');
  });

  it('recomputes as soon as attendance changes', async () => {
    const { a, sessions } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'absent']);
    expect(textOf((await c.office.get(`/activities/${a.id}/completion`)).body)).toContain('50%');
    mark(t.db, sessions, org.member.id, [null, 'present']);
    expect(textOf((await c.office.get(`/activities/${a.id}/completion`)).body)).toContain('100%');
  });

  it('shows each viewer only what they may see', async () => {
    const { a } = course({}, 2, 1);
    const far = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'بعيد المنصوري' });
    enrol(t.db, a.id, far.id);
    // the office and the activity's trainer see everyone
    for (const who of ['office', 'trainer'] as const) {
      const text = textOf((await c[who].get(`/activities/${a.id}/completion`)).body);
      expect(text, who).toContain('بعيد المنصوري');
      expect(text, who).toContain('سلمى الخلف');
    }
    // Raqqa's executive body sees Raqqa's members only
    const coord = textOf((await c.coordinator.get(`/activities/${a.id}/completion`)).body);
    expect(coord).toContain('سلمى الخلف');
    expect(coord).not.toContain('بعيد المنصوري');
    // the member sees their own row only
    const own = textOf((await c.member.get(`/activities/${a.id}/completion`)).body);
    expect(own).toContain('سلمى الخلف');
    expect(own).not.toContain('بعيد المنصوري');
    // a trainer of another activity, and a member not enrolled, may not
    expect((await c.trainer2.get(`/activities/${a.id}/completion`)).status).toBe(403);
    const other = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    expect((await c.member.get(`/activities/${other.id}/completion`)).status).toBe(403);
    expect((await c.office.get('/activities/999999/completion')).status).toBe(404);
  });

  it('adds panels to the activity, member and dashboard pages', async () => {
    const { a } = course({}, 2, 1);
    const req = (viewer: unknown) => ({ viewer, server: t.app }) as any;
    const officeViewer = {
      userId: org.users.office.id,
      roles: ['office'],
      coordinatorUnits: [],
      memberId: null,
    };
    const memberViewer = {
      userId: org.users.member.id,
      roles: ['member'],
      coordinatorUnits: [],
      memberId: org.member.id,
    };
    const stranger = { userId: trainer2Id, roles: ['trainer'], coordinatorUnits: [], memberId: null };
    const ap = await t.app.panels.load('activity', req(officeViewer), a);
    expect(ap.map((p) => p.view)).toContain('completion/activity-panel');
    expect(await t.app.panels.load('activity', req(stranger), a)).toEqual([]);
    const mp = await t.app.panels.load('member', req(memberViewer), org.member);
    expect(mp.map((p) => p.view)).toContain('completion/member-panel');
    expect(await t.app.panels.load('member', req(stranger), org.member)).toEqual([]);
  });
});

describe('finishing an activity decides every result', () => {
  it('completed or not completed by the rule, with history and events', async () => {
    const { a, sessions, e } = course({}, 4, 4);
    mark(t.db, sessions, org.member.id, ['present', 'present', 'late', 'absent']);
    const weak = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ضعيف الحضور' });
    const e2 = enrol(t.db, a.id, weak.id);
    mark(t.db, sessions, weak.id, ['present', 'absent', 'absent', 'absent']);
    const withdrawn = enrol(t.db, a.id, makeMember(t.db, { unitId: org.units.karama.id }).id, 'withdrawn');
    statusEvents.length = 0;
    finish(a.id);
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
    expect(enrolmentOf(t.db, e2.id).status).toBe('not_completed');
    expect(enrolmentOf(t.db, withdrawn.id).status).toBe('withdrawn');
    expect(eventsOf(t.db, e.id).map((x) => x.toStatus)).toEqual(['completed']);
    expect(statusEvents.map((x) => [x.enrolmentId, x.to])).toEqual(
      expect.arrayContaining([
        [e.id, 'completed'],
        [e2.id, 'not_completed'],
      ]),
    );
    const text = textOf((await c.office.get(`/activities/${a.id}/completion`)).body);
    expect(text).toContain('أتمّ');
    expect(text).toContain('لم يُتمّ');
  });

  it('decides when the office finishes the activity on its page, and the page shows the results', async () => {
    const { a, sessions, e } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'present']);
    const page = await c.office.get(`/activities/${a.id}`);
    expect(textOf(page.body)).toContain('على المسار');
    const res = await c.office.post(`/activities/${a.id}/status`, { to: 'finished' });
    expect(res.status).toBe(303);
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
    const after = textOf((await c.office.get(`/activities/${a.id}`)).body);
    expect(after).toContain('التقدم وإتمام النشاط');
    expect(after).toContain('أتمّ');
  });

  it('decides again when attendance of a finished activity is corrected', async () => {
    const { a, sessions, e } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'absent']);
    finish(a.id);
    expect(enrolmentOf(t.db, e.id).status).toBe('not_completed');
    mark(t.db, sessions, org.member.id, [null, 'present']);
    t.app.events.emit('attendance.changed', {
      sessionId: sessions[1].id,
      activityId: a.id,
      changes: [{ memberId: org.member.id, from: 'absent', to: 'present' }],
      byUserId: org.users.trainer.id,
    });
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
    expect(eventsOf(t.db, e.id).map((x) => x.toStatus)).toEqual(['not_completed', 'completed']);
  });

  it('decides again when the office corrects attendance on the roster page', async () => {
    const { a, sessions, e } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'absent']);
    finish(a.id);
    expect(enrolmentOf(t.db, e.id).status).toBe('not_completed');
    await c.office.get(`/sessions/${sessions[1].id}/attendance`);
    const res = await c.office.post(`/sessions/${sessions[1].id}/attendance`, {
      [`s_${org.member.id}`]: 'present',
      reason: 'تصحيح بعد مراجعة الكشف الورقي',
    });
    expect(res.status).toBe(303);
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
  });

  it('leaves a running activity undecided, and the office may decide again by hand', async () => {
    const { a, sessions, e } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'present']);
    t.app.events.emit('attendance.changed', {
      sessionId: sessions[1].id,
      activityId: a.id,
      changes: [{ memberId: org.member.id, from: null, to: 'present' }],
      byUserId: null,
    });
    expect(enrolmentOf(t.db, e.id).status).toBe('approved');
    const refused = await c.office.post(`/activities/${a.id}/completion/decide`);
    expect(refused.status).toBe(400);
    expect(textOf(refused.body)).toContain('لم ينتهِ النشاط بعد');
    setActivityStatus(t.db, a.id, 'finished');
    expect((await c.trainer.post(`/activities/${a.id}/completion/decide`)).status).toBe(403);
    const ok = await c.office.post(`/activities/${a.id}/completion/decide`);
    expect(ok.status).toBe(303);
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
  });
});

describe('assessment scores', () => {
  it('the trainer enters them in one form; the pass mark decides', async () => {
    const { a, sessions, e } = course({ hasAssessment: true, passMark: 60 }, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'present']);
    finish(a.id);
    expect(enrolmentOf(t.db, e.id).status).toBe('not_completed'); // no score yet
    expect((await c.trainer2.get(`/activities/${a.id}/assessment`)).status).toBe(403);
    expect((await c.coordinator.get(`/activities/${a.id}/assessment`)).status).toBe(403);
    const form = await c.trainer.get(`/activities/${a.id}/assessment`);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('سلمى الخلف');
    const bad = await c.trainer.post(`/activities/${a.id}/assessment`, { [`score_${e.id}`]: '140' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('الدرجة رقم من 0 إلى 100');
    expect(bad.body).toContain('value="140"');
    expect(enrolmentOf(t.db, e.id).assessmentScore).toBeNull();
    await c.trainer.post(`/activities/${a.id}/assessment`, { [`score_${e.id}`]: '59' });
    expect(enrolmentOf(t.db, e.id)).toMatchObject({ assessmentScore: 59, status: 'not_completed' });
    const ok = await c.trainer.post(`/activities/${a.id}/assessment`, { [`score_${e.id}`]: '60' });
    expect(ok.status).toBe(303);
    expect(enrolmentOf(t.db, e.id)).toMatchObject({ assessmentScore: 60, status: 'completed' });
  });

  it('refuses scores for an activity without assessment', async () => {
    const { a, e } = course({}, 1, 1);
    const res = await c.office.post(`/activities/${a.id}/assessment`, { [`score_${e.id}`]: '70' });
    expect(res.status).toBe(400);
    expect(enrolmentOf(t.db, e.id).assessmentScore).toBeNull();
  });
});

describe('office override', () => {
  it('sets one result with a recorded reason, kept over later decisions', async () => {
    const { a, sessions, e } = course({}, 2, 2);
    mark(t.db, sessions, org.member.id, ['present', 'absent']);
    finish(a.id);
    expect(enrolmentOf(t.db, e.id).status).toBe('not_completed');
    expect((await c.member.get(`/enrolments/${e.id}/result`)).status).toBe(403);
    expect((await c.coordinator.post(`/enrolments/${e.id}/result`, { result: 'completed', reason: 'x' })).status).toBe(
      403,
    );
    const noReason = await c.office.post(`/enrolments/${e.id}/result`, { result: 'completed', reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(enrolmentOf(t.db, e.id).status).toBe('not_completed');
    const ok = await c.office.post(`/enrolments/${e.id}/result`, {
      result: 'completed',
      reason: 'حضر الجلسة الثانية في مجموعة أخرى',
    });
    expect(ok.status).toBe(303);
    expect(enrolmentOf(t.db, e.id)).toMatchObject({ status: 'completed', completionOverridden: true });
    expect(eventsOf(t.db, e.id).at(-1)).toMatchObject({
      toStatus: 'completed',
      reason: 'حضر الجلسة الثانية في مجموعة أخرى',
    });
    // a later recomputation leaves the office's decision alone
    t.app.events.emit('attendance.changed', {
      sessionId: sessions[0].id,
      activityId: a.id,
      changes: [{ memberId: org.member.id, from: 'present', to: 'present' }],
      byUserId: null,
    });
    expect(enrolmentOf(t.db, e.id).status).toBe('completed');
    // back to the rule
    await c.office.post(`/enrolments/${e.id}/result`, { result: 'rule', reason: 'خطأ' });
    expect(enrolmentOf(t.db, e.id)).toMatchObject({ status: 'not_completed', completionOverridden: false });
  });

  it('refuses while the activity is still running', async () => {
    const { e } = course({}, 2, 1);
    const res = await c.office.post(`/enrolments/${e.id}/result`, { result: 'completed', reason: 'سبب' });
    expect(res.status).toBe(400);
    expect(enrolmentOf(t.db, e.id).status).toBe('approved');
  });
});

describe('eligibility for the next phase', () => {
  it('follows completion of the previous phase, and lists who completed it', async () => {
    const { programme, phases } = makeProgramme(t.db, { phases: 2 });
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'مرشحة المرحلة الثانية' });
    const other = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو المنصورة' });
    expect(isEligibleForPhase(t.db, m.id, phases[0].id)).toBe(true);
    expect(isEligibleForPhase(t.db, m.id, phases[1].id)).toBe(false);
    const a = makeActivity(t.db, {
      organisingUnitId: org.units.centre.id,
      programmeId: programme.id,
      phaseId: phases[0].id,
    });
    const s = makeSessions(t.db, a.id, 2, { past: 2 });
    enrol(t.db, a.id, m.id);
    enrol(t.db, a.id, other.id);
    mark(t.db, s, m.id, ['present', 'present']);
    mark(t.db, s, other.id, ['present', 'present']);
    finish(a.id);
    expect(isEligibleForPhase(t.db, m.id, phases[1].id)).toBe(true);
    expect(isEligibleForPhase(t.db, 999999, phases[1].id)).toBe(false);

    expect((await c.coordinator.get(`/programmes/${programme.id}/eligibility`)).status).toBe(403);
    const all = textOf((await c.office.get(`/programmes/${programme.id}/eligibility`)).body);
    expect(all).toContain('مرشحة المرحلة الثانية');
    expect(all).toContain('عضو المنصورة');
    expect(all).toContain('المرحلة 2');
    const raqqa = textOf(
      (await c.office.get(`/programmes/${programme.id}/eligibility?unit=${org.units.raqqa.id}&phase=${phases[0].id}`))
        .body,
    );
    expect(raqqa).toContain('مرشحة المرحلة الثانية');
    expect(raqqa).not.toContain('عضو المنصورة');
    const old = textOf((await c.office.get(`/programmes/${programme.id}/eligibility?to=2020-01-01`)).body);
    expect(old).not.toContain('مرشحة المرحلة الثانية');
    const csv = await c.office.get(`/programmes/${programme.id}/eligibility.csv?unit=${org.units.raqqa.id}`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('مرشحة المرحلة الثانية');
    expect(csv.body).not.toContain('عضو المنصورة');
    expect((await c.office.get('/programmes/999999/eligibility')).status).toBe(404);
  });
});
