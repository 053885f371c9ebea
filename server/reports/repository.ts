import type { ActivityKind, AttendanceStatus } from '../../db/schema.ts';
import { type Db, forSubtreeOrAll, subtreeMembers, subtreeParams, subtreeSql } from '../core/db.ts';

/** the never-attended list stops at this many rows (its total is then counted apart) */
export const NEVER_LIMIT = 5000;

/**
 * Nominated or approved enrolments in activities held in the range with no present/late mark:
 * the enrolment's counters (its marks in the activity's sessions that are not cancelled, kept by
 * the attendance service) say so without reading its marks; enrolments_status_idx reaches only
 * the nominated and approved enrolments of each activity (SQLite otherwise takes the (activity,
 * member) index and reads every enrolment of the activity).
 */
const NEVER_ROWS = `
    from (select distinct s.activity_id as id from sessions s
          where s.starts_at >= @from and s.starts_at < @to and s.starts_at <= @now and s.status <> 'cancelled') held
    cross join activities a on a.id = held.id
    cross join enrolments e indexed by enrolments_status_idx on e.activity_id = a.id and e.status in ('nominated', 'approved')
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where a.status <> 'draft' and a.status <> 'cancelled' and ${subtreeSql('u.path')}
      and e.attended_count + e.late_count = 0`;

/**
 * attendance marks of a month's sessions, by the marked member's unit: summed per member
 * first, so each member (and their councils) is read once, not once per mark; for a subtree,
 * only its members' marks (summing the whole organisation's per member first made a city's
 * report cost as much as everyone's: 45 ms a month)
 */
const [attendanceByUnit, attendanceByUnitAll] = forSubtreeOrAll(
  (members) => `
    with per as (
      select at.member_id as memberId, count(*) as marked,
        sum(at.status = 'present') as present, sum(at.status = 'late') as late,
        sum(at.status = 'excused') as excused, sum(at.status = 'absent') as absent
      from sessions s
      cross join attendance at on at.session_id = s.id
      where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
        ${members('at.member_id')}
      group by at.member_id
    )
    select m.unit_id as unitId,
      sum(per.marked) as marked,
      sum(per.present) as present,
      sum(per.late) as late,
      sum(per.excused) as excused,
      sum(per.absent) as absent,
      sum(per.present + per.late > 0) as participants,
      sum(per.present + per.late > 0 and m.gender = 'f') as women,
      sum(per.present + per.late > 0 and m.birth_year between @youthFrom and @youthTo) as youth,
      sum(case when per.present + per.late > 0 and exists (
        select 1 from member_councils mc cross join councils c on c.id = mc.council_id
        where mc.member_id = m.id and c.kind = 'women') then 1 else 0 end) as womenCouncil,
      sum(case when per.present + per.late > 0 and exists (
        select 1 from member_councils mc cross join councils c on c.id = mc.council_id
        where mc.member_id = m.id and c.kind = 'youth') then 1 else 0 end) as youthCouncil
    from per
    cross join members m on m.id = per.memberId
    group by m.unit_id`,
);

const [participantsByKind, participantsByKindAll] = forSubtreeOrAll(
  (members) => `
    select a.kind as kind, count(distinct at.member_id) as participants
    from sessions s
    cross join activities a on a.id = s.activity_id
    cross join attendance at on at.session_id = s.id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
      and at.status in ('present', 'late')
      ${members('at.member_id')}
    group by a.kind`,
);

const [runningEnrolments, runningEnrolmentsAll] = forSubtreeOrAll(
  (members) => `
    select e.id as enrolmentId, e.activity_id as activityId, e.member_id as memberId,
      e.assessment_score as assessmentScore, a.title as activityTitle,
      e.attended_count as present, e.late_count as late, e.excused_count as excused, e.absent_count as absent
    from activities a
    cross join enrolments e on e.activity_id = a.id and e.status = 'approved'
    where a.status = 'running'
      ${members('e.member_id')}
      and (@from is null or exists (select 1 from sessions s where s.activity_id = a.id
        and s.starts_at >= @from and s.starts_at < @to))`,
);

/**
 * The report queries. Every one starts from an indexed range (sessions by start time,
 * enrolment events by (status, time), certificates by issue time, activities by status)
 * and reaches attendance, enrolments and members only through their keys, so a month's
 * report never reads the whole attendance table. CROSS JOIN fixes SQLite's join order.
 * tests/reports/explain.test.ts checks the plans.
 *
 * A subtree's members are a set (`+x.member_id in (select m.id from members m where m.unit_id in
 * (subtree units))`), built once from members_unit_idx; the unary + stops SQLite from probing
 * an index once per member of the set. The whole organisation (coversAll) needs no filter
 * and reads the per-session counters (sessions.marked_count, kept by triggers on attendance).
 */
