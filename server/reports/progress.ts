import type { AttendanceStatus } from '../../db/schema.ts';
import {
  type CompletionRule,
  type Progress,
  progressCalculator,
  ruleOf,
  type SessionFact,
} from '../completion/rules.ts';
import type { ReportsRepository } from './repository.ts';

export interface AtRiskRow {
  enrolmentId: number;
  activityId: number;
  activityTitle: string;
  memberId: number;
  fullName: string;
  unitId: number;
  minAttendancePct: number;
  progress: Progress;
}

/** An enrolment with its precomputed attendance counters (kept by the attendance service). */
export interface CountedEnrolment {
  enrolmentId: number;
  activityId: number;
  activityTitle: string;
  memberId: number;
  assessmentScore: number | null;
  present: number;
  late: number;
  excused: number;
  absent: number;
  fullName?: string;
  unitId?: number;
}

type Computed = CountedEnrolment & { minAttendancePct: number; progress: Progress };

const collator = new Intl.Collator('ar');

/**
 * Progress of every approved enrolment of running activities for members of a subtree,
 * by the shared rule (server/completion/rules.ts), from the enrolments' attendance counters:
 * one query for the enrolments, one for the rules, one for the sessions, and the marks only
 * of the few enrolments whose order of absences matters (a consecutive-absence rule they
 * may have broken). Returns the enrolments at risk or unable to qualify.
 */
export function membersBelowRule(
  repo: ReportsRepository,
  path: string,
  range: { from: number; to: number } | null,
  now: Date,
): AtRiskRow[] {
  return named(
    repo,
    computeAll(repo, repo.runningEnrolments(path, range), now, (p) => p.state !== 'on_track'),
  );
}

/** Progress of each given enrolment by its activity's rule, with 3 or 4 queries in all. */
export function progressOf(repo: ReportsRepository, enrolments: CountedEnrolment[], now: Date): AtRiskRow[] {
  return named(repo, computeAll(repo, enrolments, now));
}

