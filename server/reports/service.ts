import { ACTIVITY_KINDS, type ActivityKind } from '../../db/schema.ts';
import { dataCache, deepFreeze, settled } from '../core/cache.ts';
import type { Db } from '../core/db.ts';
import { forbidden, notFound } from '../core/errors.ts';
import { authorize, can, isOffice, type Viewer } from '../core/policy.ts';
import { monthRange, startOfDay, zonedParts, zonedToUtc } from '../core/time.ts';
import { type AtRiskRow, membersBelowRule } from './progress.ts';
import { NEVER_LIMIT, type RangeParams, ReportsRepository, type UnitRow } from './repository.ts';

export const DEFAULT_YOUTH = { min: 18, max: 35 };

export interface Figures {
  byKind: Record<ActivityKind, { activities: number; held: number; cancelled: number; participants: number }>;
  activities: number;
  sessionsHeld: number;
  sessionsCancelled: number;
  marked: number;
  present: number;
  late: number;
  excused: number;
  absent: number;
  /** present + late */
  attended: number;
  /** attended ÷ marked × 100, one decimal; null when nothing was marked */
  rate: number | null;
  /** present + late + excused: came, or excused themselves (an accepted apology) */
  committed: number;
  /** committed ÷ marked × 100, one decimal; null when nothing was marked */
  commitmentRate: number | null;
  participants: number;
  women: number;
  youth: number;
  womenCouncil: number;
  youthCouncil: number;
  completions: number;
  certificates: number;
}

export interface UnitFigures extends Omit<Figures, 'byKind'> {
  unit: UnitRow;
  /** the unit's own members / activities only (not its children) */
  own: boolean;
}

const emptyFigures = (): Omit<Figures, 'byKind'> => ({
  activities: 0,
  sessionsHeld: 0,
  sessionsCancelled: 0,
  marked: 0,
  present: 0,
  late: 0,
  excused: 0,
  absent: 0,
  attended: 0,
  rate: null,
  committed: 0,
  commitmentRate: null,
  participants: 0,
  women: 0,
  youth: 0,
  womenCouncil: 0,
  youthCouncil: 0,
  completions: 0,
  certificates: 0,
});

export const rateOf = (attended: number, marked: number) =>
  marked > 0 ? Math.round((attended / marked) * 1000) / 10 : null;

