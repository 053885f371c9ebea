import { and, asc, desc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import {
  type AttendanceStatus,
  activities,
  activityCouncils,
  attendance,
  type attendanceEvents,
  enrolments,
  memberCouncils,
  members,
  sessions,
  units,
  users,
} from '../../db/schema.ts';
import { escapeLike, normalizeArabic } from '../core/arabic.ts';
import { dataCache, dataVersionNow, deepFreeze } from '../core/cache.ts';
import { type Db, inSubtree, prepared, preparedWithLimit } from '../core/db.ts';
import { ROSTER_IN, ROSTER_STATUSES } from './rules.ts';

export type SessionRow = NonNullable<ReturnType<AttendanceRepository['session']>>;
export type ActivityRow = NonNullable<ReturnType<AttendanceRepository['activity']>>;

export interface MarkRow {
  memberId: number;
  status: AttendanceStatus;
  note: string | null;
  via: string;
  markedAt: Date;
  markedByName: string | null;
}

export interface MemberRow {
  memberId: number;
  fullName: string;
  unitPath: string;
  unitNameAr: string;
  unitNameEn: string | null;
}

const memberCols = {
  memberId: members.id,
  fullName: members.fullName,
  unitPath: units.path,
  unitNameAr: units.nameAr,
  unitNameEn: units.nameEn,
};

/** names in Arabic order, as the matrix, the rosters and the sheet entry grid list them */
const arabicOrder = new Intl.Collator('ar');

/** what a roster save compares its form with (enrolledIds, plainMarks, keepMarks): at most 50 rosters */
const rosterPlan = (db: Db) => dataCache(db, 'roster-plan', 50);

/** ids as one statement parameter: `in (select value from json_each(?))` keeps a statement prepared once for any list */
const idList = sql`(select value from json_each(${sql.placeholder('ids')}))`;

/** the activities' sessions, grouped by activity: one query for all of them */
const sessionsOfActivitiesQuery = (db: Db) =>
  db
    .select({
      id: sessions.id,
      activityId: sessions.activityId,
      startsAt: sessions.startsAt,
      endsAt: sessions.endsAt,
      topic: sessions.topic,
      status: sessions.status,
      trainerUserId: sessions.trainerUserId,
    })
    .from(sessions)
    .where(sql`${sessions.activityId} in ${idList}`)
    .orderBy(asc(sessions.startsAt))
    .prepare();

/**
 * Sessions of some activities, earliest first. The one loader of an activity's sessions that
 * attendance and completion share. They are the same on all the activity's members' pages (each
 * member's progress): kept per activity while the data is unchanged (core/cache.ts), frozen, in
 * a cache of their own; the activities not kept are read together in one query.
 */
export function sessionsOfActivities(db: Db, activityIds: number[]) {
  if (activityIds.length === 0) return [];
  const byActivity = dataCache(db, 'activity-sessions', 1000).getMany(activityIds, (missing) => {
    const out = new Map(missing.map((id) => [id, [] as SessionOfActivity[]]));
    for (const s of prepared(db, sessionsOfActivitiesQuery).all({ ids: JSON.stringify(missing) }))
      out.get(s.activityId)!.push(s);
    return new Map([...out].map(([id, list]) => [id, deepFreeze(list)]));
  });
  if (activityIds.length === 1) return byActivity.get(activityIds[0])!;
  return [...byActivity.values()].flat().sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}
type SessionOfActivity = ReturnType<ReturnType<typeof sessionsOfActivitiesQuery>['all']>[number];

const enrolledCountsQuery = (db: Db) =>
  db
    .select({ activityId: enrolments.activityId, n: sql<number>`count(*)` })
    .from(enrolments)
    .where(and(sql`${enrolments.activityId} in ${idList}`, inArray(enrolments.status, ROSTER_STATUSES)))
    .groupBy(enrolments.activityId)
    .prepare();

/**
 * How many members each activity has on its roster: the seats taken (activities and enrolments
 * ask it), a trainer's day and the office's. Kept per activity while the data is unchanged (the
 * 1,500 members of a lecture are otherwise counted again on every trainer's page); those not
 * kept are counted together in one query.
 */
export function enrolledCountsOf(db: Db, activityIds: number[]): Map<number, number> {
  if (activityIds.length === 0) return new Map();
  return dataCache(db, 'activity-enrolled', 1000).getMany(activityIds, (missing) => {
    const out = new Map(missing.map((id) => [id, 0]));
    for (const r of prepared(db, enrolledCountsQuery).all({ ids: JSON.stringify(missing) })) out.set(r.activityId, r.n);
    return out;
  });
}

/** The members on one activity's roster: its seats taken. */
export const enrolledCount = (db: Db, activityId: number) => enrolledCountsOf(db, [activityId]).get(activityId)!;

/** Sessions (or rows of them) with `enrolled`, their activity's roster size. */
export function withEnrolled<T extends { activityId: number }>(db: Db, rows: T[]): (T & { enrolled: number })[] {
  const counts = enrolledCountsOf(
    db,
    rows.map((r) => r.activityId),
  );
  return rows.map((r) => ({ ...r, enrolled: counts.get(r.activityId)! }));
}

/** Every mark of an activity's sessions (one query), optionally of some members only; shared with completion. */
export function marksOfActivity(db: Db, activityId: number, memberIds?: number[]) {
  if (memberIds?.length === 0) return [];
  // one member (their own progress on an activity page): prepared once per connection
  if (memberIds?.length === 1)
    return prepared(db, marksOfMemberInActivityQuery).all({ activityId, memberId: memberIds[0] });
  const conds: SQL[] = [eq(sessions.activityId, activityId)];
  if (memberIds) conds.push(inArray(attendance.memberId, memberIds));
  return marksQuery(db, and(...conds)!).all();
}

function marksQuery(db: Db, where: SQL) {
  return db
    .select({ sessionId: attendance.sessionId, memberId: attendance.memberId, status: attendance.status })
    .from(attendance)
    .innerJoin(sessions, eq(sessions.id, attendance.sessionId))
    .where(where);
}
const marksOfMemberInActivityQuery = (db: Db) =>
  marksQuery(
    db,
    and(eq(sessions.activityId, sql.placeholder('activityId')), eq(attendance.memberId, sql.placeholder('memberId')))!,
  ).prepare();

/**
 * Every mark of a member, with its session's activity (a few hundred at most, from
 * attendance_member_idx): their progress in each activity; shared with completion.
 */
export function marksOfMember(db: Db, memberId: number) {
  return prepared(db, marksOfMemberQuery).all({ memberId });
}
const marksOfMemberQuery = (db: Db) =>
  db
    .select({ sessionId: attendance.sessionId, status: attendance.status, activityId: sessions.activityId })
    .from(attendance)
    .innerJoin(sessions, eq(sessions.id, attendance.sessionId))
    .where(eq(attendance.memberId, sql.placeholder('memberId')))
    .prepare();

const p = sql.placeholder;

/**
 * Whether a user trains at least one session of the activity; shared with completion and
 * enrolments, asked by several panels of one page. Along the activity's sessions (a few dozen
 * at most; `+` keeps SQLite off the trainer's index, which walks every session the trainer ever
 * taught: 60 µs for a busy trainer), kept while the data is unchanged.
 */
export function trainsActivity(db: Db, activityId: number, userId: number): boolean {
  return dataCache(db).get(
    `attendance.trains|${activityId}|${userId}`,
    () => db.$client.prepare(TRAINS_SQL).get(activityId, userId) !== undefined,
  );
}
export const TRAINS_SQL = 'select 1 as yes from sessions where activity_id = ? and +trainer_user_id = ? limit 1';

/** an enrolment's four counters from the marks of its activity's sessions that are not cancelled */
const RECOUNT = `update enrolments set (attended_count, late_count, excused_count, absent_count) = (
    select count(*) filter (where a.status = 'present'), count(*) filter (where a.status = 'late'),
           count(*) filter (where a.status = 'excused'), count(*) filter (where a.status = 'absent')
    from attendance a join sessions s on s.id = a.session_id
    where a.member_id = enrolments.member_id and s.activity_id = enrolments.activity_id and s.status <> 'cancelled'
  ), updated_at = ?
  where activity_id = ?`;

/** sessions between two instants (of one trainer, or everyone's) with what the day's lists show */
function sessionsBetweenQuery(db: Db, trainer: boolean) {
  return db
    .select({
      id: sessions.id,
      activityId: sessions.activityId,
      startsAt: sessions.startsAt,
      endsAt: sessions.endsAt,
      topic: sessions.topic,
      place: sessions.place,
      status: sessions.status,
      trainerName: users.displayName,
      activityTitle: activities.title,
      activityKind: activities.kind,
      checkinOpensBeforeMin: activities.checkinOpensBeforeMin,
      lateAfterMin: activities.lateAfterMin,
      editWindowDays: activities.editWindowDays,
      /** marks of any status (kept by migration 0002's triggers) */
      marked: sessions.markedCount,
    })
    .from(sessions)
    .innerJoin(activities, eq(activities.id, sessions.activityId))
    .leftJoin(users, eq(users.id, sessions.trainerUserId))
    .where(
      and(
        sql`${sessions.startsAt} >= ${p('from')}`,
        sql`${sessions.startsAt} < ${p('to')}`,
        trainer ? eq(sessions.trainerUserId, p('trainerUserId')) : undefined,
      ),
    )
    .orderBy(asc(sessions.startsAt))
    .limit(500)
    .prepare();
}

/** a member's latest marks, newest first (one prepared query per limit) */
const memberHistoryQuery = (db: Db, limit: number) =>
  db
    .select({
      sessionId: attendance.sessionId,
      status: attendance.status,
      note: attendance.note,
      via: attendance.via,
      startsAt: sessions.startsAt,
      topic: sessions.topic,
      activityId: activities.id,
      activityTitle: activities.title,
    })
    .from(attendance)
    .innerJoin(sessions, eq(sessions.id, attendance.sessionId))
    .innerJoin(activities, eq(activities.id, sessions.activityId))
    .where(eq(attendance.memberId, p('memberId')))
    .orderBy(desc(sessions.startsAt))
    .limit(limit)
    .prepare();

/**
 * The hot statements of the roster, the save and the check-in, built and compiled once per
 * connection (a Drizzle query is otherwise built again on every call: about 0.1 ms each).
 */
function buildStatements(db: Db) {
  return {
    sessionsOfTrainer: sessionsBetweenQuery(db, true),
    sessionsOfEveryone: sessionsBetweenQuery(db, false),
    openForMember: db
      .select({
        id: sessions.id,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        activityTitle: activities.title,
        checkinOpensBeforeMin: activities.checkinOpensBeforeMin,
      })
      .from(sessions)
      .innerJoin(activities, eq(activities.id, sessions.activityId))
      .innerJoin(enrolments, and(eq(enrolments.activityId, activities.id), eq(enrolments.memberId, p('memberId'))))
      .where(
        and(
          inArray(enrolments.status, ROSTER_STATUSES),
          eq(sessions.status, 'scheduled'),
          sql`${sessions.endsAt} >= ${p('now')}`,
          sql`${sessions.startsAt} < ${p('until')}`,
        ),
      )
      .orderBy(asc(sessions.startsAt))
      .limit(10)
      .prepare(),
    session: db
      .select({
        id: sessions.id,
        activityId: sessions.activityId,
        startsAt: sessions.startsAt,
        endsAt: sessions.endsAt,
        topic: sessions.topic,
        place: sessions.place,
        status: sessions.status,
        trainerUserId: sessions.trainerUserId,
        trainerName: users.displayName,
        checkinCode: sessions.checkinCode,
      })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.trainerUserId))
      .where(eq(sessions.id, p('id')))
      .prepare(),
    sessionIdByCode: db
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.checkinCode, p('code')))
      .prepare(),
    activity: db
      .select({
        id: activities.id,
        kind: activities.kind,
        title: activities.title,
        status: activities.status,
        selfEnrol: activities.selfEnrol,
        organisingUnitId: activities.organisingUnitId,
        organisingUnitPath: units.path,
        audienceKind: activities.audienceKind,
        audienceUnitId: activities.audienceUnitId,
        executiveOnly: activities.executiveOnly,
        checkinOpensBeforeMin: activities.checkinOpensBeforeMin,
        lateAfterMin: activities.lateAfterMin,
        editWindowDays: activities.editWindowDays,
        minAttendancePct: activities.minAttendancePct,
        lateCounts: activities.lateCounts,
        excusedExcluded: activities.excusedExcluded,
        excusedWeight: activities.excusedWeight,
        denominator: activities.denominator,
        maxConsecutiveAbsences: activities.maxConsecutiveAbsences,
        dropLowest: activities.dropLowest,
        hasAssessment: activities.hasAssessment,
        passMark: activities.passMark,
        audienceUnitPath: sql<
          string | null
        >`(select au.path from ${units} au where au.id = ${activities.audienceUnitId})`,
        councilIds: sql<
          string | null
        >`(select group_concat(ac.council_id) from ${activityCouncils} ac where ac.activity_id = ${activities.id})`,
      })
      .from(activities)
      .innerJoin(units, eq(units.id, activities.organisingUnitId))
      .where(eq(activities.id, p('id')))
      .prepare(),
    isEnrolled: db
      .select({ id: enrolments.id })
      .from(enrolments)
      .where(
        and(
          eq(enrolments.activityId, p('activityId')),
          eq(enrolments.memberId, p('memberId')),
          inArray(enrolments.status, ROSTER_STATUSES),
        ),
      )
      .prepare(),
    mark: db
      .select({ status: attendance.status, note: attendance.note })
      .from(attendance)
      .where(and(eq(attendance.sessionId, p('sessionId')), eq(attendance.memberId, p('memberId'))))
      .prepare(),
    userNames: db
      .select({ id: users.id, name: users.displayName })
      .from(users)
      .where(sql`${users.id} in (select value from json_each(${p('ids')}))`)
      .prepare(),
  };
}
type Statements = ReturnType<typeof buildStatements>;

