import type { ActivityKind, AttendanceStatus } from '../../db/schema.ts';
import { escapeLike } from '../core/arabic.ts';
import type { Db } from '../core/db.ts';

/**
 * The report queries. Every one starts from an indexed range (sessions by start time,
 * enrolment events by (status, time), certificates by issue time, activities by status)
 * and reaches attendance, enrolments and members only through their keys, so a month's
 * report never reads the whole attendance table. CROSS JOIN fixes SQLite's join order.
 * tests/reports/explain.test.ts checks the plans.
 */
export const SQL = {
  /** attendance marks of a month's sessions, by the marked member's unit */
  attendanceByUnit: `
    select m.unit_id as unitId,
      count(*) as marked,
      coalesce(sum(at.status = 'present'), 0) as present,
      coalesce(sum(at.status = 'late'), 0) as late,
      coalesce(sum(at.status = 'excused'), 0) as excused,
      coalesce(sum(at.status = 'absent'), 0) as absent,
      count(distinct case when at.status in ('present', 'late') then m.id end) as participants,
      count(distinct case when at.status in ('present', 'late') and m.gender = 'f' then m.id end) as women,
      count(distinct case when at.status in ('present', 'late') and m.birth_year between @youthFrom and @youthTo then m.id end) as youth,
      count(distinct case when at.status in ('present', 'late') and exists (
        select 1 from member_councils mc cross join councils c on c.id = mc.council_id
        where mc.member_id = m.id and c.kind = 'women') then m.id end) as womenCouncil,
      count(distinct case when at.status in ('present', 'late') and exists (
        select 1 from member_councils mc cross join councils c on c.id = mc.council_id
        where mc.member_id = m.id and c.kind = 'youth') then m.id end) as youthCouncil
    from sessions s
    cross join attendance at on at.session_id = s.id
    cross join members m on m.id = at.member_id
    cross join units u on u.id = m.unit_id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
      and u.path like @path escape '\\'
    group by m.unit_id`,
  /** totals only (the 12-month trend) */
  attendanceTotals: `
    select count(*) as marked,
      coalesce(sum(at.status in ('present', 'late')), 0) as attended
    from sessions s
    cross join attendance at on at.session_id = s.id
    cross join members m on m.id = at.member_id
    cross join units u on u.id = m.unit_id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
      and u.path like @path escape '\\'`,
  /** distinct participants of the subtree per kind of activity */
  participantsByKind: `
    select a.kind as kind, count(distinct at.member_id) as participants
    from sessions s
    cross join activities a on a.id = s.activity_id
    cross join attendance at on at.session_id = s.id
    cross join members m on m.id = at.member_id
    cross join units u on u.id = m.unit_id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
      and at.status in ('present', 'late') and u.path like @path escape '\\'
    group by a.kind`,
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
      and u.path like @path escape '\\'
    group by a.organising_unit_id, a.kind`,
  /** enrolments completed in the range (still completed), by member unit */
  completionsByUnit: `
    select m.unit_id as unitId, count(distinct ev.enrolment_id) as n
    from enrolment_events ev
    cross join enrolments e on e.id = ev.enrolment_id
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where ev.to_status = 'completed' and ev.created_at >= @from and ev.created_at < @to
      and e.status = 'completed' and u.path like @path escape '\\'
    group by m.unit_id`,
  /** certificates issued in the range and not revoked, by member unit */
  certificatesByUnit: `
    select m.unit_id as unitId, count(*) as n
    from certificates c
    cross join enrolments e on e.id = c.enrolment_id
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where c.issued_at >= @from and c.issued_at < @to and c.revoked_at is null
      and u.path like @path escape '\\'
    group by m.unit_id`,
  /** approved enrolments of running activities of members in the subtree (at-risk input) */
  runningEnrolments: `
    select e.id as enrolmentId, e.activity_id as activityId, e.member_id as memberId,
      e.assessment_score as assessmentScore, m.full_name as fullName, m.unit_id as unitId,
      a.title as activityTitle
    from activities a
    cross join enrolments e on e.activity_id = a.id and e.status = 'approved'
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where a.status = 'running' and u.path like @path escape '\\'
      and (@from is null or exists (select 1 from sessions s where s.activity_id = a.id
        and s.starts_at >= @from and s.starts_at < @to))`,
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
  lastSessionOfUnits: `
    select a.organising_unit_id as unitId, max(s.starts_at) as lastAt
    from activities a cross join sessions s on s.activity_id = a.id
    where a.organising_unit_id in (select value from json_each(@ids)) and s.status <> 'cancelled'
      and a.status <> 'draft' and s.starts_at < @to
    group by a.organising_unit_id`,
  /** nominated or approved enrolments in activities held in the range with no present/late mark */
  neverAttended: `
    select e.id as enrolmentId, e.status as status, e.source as source, e.member_id as memberId,
      m.full_name as fullName, m.phone as phone, m.unit_id as unitId, a.id as activityId, a.title as activityTitle,
      a.kind as kind
    from (select distinct s.activity_id as id from sessions s
          where s.starts_at >= @from and s.starts_at < @to and s.starts_at <= @now and s.status <> 'cancelled') held
    cross join activities a on a.id = held.id
    cross join enrolments e on e.activity_id = a.id and e.status in ('nominated', 'approved')
    cross join members m on m.id = e.member_id
    cross join units u on u.id = m.unit_id
    where a.status <> 'draft' and a.status <> 'cancelled' and u.path like @path escape '\\'
      and not exists (
        select 1 from sessions s2 cross join attendance at2 on at2.session_id = s2.id and at2.member_id = e.member_id
        where s2.activity_id = e.activity_id and s2.status <> 'cancelled' and at2.status in ('present', 'late'))
    order by a.title, m.full_name
    limit 5000`,
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

export const likePrefix = (path: string) => `${escapeLike(path)}%`;

export class ReportsRepository {
  constructor(private db: Db) {}

  private all<T>(sql: string, params: Record<string, unknown>): T[] {
    return this.db.$client.prepare(sql).all(params) as T[];
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
       where path like @p escape '\\' and archived_at is null order by path`,
      { p: likePrefix(path) },
    );
  }

  attendanceByUnit(r: RangeParams & { youthFrom: number; youthTo: number }): AttendanceUnitRow[] {
    return this.all(SQL.attendanceByUnit, { ...r, path: likePrefix(r.path) });
  }

  attendanceTotals(r: RangeParams): { marked: number; attended: number } {
    return this.db.$client.prepare(SQL.attendanceTotals).get({ ...r, path: likePrefix(r.path) }) as {
      marked: number;
      attended: number;
    };
  }

  participantsByKind(r: RangeParams): { kind: ActivityKind; participants: number }[] {
    return this.all(SQL.participantsByKind, { ...r, path: likePrefix(r.path) });
  }

  sessionsByUnit(r: RangeParams & { now: number }): SessionsUnitRow[] {
    return this.all(SQL.sessionsByUnit, { ...r, path: likePrefix(r.path) });
  }

  completionsByUnit(r: RangeParams): { unitId: number; n: number }[] {
    return this.all(SQL.completionsByUnit, { ...r, path: likePrefix(r.path) });
  }

  certificatesByUnit(r: RangeParams): { unitId: number; n: number }[] {
    return this.all(SQL.certificatesByUnit, { ...r, path: likePrefix(r.path) });
  }

  runningEnrolments(path: string, range: { from: number; to: number } | null) {
    return this.all<{
      enrolmentId: number;
      activityId: number;
      memberId: number;
      assessmentScore: number | null;
      fullName: string;
      unitId: number;
      activityTitle: string;
    }>(SQL.runningEnrolments, { path: likePrefix(path), from: range?.from ?? null, to: range?.to ?? null });
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
    return this.all<{ id: number; activityId: number; startsAt: number; status: string }>(SQL.sessionsOf, {
      ids: JSON.stringify(ids),
    });
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
    }>(SQL.neverAttended, { ...r, path: likePrefix(r.path) });
  }

  setting(key: string): string | null {
    const row = this.db.$client.prepare('select value from settings where key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value ?? null;
  }
}
