import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import {
  activities,
  activityCouncils,
  ENROLLED_STATUSES,
  type EnrolmentStatus,
  enrolmentEvents,
  enrolments,
  memberCouncils,
  members,
  sessions,
  units,
  users,
} from '../../db/schema.ts';
import { enrolledCount, trainsActivity } from '../attendance/repository.ts';
import { escapeLike } from '../core/arabic.ts';
import { cachedById } from '../core/cache.ts';
import { type Db, equalsConstant, inSubtree, prepared } from '../core/db.ts';

/** statuses that hold a seat */
export const SEATED = ENROLLED_STATUSES;
/** the condition of the partial index enrolments_unseated_idx, word for word (db/schema.ts) */
const UNSEATED_INDEX_CONDITION = sql`${enrolments.status} not in ('approved', 'completed', 'not_completed')`;
/** statuses waiting for the office */
export const AWAITING: EnrolmentStatus[] = ['nominated', 'pending'];

// the statements of an activity page, built once per connection (core/db.ts prepared)
const byActivityMemberQuery = (db: Db) =>
  db
    .select()
    .from(enrolments)
    .where(
      and(
        eq(enrolments.activityId, sql.placeholder('activityId')),
        eq(enrolments.memberId, sql.placeholder('memberId')),
      ),
    )
    .prepare();
const countsQuery = (db: Db) =>
  db
    .select({ status: enrolments.status, n: sql<number>`count(*)` })
    .from(enrolments)
    .where(eq(enrolments.activityId, sql.placeholder('activityId')))
    .groupBy(enrolments.status)
    .prepare();
/** a roster's order: the seated first, then the waiting list in its order, then by name */
const ROSTER_ORDER = [
  sql`case ${enrolments.status} when 'approved' then 0 when 'completed' then 1 when 'not_completed' then 2 when 'waitlisted' then 3 when 'pending' then 4 when 'nominated' then 5 else 6 end`,
  asc(enrolments.waitlistSeq),
  asc(members.nameSearch),
  // equal names: always the same order, so that no row is on two pages (or on none)
  asc(enrolments.id),
];
const nominatingUnit = alias(units, 'nominating_unit');
const scopeUnit = alias(units, 'scope_unit');
const nominator = alias(users, 'nominator');

export type EnrolmentRow = typeof enrolments.$inferSelect;

/** The only place enrolment data touches Drizzle. */
export class EnrolmentRepository {
  constructor(private db: Db) {}

  // ------------------------------------------------------------ activities

  activity(id: number) {
    return cachedById(this.db, 'enrolments.activity', id, () =>
      this.db
        .select({
          a: activities,
          organisingUnitPath: units.path,
          organisingUnitName: units.nameAr,
        })
        .from(activities)
        .innerJoin(units, eq(units.id, activities.organisingUnitId))
        .where(eq(activities.id, id))
        .get(),
    );
  }

  unitPath(id: number | null): string | null {
    if (!id) return null;
    return this.db.select({ path: units.path }).from(units).where(eq(units.id, id)).get()?.path ?? null;
  }

  councilIdsOfActivity(activityId: number): number[] {
    return this.db
      .select({ id: activityCouncils.councilId })
      .from(activityCouncils)
      .where(eq(activityCouncils.activityId, activityId))
      .all()
      .map((r) => r.id);
  }

  /** does the user teach at least one session of the activity */
  trains(activityId: number, userId: number): boolean {
    return trainsActivity(this.db, activityId, userId);
  }

  /** activities members can currently enrol in themselves (few rows: open ones only) */
  selfEnrolCandidates(now: Date) {
    return this.db
      .select({ a: activities, unitPath: units.path })
      .from(activities)
      .leftJoin(units, eq(units.id, activities.audienceUnitId))
      .where(
        and(
          inArray(activities.status, ['open', 'running']),
          eq(activities.selfEnrol, true),
          sql`(${activities.enrolOpensAt} is null or ${activities.enrolOpensAt} <= ${now.getTime()})`,
          sql`(${activities.enrolClosesAt} is null or ${activities.enrolClosesAt} > ${now.getTime()})`,
        ),
      )
      .orderBy(asc(activities.enrolClosesAt), asc(activities.id))
      .limit(200)
      .all();
  }