/** Every query of the attendance feature. */
export class AttendanceRepository {
  private q: Statements;

  constructor(private db: Db) {
    this.q = prepared(db, buildStatements);
  }

  session(id: number) {
    return this.q.session.get({ id });
  }

  sessionByCode(code: string) {
    const row = this.q.sessionIdByCode.get({ code });
    return row ? this.session(row.id) : undefined;
  }

  activity(id: number) {
    const row = this.q.activity.get({ id });
    if (!row) return undefined;
    const { councilIds, ...a } = row;
    return { ...a, councilIds: councilIds ? councilIds.split(',').map(Number) : [] };
  }

  /** members whose enrolment puts them on the roster */
  enrolled(activityId: number): MemberRow[] {
    // rows as arrays, in the order of the stored names: this runs on every roster page, hundreds of rows
    const rows = this.db.$client
      .prepare(
        `select m.id, m.full_name, u.path, u.name_ar, u.name_en from enrolments e
         join members m on m.id = e.member_id join units u on u.id = m.unit_id
         where e.activity_id = ? and e.status in ${ROSTER_IN}
         order by m.full_name`,
      )
      .raw(true)
      .all(activityId, ...ROSTER_STATUSES) as [number, string, string, string, string | null][];
    return rows.map(([memberId, fullName, unitPath, unitNameAr, unitNameEn]) => ({
      memberId,
      fullName,
      unitPath,
      unitNameAr,
      unitNameEn,
    }));
  }

