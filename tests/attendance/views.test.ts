import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/core/policy.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { daysAgo, enrol, makeActivity, makeEnrolledMembers, makeSession } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
let trainer: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  office = new Client(t.app);
  await office.login('office');
  trainer = new Client(t.app);
  await trainer.login('trainer');
});
afterAll(() => t.close());

async function course() {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الجدول', editWindowDays: 30 });
  const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: daysAgo(2) });
  const s2 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: daysAgo(1) });
  const future = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: 5 * 24 * 60 });
  const [p1, p2] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 2);
  const p3 = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو الطبقة' });
  enrol(t.db, a.id, p3.id);
  enrol(t.db, a.id, org.member.id);
  await trainer.get('/today');
  await trainer.post(`/sessions/${s1.id}/attendance`, {
    [`s_${p1.id}`]: 'present',
    [`s_${p2.id}`]: 'late',
    [`s_${p3.id}`]: 'absent',
    [`s_${org.member.id}`]: 'present',
  });
  await trainer.post(`/sessions/${s2.id}/attendance`, {
    [`s_${p1.id}`]: 'present',
    [`s_${p2.id}`]: 'absent',
    [`s_${p3.id}`]: 'excused',
    [`s_${org.member.id}`]: 'present',
  });
  return { a, s1, s2, future, p1, p2, p3 };
}

describe('attendance views', () => {
  it('shows the matrix with totals and rates per member and per session, and exports it', async () => {
    const { a, s1, p1, p2 } = await course();
    const page = await office.get(`/activities/${a.id}/attendance`);
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('جدول الحضور: دورة الجدول');
    expect(text).toContain('4 عضواً × 3 جلسة');
    // p2: late + absent => 50 %; session 1: 3 of 4 attended => 75 %
    const row = (name: string) => textOf(page.body.split(name)[1].split('</tr>')[0]);
    expect(row(`متدرب 001`)).toMatch(/ت غ 0 1 0 1 50%$/);
    expect(row(`متدرب 000`)).toMatch(/ح ح 2 0 0 0 100%$/);
    expect(text).toContain('نسبة حضور الجلسة 75% 50% —');
    expect(page.body).toContain(`href="/sessions/${s1.id}/attendance"`);

    const csv = await office.get(`/activities/${a.id}/attendance.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines.length).toBe(1 + 4 + 1);
    expect(lines.find((l) => l.startsWith('متدرب 001'))).toMatch(/,ت,غ,,0,1,0,1,50$/);
    expect(p1.id).toBeGreaterThan(0);
    expect(p2.id).toBeGreaterThan(0);
  });

  it('shows a coordinator only the members of its subtree, and refuses members', async () => {
    const { a } = await course();
    const coord = new Client(t.app);
    await coord.login('coordinator');
    const page = await coord.get(`/activities/${a.id}/attendance`);
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('تظهر فقط أسماء أعضاء وحداتك.');
    expect(text).not.toContain('عضو الطبقة');
    expect(text).toContain('متدرب 000');
    const member = new Client(t.app);
    await member.login('member');
    expect((await member.get(`/activities/${a.id}/attendance`)).status).toBe(403);
    expect((await member.get(`/activities/${a.id}/attendance.csv`)).status).toBe(403);
    expect((await office.get('/activities/999999/attendance')).status).toBe(404);
  });

  it("gives panels: a member's history, a session's rate, an activity's summary, the dashboard", async () => {
    const { a, s1 } = await course();
    const viewerOf = (who: 'office' | 'member' | 'coordinator' | 'trainer'): Viewer => {
      const u = org.users[who];
      const roles = { office: ['office'], member: ['member'], coordinator: ['coordinator'], trainer: ['trainer'] }[who];
      return {
        userId: u.id,
        username: u.username,
        displayName: u.displayName,
        memberId: u.memberId,
        locale: 'ar',
        roles: roles as Viewer['roles'],
        coordinatorUnits: who === 'coordinator' ? [{ id: org.units.raqqa.id, path: org.units.raqqa.path }] : [],
        sessionId: 'x',
      };
    };
    const req = (who: 'office' | 'member' | 'coordinator' | 'trainer') =>
      ({ viewer: viewerOf(who), server: t.app, locale: 'ar' }) as never;

    const memberPanel = await t.app.panels.load('member', req('member'), { id: org.member.id });
    const history = memberPanel.find((p) => p.view === 'attendance/member-panel')!.data as {
      activities: { activityId: number; present: number }[];
      recent: unknown[];
    };
    expect(history.activities.find((x) => x.activityId === a.id)!.present).toBe(2);
    expect(history.recent.length).toBeGreaterThanOrEqual(2);
    // a trainer without scope does not see a member's history; the coordinator of the unit does
    expect(
      (await t.app.panels.load('member', req('trainer'), org.member.id)).some(
        (p) => p.view === 'attendance/member-panel',
      ),
    ).toBe(false);
    expect(
      (await t.app.panels.load('member', req('coordinator'), org.member.id)).some(
        (p) => p.view === 'attendance/member-panel',
      ),
    ).toBe(true);

    const sessionPanel = (await t.app.panels.load('session', req('office'), { id: s1.id })).find(
      (p) => p.view === 'attendance/session-panel',
    )!.data as { summary: { rate: number; rosterSize: number } };
    expect(sessionPanel.summary).toMatchObject({ rate: 75, rosterSize: 4 });
    const own = (await t.app.panels.load('session', req('member'), { id: s1.id })).find(
      (p) => p.view === 'attendance/session-panel',
    )!.data as { own: { status: string }; summary: unknown };
    expect(own.own.status).toBe('present');
    expect(own.summary).toBeNull();

    const activityPanel = (await t.app.panels.load('activity', req('office'), { id: a.id })).find(
      (p) => p.view === 'attendance/activity-panel',
    )!.data as { held: number; planned: number; rate: number };
    expect(activityPanel).toMatchObject({ held: 2, planned: 3, rate: 63 });

    // the dashboard: a member's own last marks; nothing for a trainer with none (today's
    // sessions are on the trainer's card)
    const dash = await t.app.panels.load('dashboard', req('member'), null);
    const mine = dash.find((p) => p.view === 'attendance/dashboard-panel')?.data as { recent: unknown[] } | undefined;
    expect(mine?.recent.length).toBeGreaterThanOrEqual(2);
    const trainers = await t.app.panels.load('dashboard', req('trainer'), null);
    expect(trainers.some((p) => p.view === 'attendance/dashboard-panel')).toBe(false);
  });

  it('renders the panels inside a page', async () => {
    const { s1 } = await course();
    // the templates render with the page locals (a page of another feature includes them)
    const res = await office.get(`/sessions/${s1.id}/attendance`);
    expect(res.status).toBe(200);
    const html = await t.app.view('attendance/session-panel.eta', {
      t: (k: string, p?: Record<string, unknown>) => `${k}${p ? JSON.stringify(p) : ''}`,
      panel: {
        session: { id: s1.id },
        summary: { counts: { present: 2, late: 1, excused: 1, absent: 0 }, rosterSize: 4, rate: 75 },
        mayMark: true,
        showRosterLink: true,
        own: null,
        checkinOpen: false,
      },
    });
    expect(html).toContain(`href="/sessions/${s1.id}/attendance"`);
    expect(html).toContain('attendance.rate');
  });
});
