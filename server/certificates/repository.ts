import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { activities, certificates, enrolments, members, sessions, units } from '../../db/schema.ts';
import { type Db, equalsConstant } from '../core/db.ts';

/** Queries behind certificates and their public verification. */
export class CertificateRepository {
  constructor(private db: Db) {}

  enrolment(id: number) {
    return this.db
      .select({
        id: enrolments.id,
        activityId: enrolments.activityId,
        memberId: enrolments.memberId,
        status: enrolments.status,
      })
      .from(enrolments)
      .where(eq(enrolments.id, id))
      .get();
  }

  activity(id: number) {
    return this.db.select().from(activities).where(eq(activities.id, id)).get();
  }

  certificateOfEnrolment(enrolmentId: number) {
    return this.db.select().from(certificates).where(eq(certificates.enrolmentId, enrolmentId)).get();
  }

  /** Completed enrolments of an activity and any certificates of its enrolments (one query). */
  listOfActivity(activityId: number) {
    return this.db
      .select({
        enrolmentId: enrolments.id,
        status: enrolments.status,
        memberId: members.id,
        fullName: members.fullName,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
        certificateId: certificates.id,
        code: certificates.code,
        issuedAt: certificates.issuedAt,
        revokedAt: certificates.revokedAt,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .leftJoin(certificates, eq(certificates.enrolmentId, enrolments.id))
      .where(
        and(
          eq(enrolments.activityId, activityId),
          sql`(${enrolments.status} = 'completed' or ${certificates.id} is not null)`,
        ),
      )
      .orderBy(asc(members.fullName))
      .all();
  }

  /** Completed enrolments of an activity that have no certificate yet. */
  completedWithout(activityId: number) {
    return this.db
      .select({ id: enrolments.id, memberId: enrolments.memberId })
      .from(enrolments)
      .leftJoin(certificates, eq(certificates.enrolmentId, enrolments.id))
      .where(
        and(
          eq(enrolments.activityId, activityId),
          equalsConstant(enrolments.status, 'completed'),
          sql`${certificates.id} is null`,
        ),
      )
      .all();
  }

  /** Hours of the sessions held (not cancelled, already started) of an activity. */
  hoursOf(activityId: number, now: Date): number {
    const ms = this.db
      .select({ ms: sql<number>`coalesce(sum(${sessions.endsAt} - ${sessions.startsAt}), 0)` })
      .from(sessions)
      .where(
        and(
          eq(sessions.activityId, activityId),
          eq(sessions.status, 'scheduled'),
          sql`${sessions.startsAt} <= ${now.getTime()}`,
        ),
      )
      .get()!.ms;
    return Math.round((ms / 3_600_000) * 10) / 10;
  }

  /** First start and last end of an activity's sessions that were not cancelled. */
  datesOf(activityId: number) {
    const r = this.db
      .select({ from: sql<number | null>`min(${sessions.startsAt})`, to: sql<number | null>`max(${sessions.endsAt})` })
      .from(sessions)
      .where(and(eq(sessions.activityId, activityId), eq(sessions.status, 'scheduled')))
      .get();
    return { from: r?.from ? new Date(r.from) : null, to: r?.to ? new Date(r.to) : null };
  }

  insert(values: typeof certificates.$inferInsert) {
    return this.db.insert(certificates).values(values).returning({ id: certificates.id }).get().id;
  }

  revoke(id: number, byUserId: number, reason: string, at: Date) {
    this.db
      .update(certificates)
      .set({ revokedAt: at, revokedBy: byUserId, revokeReason: reason })
      .where(eq(certificates.id, id))
      .run();
  }

  /** A certificate with everything printed on it. */
  full(id: number) {
    return this.db
      .select({
        id: certificates.id,
        code: certificates.code,
        hours: certificates.hours,
        issuedAt: certificates.issuedAt,
        revokedAt: certificates.revokedAt,
        revokeReason: certificates.revokeReason,
        enrolmentId: enrolments.id,
        enrolmentStatus: enrolments.status,
        memberId: members.id,
        fullName: members.fullName,
        nameLatin: members.nameLatin,
        gender: members.gender,
        memberUnitPath: sql<string>`(select path from units mu where mu.id = ${members.unitId})`,
        activityId: activities.id,
        kind: activities.kind,
        title: activities.title,
        honoree: activities.honoree,
        seriesNumber: activities.seriesNumber,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
      })
      .from(certificates)
      .innerJoin(enrolments, eq(enrolments.id, certificates.enrolmentId))
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .innerJoin(units, eq(units.id, activities.organisingUnitId))
      .where(eq(certificates.id, id))
      .get();
  }

  /** What the public verification page may show: name, activity title, date, status. */
  byCode(code: string) {
    return this.db
      .select({
        fullName: members.fullName,
        title: activities.title,
        issuedAt: certificates.issuedAt,
        revokedAt: certificates.revokedAt,
      })
      .from(certificates)
      .innerJoin(enrolments, eq(enrolments.id, certificates.enrolmentId))
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .where(eq(certificates.code, code))
      .get();
  }

  /** A member's certificates, newest first. */
  ofMember(memberId: number) {
    return this.db
      .select({
        id: certificates.id,
        code: certificates.code,
        hours: certificates.hours,
        issuedAt: certificates.issuedAt,
        revokedAt: certificates.revokedAt,
        activityId: activities.id,
        title: activities.title,
      })
      .from(certificates)
      .innerJoin(enrolments, eq(enrolments.id, certificates.enrolmentId))
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .where(eq(enrolments.memberId, memberId))
      .orderBy(sql`${certificates.issuedAt} desc`)
      .all();
  }

  enrolmentsByIds(ids: number[]) {
    if (ids.length === 0) return [];
    return this.db.select().from(enrolments).where(inArray(enrolments.id, ids)).all();
  }
}