  /**
   * Everyone an activity's sessions list, as the sheet entry grid pages them: the roster
   * (`enrolled`) and whoever was marked in these sessions without being on it (walk-ins, members
   * who left; `membersByIds`), in Arabic name order, then by id. Kept until the next write, so
   * paging through a 1,500-member lecture reads and sorts its names once, not on every page.
   */
  rosterWithWalkIns(activityId: number, sessionIds: number[]): readonly MemberRow[] {
    return dataCache(this.db, 'roster-walk-ins', 20).get(`${activityId}|${sessionIds.join(',')}`, () => {
      const rows = this.enrolled(activityId);
      const onRoster = new Set(rows.map((m) => m.memberId));
      const walkIns = this.markedIn(sessionIds).filter((id) => !onRoster.has(id));
      if (walkIns.length) rows.push(...this.membersByIds(walkIns));
      // the roster comes in the stored names' order, nearly the Arabic one: a few comparisons a row
      rows.sort((a, b) => arabicOrder.compare(a.fullName, b.fullName) || a.memberId - b.memberId);
      return deepFreeze(rows);
    });
  }

  /** the members with a mark in any of these sessions */
  private markedIn(sessionIds: number[]): number[] {
    if (sessionIds.length === 0) return [];
    return this.db.$client
      .prepare('select distinct member_id from attendance where session_id in (select value from json_each(?))')
      .pluck()
      .all(JSON.stringify(sessionIds)) as number[];
  }

