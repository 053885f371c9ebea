import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { activities, attendance, enrolmentEvents, enrolments, phases, sessions } from '../../db/schema.ts';
import { type Db, equalsConstant } from '../core/db.ts';

/** Queries behind a member's qualification record (each one query, by the member's indexes). */
export class RecordRepository {
  constructor(private db: Db) {}

  /** Completed enrolments with their activity, phase and the date of the decision. */
  completed(memberId: number) {
    return this.db
      .select({
        enrolmentId: enrolments.id,
        activityId: activities.id,
        kind: activities.kind,
        title: activities.title,
        honoree: activities.honoree,
        phaseTitle: phases.title,
        // unary + keeps SQLite on the (enrolment_id) index: the (to_status, at) one would walk every completion
        completedAt: sql<
          number | null
        >`(select max(${enrolmentEvents.at}) from ${enrolmentEvents} where ${enrolmentEvents.enrolmentId} = ${enrolments.id} and +${enrolmentEvents.toStatus} = 'completed')`,
      })
      .from(enrolments)
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .leftJoin(phases, eq(phases.id, activities.phaseId))
      .where(and(eq(enrolments.memberId, memberId), equalsConstant(enrolments.status, 'completed')))
      .orderBy(asc(activities.id))
      .all()
      .map((r) => ({ ...r, completedAt: r.completedAt === null ? null : new Date(r.completedAt) }));
  }

  /** Hours of the held sessions of some activities. */
  activityHours(activityIds: number[], now: Date): Map<number, number> {
    const out = new Map<number, number>();
    if (activityIds.length === 0) return out;
    const rows = this.db
      .select({
        activityId: sessions.activityId,
        ms: sql<number>`sum(${sessions.endsAt} - ${sessions.startsAt})`,
      })
      .from(sessions)
      .where(
        and(
          inArray(sessions.activityId, activityIds),
          eq(sessions.status, 'scheduled'),
          sql`${sessions.startsAt} <= ${now.getTime()}`,
        ),
      )
      .groupBy(sessions.activityId)
      .all();
    for (const r of rows) out.set(r.activityId, r.ms / 3_600_000);
    return out;
  }

  /** Per activity: sessions attended (present or late), their hours and the last one. */
  attended(memberId: number) {
    return this.db
      .select({
        activityId: activities.id,
        kind: activities.kind,
        title: activities.title,
        sessionsAttended: sql<number>`count(*)`,
        ms: sql<number>`sum(${sessions.endsAt} - ${sessions.startsAt})`,
        lastAt: sql<number>`max(${sessions.startsAt})`,
      })
      .from(attendance)
      .innerJoin(sessions, eq(sessions.id, attendance.sessionId))
      .innerJoin(activities, eq(activities.id, sessions.activityId))
      .where(
        and(
          eq(attendance.memberId, memberId),
          inArray(attendance.status, ['present', 'late']),
          eq(sessions.status, 'scheduled'),
        ),
      )
      .groupBy(activities.id)
      .orderBy(sql`max(${sessions.startsAt}) desc`)
      .all()
      .map((r) => ({ ...r, hours: r.ms / 3_600_000, lastAt: new Date(r.lastAt) }));
  }
}
