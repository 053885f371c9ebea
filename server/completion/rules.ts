import type { AttendanceStatus } from '../../db/schema.ts';

/**
 * An activity's qualification rule and the progress of one enrolment toward it.
 * Pure functions: the same code decides live progress ("on track", "at risk",
 * "can no longer qualify") and the final completed / not completed.
 */
export interface CompletionRule {
  /** minimum attendance in percent, 0..100 */
  minAttendancePct: number;
  /** a late arrival counts as attended */
  lateCounts: boolean;
  /** excused sessions leave the count entirely (numerator and denominator) */
  excusedExcluded: boolean;
  /** when not excluded, an excused session counts this much as attended (0..1) */
  excusedWeight: number;
  /** 'held': sessions held so far; 'planned': every planned session counts from the start */
  denominator: 'held' | 'planned';
  /** this many consecutive absences make the enrolment fail (null: no limit) */
  maxConsecutiveAbsences: number | null;
  /** the N lowest sessions are dropped from the count */
  dropLowest: number;
  hasAssessment: boolean;
  /** minimum assessment score (0..100) when hasAssessment */
  passMark: number | null;
}

export interface SessionFact {
  id: number;
  startsAt: Date;
  cancelled: boolean;
}

export type ProgressState = 'on_track' | 'at_risk' | 'cannot_qualify';

export interface Progress {
  /** sessions not cancelled */
  planned: number;
  /** sessions not cancelled that have started */
  held: number;
  present: number;
  late: number;
  excused: number;
  absent: number;
  /** held sessions with no mark (counted as absent) */
  unmarked: number;
  /** attended value (present, late if counted, excused weight) after drops */
  attendedValue: number;
  /** the denominator the rule uses now, after exclusions and drops */
  counted: number;
  /** attendance rate 0..100 by the rule now (null when nothing counts yet) */
  rate: number | null;
  /** sessions still to come */
  remaining: number;
  /** the fewest remaining sessions the member must attend to reach the minimum (null: impossible) */
  needed: number | null;
  longestAbsenceRun: number;
  assessmentScore: number | null;
  state: ProgressState;
  /** when the state is cannot_qualify: why */
  reason: 'attendance' | 'consecutive' | 'assessment' | null;
}

const EPS = 1e-9;

function value(rule: CompletionRule, status: AttendanceStatus | null): number | null {
  switch (status) {
    case 'present':
      return 1;
    case 'late':
      return rule.lateCounts ? 1 : 0;
    case 'excused':
      return rule.excusedExcluded ? null : rule.excusedWeight;
    default:
      return 0; // absent or unmarked
  }
}

/** Values of the counted sessions after dropping the N lowest. */
function afterDrops(values: number[], drop: number): number[] {
  if (drop <= 0 || values.length === 0) return values;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.slice(Math.min(drop, sorted.length));
}

export function computeProgress(
  rule: CompletionRule,
  sessions: SessionFact[],
  marks: Map<number, AttendanceStatus>,
  now: Date,
  assessmentScore: number | null = null,
): Progress {
  return progressCalculator(rule, sessions, now)(marks, assessmentScore);
}

/**
 * `computeProgress` for many enrolments of one activity: the sessions are filtered and sorted
 * once, then each enrolment's marks are counted against them.
 */