  /** the stored marks of these members in these sessions (a page of the sheet entry grid), by member then session */
  marksOfMembers(sessionIds: number[], memberIds: number[]): Map<number, Map<number, AttendanceStatus>> {
    const out = new Map<number, Map<number, AttendanceStatus>>();
    if (sessionIds.length === 0 || memberIds.length === 0) return out;
    const rows = this.db.$client
      .prepare(
        `select member_id, session_id, status from attendance
          where session_id in (select value from json_each(?)) and member_id in (select value from json_each(?))`,
      )
      .raw(true)
      .all(JSON.stringify(sessionIds), JSON.stringify(memberIds)) as [number, number, AttendanceStatus][];
    for (const [memberId, sessionId, status] of rows) {
      const cells = out.get(memberId);
      if (cells) cells.set(sessionId, status);
      else out.set(memberId, new Map([[sessionId, status]]));
    }
    return out;
  }

  isEnrolled(activityId: number, memberId: number): boolean {
    return !!this.q.isEnrolled.get({ activityId, memberId });
  }

  /** the marks of one session, with the members they belong to */
  marks(sessionId: number): (MarkRow & MemberRow)[] {
    return this.db
      .select({
        ...memberCols,
        status: attendance.status,
        note: attendance.note,
        via: attendance.via,
        markedAt: attendance.markedAt,
        markedByName: users.displayName,
      })
      .from(attendance)
      .innerJoin(members, eq(members.id, attendance.memberId))
      .innerJoin(units, eq(units.id, members.unitId))
      .leftJoin(users, eq(users.id, attendance.markedBy))
      .where(eq(attendance.sessionId, sessionId))
      .all();
  }