export const SQL = {
  attendanceByUnit,
  /** the same for the whole organisation */
  attendanceByUnitAll,
  /** totals only (the 12-month trend), members of a subtree: the month's marks, filtered by the subtree's member set */
  attendanceTotals: `
    select count(*) as marked,
      coalesce(sum(at.status in ('present', 'late')), 0) as attended
    from sessions s
    cross join attendance at on at.session_id = s.id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
      and ${subtreeMembers('at.member_id')}`,
  /** the same for the whole organisation: the per-session counters (kept by triggers on attendance) */
  attendanceTotalsAll: `
    select coalesce(sum(s.marked_count), 0) as marked, coalesce(sum(s.attended_count), 0) as attended
    from sessions s
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'`,
  /** distinct participants of the subtree per kind of activity */
  participantsByKind,
  /** the same for the whole organisation */
  participantsByKindAll,
  /** sessions held / cancelled and activities held, by organising unit and kind */
  sessionsByUnit: `
    select a.organising_unit_id as unitId, a.kind as kind,
      coalesce(sum(s.status <> 'cancelled' and s.starts_at <= @now), 0) as held,
      coalesce(sum(s.status = 'cancelled'), 0) as cancelled,
      count(distinct case when s.status <> 'cancelled' and s.starts_at <= @now then a.id end) as activities
    from sessions s
    cross join activities a on a.id = s.activity_id
    cross join units u on u.id = a.organising_unit_id
    where s.starts_at >= @from and s.starts_at < @to and a.status <> 'draft'
      and ${subtreeSql('u.path')}
    group by a.organising_unit_id, a.kind`,
  /** enrolments completed in the range (still completed), by member unit */
  completionsByUnit: `
    select m.unit_id as unitId, count(distinct ev.enrolment_id) as n
    from enrolment_events ev
    cross join enrolments e on e.id = ev.enrolment_id
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where ev.to_status = 'completed' and ev.created_at >= @from and ev.created_at < @to
      and e.status = 'completed' and ${subtreeSql('u.path')}
    group by m.unit_id`,
  /** certificates issued in the range and not revoked, by member unit */
  certificatesByUnit: `
    select m.unit_id as unitId, count(*) as n
    from certificates c
    cross join enrolments e on e.id = c.enrolment_id
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where c.issued_at >= @from and c.issued_at < @to and c.revoked_at is null
      and ${subtreeSql('u.path')}
    group by m.unit_id`,
  /** approved enrolments of running activities of members in the subtree, with their counters (at-risk input) */
  runningEnrolments,
  /** the same for the whole organisation (no member filter) */
  runningEnrolmentsAll,
  /** names and units of some members */
  membersOf: `
    select id, full_name as fullName, unit_id as unitId from members where id in (select value from json_each(@ids))`,
  /** some members' marks in some sessions (the consecutive-absence rule needs their order) */
  marksOfMembers: `
    select at.session_id as sessionId, at.member_id as memberId, at.status as status
    from attendance at
    where at.member_id in (select value from json_each(@ids)) and at.session_id in (select value from json_each(@sessions))`,
  activityRules: `
    select id, min_attendance_pct as minAttendancePct, late_counts as lateCounts,
      excused_excluded as excusedExcluded, excused_weight as excusedWeight, denominator,
      max_consecutive_absences as maxConsecutiveAbsences, drop_lowest as dropLowest,
      has_assessment as hasAssessment, pass_mark as passMark
    from activities where id in (select value from json_each(@ids))`,
  sessionsOf: `
    select id, activity_id as activityId, starts_at as startsAt, status
    from sessions where activity_id in (select value from json_each(@ids))`,
  marksOf: `
    select at.session_id as sessionId, at.member_id as memberId, at.status as status
    from sessions s cross join attendance at on at.session_id = s.id
    where s.activity_id in (select value from json_each(@ids))`,
  /** units that organised a session (not cancelled) in the range */
  activeUnits: `
    select distinct a.organising_unit_id as unitId
    from sessions s cross join activities a on a.id = s.activity_id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled' and a.status <> 'draft'`,
  /**
   * the start of the last session (not cancelled, before @to) each unit organised: per activity,
   * its latest such session by sessions_activity_idx read backwards (not all its sessions);
   * materialized, so that SQLite does not run the subquery again for the outer filter
   */
  lastSessionOfUnits: `
    with per as materialized (
      select a.organising_unit_id as unitId,
        (select s.starts_at from sessions s
         where s.activity_id = a.id and s.starts_at < @to and s.status <> 'cancelled'
         order by s.starts_at desc limit 1) as lastAt
      from activities a
      where a.organising_unit_id in (select value from json_each(@ids)) and a.status <> 'draft')
    select unitId, max(lastAt) as lastAt from per where lastAt is not null group by unitId`,
  /**
   * nominated or approved enrolments in activities held in the range with no present/late mark
   * (NEVER_ROWS), in activity and name order, NEVER_LIMIT rows at most
   */
  neverAttended: `
    select e.id as enrolmentId, e.status as status, e.source as source, e.member_id as memberId,
      m.full_name as fullName, m.phone as phone, m.unit_id as unitId, a.id as activityId, a.title as activityTitle,
      a.kind as kind
    ${NEVER_ROWS}
    order by a.title, m.full_name
    limit ${NEVER_LIMIT}`,
  /** how many neverAttended would list without its limit */
  neverAttendedCount: `select count(*) as n ${NEVER_ROWS}`,
} as const;

