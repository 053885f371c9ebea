import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
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
import { type Db, prepared } from '../core/db.ts';
import type { EnrolmentRow } from './repository.ts';

// whether any quota of an activity still taking place has reached its confirm-by date (built once per connection)
const quotaDueQuery = (db: Db) =>
  db
    .select({ one: sql<number>`1` })
    .from(unitQuotas)
    .innerJoin(activities, eq(activities.id, unitQuotas.activityId))
    .where(
      and(
        sql`${unitQuotas.confirmBy} <= ${sql.placeholder('now')}`,
        inArray(activities.status, ['draft', 'open', 'running']),
        sql`(${sql.placeholder('activityId')} is null or ${unitQuotas.activityId} = ${sql.placeholder('activityId')})`,
      ),
    )
    .limit(1)
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
   * Whether `expiredSeats` can find anything: a quota of an activity still taking place whose
   * confirm-by date has passed. Every queue and quota page asks first; most of the time none has.
   */
  quotaDue(now: Date, activityId: number | null = null): boolean {
    return !!prepared(this.db, quotaDueQuery).get({ now: now.getTime(), activityId });
  }

  /**
   * Approved quota seats nobody confirmed in time: the unit's confirm-by date has passed
   * for seats approved before it; a seat approved later (a reserve moved up) gets `graceMs`
   * from its approval. Only activities still taking place. `activityId` narrows to one.
   */
  expiredSeats(now: Date, graceMs: number, activityId: number | null = null): EnrolmentRow[] {
    // unary +: the enrolment's own events by the (enrolment_id) index, as in approvedAt
    const approvedAt = sql`(select max(${enrolmentEvents.at}) from ${enrolmentEvents} where ${enrolmentEvents.enrolmentId} = ${enrolments.id} and +${enrolmentEvents.toStatus} = 'approved')`;
    const conds: SQL[] = [
      eq(activities.id, unitQuotas.activityId),
      eq(enrolments.activityId, unitQuotas.activityId),
      eq(enrolments.nominatedByUnitId, unitQuotas.unitId),
      sql`${unitQuotas.confirmBy} is not null`,
      sql`${unitQuotas.confirmBy} <= ${now.getTime()}`,
      eq(enrolments.status, 'approved'),
      sql`${enrolments.confirmation} is null`,
      eq(enrolments.source, 'nomination'),
      inArray(activities.status, ['draft', 'open', 'running']),
      sql`(${approvedAt} is null or ${approvedAt} < ${unitQuotas.confirmBy} or ${approvedAt} <= ${now.getTime() - graceMs})`,
    ];
    if (activityId) conds.push(eq(unitQuotas.activityId, activityId));
    // the quotas whose date has passed first (a few hundred rows, often none), then their
    // activities and their approved nominations: `cross join` keeps that order. Left to choose,
    // SQLite began with every approved enrolment of the organisation
    return this.db
      .select({ e: enrolments })
      .from(unitQuotas)
      .crossJoin(activities)
      .crossJoin(enrolments)
      .where(and(...conds))
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