/** The enrolments with their progress; with `keep`, only those whose progress it accepts. */
function computeAll(
  repo: ReportsRepository,
  enrolments: CountedEnrolment[],
  now: Date,
  keep: (p: Progress) => boolean = () => true,
): Computed[] {
  if (enrolments.length === 0) return [];
  const ids = [...new Set(enrolments.map((e) => e.activityId))];
  const rules = new Map<number, CompletionRule>(
    repo.activityRules(ids).map((r) => [
      r.id,
      ruleOf({
        ...r,
        lateCounts: !!r.lateCounts,
        excusedExcluded: !!r.excusedExcluded,
        hasAssessment: !!r.hasAssessment,
      }),
    ]),
  );
  // the live (not cancelled) sessions of each activity, in order, and those held by now
  const live = new Map<number, SessionFact[]>();
  for (const s of repo.sessionsOf(ids)) {
    if (s.status === 'cancelled') continue;
    const list = live.get(s.activityId) ?? [];
    list.push({ id: s.id, startsAt: new Date(s.startsAt), cancelled: false });
    live.set(s.activityId, list);
  }
  const held = new Map<number, SessionFact[]>();
  for (const [id, list] of live) {
    list.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    held.set(
      id,
      list.filter((s) => s.startsAt.getTime() <= now.getTime()),
    );
  }
  const unmarked = (e: CountedEnrolment) =>
    Math.max(0, (held.get(e.activityId)?.length ?? 0) - e.present - e.late - e.excused - e.absent);
  // where the order of the marks decides (a run of absences may break the rule), read the real marks
  const ordered = enrolments.filter((e) => {
    const max = rules.get(e.activityId)?.maxConsecutiveAbsences;
    return max !== null && max !== undefined && e.absent + unmarked(e) >= max;
  });
  const orderedSet = new Set(ordered);
  const realMarks = new Map<string, Map<number, AttendanceStatus>>();
  if (ordered.length) {
    const sessionIds = [...new Set(ordered.flatMap((e) => (held.get(e.activityId) ?? []).map((s) => s.id)))];
    const wanted = new Set(ordered.map((e) => `${e.activityId}:${e.memberId}`));
    const activityOf = new Map<number, number>();
    for (const e of ordered) for (const s of held.get(e.activityId) ?? []) activityOf.set(s.id, e.activityId);
    for (const m of repo.marksOfMembers([...new Set(ordered.map((e) => e.memberId))], sessionIds)) {
      const key = `${activityOf.get(m.sessionId)}:${m.memberId}`;
      if (!wanted.has(key)) continue;
      const own = realMarks.get(key) ?? new Map<number, AttendanceStatus>();
      own.set(m.sessionId, m.status);
      realMarks.set(key, own);
    }
  }
  // otherwise the counters decide: the same counts give the same progress, whatever their order
  const memo = new Map<string, Progress>();
  // activities with the same rule share memo entries: the rule's number among the distinct rules
  // (a short key: the rule's JSON in every key made the lookups cost more than the work they saved)
  const ruleNumbers = new Map<string, number>();
  const ruleKeys = new Map<number, number>();
  for (const [id, r] of rules) {
    const json = JSON.stringify(r);
    if (!ruleNumbers.has(json)) ruleNumbers.set(json, ruleNumbers.size);
    ruleKeys.set(id, ruleNumbers.get(json)!);
  }
  // one calculator per activity: its sessions are filtered and sorted once, not for every enrolment
  const calculators = new Map<number, ReturnType<typeof progressCalculator>>();
  const progressIn = (activityId: number, rule: CompletionRule, sessions: SessionFact[]) => {
    let calc = calculators.get(activityId);
    if (!calc) {
      calc = progressCalculator(rule, sessions, now);
      calculators.set(activityId, calc);
    }
    return calc;
  };
  const out: Computed[] = [];
  for (const e of enrolments) {
    const rule = rules.get(e.activityId);
    if (!rule) continue;
    const sessions = live.get(e.activityId) ?? [];
    const key = `${e.activityId}:${e.memberId}`;
    let progress: Progress;
    if (orderedSet.has(e)) {
      progress = progressIn(e.activityId, rule, sessions)(realMarks.get(key) ?? new Map(), e.assessmentScore);
    } else {
      // with marks in a fixed order, progress depends only on the rule, the session counts and the counters
      const memoKey = `${ruleKeys.get(e.activityId)}|${held.get(e.activityId)?.length ?? 0}|${sessions.length}|${e.present}|${e.late}|${e.excused}|${e.absent}|${e.assessmentScore}`;
      const known = memo.get(memoKey);
      if (known) progress = known;
      else {
        progress = progressIn(
          e.activityId,
          rule,
          sessions,
        )(syntheticMarks(held.get(e.activityId) ?? [], e), e.assessmentScore);
        memo.set(memoKey, progress);
      }
    }
    if (!keep(progress)) continue;
    // the fields one by one: spreading a row object from the driver cost more than the rule itself
    out.push({
      enrolmentId: e.enrolmentId,
      activityId: e.activityId,
      activityTitle: e.activityTitle,
      memberId: e.memberId,
      assessmentScore: e.assessmentScore,
      present: e.present,
      late: e.late,
      excused: e.excused,
      absent: e.absent,
      fullName: e.fullName,
      unitId: e.unitId,
      minAttendancePct: rule.minAttendancePct,
      progress,
    });
  }
  return out;
}

/** Marks that give the counters' figures: present first, then late, excused and absent; the rest unmarked. */
function syntheticMarks(held: SessionFact[], c: CountedEnrolment): Map<number, AttendanceStatus> {
  const marks = new Map<number, AttendanceStatus>();
  let i = 0;
  for (const [status, n] of [
    ['present', c.present],
    ['late', c.late],
    ['excused', c.excused],
    ['absent', c.absent],
  ] as const)
    for (let k = 0; k < n && i < held.length; k++) marks.set(held[i++].id, status);
  return marks;
}

/** The rows with their members' names and units (read for the rows that lack them), in title and name order. */
function named(repo: ReportsRepository, rows: Computed[]): AtRiskRow[] {
  const missing = [...new Set(rows.filter((r) => r.fullName === undefined).map((r) => r.memberId))];
  const people = new Map(repo.membersOf(missing).map((m) => [m.id, m]));
  // the few titles are ranked once; names are compared only within one activity
  const titles = [...new Set(rows.map((r) => r.activityTitle))].sort(collator.compare);
  const rank = new Map(titles.map((title, i) => [title, i]));
  return rows
    .map((r) => ({
      enrolmentId: r.enrolmentId,
      activityId: r.activityId,
      activityTitle: r.activityTitle,
      memberId: r.memberId,
      fullName: r.fullName ?? people.get(r.memberId)?.fullName ?? '',
      unitId: r.unitId ?? people.get(r.memberId)?.unitId ?? 0,
      minAttendancePct: r.minAttendancePct,
      progress: r.progress,
    }))
    .sort(
      (a, b) => rank.get(a.activityTitle)! - rank.get(b.activityTitle)! || collator.compare(a.fullName, b.fullName),
    );
}
