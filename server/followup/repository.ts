import { and, asc, desc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import {
  type AttendanceStatus,
  activities,
  apologies,
  attendance,
  auditLog,
  enrolments,
  materials,
  members,
  sessions,
  settings,
  units,
  userRoles,
  users,
} from '../../db/schema.ts';
import { ROSTER_STATUSES } from '../attendance/rules.ts';
import {
  type Db,
  inSubtree,
  limitClause,
  prepared,
  preparedWithLimit,
  subtreeMembers,
  subtreeParams,
  subtreeSql,
} from '../core/db.ts';
import { activeUnitOptions } from '../units/repository.ts';

export type ApologyStatus = 'pending' | 'accepted' | 'refused';
export type ApologyRow = NonNullable<ReturnType<FollowupRepository['apology']>>;
export type QueueRow = ReturnType<FollowupRepository['queue']>['rows'][number];

// the statements of every dashboard, built once per connection (core/db.ts prepared)
const upcomingForMemberQuery = (db: Db, limit: number) =>
  db
    .select({
      sessionId: sessions.id,
      startsAt: sessions.startsAt,
      topic: sessions.topic,
      place: sessions.place,
      activityId: activities.id,
      activityTitle: activities.title,
      apologyId: apologies.id,
      apologyStatus: apologies.status,
    })
    .from(enrolments)
    .innerJoin(activities, eq(activities.id, enrolments.activityId))
    .innerJoin(sessions, eq(sessions.activityId, enrolments.activityId))
    .leftJoin(apologies, and(eq(apologies.sessionId, sessions.id), eq(apologies.memberId, sql.placeholder('memberId'))))
    .where(
      and(
        eq(enrolments.memberId, sql.placeholder('memberId')),
        inArray(enrolments.status, ROSTER_STATUSES),
        sql`${activities.status} in ('open', 'running')`,
        eq(sessions.status, 'scheduled'),
        sql`${sessions.startsAt} > ${sql.placeholder('now')}`,
      ),
    )
    .orderBy(asc(sessions.startsAt))
    .limit(limit)
    .prepare();
const pendingQuery = (db: Db) =>
  db.select({ n: sql<number>`count(*)` }).from(apologies).where(eq(apologies.status, 'pending')).prepare();
const pendingForTrainerQuery = (db: Db) =>
  db
    .select({ n: sql<number>`count(*)` })
    .from(apologies)
    .innerJoin(sessions, eq(sessions.id, apologies.sessionId))
    .where(and(eq(apologies.status, 'pending'), eq(sessions.trainerUserId, sql.placeholder('trainerUserId'))))
    .prepare();

/** Every query of the follow-up feature: apologies, absence alerts and the weekly digests. */
export class FollowupRepository {
  constructor(private db: Db) {}

  // ---------------------------------------------------------------- sessions and members

  /** a session with what an apology needs to know about it and its activity */
  session(id: number) {
    return this.db
      .select({
        id: sessions.id,
        activityId: sessions.activityId,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        topic: sessions.topic,
        status: sessions.status,
        trainerUserId: sessions.trainerUserId,
        activityTitle: activities.title,
        activityStatus: activities.status,
      })
      .from(sessions)
      .innerJoin(activities, eq(activities.id, sessions.activityId))
      .where(eq(sessions.id, id))
      .get();
  }

  member(id: number) {
    return this.db
      .select({ id: members.id, fullName: members.fullName, unitId: members.unitId, unitPath: units.path })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, id))
      .get();
  }

  /** the member's sessions still to come (roster enrolments, scheduled, activity not cancelled), with any apology */
  upcomingForMember(memberId: number, now: Date, limit: number) {
    return preparedWithLimit(this.db, upcomingForMemberQuery, limit).all({ memberId, now: now.getTime() });
  }

  /** the user account linked to each member (who gets a member's notifications) */
  usersOfMembers(memberIds: number[]): Map<number, number> {
    if (memberIds.length === 0) return new Map();
    return new Map(
      this.db
        .select({ memberId: users.memberId, id: users.id })
        .from(users)
        .where(and(inArray(users.memberId, memberIds), eq(users.active, true)))
        .all()
        .map((r) => [r.memberId!, r.id]),
    );
  }

  /** active coordinator accounts of the given units */
  coordinatorsOf(unitIds: number[]): { unitId: number; userId: number }[] {
    if (unitIds.length === 0) return [];
    return this.db
      .select({ unitId: userRoles.unitId, userId: userRoles.userId })
      .from(userRoles)
      .innerJoin(users, eq(users.id, userRoles.userId))
      .where(and(eq(userRoles.role, 'coordinator'), inArray(userRoles.unitId, unitIds), eq(users.active, true)))
      .all()
      .map((r) => ({ unitId: r.unitId!, userId: r.userId }));
  }

  // ---------------------------------------------------------------- apologies

  private apologySelect() {
    return this.db
      .select({
        id: apologies.id,
        sessionId: apologies.sessionId,
        memberId: apologies.memberId,
        reason: apologies.reason,
        status: apologies.status,
        materialId: apologies.materialId,
        decidedBy: apologies.decidedBy,
        decidedAt: apologies.decidedAt,
        createdAt: apologies.createdAt,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        topic: sessions.topic,
        sessionStatus: sessions.status,
        trainerUserId: sessions.trainerUserId,
        activityId: activities.id,
        activityTitle: activities.title,
        fullName: members.fullName,
        memberUnitPath: units.path,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
        deciderName: users.displayName,
        filename: materials.filename,
        mime: materials.mime,
        size: materials.size,
      })
      .from(apologies)
      .innerJoin(sessions, eq(sessions.id, apologies.sessionId))
      .innerJoin(activities, eq(activities.id, sessions.activityId))
      .innerJoin(members, eq(members.id, apologies.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .leftJoin(users, eq(users.id, apologies.decidedBy))
      .leftJoin(materials, eq(materials.id, apologies.materialId));
  }

  apology(id: number) {
    return this.apologySelect().where(eq(apologies.id, id)).get();
  }

  apologyOf(sessionId: number, memberId: number) {
    return this.db
      .select({ id: apologies.id, status: apologies.status })
      .from(apologies)
      .where(and(eq(apologies.sessionId, sessionId), eq(apologies.memberId, memberId)))
      .get();
  }

  /** apologies of one session (the session page's panel) */
  apologiesOfSession(sessionId: number) {
    return this.apologySelect().where(eq(apologies.sessionId, sessionId)).orderBy(asc(members.fullName)).all();
  }

  /** a member's latest apologies */
  apologiesOfMember(memberId: number, limit: number) {
    return this.apologySelect()
      .where(eq(apologies.memberId, memberId))
      .orderBy(desc(sessions.startsAt))
      .limit(limit)
      .all();
  }

  /**
   * The apologies a viewer may see, by status: everything (office), or any of: the
   * viewer's own, those of sessions they teach, those of members of their unit subtrees.
   */
  queue(opts: {
    all: boolean;
    memberId: number | null;
    trainerUserId: number | null;
    unitPaths: string[];
    status: ApologyStatus | null;
    limit: number;
    offset: number;
  }) {
    const scope: SQL[] = [];
    if (!opts.all) {
      if (opts.memberId !== null) scope.push(eq(apologies.memberId, opts.memberId));
      if (opts.trainerUserId !== null) scope.push(eq(sessions.trainerUserId, opts.trainerUserId));
      for (const p of opts.unitPaths) scope.push(inSubtree(units.path, p));
      if (scope.length === 0) return { rows: [], total: 0 };
    }
    const where = and(
      opts.status ? eq(apologies.status, opts.status) : undefined,
      scope.length ? or(...scope) : undefined,
    );
    const rows = this.apologySelect()
      .where(where)
      .orderBy(opts.status === 'pending' ? asc(sessions.startsAt) : desc(sessions.startsAt), asc(members.fullName))
      .limit(opts.limit)
      .offset(opts.offset)
      .all();
    const total = this.db
      .select({ n: sql<number>`count(*)` })
      .from(apologies)
      .innerJoin(sessions, eq(sessions.id, apologies.sessionId))
      .innerJoin(members, eq(members.id, apologies.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .where(where)
      .get()!.n;
    return { rows, total };
  }

  /** pending apologies of sessions a user teaches (the trainer's dashboard), or all of them (null: the office's) */
  pendingFor(trainerUserId: number | null): number {
    return trainerUserId === null
      ? prepared(this.db, pendingQuery).get()!.n
      : prepared(this.db, pendingForTrainerQuery).get({ trainerUserId })!.n;
  }

  insertApology(v: { sessionId: number; memberId: number; reason: string; materialId: number | null; at: Date }) {
    return this.db
      .insert(apologies)
      .values({
        sessionId: v.sessionId,
        memberId: v.memberId,
        reason: v.reason,
        materialId: v.materialId,
        createdAt: v.at,
      })
      .returning({ id: apologies.id })
      .get().id;
  }

  /** sets the decision of a still pending apology; false when it was no longer pending */
  decide(id: number, status: 'accepted' | 'refused', by: number, at: Date): boolean {
    return (
      this.db
        .update(apologies)
        .set({ status, decidedBy: by, decidedAt: at })
        .where(and(eq(apologies.id, id), eq(apologies.status, 'pending')))
        .run().changes === 1
    );
  }

  /** removes a pending apology (withdrawn by its member; the audit log keeps it) */
  deletePending(id: number): boolean {
    return (
      this.db
        .delete(apologies)
        .where(and(eq(apologies.id, id), eq(apologies.status, 'pending')))
        .run().changes === 1
    );
  }

  insertAttachment(v: {
    activityId: number;
    sessionId: number;
    filename: string;
    storedName: string;
    mime: string;
    size: number;
    uploadedBy: number;
  }): number {
    return this.db.insert(materials).values(v).returning({ id: materials.id }).get().id;
  }

  attachment(materialId: number) {
    return this.db
      .select()
      .from(materials)
      .where(and(eq(materials.id, materialId), isNull(materials.deletedAt)))
      .get();
  }

  retireAttachment(materialId: number, at: Date) {
    this.db.update(materials).set({ deletedAt: at }).where(eq(materials.id, materialId)).run();
  }

  // ---------------------------------------------------------------- absence alerts

  alertRule(activityId: number) {
    return this.db
      .select({ id: activities.id, title: activities.title, absenceAlertAfter: activities.absenceAlertAfter })
      .from(activities)
      .where(eq(activities.id, activityId))
      .get();
  }

  /** an activity's sessions that have started (or are being marked) and are not cancelled, oldest first */
  heldSessions(activityId: number, now: Date, markedSessionId: number) {
    return this.db
      .select({ id: sessions.id, startsAt: sessions.startsAt, topic: sessions.topic })
      .from(sessions)
      .where(
        and(
          eq(sessions.activityId, activityId),
          eq(sessions.status, 'scheduled'),
          or(sql`${sessions.startsAt} <= ${now.getTime()}`, eq(sessions.id, markedSessionId)),
        ),
      )
      .orderBy(asc(sessions.startsAt), asc(sessions.id))
      .all();
  }

  /** the marks of some members in an activity's sessions (attendance by member, then session) */
  marksOf(activityId: number, memberIds: number[]) {
    if (memberIds.length === 0) return [];
    return this.db
      .select({ memberId: attendance.memberId, sessionId: attendance.sessionId, status: attendance.status })
      .from(attendance)
      .innerJoin(sessions, eq(sessions.id, attendance.sessionId))
      .where(and(inArray(attendance.memberId, memberIds), eq(sessions.activityId, activityId)))
      .all() as { memberId: number; sessionId: number; status: AttendanceStatus }[];
  }

  /** roster enrolments of some members in an activity, with the member's name and unit */
  rosterOf(activityId: number, memberIds: number[]) {
    if (memberIds.length === 0) return [];
    return this.db
      .select({
        enrolmentId: enrolments.id,
        memberId: members.id,
        fullName: members.fullName,
        unitPath: units.path,
      })
      .from(enrolments)
      .innerJoin(members, eq(members.id, enrolments.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .where(
        and(
          eq(enrolments.activityId, activityId),
          inArray(enrolments.memberId, memberIds),
          inArray(enrolments.status, ROSTER_STATUSES),
        ),
      )
      .all();
  }

  /** the first session of every absence run already alerted, per enrolment (kept in the audit log) */
  alertedRuns(enrolmentIds: number[]): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    if (enrolmentIds.length === 0) return out;
    for (const r of this.db
      .select({ entityId: auditLog.entityId, details: auditLog.details })
      .from(auditLog)
      .where(
        and(
          eq(auditLog.entity, 'enrolment'),
          inArray(auditLog.entityId, enrolmentIds),
          eq(auditLog.action, 'followup.absenceAlert'),
        ),
      )
      .all()) {
      const start = Number((JSON.parse(r.details ?? '{}') as { runStart?: number }).runStart);
      if (!Number.isInteger(start)) continue;
      const set = out.get(r.entityId!) ?? new Set<number>();
      set.add(start);
      out.set(r.entityId!, set);
    }
    return out;
  }

  /** alerts sent about a member (their page's panel), newest first */
  alertsOfMember(memberId: number, limit: number) {
    return this.db.$client
      .prepare(
        `select al.created_at as at, al.details as details
         from enrolments e cross join audit_log al on al.entity = 'enrolment' and al.entity_id = e.id
         where e.member_id = ? and al.action = 'followup.absenceAlert'
         order by al.created_at desc ${limitClause(limit)}`,
      )
      .all(memberId) as { at: number; details: string }[];
  }

  // ---------------------------------------------------------------- digests

  unit(id: number) {
    return this.db
      .select({ id: units.id, path: units.path, nameAr: units.nameAr, nameEn: units.nameEn })
      .from(units)
      .where(eq(units.id, id))
      .get();
  }

  unitsByIds(ids: number[]) {
    if (ids.length === 0) return [];
    return this.db
      .select({ id: units.id, path: units.path, nameAr: units.nameAr, nameEn: units.nameEn })
      .from(units)
      .where(inArray(units.id, ids))
      .all();
  }

  /** every unit not archived (the office's choice of unit; units are few) */
  unitOptions() {
    return activeUnitOptions(this.db);
  }

  /** units that have at least one active coordinator, with those coordinators */
  coordinatedUnits() {
    return this.db.$client
      .prepare(
        `select u.id as unitId, u.path as path, u.name_ar as nameAr, u.name_en as nameEn, ur.user_id as userId
         from user_roles ur cross join users us on us.id = ur.user_id cross join units u on u.id = ur.unit_id
         where ur.role = 'coordinator' and us.active = 1 and u.archived_at is null
         order by u.path`,
      )
      .all() as { unitId: number; path: string; nameAr: string; nameEn: string | null; userId: number }[];
  }

  /**
   * Absences of members of a subtree in sessions of [from, to): starts from the sessions
   * of the range (indexed by start), reaches marks and members by their keys.
   */
  absencesBetween(path: string, from: Date, to: Date, limit: number) {
    return this.db.$client
      .prepare(
        `select at.member_id as memberId, m.full_name as fullName, u.name_ar as unitNameAr, u.name_en as unitNameEn,
           s.id as sessionId, s.starts_at as startsAt, s.topic as topic, a.id as activityId, a.title as activityTitle
         from sessions s
         cross join attendance at on at.session_id = s.id
         cross join members m on m.id = at.member_id
         cross join units u on u.id = m.unit_id
         cross join activities a on a.id = s.activity_id
         where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
           and at.status = 'absent' and ${subtreeSql('u.path')}
         order by m.full_name, s.starts_at
         ${limitClause(limit)}`,
      )
      .all({ from: from.getTime(), to: to.getTime(), ...subtreeParams(path) }) as {
      memberId: number;
      fullName: string;
      unitNameAr: string;
      unitNameEn: string | null;
      sessionId: number;
      startsAt: number;
      topic: string | null;
      activityId: number;
      activityTitle: string;
    }[];
  }

  /** how many absences (and absent members) of a subtree absencesBetween would list without its limit */
  absenceCounts(path: string, from: Date, to: Date): { absences: number; members: number } {
    return this.db.$client
      .prepare(
        `select count(*) as absences, count(distinct at.member_id) as members
         from sessions s
         cross join attendance at on at.session_id = s.id
         cross join members m on m.id = at.member_id
         cross join units u on u.id = m.unit_id
         where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
           and at.status = 'absent' and ${subtreeSql('u.path')}`,
      )
      .get({ from: from.getTime(), to: to.getTime(), ...subtreeParams(path) }) as { absences: number; members: number };
  }

  /**
   * Sessions of [from, to) that concern a subtree: organised by one of its units or with
   * members of it on the roster (how many of them), oldest first.
   */
  upcomingSessions(path: string, from: Date, to: Date, limit: number, wholeOrganisation = false) {
    // the roster members of the subtree are counted against its member set, without reading
    // each one's row and unit (the 1,500-member lecture's sessions: 1,500 rows each); for the
    // whole organisation, every roster member counts
    return this.db.$client
      .prepare(
        `select * from (
           select s.id as sessionId, s.starts_at as startsAt, s.topic as topic, s.place as place,
             a.id as activityId, a.title as activityTitle, a.kind as kind,
             (${subtreeSql('ou.path')}) as organised,
             (select count(*) from enrolments e
              where e.activity_id = a.id and e.status in ('approved', 'completed', 'not_completed')${
                wholeOrganisation ? '' : ` and ${subtreeMembers('e.member_id')}`
              }) as enrolled
           from sessions s
           cross join activities a on a.id = s.activity_id
           cross join units ou on ou.id = a.organising_unit_id
           where s.starts_at >= @from and s.starts_at < @to and s.status = 'scheduled'
             and a.status in ('open', 'running'))
         where organised or enrolled > 0
         order by startsAt
         ${limitClause(limit)}`,
      )
      .all({ from: from.getTime(), to: to.getTime(), ...subtreeParams(path) }) as {
      sessionId: number;
      startsAt: number;
      topic: string | null;
      place: string | null;
      activityId: number;
      activityTitle: string;
      kind: string;
      organised: number;
      enrolled: number;
    }[];
  }

  setting(key: string): string | null {
    return this.db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).get()?.value ?? null;
  }

  /** records that a unit's digest of a week went out; false when it already had (idempotent) */
  claimDigest(unitId: number, week: string): boolean {
    const key = `followup.digest.${unitId}`;
    const current = this.setting(key);
    if (current !== null && current >= week) return false;
    this.db
      .insert(settings)
      .values({ key, value: week })
      .onConflictDoUpdate({ target: settings.key, set: { value: week } })
      .run();
    return true;
  }
}
