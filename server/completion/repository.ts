import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import {
  type AttendanceStatus,
  activities,
  certificates,
  ENROLLED_STATUSES,
  type EnrolmentStatus,
  enrolmentEvents,
  enrolments,
  members,
  phases,
  programmes,
  units,
} from '../../db/schema.ts';
import { marksOfActivity, marksOfMember, sessionsOfActivities, trainsActivity } from '../attendance/repository.ts';
import { cachedById } from '../core/cache.ts';
import { type Db, equalsConstant, inSubtree, prepared } from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

/** Enrolment statuses that take part in completion: still running, or decided. */
export const TRACKED = ENROLLED_STATUSES;

export type ActivityRow = typeof activities.$inferSelect & {
  unitPath: string;
  unitNameAr: string;
  unitNameEn: string | null;
};

export interface SessionRow {
  id: number;
  activityId: number;
  startsAt: Date;
  endsAt: Date;
  status: 'scheduled' | 'cancelled';
}

export interface EnrolmentWithMember {
  id: number;
  memberId: number;
  status: EnrolmentStatus;
  assessmentScore: number | null;
  completionOverridden: boolean;
  fullName: string;
  unitPath: string;
  unitNameAr: string;
  unitNameEn: string | null;
}

/** an activity's enrolments that take part in completion, with the member and their unit */
function enrolmentsQuery(db: Db, where: SQL) {
  return db
    .select({
      id: enrolments.id,
      memberId: enrolments.memberId,
      status: enrolments.status,
      assessmentScore: enrolments.assessmentScore,
      completionOverridden: enrolments.completionOverridden,
      fullName: members.fullName,
      unitPath: units.path,
      unitNameAr: units.nameAr,
      unitNameEn: units.nameEn,
    })
    .from(enrolments)
    .innerJoin(members, eq(members.id, enrolments.memberId))
    .innerJoin(units, eq(units.id, members.unitId))
    .where(where)
    .orderBy(asc(members.fullName));
}
const enrolmentOfMemberQuery = (db: Db) =>
  enrolmentsQuery(
    db,
    and(
      eq(enrolments.activityId, sql.placeholder('activityId')),
      inArray(enrolments.status, TRACKED),
      eq(enrolments.memberId, sql.placeholder('memberId')),
    )!,
  ).prepare();

/**
 * Every tracked enrolment of an activity (the progress page, the decision, the assessment
 * form): enrolmentsQuery, prepared once and read as arrays (`values`), because Drizzle's mapping
 * of 1,500 rows cost as much as the query.
 */
const allEnrolmentsQuery = (db: Db) =>
  enrolmentsQuery(
    db,
    and(eq(enrolments.activityId, sql.placeholder('activityId')), inArray(enrolments.status, TRACKED))!,
  ).prepare();

const activityQuery = (db: Db) =>
  db
    .select({ a: activities, unitPath: units.path, unitNameAr: units.nameAr, unitNameEn: units.nameEn })
    .from(activities)
    .innerJoin(units, eq(units.id, activities.organisingUnitId))
    .where(eq(activities.id, sql.placeholder('id')))
    .prepare();
// a member's own record and dashboard: built once per connection (see core/db.ts prepared)
const enrolmentsOfMemberQuery = (db: Db) =>
  db
    .select({
      id: enrolments.id,
      status: enrolments.status,
      assessmentScore: enrolments.assessmentScore,
      completionOverridden: enrolments.completionOverridden,
      activity: activities,
    })
    .from(enrolments)
    .innerJoin(activities, eq(activities.id, enrolments.activityId))
    .where(and(eq(enrolments.memberId, sql.placeholder('memberId')), inArray(enrolments.status, TRACKED)))
    .orderBy(asc(activities.id))
    .prepare();
const memberQuery = (db: Db) =>
  db
    .select({
      id: members.id,
      fullName: members.fullName,
      nameLatin: members.nameLatin,
      unitId: members.unitId,
      unitPath: units.path,
      unitNameAr: units.nameAr,
      unitNameEn: units.nameEn,
    })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.id, sql.placeholder('id')))
    .prepare();

// the eligibility page's programme, its phases and a phase's activities: built once per connection
const programmeQuery = (db: Db) =>
  db
    .select()
    .from(programmes)
    .where(eq(programmes.id, sql.placeholder('id')))
    .prepare();
const phasesOfQuery = (db: Db) =>
  db
    .select()
    .from(phases)
    .where(eq(phases.programmeId, sql.placeholder('programmeId')))
    .orderBy(asc(phases.position))
    .prepare();
const activitiesOfPhaseQuery = (db: Db) =>
  db
    .select({ id: activities.id, title: activities.title })
    .from(activities)
    .where(eq(activities.phaseId, sql.placeholder('phaseId')))
    .orderBy(asc(activities.id))
    .prepare();

/** Queries behind progress, results, assessment and eligibility. */
export class CompletionRepository {
  constructor(private db: Db) {}