  councilIdsOfActivities(ids: number[]): Map<number, number[]> {
    const map = new Map<number, number[]>();
    if (!ids.length) return map;
    for (const r of this.db.select().from(activityCouncils).where(inArray(activityCouncils.activityId, ids)).all()) {
      map.set(r.activityId, [...(map.get(r.activityId) ?? []), r.councilId]);
    }
    return map;
  }

  /** activities that can be filtered on in the queue (not finished or cancelled) */
  activityOptions() {
    return this.db
      .select({ id: activities.id, title: activities.title })
      .from(activities)
      .where(inArray(activities.status, ['draft', 'open', 'running']))
      .orderBy(desc(activities.id))
      .limit(500)
      .all();
  }

  unitOptions(scope: 'all' | string[]) {
    const where =
      scope === 'all'
        ? undefined
        : scope.length
          ? sql`(${sql.join(
              scope.map((p) => inSubtree(units.path, p)),
              sql` or `,
            )})`
          : sql`0`;
    return this.db
      .select({ id: units.id, nameAr: units.nameAr, nameEn: units.nameEn, path: units.path })
      .from(units)
      .where(and(sql`${units.archivedAt} is null`, where))
      .orderBy(asc(units.path))
      .all();
  }

  // ------------------------------------------------------------ members

