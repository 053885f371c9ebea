import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isoDateInZone } from '../../server/core/time.ts';
import { absenceRuns } from '../../server/followup/escalation.ts';
import { auditOf, daysAgo } from '../attendance/factories.ts';
import { makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { enrol, makeActivity, makeSession, notificationsOf } from './factories.ts';

describe('absence escalation', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;
  let sessions: { id: number; startsAt: Date; topic: string | null }[];
  let activityId: number;
  let trainer: Client;
  let centreCoordinator: { id: number };

  beforeEach(async () => {
    t = await createTestApp();
    o = await makeOrg(t.db);
    centreCoordinator = await makeUser(t.db, { roles: [{ role: 'coordinator', unitId: o.units.centre.id }] });
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'حلقة الثلاثاء', absenceAlertAfter: 3 });
    activityId = a.id;
    sessions = [4, 3, 2, 1].map((d, i) =>
      makeSession(t.db, a.id, { startMin: daysAgo(d), trainerUserId: o.users.trainer.id, topic: `الجلسة ${i + 1}` }),
    );
    enrol(t.db, a.id, o.member.id);
    trainer = new Client(t.app);
    await trainer.login('trainer');
  });
  afterEach(() => t.close());

  const save = async (i: number, status: string, note?: string) => {
    await trainer.get(`/sessions/${sessions[i].id}/attendance`);
    const res = await trainer.post(`/sessions/${sessions[i].id}/attendance`, {
      activityId,
      [`s_${o.member.id}`]: status,
      ...(note ? { [`n_${o.member.id}`]: note } : {}),
    });
    expect(res.status).toBe(303);
  };
  const alertsTo = (userId: number) =>
    notificationsOf(t.db, userId).filter((n) => n.kind.startsWith('followup.absences'));

  it('fires once at the Nth consecutive absence, naming the dates, to the member and the nearest coordinator', async () => {
    await save(0, 'absent');
    await save(1, 'absent');
    expect(alertsTo(o.users.member.id)).toHaveLength(0);
    await save(2, 'absent');

    const toMember = alertsTo(o.users.member.id);
    expect(toMember.map((n) => n.kind)).toEqual(['followup.absencesMember']);
    const toCoordinator = alertsTo(o.users.coordinator.id);
    expect(toCoordinator.map((n) => n.kind)).toEqual(['followup.absencesCoordinator']);
    const params = JSON.parse(toCoordinator[0].params!);
    expect(params).toMatchObject({ member: 'سلمى الخلف', activity: 'حلقة الثلاثاء', count: 3 });
    for (const s of sessions.slice(0, 3)) expect(params.dates).toContain(isoDateInZone(s.startsAt, t.config.TAAHIL_TZ));
    expect(params.dates).toContain('الجلسة 1');
    expect(params.dates).not.toContain(isoDateInZone(sessions[3].startsAt, t.config.TAAHIL_TZ));
    // the executive body nearest to the member (Raqqa, above Karama), not every level up
    expect(alertsTo(centreCoordinator.id)).toHaveLength(0);
    expect(auditOf(t.db, 'followup.absenceAlert')).toHaveLength(1);

    // not again: the same save with a note, a further absence in the same run
    await save(2, 'absent', 'لم يعتذر');
    await save(3, 'absent');
    expect(alertsTo(o.users.member.id)).toHaveLength(1);
    expect(alertsTo(o.users.coordinator.id)).toHaveLength(1);

    // the member's page shows the alert to the coordinator
    const coordinator = new Client(t.app);
    await coordinator.login('coordinator');
    const page = await coordinator.get(`/members/${o.member.id}`);
    expect(page.body).toContain('تنبيهات الغياب');
  });

  it('present ends a run: no alert', async () => {
    await save(0, 'absent');
    await save(1, 'present');
    await save(2, 'absent');
    await save(3, 'absent');
    expect(alertsTo(o.users.member.id)).toHaveLength(0);
  });

  it('counts runs: excused and unmarked neither count nor break, present and late end a run', () => {
    const s = (id: number) => ({ id, startsAt: new Date(id * 1000), topic: null });
    const held = [1, 2, 3, 4, 5, 6].map(s);
    const runs = absenceRuns(
      held,
      new Map([
        [1, 'absent'],
        [2, 'excused'],
        [3, 'absent'],
        [5, 'absent'],
        [6, 'late'],
      ] as const),
    );
    expect(runs.map((r) => r.map((x) => x.id))).toEqual([[1, 3, 5]]);
  });
});