export function progressCalculator(
  rule: CompletionRule,
  sessions: SessionFact[],
  now: Date,
): (marks: Map<number, AttendanceStatus>, assessmentScore?: number | null) => Progress {
  const live = sessions.filter((s) => !s.cancelled).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const heldSessions = live.filter((s) => s.startsAt.getTime() <= now.getTime());
  const remaining = live.length - heldSessions.length;
  return (marks, assessmentScore = null) => {
    const counts = { present: 0, late: 0, excused: 0, absent: 0, unmarked: 0 };
    const heldValues: number[] = [];
    let run = 0;
    let longestRun = 0;
    for (const s of heldSessions) {
      const status = marks.get(s.id) ?? null;
      if (status === null) counts.unmarked++;
      else counts[status]++;
      const v = value(rule, status);
      if (v !== null) heldValues.push(v);
      if (status === 'absent' || status === null) {
        run++;
        longestRun = Math.max(longestRun, run);
      } else if (status !== 'excused') run = 0;
    }
    const kept = afterDrops(heldValues, rule.dropLowest);
    const attendedValue = kept.reduce((a, b) => a + b, 0);
    // denominator now: held sessions, or every planned session (future ones count as not yet attended)
    const counted =
      rule.denominator === 'planned'
        ? kept.length + Math.max(0, remaining - Math.max(0, rule.dropLowest - heldValues.length))
        : kept.length;
    const rate = counted > 0 ? (attendedValue / counted) * 100 : null;

    // best case: every remaining session attended; future sessions count fully in any denominator
    const finalValues = (k: number) =>
      afterDrops([...heldValues, ...Array(k).fill(1), ...Array(remaining - k).fill(0)], rule.dropLowest);
    const meets = (k: number) => {
      const vals = finalValues(k);
      return vals.length === 0 || (vals.reduce((a, b) => a + b, 0) / vals.length) * 100 + EPS >= rule.minAttendancePct;
    };
    // The fewest k that meets the minimum. Attending one more session (a 0 becomes a 1) never
    // lowers any of the sorted values kept after the drops, nor (rounding is monotonic) their
    // sum, and leaves their number alone: meets(k) is monotonic in k, so a binary search finds
    // the k the first k = 0, 1, 2, … to meet it would (remaining² sorts for a long circle).
    let needed: number | null = null;
    if (meets(0)) needed = 0;
    else if (remaining > 0 && meets(remaining)) {
      let lo = 0; // does not meet
      let hi = remaining; // meets
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (meets(mid)) hi = mid;
        else lo = mid;
      }
      needed = hi;
    }

    let state: ProgressState = 'on_track';
    let reason: Progress['reason'] = null;
    if (rule.maxConsecutiveAbsences !== null && longestRun >= rule.maxConsecutiveAbsences) {
      state = 'cannot_qualify';
      reason = 'consecutive';
    } else if (needed === null) {
      state = 'cannot_qualify';
      reason = 'attendance';
    } else if (
      rule.hasAssessment &&
      assessmentScore !== null &&
      rule.passMark !== null &&
      assessmentScore < rule.passMark
    ) {
      state = 'cannot_qualify';
      reason = 'assessment';
    } else if (rate !== null && rate + EPS < rule.minAttendancePct) {
      state = 'at_risk';
    }
    return {
      planned: live.length,
      held: heldSessions.length,
      ...counts,
      attendedValue,
      counted,
      rate,
      remaining,
      needed,
      longestAbsenceRun: longestRun,
      assessmentScore,
      state,
      reason,
    };
  };
}

/** The final decision when an activity finishes: completed or not. */
export function decideCompletion(rule: CompletionRule, p: Progress): boolean {
  if (p.state === 'cannot_qualify') return false;
  if (p.remaining > 0 && p.needed !== 0) return false;
  if (
    rule.hasAssessment &&
    (p.assessmentScore === null || (rule.passMark !== null && p.assessmentScore < rule.passMark))
  )
    return false;
  if (p.counted === 0) return p.held > 0 || p.excused > 0;
  return p.rate !== null && p.rate + EPS >= rule.minAttendancePct;
}

/** The rule columns of an activity row, as a CompletionRule. */
export function ruleOf(a: {
  minAttendancePct: number;
  lateCounts: boolean;
  excusedExcluded: boolean;
  excusedWeight: number;
  denominator: 'held' | 'planned';
  maxConsecutiveAbsences: number | null;
  dropLowest: number;
  hasAssessment: boolean;
  passMark: number | null;
}): CompletionRule {
  return {
    minAttendancePct: a.minAttendancePct,
    lateCounts: a.lateCounts,
    excusedExcluded: a.excusedExcluded,
    excusedWeight: a.excusedWeight,
    denominator: a.denominator,
    maxConsecutiveAbsences: a.maxConsecutiveAbsences,
    dropLowest: a.dropLowest,
    hasAssessment: a.hasAssessment,
    passMark: a.passMark,
  };
}
