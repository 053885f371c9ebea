import { and, asc, eq, inArray, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import {
  activities,
  type EnrolmentStatus,
  enrolmentEvents,
  enrolments,
  members,
  sessions,
  unitQuotas,
  units,
  userRoles,
  users,
} from '../../db/schema.ts';
import { dataCache } from '../core/cache.ts';
import { type Db, equalsConstant, prepared } from '../core/db.ts';
import type { EnrolmentRow } from './repository.ts';

/** activities whose quota seats are still handed on: not finished, not cancelled */
const TAKING_PLACE = ['draft', 'open', 'running'] as const;

/**
 * When the enrolment was last approved (its confirmation clock starts there), for each row of a
 * query over enrolments. Unary +: the enrolment's own events by the (enrolment_id) index, as in
 * `approvedAt`.
 */
const lastApproval = sql`(select max(${enrolmentEvents.at}) from ${enrolmentEvents} where ${enrolmentEvents.enrolmentId} = ${enrolments.id} and +${enrolmentEvents.toStatus} = 'approved')`;

/**
 * `confirmDeadline` of quota-rules.ts in SQL, for each seat of a query over enrolments and their
 * unit's quota: the confirm-by date, or for a seat approved on or after it (a reserve moved up),
 * its approval plus `grace`. The one SQL form of the rule: the next deadline is its minimum, the
 * expired seats those where it has passed.
 */
const confirmDeadlineSql = (grace: SQL | Placeholder | number) =>
  sql`(case when ${lastApproval} >= ${unitQuotas.confirmBy} then ${lastApproval} + ${grace} else ${unitQuotas.confirmBy} end)`;

/**
 * The approved quota seats still waiting for their nominee's confirmation, of activities still
 * taking place, whose unit has a confirm-by date: read with `activities` × `enrolments` ×
 * `unit_quotas` in this order (`cross join`). The activities that have such a quota first, then
 * their approved enrolments once each by (activity_id, status), then the enrolment's own quota by
 * its key. Begun from the quotas, each quota read all the approved enrolments of its activity
 * again (400,000 rows for 3,100 quotas on the large file, 50 ms); left to choose, SQLite began
 * with every approved enrolment of the organisation. `activity`: a condition narrowing the activities.
 */
function awaitingConfirmation(activity: SQL | undefined): SQL[] {
  return [
    inArray(activities.status, [...TAKING_PLACE]),
    sql`exists (select 1 from ${unitQuotas} where ${unitQuotas.activityId} = ${activities.id} and ${unitQuotas.confirmBy} is not null)`,
    eq(enrolments.activityId, activities.id),
    equalsConstant(enrolments.status, 'approved'),
    sql`${enrolments.confirmation} is null`,
    eq(enrolments.source, 'nomination'),
    eq(unitQuotas.activityId, enrolments.activityId),
    eq(unitQuotas.unitId, enrolments.nominatedByUnitId),
    sql`${unitQuotas.confirmBy} is not null`,
    ...(activity ? [activity] : []),
  ];
}

/** The earliest date by which one of those seats must be confirmed, or null when none waits. Built once per connection. */
const nextDeadlineQuery = (db: Db) =>
  db
    .select({ at: sql<number | null>`min(${confirmDeadlineSql(sql.placeholder('graceMs'))})` })
    .from(activities)
    .crossJoin(enrolments)
    .crossJoin(unitQuotas)
    .where(
      and(
        ...awaitingConfirmation(
          sql`(${sql.placeholder('activityId')} is null or ${activities.id} = ${sql.placeholder('activityId')})`,
        ),
      ),
    )
    .prepare();

/** statuses of a unit's nominations that still count for its quota (seated, waiting or to decide) */
export const LIVE: EnrolmentStatus[] = ['nominated', 'pending', 'waitlisted', 'approved', 'completed', 'not_completed'];
/** statuses a reserve can be in: not seated yet, not refused */
export const RESERVABLE: EnrolmentStatus[] = ['nominated', 'pending', 'waitlisted'];

export type QuotaRow = typeof unitQuotas.$inferSelect;

/** The only place quota data (unit_quotas, ranks, confirmations) touches Drizzle. */
export class QuotaRepository {
  constructor(private db: Db) {}

  /** an activity's quotas with their units, in tree order */
  ofActivity(activityId: number) {
    return this.db
      .select({
        q: unitQuotas,
        unitPath: units.path,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
      })
      .from(unitQuotas)
      .innerJoin(units, eq(units.id, unitQuotas.unitId))
      .where(eq(unitQuotas.activityId, activityId))
      .orderBy(asc(units.path))
      .all();
  }

  find(activityId: number, unitId: number) {
    return this.db
      .select({ q: unitQuotas, unitPath: units.path, unitNameAr: units.nameAr, unitNameEn: units.nameEn })
      .from(unitQuotas)
      .innerJoin(units, eq(units.id, unitQuotas.unitId))
      .where(and(eq(unitQuotas.activityId, activityId), eq(unitQuotas.unitId, unitId)))
      .get();
  }

  /** the quotas of several (activity, unit) pairs, keyed "activity:unit" */
  findPairs(pairs: { activityId: number; unitId: number }[]): Map<string, QuotaRow> {
    const map = new Map<string, QuotaRow>();
    if (!pairs.length) return map;
    const rows = this.db
      .select()
      .from(unitQuotas)
      .where(or(...pairs.map((p) => and(eq(unitQuotas.activityId, p.activityId), eq(unitQuotas.unitId, p.unitId)))))
      .all();
    for (const r of rows) map.set(`${r.activityId}:${r.unitId}`, r);
    return map;
  }

  insert(v: QuotaRow): void {
    this.db.insert(unitQuotas).values(v).run();
  }

  update(activityId: number, unitId: number, v: Partial<QuotaRow>): void {
    this.db
      .update(unitQuotas)
      .set(v)
      .where(and(eq(unitQuotas.activityId, activityId), eq(unitQuotas.unitId, unitId)))
      .run();
  }

  remove(activityId: number, unitId: number): void {
    this.db
      .delete(unitQuotas)
      .where(and(eq(unitQuotas.activityId, activityId), eq(unitQuotas.unitId, unitId)))
      .run();
  }

  unit(id: number) {
    return this.db.select().from(units).where(eq(units.id, id)).get();
  }

  /** when the activity starts: its first scheduled session, if any */
  firstSessionAt(activityId: number): Date | null {
    const r = this.db
      .select({ at: sql<number | null>`min(${sessions.startsAt})` })
      .from(sessions)
      .where(and(eq(sessions.activityId, activityId), eq(sessions.status, 'scheduled')))
      .get();
    return r?.at ? new Date(r.at) : null;
  }

  /** nominations of the given quota units (of one activity or of several pairs) that still count, by rank */
  nominations(pairs: { activityId: number; unitId: number }[]) {
    if (!pairs.length) return [];
    return this.db
      .select({
        id: enrolments.id,
        activityId: enrolments.activityId,
        unitId: enrolments.nominatedByUnitId,
        memberId: enrolments.memberId,
        memberName: members.fullName,
        status: enrolments.status,
        rank: enrolments.rank,
        confirmation: enrolments.confirmation,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .where(
        and(
          or(
            ...pairs.map((p) =>
              and(eq(enrolments.activityId, p.activityId), eq(enrolments.nominatedByUnitId, p.unitId)),
            ),
          ),
          eq(enrolments.source, 'nomination'),
          inArray(enrolments.status, LIVE),
        ),
      )
      .orderBy(sql`${enrolments.rank} is null`, asc(enrolments.rank), asc(enrolments.id))
      .all();
  }

  /** the highest rank given so far in a unit's nominations (0 when none) */
  maxRank(activityId: number, unitId: number): number {
    return this.db
      .select({ n: sql<number>`coalesce(max(${enrolments.rank}), 0)` })
      .from(enrolments)
      .where(
        and(
          eq(enrolments.activityId, activityId),
          eq(enrolments.nominatedByUnitId, unitId),
          eq(enrolments.source, 'nomination'),
          inArray(enrolments.status, LIVE),
        ),
      )
      .get()!.n;
  }

  setRank(enrolmentId: number, rank: number): void {
    this.db.update(enrolments).set({ rank, updatedAt: new Date() }).where(eq(enrolments.id, enrolmentId)).run();
  }

  /** when the enrolment was last approved (its confirmation clock starts there) */
  approvedAt(enrolmentId: number): Date | null {
    // unary + keeps SQLite on the (enrolment_id) index, a handful of events: the (to_status, at)
    // one walks back through every approval of the organisation (355,000 on the large file)
    const r = this.db
      .select({ at: sql<number | null>`max(${enrolmentEvents.at})` })
      .from(enrolmentEvents)
      .where(and(eq(enrolmentEvents.enrolmentId, enrolmentId), sql`+${enrolmentEvents.toStatus} = 'approved'`))
      .get();
    return r?.at ? new Date(r.at) : null;
  }

  /**
   * The earliest confirmation deadline among the approved quota seats still waiting for a
   * confirmation (of one activity, or all), null when none waits: `expiredSeats` finds something
   * exactly when this is at or before `now`. The queue and quota pages ask on every view; the
   * answer is kept while the data is unchanged (a new approval, a confirmation or a changed date
   * is a write), so a view costs a comparison, and the search runs again after a write.
   */
  nextConfirmDeadline(graceMs: number, activityId: number | null = null): number | null {
    return dataCache(this.db, 'quota-deadlines', 200).get(
      `${activityId ?? '*'}|${graceMs}`,
      () => prepared(this.db, nextDeadlineQuery).get({ graceMs, activityId })?.at ?? null,
    );
  }

  /**
   * Approved quota seats nobody confirmed in time: the unit's confirm-by date has passed
   * for seats approved before it; a seat approved later (a reserve moved up) gets `graceMs`
   * from its approval. Only activities still taking place. `activityId` narrows to one.
   */
  expiredSeats(now: Date, graceMs: number, activityId: number | null = null): EnrolmentRow[] {
    return this.db
      .select({ e: enrolments })
      .from(activities)
      .crossJoin(enrolments)
      .crossJoin(unitQuotas)
      .where(
        and(
          ...awaitingConfirmation(activityId ? eq(activities.id, activityId) : undefined),
          // (implied by the deadline, but cheaper: the approval is read only for these)
          sql`${unitQuotas.confirmBy} <= ${now.getTime()}`,
          sql`${confirmDeadlineSql(graceMs)} <= ${now.getTime()}`,
        ),
      )
      .orderBy(asc(enrolments.activityId), asc(enrolments.rank), asc(enrolments.id))
      .all()
      .map((r) => r.e);
  }

  /** signed-in staff of the Qualification Office (admin, office), active */
  officeUserIds(): number[] {
    return this.db
      .selectDistinct({ id: users.id })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(inArray(userRoles.role, ['admin', 'office']), eq(users.active, true)))
      .all()
      .map((r) => r.id);
  }

  /** coordinators of exactly this unit */
  coordinatorUserIds(unitId: number): number[] {
    return this.db
      .selectDistinct({ id: userRoles.userId })
      .from(userRoles)
      .where(and(eq(userRoles.role, 'coordinator'), eq(userRoles.unitId, unitId)))
      .all()
      .map((r) => r.id);
  }
}