  member(id: number) {
    return this.db
      .select({ m: members, unitPath: units.path, unitName: units.nameAr })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, id))
      .get();
  }

  membersWithUnits(ids: number[]) {
    if (!ids.length) return [];
    return this.db
      .select({ m: members, unitPath: units.path, unitName: units.nameAr })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(inArray(members.id, ids))
      .all();
  }

  councilIdsOfMembers(ids: number[]): Map<number, number[]> {
    const map = new Map<number, number[]>();
    if (!ids.length) return map;
    for (const r of this.db.select().from(memberCouncils).where(inArray(memberCouncils.memberId, ids)).all()) {
      map.set(r.memberId, [...(map.get(r.memberId) ?? []), r.councilId]);
    }
    return map;
  }

  /** the login linked to each member (for notifications) */
  userIdsOfMembers(memberIds: number[]): Map<number, number> {
    const map = new Map<number, number>();
    if (!memberIds.length) return map;
    for (const r of this.db
      .select({ id: users.id, memberId: users.memberId })
      .from(users)
      .where(inArray(users.memberId, memberIds))
      .all())
      if (r.memberId) map.set(r.memberId, r.id);
    return map;
  }

  /** members of the given subtrees whose normalised name contains q (active only), paged */
  searchMembers(opts: { scope: 'all' | string[]; q: string; activityId: number; limit: number; offset: number }) {
    const conds: SQL[] = [eq(members.status, 'active')];
    if (opts.scope !== 'all') {
      if (!opts.scope.length) return { rows: [], total: 0 };
      conds.push(
        sql`(${sql.join(
          opts.scope.map((p) => inSubtree(units.path, p)),
          sql` or `,
        )})`,
      );
    }
    if (opts.q) conds.push(sql`${members.nameSearch} like ${`%${escapeLike(opts.q)}%`} escape '\\'`);
    const where = and(...conds);
    const rows = this.db
      .select({
        id: members.id,
        fullName: members.fullName,
        unitId: members.unitId,
        unitName: units.nameAr,
        unitPath: units.path,
        isExecutive: members.isExecutive,
        enrolmentId: enrolments.id,
        enrolmentStatus: enrolments.status,
      })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .leftJoin(enrolments, and(eq(enrolments.memberId, members.id), eq(enrolments.activityId, opts.activityId)))
      .where(where)
      .orderBy(asc(members.nameSearch), asc(members.id))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db
      .select({ n: sql<number>`count(*)` })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(where)
      .get()!.n;
    return { rows, total };
  }

  // ------------------------------------------------------------ enrolments

  find(id: number) {
    return this.db.select().from(enrolments).where(eq(enrolments.id, id)).get();
  }

  findMany(ids: number[]) {
    if (!ids.length) return [];
    return this.db.select().from(enrolments).where(inArray(enrolments.id, ids)).all();
  }

  byActivityMember(activityId: number, memberId: number) {
    return prepared(this.db, byActivityMemberQuery).get({ activityId, memberId });
  }

  byActivityMembers(activityId: number, memberIds: number[]) {
    if (!memberIds.length) return [];
    return this.db
      .select()
      .from(enrolments)
      .where(and(eq(enrolments.activityId, activityId), inArray(enrolments.memberId, memberIds)))
      .all();
  }

  seatsTaken(activityId: number): number {
    return enrolledCount(this.db, activityId);
  }

  nextWaitlistSeq(activityId: number): number {
    return (
      this.db
        .select({ n: sql<number>`coalesce(max(${enrolments.waitlistSeq}), 0)` })
        .from(enrolments)
        .where(eq(enrolments.activityId, activityId))
        .get()!.n + 1
    );
  }

  firstWaitlisted(activityId: number) {
    return this.db
      .select()
      .from(enrolments)
      .where(and(eq(enrolments.activityId, activityId), equalsConstant(enrolments.status, 'waitlisted')))
      .orderBy(asc(enrolments.waitlistSeq), asc(enrolments.id))
      .limit(1)
      .get();
  }

  /** position on the waiting list (1 = next) */
  waitlistPosition(e: EnrolmentRow): number | null {
    if (e.status !== 'waitlisted' || e.waitlistSeq === null) return null;
    return (
      this.db
        .select({ n: sql<number>`count(*)` })
        .from(enrolments)
        .where(
          and(
            eq(enrolments.activityId, e.activityId),
            equalsConstant(enrolments.status, 'waitlisted'),
            sql`${enrolments.waitlistSeq} < ${e.waitlistSeq}`,
          ),
        )
        .get()!.n + 1
    );
  }

  counts(activityId: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of prepared(this.db, countsQuery).all({ activityId })) out[r.status] = r.n;
    return out;
  }

  insert(v: typeof enrolments.$inferInsert): EnrolmentRow {
    return this.db
      .insert(enrolments)
      .values({ ...v, createdAt: new Date() })
      .returning()
      .get();
  }

  update(id: number, v: Partial<typeof enrolments.$inferInsert>): void {
    this.db
      .update(enrolments)
      .set({ ...v, updatedAt: new Date() })
      .where(eq(enrolments.id, id))
      .run();
  }

  insertEvent(v: typeof enrolmentEvents.$inferInsert): void {
    this.db
      .insert(enrolmentEvents)
      .values({ ...v, at: new Date() })
      .run();
  }

  history(enrolmentId: number) {
    return this.db
      .select({
        id: enrolmentEvents.id,
        fromStatus: enrolmentEvents.fromStatus,
        toStatus: enrolmentEvents.toStatus,
        reason: enrolmentEvents.reason,
        at: enrolmentEvents.at,
        byName: users.displayName,
      })
      .from(enrolmentEvents)
      .leftJoin(users, eq(users.id, enrolmentEvents.byUserId))
      .where(eq(enrolmentEvents.enrolmentId, enrolmentId))
      .orderBy(asc(enrolmentEvents.at), asc(enrolmentEvents.id))
      .all();
  }

  /** one enrolment with everything its page shows */
  detail(id: number) {
    return this.db
      .select({
        e: enrolments,
        memberName: members.fullName,
        memberUnitPath: units.path,
        memberUnitName: units.nameAr,
        activityTitle: activities.title,
        activityStatus: activities.status,
        capacity: activities.capacity,
        withdrawCutoffAt: activities.withdrawCutoffAt,
        nominatingUnitName: nominatingUnit.nameAr,
        nominatingUnitPath: nominatingUnit.path,
        nominatorName: nominator.displayName,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .leftJoin(nominatingUnit, eq(nominatingUnit.id, enrolments.nominatedByUnitId))
      .leftJoin(nominator, eq(nominator.id, enrolments.nominatedByUserId))
      .where(eq(enrolments.id, id))
      .get();
  }

  /**
   * The queue, nomination and roster lists: a page of enrolments joined with member, unit,
   * activity and nominator, filtered, and the count of all that match; `nominatedIn` limits to
   * nominations by units of these subtrees (or by `nominatedByUserId`).
   *
   * The page is chosen from the enrolments alone (joined with the member and their unit only
   * when a filter or the order needs them), through the indexes, and only its rows are joined
   * with the rest; the count joins nothing it does not filter on. Joined first, a queue of
   * 5,000 nominations read 5,000 members, units and activities to show 50, and the count of a
   * city's nominations read every enrolment of the organisation with its nominating unit.
   */
  list(opts: {
    activityId?: number | null;
    unitPath?: string | null;
    statuses?: EnrolmentStatus[];
    nominatedIn?: string[];
    nominatedByUserId?: number;
    memberId?: number;
    limit: number;
    offset: number;
    order?: 'queue' | 'roster' | 'recent';
  }) {
    const conds: SQL[] = [];
    if (opts.activityId) conds.push(eq(enrolments.activityId, opts.activityId));
    // the member's unit among the subtree's units, as the nominating unit below: no join with units
    if (opts.unitPath) conds.push(inArray(members.unitId, this.unitsUnder([opts.unitPath])));
    // Seated enrolments accumulate (nine in ten of all): a page of them is found fastest along
    // the order, testing each row's status (unary + keeps SQLite off the status index, which
    // would sort 320,000 ids for 50); the waiting, waitlisted, rejected and withdrawn ones are
    // few and read through the index. Counting reads the index either way.
    const broad = !!opts.statuses?.some((st) => SEATED.includes(st));
    // Not seated ones are read through enrolments_unseated_idx, a partial index that SQLite uses
    // only for a query that repeats its condition (db/schema.ts): true of these statuses. The
    // count of seated ones reads the table (an index on status alone was taken by other lists).
    const statusIn = (byIndex: boolean) =>
      !byIndex
        ? sql`+${enrolments.status} in ${opts.statuses}`
        : broad
          ? inArray(enrolments.status, opts.statuses!)
          : and(inArray(enrolments.status, opts.statuses!), UNSEATED_INDEX_CONDITION)!;
    if (opts.memberId) conds.push(eq(enrolments.memberId, opts.memberId));
    if (opts.nominatedIn) {
      const own = opts.nominatedByUserId ? [eq(enrolments.nominatedByUserId, opts.nominatedByUserId)] : [];
      // the nominating unit's id among the subtrees' units (a few hundred at most): the
      // (nominated_by_unit_id, status) index, not a join with every enrolment's unit
      const byUnit = opts.nominatedIn.length
        ? [inArray(enrolments.nominatedByUnitId, this.unitsUnder(opts.nominatedIn))]
        : [];
      const any = [...own, ...byUnit];
      conds.push(any.length ? sql`(${sql.join(any, sql` or `)})` : sql`0`);
    }
    const hasStatus = !!opts.statuses?.length;
    const where = (byIndex: boolean) => {
      const all = hasStatus ? [...conds, statusIn(byIndex)] : conds;
      return all.length ? and(...all) : undefined;
    };
    const order =
      opts.order === 'roster' ? ROSTER_ORDER : opts.order === 'recent' ? [desc(enrolments.id)] : [asc(enrolments.id)];
    const withMember = !!opts.unitPath || opts.order === 'roster';
    // the ids of the page, in order (SQL scoping: the names in here are this subquery's tables)
    const pageBase = this.db.select({ id: enrolments.id }).from(enrolments);
    const page = (withMember ? pageBase.innerJoin(members, eq(members.id, enrolments.memberId)) : pageBase)
      .where(where(!broad))
      .orderBy(...order)
      .limit(opts.limit)
      .offset(opts.offset);
    const rows = this.db
      .select({
        id: enrolments.id,
        activityId: enrolments.activityId,
        memberId: enrolments.memberId,
        source: enrolments.source,
        status: enrolments.status,
        note: enrolments.note,
        waitlistSeq: enrolments.waitlistSeq,
        overCapacity: enrolments.overCapacity,
        nominatedByUnitId: enrolments.nominatedByUnitId,
        rank: enrolments.rank,
        confirmation: enrolments.confirmation,
        createdAt: enrolments.createdAt,
        updatedAt: enrolments.updatedAt,
        memberName: members.fullName,
        memberPhone: members.phone,
        memberUnitName: units.nameAr,
        activityTitle: activities.title,
        nominatingUnitName: nominatingUnit.nameAr,
        nominatorName: nominator.displayName,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .leftJoin(nominatingUnit, eq(nominatingUnit.id, enrolments.nominatedByUnitId))
      .leftJoin(nominator, eq(nominator.id, enrolments.nominatedByUserId))
      .where(inArray(enrolments.id, page))
      .orderBy(...order)
      .all();
    // every enrolment has its member and every member a unit (foreign keys, not null): only a
    // filter on the member's unit needs the member
    const countBase = this.db.select({ n: sql<number>`count(*)` }).from(enrolments);
    const total = (opts.unitPath ? countBase.innerJoin(members, eq(members.id, enrolments.memberId)) : countBase)
      .where(where(true))
      .get()!.n;
    return { rows, total };
  }

  /** the ids of the units of these subtrees, as a subquery (a few hundred rows at most, by units_path_idx) */
  private unitsUnder(paths: string[]) {
    return this.db
      .select({ id: scopeUnit.id })
      .from(scopeUnit)
      .where(
        sql.join(
          paths.map((p) => inSubtree(scopeUnit.path, p)),
          sql` or `,
        ),
      );
  }

  /**
   * The printed sign-in sheet's rows: the seated members of an activity in the roster's order,
   * with only what the sheet shows (one statement, no count: the sheet is never paged).
   */
  sheetRows(activityId: number) {
    return this.db
      .select({ memberId: enrolments.memberId, memberName: members.fullName })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .where(and(eq(enrolments.activityId, activityId), inArray(enrolments.status, SEATED)))
      .orderBy(...ROSTER_ORDER)
      .all();
  }

  /** scheduled sessions of an activity, in time order */
  sessionsOf(activityId: number) {
    return this.db
      .select({ id: sessions.id, startsAt: sessions.startsAt, topic: sessions.topic })
      .from(sessions)
      .where(and(eq(sessions.activityId, activityId), eq(sessions.status, 'scheduled')))
      .orderBy(asc(sessions.startsAt))
      .all();
  }

  /** a member's enrolments, newest first */
  ofMember(memberId: number) {
    return this.db
      .select({
        id: enrolments.id,
        activityId: enrolments.activityId,
        status: enrolments.status,
        source: enrolments.source,
        nominatedByUnitId: enrolments.nominatedByUnitId,
        createdAt: enrolments.createdAt,
        activityTitle: activities.title,
        activityStatus: activities.status,
        withdrawCutoffAt: activities.withdrawCutoffAt,
      })
      .from(enrolments)
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .where(eq(enrolments.memberId, memberId))
      .orderBy(desc(enrolments.id))
      .limit(200)
      .all();
  }
}
