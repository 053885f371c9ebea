import type { FastifyInstance } from 'fastify';
import type { AttendanceStatus } from '../../db/schema.ts';
import type { DomainEvents } from '../core/events.ts';
import { isoDateInZone } from '../core/time.ts';
import { type NotificationService, notificationsOf } from '../notifications/service.ts';
import { FollowupRepository } from './repository.ts';
import type { AlertDetails } from './service.ts';

interface HeldSession {
  id: number;
  startsAt: Date;
  topic: string | null;
}

/**
 * The runs of consecutive absences in a member's held sessions (oldest first). Only
 * marked absences count; an excused or not yet marked session neither counts nor breaks
 * a run; present or late ends it.
 */
export function absenceRuns(held: HeldSession[], marks: Map<number, AttendanceStatus>): HeldSession[][] {
  const runs: HeldSession[][] = [];
  let run: HeldSession[] = [];
  for (const s of held) {
    const st = marks.get(s.id);
    if (st === 'absent') run.push(s);
    else if (st === 'present' || st === 'late') {
      if (run.length) runs.push(run);
      run = [];
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

/** ids of a materialised path, top first: "/1/4/17/" → [1, 4, 17] */
export const pathIds = (p: string) => p.split('/').filter(Boolean).map(Number);

/**
 * Absence escalation: when a save makes a member's run of consecutive absences in an
 * activity reach its `absence_alert_after`, the member and the coordinators of the
 * nearest unit (the member's own, else the closest ancestor) that has a coordinator are
 * notified, naming the sessions missed. Once per run: the first session of an alerted
 * run is kept in the audit log ('followup.absenceAlert' on the enrolment), so saving
 * again, or a further absence in the same run, sends nothing new; a new run after an
 * attended session alerts again.
 */
export class AbsenceAlerts {
  private repo: FollowupRepository;
  private notifications: NotificationService;

  constructor(private app: FastifyInstance) {
    this.repo = new FollowupRepository(app.db);
    this.notifications = notificationsOf(app);
  }

  /** the coordinators of the nearest unit on the member's path that has any */
  nearestCoordinators(unitPath: string): number[] {
    const ids = pathIds(unitPath);
    const rows = this.repo.coordinatorsOf(ids);
    for (const id of [...ids].reverse()) {
      const found = rows.filter((r) => r.unitId === id).map((r) => r.userId);
      if (found.length) return found;
    }
    return [];
  }

  /** runs inside the attendance save's transaction (domain event): a few indexed queries per save */
  onAttendanceChanged(e: DomainEvents['attendance.changed'], now = new Date()): number {
    const absent = [...new Set(e.changes.filter((c) => c.to === 'absent').map((c) => c.memberId))];
    if (absent.length === 0) return 0;
    const activity = this.repo.alertRule(e.activityId);
    const n = activity?.absenceAlertAfter;
    if (!activity || !n) return 0;
    const roster = this.repo.rosterOf(activity.id, absent);
    if (roster.length === 0) return 0;
    const held = this.repo.heldSessions(activity.id, now, e.sessionId);
    const marks = new Map<number, Map<number, AttendanceStatus>>();
    for (const m of this.repo.marksOf(
      activity.id,
      roster.map((r) => r.memberId),
    )) {
      const own = marks.get(m.memberId) ?? new Map<number, AttendanceStatus>();
      own.set(m.sessionId, m.status);
      marks.set(m.memberId, own);
    }
    const alerted = this.repo.alertedRuns(roster.map((r) => r.enrolmentId));
    const userOf = this.repo.usersOfMembers(roster.map((r) => r.memberId));
    const tz = this.app.config.TAAHIL_TZ;
    const coordinatorsOf = new Map<string, number[]>();
    let sent = 0;
    for (const r of roster) {
      const run = absenceRuns(held, marks.get(r.memberId) ?? new Map()).find((x) =>
        x.some((s) => s.id === e.sessionId),
      );
      if (!run || run.length < n) continue;
      if (alerted.get(r.enrolmentId)?.has(run[0].id)) continue;
      const sessions = run.map((s) => ({ id: s.id, date: isoDateInZone(s.startsAt, tz), topic: s.topic }));
      const dates = sessions.map((s) => (s.topic ? `${s.date} (${s.topic})` : s.date)).join(', ');
      const coordinators = coordinatorsOf.get(r.unitPath) ?? this.nearestCoordinators(r.unitPath);
      coordinatorsOf.set(r.unitPath, coordinators);
      const details: AlertDetails & { notified: number[] } = {
        activityId: activity.id,
        activityTitle: activity.title,
        memberId: r.memberId,
        runStart: run[0].id,
        count: run.length,
        sessions,
        notified: [userOf.get(r.memberId), ...coordinators].filter((x): x is number => typeof x === 'number'),
      };
      this.app.audit.record({
        userId: e.byUserId,
        action: 'followup.absenceAlert',
        entity: 'enrolment',
        entityId: r.enrolmentId,
        details,
      });
      const params = { member: r.fullName, activity: activity.title, count: run.length, dates };
      this.notifications.notify({
        userIds: [userOf.get(r.memberId)],
        kind: 'followup.absencesMember',
        params,
        link: `/activities/${activity.id}`,
      });
      this.notifications.notify({
        userIds: coordinators,
        kind: 'followup.absencesCoordinator',
        params,
        link: `/members/${r.memberId}`,
      });
      sent++;
    }
    return sent;
  }
}