  mark(sessionId: number, memberId: number) {
    return this.q.mark.get({ sessionId, memberId });
  }

  /** members with what the audience rule needs (walk-ins on open activities) */
  audienceFacts(memberIds: number[]) {
    if (memberIds.length === 0) return [];
    const rows = this.db
      .select({
        ...memberCols,
        status: members.status,
        isExecutive: members.isExecutive,
      })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(inArray(members.id, memberIds))
      .all();
    const councils = this.db
      .select({ memberId: memberCouncils.memberId, councilId: memberCouncils.councilId })
      .from(memberCouncils)
      .where(inArray(memberCouncils.memberId, memberIds))
      .all();
    return rows.map((r) => ({
      ...r,
      councilIds: councils.filter((c) => c.memberId === r.memberId).map((c) => c.councilId),
    }));
  }

  /** members matching a name or phone, narrowed by the audience's unit subtree when it has one */
  searchMembers(q: string, opts: { unitPath: string | null; executiveOnly: boolean; limit: number }) {
    const name = `%${escapeLike(normalizeArabic(q))}%`;
    const conds: SQL[] = [
      eq(members.status, 'active'),
      or(
        sql`${members.nameSearch} like ${name} escape '\\'`,
        sql`${members.phone} like ${`%${escapeLike(q)}%`} escape '\\'`,
      )!,
    ];
    if (opts.unitPath) conds.push(inSubtree(units.path, opts.unitPath));
    if (opts.executiveOnly) conds.push(eq(members.isExecutive, true));
    return this.db
      .select({ memberId: members.id })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(and(...conds))
      .orderBy(asc(members.fullName))
      .limit(opts.limit)
      .all()
      .map((r) => r.memberId);
  }