  activity(id: number): ActivityRow | undefined {
    return cachedById(this.db, 'completion.activity', id, () => this.loadActivity(id));
  }

  private loadActivity(id: number): ActivityRow | undefined {
    // prepared: a check-in decides its activity right after a write, when the cache is empty
    const row = prepared(this.db, activityQuery).get({ id });
    return row
      ? { ...row.a, unitPath: row.unitPath, unitNameAr: row.unitNameAr, unitNameEn: row.unitNameEn }
      : undefined;
  }

  activitiesByIds(ids: number[]) {
    if (ids.length === 0) return [];
    return this.db.select().from(activities).where(inArray(activities.id, ids)).all();
  }

  /** Every session of some activities (one query). */
  sessionsOf(activityIds: number[]): SessionRow[] {
    return sessionsOfActivities(this.db, activityIds);
  }

  /** Every attendance mark of an activity (one query), optionally of some members only. */
  attendanceOf(activityId: number, memberIds?: number[]) {
    return marksOfActivity(this.db, activityId, memberIds);
  }

  /** One member's marks in some activities (one query). */
  attendanceOfMember(memberId: number, activityIds: number[]) {
    if (activityIds.length === 0) return [];
    // all the member's marks (one statement prepared once), then those of these activities:
    // building a query with an `in (…)` list for each page cost more than reading them
    const wanted = new Set(activityIds);
    return marksOfMember(this.db, memberId).filter((m) => wanted.has(m.activityId));
  }

  /** Certificates of an activity's enrolments: enrolment id → certificate (one query). */
  certificatesOf(activityId: number) {
    const rows = this.db
      .select({ enrolmentId: certificates.enrolmentId, id: certificates.id, revokedAt: certificates.revokedAt })
      .from(certificates)
      .innerJoin(enrolments, eq(enrolments.id, certificates.enrolmentId))
      .where(eq(enrolments.activityId, activityId))
      .all();
    return new Map(rows.map((r) => [r.enrolmentId, r]));
  }

  isTrainerOf(activityId: number, userId: number): boolean {
    return trainsActivity(this.db, activityId, userId);
  }

  /** Enrolments of an activity that take part in completion, with the member and their unit. */
  enrolmentsOf(
    activityId: number,
    opts: { memberIds?: number[]; statuses?: EnrolmentStatus[] } = {},
  ): EnrolmentWithMember[] {
    if (opts.memberIds?.length === 0) return [];
    if (!opts.memberIds && !opts.statuses) return this.allEnrolmentsOf(activityId);
    // one member's own progress (an activity page): the statement prepared once per connection
    if (opts.memberIds?.length === 1 && !opts.statuses)
      return prepared(this.db, enrolmentOfMemberQuery).all({ activityId, memberId: opts.memberIds[0] });
    const conds: SQL[] = [eq(enrolments.activityId, activityId), inArray(enrolments.status, opts.statuses ?? TRACKED)];
    if (opts.memberIds) conds.push(inArray(enrolments.memberId, opts.memberIds));
    return enrolmentsQuery(this.db, and(...conds)!).all();
  }

  /** All of them (allEnrolmentsQuery), as the objects enrolmentsQuery's fields name. */
  private allEnrolmentsOf(activityId: number): EnrolmentWithMember[] {
    const rows = prepared(this.db, allEnrolmentsQuery).values({ activityId }) as [
      number,
      number,
      EnrolmentStatus,
      number | null,
      number,
      string,
      string,
      string,
      string | null,
    ][];
    return rows.map(
      ([id, memberId, status, assessmentScore, overridden, fullName, unitPath, unitNameAr, unitNameEn]) => ({
        id,
        memberId,
        status,
        assessmentScore,
        completionOverridden: overridden === 1,
        fullName,
        unitPath,
        unitNameAr,
        unitNameEn,
      }),
    );
  }

  /** One member's enrolments that take part in completion, with their activity. */
  enrolmentsOfMember(memberId: number) {
    return prepared(this.db, enrolmentsOfMemberQuery).all({ memberId });
  }