/** "YYYY-MM" of an instant in the zone, shifted by `delta` months */
export function monthKey(d: Date, tz: string, delta = 0): string {
  const p = zonedParts(d, tz);
  const idx = p.year * 12 + (p.month - 1) + delta;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export const shiftMonth = (month: string, delta: number) => {
  const [y, m] = month.split('-').map(Number);
  const idx = y * 12 + (m - 1) + delta;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
};

export type FollowUpList = 'below' | 'inactive' | 'never';

/** rows of a follow-up list on one page (the member list's page size) */
export const FOLLOW_UP_PAGE = 50;

/** The monthly qualification report, the follow-up lists and the subtree scope they obey. */
export class ReportsService {
  readonly repo: ReportsRepository;

  constructor(
    private db: Db,
    private tz: string,
  ) {
    this.repo = new ReportsRepository(db);
  }

  /** The unit a report covers: the one asked for if the viewer may see it, else the viewer's top unit. */
  resolveUnit(viewer: Viewer | null, unitId: number | null): UnitRow {
    authorize(viewer, 'reports.view');
    if (unitId !== null) {
      const unit = this.repo.unit(unitId);
      if (!unit) throw notFound();
      if (!can(viewer, 'reports.viewUnit', unit.path)) throw forbidden();
      return unit;
    }
    const unit = isOffice(viewer) ? this.repo.roots()[0] : this.repo.units([viewer.coordinatorUnits[0].id])[0];
    if (!unit) throw notFound();
    return unit;
  }

  /** Units the viewer may pick: the office every unit, a coordinator its subtrees. */
  unitOptions(viewer: Viewer): UnitRow[] {
    if (isOffice(viewer)) return this.repo.roots().flatMap((r) => this.repo.subtree(r.path));
    const seen = new Set<number>();
    return viewer.coordinatorUnits
      .flatMap((u) => this.repo.subtree(u.path))
      .filter((u) => {
        if (seen.has(u.id)) return false;
        seen.add(u.id);
        return true;
      });
  }

  youthBand(q: { youthMin?: number | null; youthMax?: number | null }) {
    const num = (k: string) => {
      const v = this.repo.setting(k);
      const n = v === null ? Number.NaN : Number(v);
      return Number.isInteger(n) ? n : null;
    };
    let min = q.youthMin ?? num('reports.youth_min') ?? DEFAULT_YOUTH.min;
    let max = q.youthMax ?? num('reports.youth_max') ?? DEFAULT_YOUTH.max;
    if (min > max) [min, max] = [max, min];
    return { min, max };
  }

  /** Figures of a subtree for [from, to), per child unit and in total. */
  figures(unit: UnitRow, from: Date, to: Date, youth: { min: number; max: number }, now: Date) {
    const year = zonedParts(from, this.tz).year;
    const r = { from: from.getTime(), to: to.getTime(), path: unit.path };
    const subtree = this.repo.subtree(unit.path);
    const children = subtree.filter((u) => u.parentId === unit.id);
    // which row of the table a unit's figures go to: its child of `unit`, or the unit itself
    const rowOf = new Map<number, number>();
    for (const u of subtree) {
      const rest = u.path.slice(unit.path.length).split('/').filter(Boolean);
      rowOf.set(u.id, rest.length ? Number(rest[0]) : unit.id);
    }
    const rows = new Map<number, UnitFigures>();
    rows.set(unit.id, { ...emptyFigures(), unit, own: true });
    for (const c of children) rows.set(c.id, { ...emptyFigures(), unit: c, own: false });
    const total = { ...emptyFigures() };
    const rowFor = (unitId: number) => rows.get(rowOf.get(unitId) ?? -1);

    const add = (
      target: Omit<Figures, 'byKind'>,
      k: keyof Omit<Figures, 'byKind' | 'rate' | 'commitmentRate'>,
      n: number,
    ) => {
      (target[k] as number) += n;
    };
    for (const a of this.repo.attendanceByUnit({ ...r, youthFrom: year - youth.max, youthTo: year - youth.min })) {
      for (const target of [rowFor(a.unitId), total]) {
        if (!target) continue;
        for (const k of [
          'marked',
          'present',
          'late',
          'excused',
          'absent',
          'participants',
          'women',
          'youth',
          'womenCouncil',
          'youthCouncil',
        ] as const)
          add(target, k, a[k]);
        add(target, 'attended', a.present + a.late);
        add(target, 'committed', a.present + a.late + a.excused);
      }
    }
    const byKind = Object.fromEntries(
      ACTIVITY_KINDS.map((k) => [k, { activities: 0, held: 0, cancelled: 0, participants: 0 }]),
    ) as Figures['byKind'];
    for (const s of this.repo.sessionsByUnit({ ...r, now: now.getTime() })) {
      for (const target of [rowFor(s.unitId), total]) {
        if (!target) continue;
        add(target, 'activities', s.activities);
        add(target, 'sessionsHeld', s.held);
        add(target, 'sessionsCancelled', s.cancelled);
      }
      byKind[s.kind].activities += s.activities;
      byKind[s.kind].held += s.held;
      byKind[s.kind].cancelled += s.cancelled;
    }
    for (const p of this.repo.participantsByKind(r)) byKind[p.kind].participants = p.participants;
    for (const c of this.repo.completionsByUnit(r))
      for (const target of [rowFor(c.unitId), total]) if (target) add(target, 'completions', c.n);
    for (const c of this.repo.certificatesByUnit(r))
      for (const target of [rowFor(c.unitId), total]) if (target) add(target, 'certificates', c.n);
    for (const f of [total, ...rows.values()]) {
      f.rate = rateOf(f.attended, f.marked);
      f.commitmentRate = rateOf(f.committed, f.marked);
    }
    const collator = new Intl.Collator('ar');
    const table = [
      rows.get(unit.id)!,
      ...children.map((c) => rows.get(c.id)!).sort((a, b) => collator.compare(a.unit.nameAr, b.unit.nameAr)),
    ];
    return { total: { ...total, byKind } as Figures, table };
  }

  /** The monthly qualification report. */
  monthly(
    viewer: Viewer | null,
    q: { month: string | null; unit: number | null; youthMin?: number | null; youthMax?: number | null },
    now = new Date(),
  ) {
    const unit = this.resolveUnit(viewer, q.unit);
    const month = q.month && monthRange(q.month, this.tz) ? q.month : monthKey(now, this.tz, -1);
    const range = monthRange(month, this.tz)!;
    const prevMonth = shiftMonth(month, -1);
    const prevRange = monthRange(prevMonth, this.tz)!;
    const youth = this.youthBand(q);
    // computed again when the data changes (or after a minute: sessions held by now)
    const { current, previous, trend } = dataCache(this.db).get(
      `reports.monthly|${unit.id}|${unit.path}|${month}|${youth.min}|${youth.max}|${Math.floor(now.getTime() / 60_000)}`,
      () => this.monthlyFigures(unit, range, prevRange, month, youth, now),
    );
    return { unit, month, range, prevMonth, prevRange, youth, current, previous, trend };
  }

  private monthlyFigures(
    unit: UnitRow,
    range: { from: Date; to: Date },
    prevRange: { from: Date; to: Date },
    month: string,
    youth: { min: number; max: number },
    now: Date,
  ) {
    // a month that ended more than two days ago is kept across the writes that cannot change
    // it (today's check-ins and roster saves): see settled() in core/cache.ts
    const scope = `${unit.id}|${unit.path}`;
    const figuresOf = (r: { from: Date; to: Date }) =>
      settled(
        this.db,
        `reports.figures|${scope}|${r.from.getTime()}|${r.to.getTime()}|${youth.min}|${youth.max}`,
        r.to.getTime(),
        () => this.figures(unit, r.from, r.to, youth, now),
        now.getTime(),
      );
    const current = figuresOf(range);
    const previous = figuresOf(prevRange);
    // attendance rate over the 12 months ending with this one (one indexed query per month)
    const trend = [];
    for (let i = 11; i >= 0; i--) {
      const m = shiftMonth(month, -i);
      const mr = monthRange(m, this.tz)!;
      const r = { from: mr.from.getTime(), to: mr.to.getTime(), path: unit.path };
      const t = settled(
        this.db,
        `reports.totals|${scope}|${r.from}|${r.to}`,
        r.to,
        () => this.repo.attendanceTotals(r),
        now.getTime(),
      );
      trend.push({ month: m, start: mr.from, marked: t.marked, rate: rateOf(t.attended, t.marked) });
    }
    return { current, previous, trend };
  }

  /** Dates of a follow-up filter: [from, to] as typed (days, inclusive), default this month. */
  followUpRange(q: { from: string | null; to: string | null }, now: Date) {
    const thisMonth = monthRange(monthKey(now, this.tz), this.tz)!;
    const day = (s: string | null) => {
      if (!s) return null;
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
      if (!m) return null;
      const d = zonedToUtc(+m[1], +m[2], +m[3], 0, 0, this.tz);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    const from = day(q.from) ?? thisMonth.from;
    const toDay = day(q.to);
    const to = toDay ? startOfDay(toDay, this.tz, 1) : thisMonth.to;
    return to > from ? { from, to } : { from, to: startOfDay(from, this.tz, 1) };
  }

  /**
   * The rows of a follow-up list for a subtree and period, the whole list (the CSV exports it,
   * the page shows a page of it): kept while the data is unchanged, for every viewer of the unit.
   * The members below their rule and those who never attended depend on `now` too (sessions that
   * have started count), so they are kept within its minute; the inactive units do not (a unit
   * with a session in the range, held or still to come, is active; the last session is the last
   * before the range's end), so their key has no minute (the shared cache still ages every entry
   * out after 60 s, core/cache.ts, so they are computed again at most once a minute). The list of
   * members below their rule runs every running enrolment of the subtree through the completion
   * rule (7,500 for the whole large organisation, about 100 ms): computed once, not on every page.
   */
  followUp(
    viewer: Viewer | null,
    q: { list: FollowUpList; unit: number | null; from: string | null; to: string | null },
    now = new Date(),
  ) {
    const unit = this.resolveUnit(viewer, q.unit);
    const range = this.followUpRange(q, now);
    const r = { from: range.from.getTime(), to: range.to.getTime(), path: unit.path };
    const minute = q.list === 'inactive' ? '' : Math.floor(now.getTime() / 60_000);
    const lists = dataCache(this.db).get(
      `reports.followUp|${q.list}|${unit.id}|${unit.path}|${r.from}|${r.to}|${minute}`,
      () => deepFreeze(this.followUpLists(q.list, unit, r, now)),
    );
    return { unit, range, ...lists };
  }

  private followUpLists(list: FollowUpList, unit: UnitRow, r: RangeParams, now: Date) {
    const subtree = this.repo.subtree(unit.path);
    const unitById = new Map(subtree.map((u) => [u.id, u]));
    let below: AtRiskRow[] = [];
    let inactive: { unit: UnitRow; lastAt: Date | null }[] = [];
    let never: ReturnType<ReportsRepository['neverAttended']> = [];
    if (list === 'below') below = membersBelowRule(this.repo, unit.path, { from: r.from, to: r.to }, now);
    if (list === 'inactive') {
      const active = this.repo.activeUnits(r.from, r.to);
      const idle = subtree.filter((u) => !active.has(u.id));
      const last = this.repo.lastSessionOfUnits(
        idle.map((u) => u.id),
        r.to,
      );
      inactive = idle.map((u) => ({ unit: u, lastAt: last.has(u.id) ? new Date(last.get(u.id)!) : null }));
    }
    let neverTotal = 0;
    if (list === 'never') {
      const q = { ...r, now: now.getTime() };
      never = this.repo.neverAttended(q);
      // the list stops at NEVER_LIMIT rows; the total stays exact
      neverTotal = never.length < NEVER_LIMIT ? never.length : this.repo.neverAttendedCount(q);
    }
    return { unitById, below, inactive, never, neverTotal };
  }
}
