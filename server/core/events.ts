import type { ActivityStatus, AttendanceStatus, EnrolmentStatus } from '../../db/schema.ts';

/**
 * Domain events, so one feature can react to another's changes without calling into it.
 * Handlers run synchronously, inside the emitter's transaction when there is one
 * (better-sqlite3 is synchronous): keep them short, never await.
 */
export interface DomainEvents {
  /** an activity moved from one status to another (e.g. running → finished) */
  'activity.statusChanged': { activityId: number; from: ActivityStatus; to: ActivityStatus; byUserId: number | null };
  /** an activity's capacity was changed (null = unlimited); a raise frees seats */
  'activity.capacityChanged': { activityId: number; from: number | null; to: number | null; byUserId: number | null };
  /** sessions of an activity were added, moved, cancelled or removed */
  'sessions.changed': { activityId: number; byUserId: number | null };
  /** attendance marks of a session changed (roster save, check-in, card scan, correction) */
  'attendance.changed': {
    sessionId: number;
    activityId: number;
    changes: { memberId: number; from: AttendanceStatus | null; to: AttendanceStatus | null }[];
    byUserId: number | null;
  };
  /** an enrolment changed status */
  'enrolment.statusChanged': {
    enrolmentId: number;
    activityId: number;
    memberId: number;
    from: EnrolmentStatus | null;
    to: EnrolmentStatus;
    byUserId: number | null;
    reason: string | null;
  };
}

type Handler<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => void;

export class EventBus {
  private handlers: { [K in keyof DomainEvents]?: Handler<K>[] } = {};

  on<K extends keyof DomainEvents>(event: K, handler: Handler<K>): void {
    const list = (this.handlers[event] ?? []) as Handler<K>[];
    list.push(handler);
    this.handlers[event] = list as (typeof this.handlers)[K];
  }

  emit<K extends keyof DomainEvents>(event: K, payload: DomainEvents[K]): void {
    for (const h of (this.handlers[event] ?? []) as Handler<K>[]) h(payload);
  }
}