  enrolment(id: number) {
    return this.db
      .select({
        id: enrolments.id,
        activityId: enrolments.activityId,
        memberId: enrolments.memberId,
        status: enrolments.status,
        assessmentScore: enrolments.assessmentScore,
        completionOverridden: enrolments.completionOverridden,
        fullName: members.fullName,
        unitPath: units.path,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(enrolments.id, id))
      .get();
  }

  member(id: number) {
    return prepared(this.db, memberQuery).get({ id });
  }

  setStatus(enrolmentId: number, status: EnrolmentStatus, overridden: boolean, at: Date) {
    this.db
      .update(enrolments)
      .set({ status, completionOverridden: overridden, updatedAt: at })
      .where(eq(enrolments.id, enrolmentId))
      .run();
  }

  setOverridden(enrolmentId: number, overridden: boolean, at: Date) {
    this.db
      .update(enrolments)
      .set({ completionOverridden: overridden, updatedAt: at })
      .where(eq(enrolments.id, enrolmentId))
      .run();
  }

  setScore(enrolmentId: number, score: number | null, at: Date) {
    this.db
      .update(enrolments)
      .set({ assessmentScore: score, updatedAt: at })
      .where(eq(enrolments.id, enrolmentId))
      .run();
  }

  insertEvent(e: {
    enrolmentId: number;
    fromStatus: string | null;
    toStatus: string;
    byUserId: number | null;
    reason: string | null;
    at: Date;
  }) {
    this.db.insert(enrolmentEvents).values(e).run();
  }

  // ---------------------------------------------------------------- phases and eligibility

  programme(id: number) {
    return prepared(this.db, programmeQuery).get({ id });
  }

  phasesOf(programmeId: number) {
    return prepared(this.db, phasesOfQuery).all({ programmeId });
  }

  phase(id: number) {
    return this.db.select().from(phases).where(eq(phases.id, id)).get();
  }

  /** The phase just before this one in its programme, if any. */
  previousPhase(programmeId: number, position: number) {
    return this.db
      .select()
      .from(phases)
      .where(and(eq(phases.programmeId, programmeId), sql`${phases.position} < ${position}`))
      .orderBy(sql`${phases.position} desc`)
      .limit(1)
      .get();
  }

  /** Whether the member has a completed enrolment in an activity of the phase. */
  completedPhase(memberId: number, phaseId: number): boolean {
    return !!this.db
      .select({ id: enrolments.id })
      .from(enrolments)
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .where(
        and(
          eq(enrolments.memberId, memberId),
          equalsConstant(enrolments.status, 'completed'),
          eq(activities.phaseId, phaseId),
        ),
      )
      .limit(1)
      .get();
  }

  /** the activities of a phase (the eligibility page's choice) */
  activitiesOfPhase(phaseId: number) {
    return prepared(this.db, activitiesOfPhaseQuery).all({ phaseId });
  }

  /**
   * Members who completed an activity of a phase, with when (the latest decision to
   * "completed"), optionally within [from, to) and within a unit subtree: a page of them in
   * unit and name order, and how many there are.
   */
  completedInPhase(opts: {
    phaseId: number;
    /** only this activity of the phase */
    activityId?: number | null;
    from: Date | null;
    to: Date | null;
    unitPath: string | null;
    limit: number;
    offset: number;
  }) {
    // The unary + keeps SQLite on enrolment_events' (enrolment_id) index: a handful of events
    // per row. Without it SQLite takes the (to_status, created_at) index and walks every
    // completion of the organisation (270,000 on the large file) for each row: 3–60 s a page.
    const completedAt = sql<number>`(select max(${enrolmentEvents.at}) from ${enrolmentEvents} where ${enrolmentEvents.enrolmentId} = ${enrolments.id} and +${enrolmentEvents.toStatus} = 'completed')`;
    const conds: SQL[] = [equalsConstant(enrolments.status, 'completed'), eq(activities.phaseId, opts.phaseId)];
    if (opts.activityId) conds.push(eq(enrolments.activityId, opts.activityId));
    if (opts.unitPath) conds.push(inSubtree(units.path, opts.unitPath));
    if (opts.from) conds.push(sql`${completedAt} >= ${opts.from.getTime()}`);
    if (opts.to) conds.push(sql`${completedAt} < ${opts.to.getTime()}`);
    const where = and(...conds);
    const base = () =>
      this.db
        .select({
          enrolmentId: enrolments.id,
          memberId: members.id,
          fullName: members.fullName,
          phone: members.phone,
          unitNameAr: units.nameAr,
          unitNameEn: units.nameEn,
          activityId: activities.id,
          activityTitle: activities.title,
          completedAt,
        })
        .from(enrolments)
        .innerJoin(activities, eq(activities.id, enrolments.activityId))
        .innerJoin(members, eq(members.id, enrolments.memberId))
        .innerJoin(units, eq(units.id, members.unitId))
        .where(where);
    const rows = base()
      // the enrolment last: rows of one name in one unit keep their place from page to page
      .orderBy(asc(units.path), asc(members.fullName), asc(enrolments.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all()
      .map((r) => ({ ...r, completedAt: r.completedAt === null ? null : new Date(r.completedAt) }));
    // every enrolment has its member and every member its unit (foreign keys): the count reads
    // them only to filter by unit
    let counted = this.db
      .select({ n: sql<number>`count(*)` })
      .from(enrolments)
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .$dynamic();
    if (opts.unitPath)
      counted = counted
        .innerJoin(members, eq(members.id, enrolments.memberId))
        .innerJoin(units, eq(units.id, members.unitId));
    const total = counted.where(where).get()!.n;
    return { rows, total };
  }

  unitOptions() {
    return activeUnitOptions(this.db);
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get();
  }

  programmes() {
    return this.db
      .select({ id: programmes.id, title: programmes.title })
      .from(programmes)
      .where(sql`${programmes.archivedAt} is null`)
      .orderBy(asc(programmes.id))
      .all();
  }
}

export type MarkRow = { sessionId: number; status: AttendanceStatus };