  /**
   * The ids on an activity's roster and the marks of a session (without names), which a save
   * compares the form with: kept until the next write, so a form sent again as it is (a second
   * tap on Save, an offline copy) reads nothing; read afresh inside a transaction. At most 50
   * rosters are kept (a lecture's marks can be 1,500 rows): a form is sent again soon or not at all.
   */
  enrolledIds(activityId: number): ReadonlySet<number> {
    return rosterPlan(this.db).get(`enrolled|${activityId}`, () => {
      const rows = this.db.$client
        .prepare(`select member_id from enrolments where activity_id = ? and status in ${ROSTER_IN}`)
        .pluck()
        .all(activityId, ...ROSTER_STATUSES) as number[];
      return new Set(rows);
    });
  }

  plainMarks(sessionId: number): ReadonlyMap<number, { status: AttendanceStatus; note: string | null }> {
    return rosterPlan(this.db).get(`marks|${sessionId}`, () => {
      const rows = this.db.$client
        .prepare('select member_id, status, note from attendance where session_id = ?')
        .raw(true)
        .all(sessionId) as [number, AttendanceStatus, string | null][];
      return new Map(rows.map(([memberId, status, note]) => [memberId, Object.freeze({ status, note })]));
    });
  }

  /**
   * Keeps a session's marks as a save has just written them (see plainMarks), as of `version`:
   * the data's version read as the last statement of that save's transaction, which its commit
   * does not change. Only a save may call it, with every mark of the session.
   */
  keepMarks(
    sessionId: number,
    marks: ReadonlyMap<number, { status: AttendanceStatus; note: string | null }>,
    version: string,
  ) {
    rosterPlan(this.db).put(`marks|${sessionId}`, marks, version);
  }

  /** the data's version now (core/cache.ts dataVersionNow) */
  version(): string {
    return dataVersionNow(this.db.$client);
  }

  /** the marks of one session with who marked them (an id: see userNames), without the members */
  sessionMarks(sessionId: number) {
    const rows = this.db.$client
      .prepare('select member_id, status, note, via, marked_at, marked_by from attendance where session_id = ?')
      .raw(true)
      .all(sessionId) as [number, AttendanceStatus, string | null, string, number, number | null][];
    return rows.map(([memberId, status, note, via, markedAt, markedBy]) => ({
      memberId,
      status,
      note,
      via,
      markedAt: new Date(markedAt),
      markedBy,
    }));
  }

  /** display names of some users, by id */
  userNames(ids: number[]): Map<number, string> {
    const out = new Map<number, string>();
    if (ids.length) for (const r of this.q.userNames.all({ ids: JSON.stringify(ids) })) out.set(r.id, r.name);
    return out;
  }

  /**
   * The change history of a session's marks, newest first: only of the members whose mark
   * was changed after it was first set or given with a reason (a plain first mark is already
   * the roster's "last marked" line). At most `shown` changes a member, with how many that
   * member has in all (`total`): a roster page stays the same size however often a mark was
   * corrected.
   */
  events(sessionId: number, shown: number) {
    // members with more than one event come from the (session, member) index alone; only the
    // rare events with a reason are read for that; names only for the changes shown
    const rows = this.db.$client
      .prepare(
        `select w.member_id, w.from_status, w.to_status, w.note, w.reason, w.via, w.at, u.display_name, w.total
         from (
           select ev.*, row_number() over (partition by ev.member_id order by ev.at desc, ev.id desc) as n,
             count(*) over (partition by ev.member_id) as total
           from attendance_events ev
           where ev.session_id = @sessionId and ev.member_id in (
             select member_id from attendance_events where session_id = @sessionId group by member_id having count(*) > 1
             union select member_id from attendance_events where session_id = @sessionId and reason is not null)
         ) w left join users u on u.id = w.by_user_id
         where w.n <= @shown
         order by w.at desc, w.id desc`,
      )
      .raw(true)
      .all({ sessionId, shown }) as [
      number,
      AttendanceStatus | null,
      AttendanceStatus | null,
      string | null,
      string | null,
      string,
      number,
      string | null,
      number,
    ][];
    return rows.map(([memberId, fromStatus, toStatus, note, reason, via, at, byName, total]) => ({
      memberId,
      fromStatus,
      toStatus,
      note,
      reason,
      via,
      at: new Date(at),
      byName,
      total,
    }));
  }