export interface UnitRow {
  id: number;
  parentId: number | null;
  path: string;
  nameAr: string;
  nameEn: string | null;
  kind: string;
}

export interface AttendanceUnitRow {
  unitId: number;
  marked: number;
  present: number;
  late: number;
  excused: number;
  absent: number;
  participants: number;
  women: number;
  youth: number;
  womenCouncil: number;
  youthCouncil: number;
}

export interface SessionsUnitRow {
  unitId: number;
  kind: ActivityKind;
  held: number;
  cancelled: number;
  activities: number;
}

export interface RangeParams {
  from: number;
  to: number;
  path: string;
}

export class ReportsRepository {
  constructor(private db: Db) {}

  private all<T>(sql: string, params: Record<string, unknown>): T[] {
    return this.db.$client.prepare(sql).all(params) as T[];
  }

  /**
   * The rows of a statement read as arrays (in the order of its columns) and made into objects
   * here: for the lists of thousands of rows, where the driver's own objects cost twice as much
   * (7,567 running enrolments: 27 -> 14 ms).
   */
  private arrays<R extends unknown[], T>(sql: string, params: Record<string, unknown>, make: (row: R) => T): T[] {
    const rows = this.db.$client.prepare(sql).raw(true).all(params) as R[];
    const out: T[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]);
    return out;
  }

  unit(id: number): UnitRow | undefined {
    return this.db.$client
      .prepare(
        'select id, parent_id as parentId, path, name_ar as nameAr, name_en as nameEn, kind from units where id = ?',
      )
      .get(id) as UnitRow | undefined;
  }

  units(ids: number[]): UnitRow[] {
    if (ids.length === 0) return [];
    return this.all<UnitRow>(
      `select id, parent_id as parentId, path, name_ar as nameAr, name_en as nameEn, kind from units
       where id in (select value from json_each(@ids))`,
      { ids: JSON.stringify(ids) },
    );
  }

  /** the top units (no parent), first created first */
  roots(): UnitRow[] {
    return this.all<UnitRow>(
      `select id, parent_id as parentId, path, name_ar as nameAr, name_en as nameEn, kind from units
       where parent_id is null and archived_at is null order by id`,
      {},
    );
  }

  /** the unit and every unit below it (units are few: a plain prefix match) */
  subtree(path: string): UnitRow[] {
    return this.all<UnitRow>(
      `select id, parent_id as parentId, path, name_ar as nameAr, name_en as nameEn, kind from units
       where ${subtreeSql('path')} and archived_at is null order by path`,
      subtreeParams(path),
    );
  }

  attendanceByUnit(r: RangeParams & { youthFrom: number; youthTo: number }): AttendanceUnitRow[] {
    const { path, ...rest } = r;
    if (this.coversAll(path)) return this.all(SQL.attendanceByUnitAll, rest);
    return this.all(SQL.attendanceByUnit, { ...rest, ...subtreeParams(path) });
  }

  /** Whether a unit path takes in the whole organisation ("/", or the path of its only top unit). */
  coversAll(path: string): boolean {
    if (path === '/') return true;
    const roots = this.roots();
    return roots.length === 1 && roots[0].path === path;
  }

  attendanceTotals(r: RangeParams): { marked: number; attended: number } {
    const all = this.coversAll(r.path);
    return this.db.$client
      .prepare(all ? SQL.attendanceTotalsAll : SQL.attendanceTotals)
      .get(all ? { from: r.from, to: r.to } : { ...r, ...subtreeParams(r.path) }) as {
      marked: number;
      attended: number;
    };
  }

  participantsByKind(r: RangeParams): { kind: ActivityKind; participants: number }[] {
    if (this.coversAll(r.path)) return this.all(SQL.participantsByKindAll, { from: r.from, to: r.to });
    return this.all(SQL.participantsByKind, { ...r, ...subtreeParams(r.path) });
  }

  sessionsByUnit(r: RangeParams & { now: number }): SessionsUnitRow[] {
    return this.all(SQL.sessionsByUnit, { ...r, ...subtreeParams(r.path) });
  }

  completionsByUnit(r: RangeParams): { unitId: number; n: number }[] {
    return this.all(SQL.completionsByUnit, { ...r, ...subtreeParams(r.path) });
  }

  certificatesByUnit(r: RangeParams): { unitId: number; n: number }[] {
    return this.all(SQL.certificatesByUnit, { ...r, ...subtreeParams(r.path) });
  }

  runningEnrolments(path: string, range: { from: number; to: number } | null) {
    const all = this.coversAll(path);
    return this.arrays(
      all ? SQL.runningEnrolmentsAll : SQL.runningEnrolments,
      { ...(all ? {} : subtreeParams(path)), from: range?.from ?? null, to: range?.to ?? null },
      ([enrolmentId, activityId, memberId, assessmentScore, activityTitle, present, late, excused, absent]: [
        number,
        number,
        number,
        number | null,
        string,
        number,
        number,
        number,
        number,
      ]) => ({ enrolmentId, activityId, memberId, assessmentScore, activityTitle, present, late, excused, absent }),
    );
  }

  membersOf(ids: number[]) {
    if (ids.length === 0) return [];
    return this.arrays(
      SQL.membersOf,
      { ids: JSON.stringify(ids) },
      ([id, fullName, unitId]: [number, string, number]) => ({ id, fullName, unitId }),
    );
  }

  marksOfMembers(memberIds: number[], sessionIds: number[]) {
    if (memberIds.length === 0 || sessionIds.length === 0) return [];
    return this.all<{ sessionId: number; memberId: number; status: AttendanceStatus }>(SQL.marksOfMembers, {
      ids: JSON.stringify(memberIds),
      sessions: JSON.stringify(sessionIds),
    });
  }

  activityRules(ids: number[]) {
    return this.all<{
      id: number;
      minAttendancePct: number;
      lateCounts: number;
      excusedExcluded: number;
      excusedWeight: number;
      denominator: 'held' | 'planned';
      maxConsecutiveAbsences: number | null;
      dropLowest: number;
      hasAssessment: number;
      passMark: number | null;
    }>(SQL.activityRules, { ids: JSON.stringify(ids) });
  }

  sessionsOf(ids: number[]) {
    return this.arrays(
      SQL.sessionsOf,
      { ids: JSON.stringify(ids) },
      ([id, activityId, startsAt, status]: [number, number, number, string]) => ({ id, activityId, startsAt, status }),
    );
  }

  marksOf(ids: number[]) {
    return this.all<{ sessionId: number; memberId: number; status: AttendanceStatus }>(SQL.marksOf, {
      ids: JSON.stringify(ids),
    });
  }

  activeUnits(from: number, to: number): Set<number> {
    return new Set(this.all<{ unitId: number }>(SQL.activeUnits, { from, to }).map((r) => r.unitId));
  }

  lastSessionOfUnits(ids: number[], to: number): Map<number, number> {
    if (ids.length === 0) return new Map();
    return new Map(
      this.all<{ unitId: number; lastAt: number }>(SQL.lastSessionOfUnits, { ids: JSON.stringify(ids), to }).map(
        (r) => [r.unitId, r.lastAt],
      ),
    );
  }

  /** how many rows neverAttended would give without its limit */
  neverAttendedCount(r: RangeParams & { now: number }): number {
    return (this.db.$client.prepare(SQL.neverAttendedCount).get({ ...r, ...subtreeParams(r.path) }) as { n: number }).n;
  }

  neverAttended(r: RangeParams & { now: number }) {
    return this.all<{
      enrolmentId: number;
      status: string;
      source: string;
      memberId: number;
      fullName: string;
      phone: string | null;
      unitId: number;
      activityId: number;
      activityTitle: string;
      kind: ActivityKind;
    }>(SQL.neverAttended, { ...r, ...subtreeParams(r.path) });
  }

  setting(key: string): string | null {
    const row = this.db.$client.prepare('select value from settings where key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }
}
