import type { AttendanceStatus } from '../../db/schema.ts';
import { computeProgress, type Progress, ruleOf, type SessionFact } from '../completion/rules.ts';
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

/**
 * Progress of every approved enrolment of running activities for members of a subtree,
 * computed in bulk: one query for the enrolments, one for the rules, one for the sessions
 * and one for the marks of those activities (never a query per member). Returns the
 * enrolments at risk or unable to qualify by the shared rule (server/completion/rules.ts).
 */
export function membersBelowRule(
  repo: ReportsRepository,
  path: string,
  range: { from: number; to: number } | null,
  now: Date,
): AtRiskRow[] {
  return progressOf(repo, repo.runningEnrolments(path, range), now).filter((r) => r.progress.state !== 'on_track');
}

/** Progress of each given enrolment by its activity's rule, with 3 queries in all. */
export function progressOf(
  repo: ReportsRepository,
  enrolments: (Omit<AtRiskRow, 'progress' | 'minAttendancePct'> & { assessmentScore: number | null })[],
  now: Date,
): AtRiskRow[] {
  if (enrolments.length === 0) return [];
  const ids = [...new Set(enrolments.map((e) => e.activityId))];
  const rules = new Map(
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
  const sessionsByActivity = new Map<number, SessionFact[]>();
  for (const s of repo.sessionsOf(ids)) {
    const list = sessionsByActivity.get(s.activityId) ?? [];
    list.push({ id: s.id, startsAt: new Date(s.startsAt), cancelled: s.status === 'cancelled' });
    sessionsByActivity.set(s.activityId, list);
  }
  const wanted = new Set(enrolments.map((e) => e.memberId));
  const marks = new Map<number, Map<number, AttendanceStatus>>();
  for (const m of repo.marksOf(ids)) {
    if (!wanted.has(m.memberId)) continue;
    let own = marks.get(m.memberId);
    if (!own) {
      own = new Map();
      marks.set(m.memberId, own);
    }
    own.set(m.sessionId, m.status);
  }
  const out: AtRiskRow[] = [];
  for (const e of enrolments) {
    const rule = rules.get(e.activityId);
    if (!rule) continue;
    const progress = computeProgress(
      rule,
      sessionsByActivity.get(e.activityId) ?? [],
      marks.get(e.memberId) ?? new Map(),
      now,
      e.assessmentScore,
    );
    out.push({ ...e, minAttendancePct: rule.minAttendancePct, progress });
  }
  return out.sort(
    (a, b) => a.activityTitle.localeCompare(b.activityTitle, 'ar') || a.fullName.localeCompare(b.fullName, 'ar'),
  );
}