  upsertMark(v: {
    sessionId: number;
    memberId: number;
    status: AttendanceStatus;
    note: string | null;
    via: string;
    markedBy: number;
    markedAt: Date;
  }) {
    // a save writes up to hundreds of these: plain statements, no query building per row
    this.db.$client
      .prepare(
        `insert into attendance (session_id, member_id, status, note, via, marked_by, marked_at)
         values (?, ?, ?, ?, ?, ?, ?)
         on conflict (session_id, member_id) do update set status = excluded.status, note = excluded.note,
           via = excluded.via, marked_by = excluded.marked_by, marked_at = excluded.marked_at`,
      )
      .run(v.sessionId, v.memberId, v.status, v.note, v.via, v.markedBy, v.markedAt.getTime());
  }

  insertEvents(rows: (typeof attendanceEvents.$inferInsert)[]) {
    const insert = this.db.$client.prepare(
      `insert into attendance_events (session_id, member_id, from_status, to_status, note, reason, via, by_user_id, at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows)
      insert.run(
        r.sessionId,
        r.memberId,
        r.fromStatus ?? null,
        r.toStatus ?? null,
        r.note ?? null,
        r.reason ?? null,
        r.via ?? 'roster',
        r.byUserId ?? null,
        r.at.getTime(),
      );
  }

  /**
   * Moves the counters of enrolments by the given changes of marks in a session that is not
   * cancelled (a mark from one status to another: one counter down, the other up). Exact as long
   * as the counters were (recomputeCounters rebuilds them from the marks).
   */
  shiftCounters(
    activityId: number,
    changes: { memberId: number; from: AttendanceStatus | null; to: AttendanceStatus }[],
    now = new Date(),
  ) {
    const update = this.db.$client.prepare(
      `update enrolments set attended_count = attended_count + ?, late_count = late_count + ?,
         excused_count = excused_count + ?, absent_count = absent_count + ?, updated_at = ?
       where activity_id = ? and member_id = ?`,
    );
    const at = now.getTime();
    for (const c of changes) {
      const d = (s: AttendanceStatus) => (c.to === s ? 1 : 0) - (c.from === s ? 1 : 0);
      update.run(d('present'), d('late'), d('excused'), d('absent'), at, activityId, c.memberId);
    }
  }

  /**
   * Recomputes the precomputed counters of the given members' enrolments in an activity
   * from the marks of its sessions that are not cancelled (all members when none given):
   * one pass over each member's marks sets the four counters.
   */
  recomputeCounters(activityId: number, memberIds?: number[], now = new Date()) {
    if (memberIds && memberIds.length === 0) return;
    const sqlite = this.db.$client;
    if (memberIds)
      sqlite
        .prepare(`${RECOUNT} and member_id in (select value from json_each(?))`)
        .run(now.getTime(), activityId, JSON.stringify(memberIds));
    else sqlite.prepare(RECOUNT).run(now.getTime(), activityId);
  }

  setCheckinCode(sessionId: number, code: string): boolean {
    try {
      const r = this.db
        .update(sessions)
        .set({ checkinCode: code })
        .where(and(eq(sessions.id, sessionId), sql`${sessions.checkinCode} is null`))
        .run();
      return r.changes === 1;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  /** sessions between two instants, optionally only one trainer's, with their activity */
  sessionsBetween(from: Date, to: Date, trainerUserId: number | null) {
    const range = { from: from.getTime(), to: to.getTime() };
    return trainerUserId === null
      ? this.q.sessionsOfEveryone.all(range)
      : this.q.sessionsOfTrainer.all({ ...range, trainerUserId });
  }

  /** sessions with `enrolled`, their activity's roster size */
  withEnrolled<T extends { activityId: number }>(rows: T[]) {
    return withEnrolled(this.db, rows);
  }

  /** who a session's rate counts: the activity's roster and the session's walk-ins */
  rosterSize(activityId: number, sessionId: number): number {
    return enrolledCount(this.db, activityId) + (this.walkInCounts(activityId, [sessionId]).get(sessionId) ?? 0);
  }

  /** marks per session and status */
  markCounts(sessionIds: number[]): Map<number, Record<AttendanceStatus, number>> {
    const out = new Map<number, Record<AttendanceStatus, number>>();
    if (sessionIds.length === 0) return out;
    for (const r of this.db
      .select({ sessionId: attendance.sessionId, status: attendance.status, n: sql<number>`count(*)` })
      .from(attendance)
      .where(inArray(attendance.sessionId, sessionIds))
      .groupBy(attendance.sessionId, attendance.status)
      .all()) {
      const c = out.get(r.sessionId) ?? { present: 0, late: 0, excused: 0, absent: 0 };
      c[r.status] = r.n;
      out.set(r.sessionId, c);
    }
    return out;
  }

  /** marks of members who have no roster enrolment (walk-ins), per session */
  walkInCounts(activityId: number, sessionIds: number[]): Map<number, number> {
    const out = new Map<number, number>();
    if (sessionIds.length === 0) return out;
    for (const r of this.db
      .select({ sessionId: attendance.sessionId, n: sql<number>`count(*)` })
      .from(attendance)
      .where(
        and(
          inArray(attendance.sessionId, sessionIds),
          sql`not exists (select 1 from ${enrolments} e where e.activity_id = ${activityId}
                and e.member_id = ${attendance.memberId} and e.status in ('approved', 'completed', 'not_completed'))`,
        ),
      )
      .groupBy(attendance.sessionId)
      .all())
      out.set(r.sessionId, r.n);
    return out;
  }

  activitySessions(activityId: number) {
    return sessionsOfActivities(this.db, [activityId]);
  }

  /** every mark of an activity's sessions */
  activityMarks(activityId: number) {
    return marksOfActivity(this.db, activityId);
  }

  membersByIds(ids: number[]): MemberRow[] {
    if (ids.length === 0) return [];
    const out: MemberRow[] = [];
    for (let i = 0; i < ids.length; i += 500)
      out.push(
        ...this.db
          .select(memberCols)
          .from(members)
          .innerJoin(units, eq(units.id, members.unitId))
          .where(inArray(members.id, ids.slice(i, i + 500)))
          .all(),
      );
    return out;
  }

  isTrainerOf(activityId: number, userId: number): boolean {
    return trainsActivity(this.db, activityId, userId);
  }

  member(id: number) {
    return this.db
      .select(memberCols)
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, id))
      .get();
  }

  /** a member's most recent marks, newest first */
  memberHistory(memberId: number, limit: number) {
    return preparedWithLimit(this.db, memberHistoryQuery, limit).all({ memberId });
  }

  /** a member's counters per activity (the precomputed ones on the enrolments) */
  memberEnrolmentCounters(memberId: number) {
    return this.db
      .select({
        activityId: enrolments.activityId,
        activityTitle: activities.title,
        status: enrolments.status,
        present: enrolments.attendedCount,
        late: enrolments.lateCount,
        excused: enrolments.excusedCount,
        absent: enrolments.absentCount,
      })
      .from(enrolments)
      .innerJoin(activities, eq(activities.id, enrolments.activityId))
      .where(and(eq(enrolments.memberId, memberId), inArray(enrolments.status, ROSTER_STATUSES)))
      .orderBy(desc(enrolments.id))
      .limit(50)
      .all();
  }

  /** sessions open for check-in now among the activities a member is on the roster of */
  openSessionsForMember(memberId: number, now: Date) {
    return this.q.openForMember.all({ memberId, now: now.getTime(), until: now.getTime() + 86_400_000 });
  }
}
