import type { AttendanceStatus, EnrolmentStatus } from '../../db/schema.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import { authorize, can, inScope, isCoordinator, type Viewer } from '../core/policy.ts';
import { parseLocalDateTime, startOfDay } from '../core/time.ts';
import {
  type ActivityRow,
  CompletionRepository,
  type EnrolmentWithMember,
  type SessionRow,
  TRACKED,
} from './repository.ts';
import { decideCompletion, type Progress, progressCalculator, ruleOf } from './rules.ts';
import type { EligibilityQuery, OverrideForm } from './schemas.ts';

export const PAGE_SIZE = 50;

type RuleActivity = Parameters<typeof ruleOf>[0] & { status: string };

/**
 * Progress of one enrolment toward its activity's rule. Once the activity is finished,
 * sessions that never took place (planned after the end) no longer count.
 */
export function progressOf(
  a: RuleActivity,
  sessionRows: SessionRow[],
  marks: Map<number, AttendanceStatus>,
  score: number | null,
  now: Date,
): Progress {
  return progressOfActivity(a, sessionRows, now)(marks, score);
}

/** `progressOf` for many enrolments of one activity: its sessions are prepared once. */
export function progressOfActivity(a: RuleActivity, sessionRows: SessionRow[], now: Date) {
  const finished = a.status === 'finished';
  const facts = sessionRows
    .filter((s) => !(finished && s.startsAt.getTime() > now.getTime()))
    .map((s) => ({ id: s.id, startsAt: s.startsAt, cancelled: s.status === 'cancelled' }));
  return progressCalculator(ruleOf(a), facts, now);
}

/** Completing the previous phase of the programme makes a member eligible for the next one. */
export function isEligibleForPhase(db: Db, memberId: number, phaseId: number): boolean {
  const repo = new CompletionRepository(db);
  const phase = repo.phase(phaseId);
  if (!phase) return false;
  if (!phase.requiresPrevious) return true;
  const prev = repo.previousPhase(phase.programmeId, phase.position);
  if (!prev) return true;
  return repo.completedPhase(memberId, prev.id);
}

function marksByMember(rows: { memberId: number; sessionId: number; status: AttendanceStatus }[]) {
  const out = new Map<number, Map<number, AttendanceStatus>>();
  for (const r of rows) {
    let m = out.get(r.memberId);
    if (!m) {
      m = new Map();
      out.set(r.memberId, m);
    }
    m.set(r.sessionId, r.status);
  }
  return out;
}

export interface ProgressRow {
  enrolmentId: number;
  memberId: number;
  fullName: string;
  unitPath: string;
  unitNameAr: string;
  unitNameEn: string | null;
  status: EnrolmentStatus;
  overridden: boolean;
  score: number | null;
  progress: Progress;
  certificateId: number | null;
  certificateRevoked: boolean;
}

/** Live progress, the decision when an activity finishes, assessment scores, overrides, eligibility. */
export class CompletionService {
  private repo: CompletionRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private events: EventBus,
    private tz: string,
  ) {
    this.repo = new CompletionRepository(db);
  }

  private activityOr404(id: number): ActivityRow {
    const a = this.repo.activity(id);
    if (!a) throw notFound();
    return a;
  }

  private trainsIt(viewer: Viewer | null, activityId: number) {
    return !!viewer && this.repo.isTrainerOf(activityId, viewer.userId);
  }

  /**
   * Every enrolment's progress on an activity the viewer may see: all of them for the
   * office and its trainers, the coordinator's own units' members, or the member's own.
   * Three queries whatever the size: enrolments, sessions, attendance.
   */
  activityProgress(viewer: Viewer | null, activityId: number, opts: { quiet?: boolean } = {}) {
    const activity = this.activityOr404(activityId);
    const trainsIt = this.trainsIt(viewer, activityId);
    let scope: 'all' | 'units' | 'own';
    if (can(viewer, 'completion.viewAll', trainsIt)) scope = 'all';
    else if (isCoordinator(viewer)) scope = 'units';
    else if (viewer?.memberId) scope = 'own';
    else throw forbidden();
    const sessionRows = this.repo.sessionsOf([activityId]);
    const now = new Date();
    let rows: readonly ProgressRow[];
    /** what the rows depend on besides the data, when everyone with the same sees the same */
    let shared: string | null = null;
    if (scope === 'own') {
      const enrols = this.repo.enrolmentsOf(activityId, { memberIds: [viewer!.memberId!] });
      if (enrols.length === 0 && !opts.quiet) throw forbidden();
      rows = this.progressRows(activity, enrols, sessionRows, now, [viewer!.memberId!]);
    } else {
      // Every enrolment's progress, the same for all who see them (a coordinator sees those of
      // its units), kept while the data is unchanged. The clock changes it only when a session
      // starts (held, remaining, and which sessions still count once finished): the number of
      // sessions started so far is part of the key.
      const started = sessionRows.filter((s) => s.startsAt.getTime() <= now.getTime()).length;
      rows = dataCache(this.db).get(`completion.progress|${activityId}|${started}`, () =>
        deepFreeze(this.progressRows(activity, this.repo.enrolmentsOf(activityId), sessionRows, now)),
      );
      if (scope === 'units') rows = rows.filter((r) => inScope(viewer, r.unitPath));
      else shared = `${activityId}|${started}`;
    }
    const summary = { on_track: 0, at_risk: 0, cannot_qualify: 0, completed: 0, not_completed: 0 };
    for (const r of rows) {
      if (r.status === 'completed' || r.status === 'not_completed') summary[r.status]++;
      else summary[r.progress.state]++;
    }
    const canOverride = can(viewer, 'completion.override') && activity.status === 'finished';
    return {
      activity,
      rows,
      scope,
      summary,
      canAssess: can(viewer, 'completion.assess', trainsIt) && activity.hasAssessment,
      canOverride,
      canDecide: can(viewer, 'completion.decide') && activity.status === 'finished',
      canCertify: can(viewer, 'certificates.manage'),
      /**
       * Names the rendered rows, kept (views/completion/_table.eta) for all who see every row
       * (the office, the activity's trainers) and may override them or not: 1,500 rows are 600 kB.
       */
      rowsKey: shared && `${shared}|${canOverride ? 'override' : 'read'}`,
    };
  }

  /** Progress rows of some enrolments of an activity: attendance and certificates in one query each. */
  private progressRows(
    activity: ActivityRow,
    enrols: EnrolmentWithMember[],
    sessionRows: SessionRow[],
    now: Date,
    memberIds?: number[],
  ): ProgressRow[] {
    const marks = marksByMember(enrols.length ? this.repo.attendanceOf(activity.id, memberIds) : []);
    const certs = enrols.some((e) => e.status === 'completed') ? this.repo.certificatesOf(activity.id) : new Map();
    const progress = progressOfActivity(activity, sessionRows, now);
    const none = new Map<number, AttendanceStatus>();
    return enrols.map((e) => ({
      enrolmentId: e.id,
      memberId: e.memberId,
      fullName: e.fullName,
      unitPath: e.unitPath,
      unitNameAr: e.unitNameAr,
      unitNameEn: e.unitNameEn,
      status: e.status,
      overridden: e.completionOverridden,
      score: e.assessmentScore,
      progress: progress(marks.get(e.memberId) ?? none, e.assessmentScore),
      certificateId: certs.get(e.id)?.id ?? null,
      certificateRevoked: !!certs.get(e.id)?.revokedAt,
    }));
  }

  /** One member's progress in every activity they take part in (three queries). */
  memberProgress(viewer: Viewer | null, memberId: number) {
    const member = this.repo.member(memberId);
    if (!member) throw notFound();
    authorize(viewer, 'completion.viewMember', member.id, member.unitPath);
    const enrols = this.repo.enrolmentsOfMember(memberId);
    const ids = enrols.map((e) => e.activity.id);
    const sessionRows = this.repo.sessionsOf(ids);
    const bySession = new Map<number, SessionRow[]>();
    for (const s of sessionRows) bySession.set(s.activityId, [...(bySession.get(s.activityId) ?? []), s]);
    const marks = new Map<number, Map<number, AttendanceStatus>>();
    for (const m of this.repo.attendanceOfMember(memberId, ids)) {
      if (!marks.has(m.activityId)) marks.set(m.activityId, new Map());
      marks.get(m.activityId)!.set(m.sessionId, m.status);
    }
    const now = new Date();
    const rows = enrols.map((e) => ({
      enrolmentId: e.id,
      activityId: e.activity.id,
      title: e.activity.title,
      kind: e.activity.kind,
      activityStatus: e.activity.status,
      minAttendancePct: e.activity.minAttendancePct,
      status: e.status,
      overridden: e.completionOverridden,
      progress: progressOf(
        e.activity,
        bySession.get(e.activity.id) ?? [],
        marks.get(e.activity.id) ?? new Map(),
        e.assessmentScore,
        now,
      ),
    }));
    return { member, rows };
  }

  /**
   * Decides completed / not completed for a finished activity's enrolments by its rule
   * (all of them, or some members'), leaving office overrides alone. Runs inside the
   * caller's transaction when there is one (domain events).
   */
  decideActivity(activityId: number, byUserId: number | null, memberIds?: number[]) {
    const activity = this.repo.activity(activityId);
    const result = { completed: 0, notCompleted: 0, changed: 0 };
    if (activity?.status !== 'finished') return result;
    return tx(this.db, () => {
      const enrols = this.repo.enrolmentsOf(activityId, { memberIds }).filter((e) => !e.completionOverridden);
      if (enrols.length === 0) return result;
      const sessionRows = this.repo.sessionsOf([activityId]);
      const marks = marksByMember(this.repo.attendanceOf(activityId, memberIds));
      const now = new Date();
      const progress = progressOfActivity(activity, sessionRows, now);
      const rule = ruleOf(activity);
      const changes: { enrolmentId: number; memberId: number; from: EnrolmentStatus; to: EnrolmentStatus }[] = [];
      for (const e of enrols) {
        const p = progress(marks.get(e.memberId) ?? new Map(), e.assessmentScore);
        const to: EnrolmentStatus = decideCompletion(rule, p) ? 'completed' : 'not_completed';
        if (to === 'completed') result.completed++;
        else result.notCompleted++;
        if (to === e.status) continue;
        this.repo.setStatus(e.id, to, false, now);
        this.repo.insertEvent({
          enrolmentId: e.id,
          fromStatus: e.status,
          toStatus: to,
          byUserId,
          reason: null,
          at: now,
        });
        changes.push({ enrolmentId: e.id, memberId: e.memberId, from: e.status, to });
      }
      result.changed = changes.length;
      if (changes.length) {
        this.audit.record({
          userId: byUserId,
          action: 'completion.decide',
          entity: 'activity',
          entityId: activityId,
          details: { changes },
        });
        for (const c of changes)
          this.events.emit('enrolment.statusChanged', {
            enrolmentId: c.enrolmentId,
            activityId,
            memberId: c.memberId,
            from: c.from,
            to: c.to,
            byUserId,
            reason: null,
          });
      }
      return result;
    });
  }

  /** The office decides (again) by hand, e.g. after correcting attendance. */
  decideNow(viewer: Viewer | null, activityId: number) {
    authorize(viewer, 'completion.decide');
    const activity = this.activityOr404(activityId);
    if (activity.status !== 'finished') throw new FormError({ _form: 'completion.errors.notFinished' });
    return this.decideActivity(activityId, viewer.userId);
  }

  // ---------------------------------------------------------------- assessment

  assessment(viewer: Viewer | null, activityId: number) {
    const activity = this.activityOr404(activityId);
    authorize(viewer, 'completion.assess', this.trainsIt(viewer, activityId));
    const rows = this.repo.enrolmentsOf(activityId);
    return { activity, rows };
  }

  /** Saves every score of the form at once (fields score_<enrolmentId>, empty = none). */
  saveScores(viewer: Viewer | null, activityId: number, body: Record<string, unknown>) {
    const { activity, rows } = this.assessment(viewer, activityId);
    if (!activity.hasAssessment) throw new FormError({ _form: 'completion.errors.noAssessment' });
    const errors: Record<string, string> = {};
    const changes: { enrolmentId: number; memberId: number; from: number | null; to: number | null }[] = [];
    for (const r of rows) {
      const field = `score_${r.id}`;
      const raw = body[field];
      if (raw === undefined) continue;
      const text = String(Array.isArray(raw) ? raw[0] : raw).trim();
      let score: number | null = null;
      if (text !== '') {
        const n = Number(text.replace(',', '.'));
        if (!/^\d+([.,]\d+)?$/.test(text) || !Number.isFinite(n) || n < 0 || n > 100) {
          errors[field] = 'completion.errors.score';
          continue;
        }
        score = Math.round(n * 100) / 100;
      }
      if (score !== r.assessmentScore)
        changes.push({ enrolmentId: r.id, memberId: r.memberId, from: r.assessmentScore, to: score });
    }
    if (Object.keys(errors).length) throw new FormError(errors);
    tx(this.db, () => {
      const now = new Date();
      for (const c of changes) this.repo.setScore(c.enrolmentId, c.to, now);
      if (changes.length)
        this.audit.record({
          userId: viewer!.userId,
          action: 'completion.scores',
          entity: 'activity',
          entityId: activityId,
          details: { changes },
        });
      if (changes.length && activity.status === 'finished')
        this.decideActivity(
          activityId,
          viewer!.userId,
          changes.map((c) => c.memberId),
        );
    });
    return changes.length;
  }

  // ---------------------------------------------------------------- override

  overrideView(viewer: Viewer | null, enrolmentId: number) {
    authorize(viewer, 'completion.override');
    const enrolment = this.repo.enrolment(enrolmentId);
    if (!enrolment) throw notFound();
    const activity = this.activityOr404(enrolment.activityId);
    const sessionRows = this.repo.sessionsOf([activity.id]);
    const marks = marksByMember(this.repo.attendanceOf(activity.id, [enrolment.memberId]));
    const progress = progressOf(
      activity,
      sessionRows,
      marks.get(enrolment.memberId) ?? new Map(),
      enrolment.assessmentScore,
      new Date(),
    );
    return { enrolment, activity, progress, byRule: decideCompletion(ruleOf(activity), progress) };
  }

  /** The office sets one enrolment's result by hand (or hands it back to the rule), with a reason. */
  override(viewer: Viewer | null, enrolmentId: number, form: OverrideForm) {
    const { enrolment, activity } = this.overrideView(viewer, enrolmentId);
    if (!TRACKED.includes(enrolment.status)) throw new FormError({ result: 'completion.errors.notTracked' });
    if (activity.status !== 'finished') throw new FormError({ result: 'completion.errors.notFinished' });
    tx(this.db, () => {
      const now = new Date();
      const by = viewer!.userId;
      if (form.result === 'rule') {
        this.repo.setOverridden(enrolmentId, false, now);
        this.decideActivity(activity.id, by, [enrolment.memberId]);
        const after = this.repo.enrolment(enrolmentId)!;
        this.repo.insertEvent({
          enrolmentId,
          fromStatus: enrolment.status,
          toStatus: after.status,
          byUserId: by,
          reason: form.reason,
          at: now,
        });
      } else {
        this.repo.setStatus(enrolmentId, form.result, true, now);
        this.repo.insertEvent({
          enrolmentId,
          fromStatus: enrolment.status,
          toStatus: form.result,
          byUserId: by,
          reason: form.reason,
          at: now,
        });
        if (form.result !== enrolment.status)
          this.events.emit('enrolment.statusChanged', {
            enrolmentId,
            activityId: activity.id,
            memberId: enrolment.memberId,
            from: enrolment.status,
            to: form.result,
            byUserId: by,
            reason: form.reason,
          });
      }
      this.audit.record({
        userId: by,
        action: 'completion.override',
        entity: 'enrolment',
        entityId: enrolmentId,
        details: { from: enrolment.status, result: form.result, reason: form.reason },
      });
    });
  }

  // ---------------------------------------------------------------- eligibility

  isEligibleForPhase(memberId: number, phaseId: number): boolean {
    return isEligibleForPhase(this.db, memberId, phaseId);
  }

  /** Members who completed a phase (within a period, within a unit): eligible for the next phase. */
  eligibility(viewer: Viewer | null, programmeId: number, q: EligibilityQuery, all = false) {
    authorize(viewer, 'completion.eligibility');
    const programme = this.repo.programme(programmeId);
    if (!programme) throw notFound();
    const phases = this.repo.phasesOf(programmeId);
    const phase = phases.find((p) => p.id === q.phase) ?? phases[0] ?? null;
    const nextPhase = phase ? (phases.find((p) => p.position > phase.position) ?? null) : null;
    const activities = phase ? this.repo.activitiesOfPhase(phase.id) : [];
    const activity = activities.find((a) => a.id === q.activity) ?? null;
    const unit = q.unit ? (this.repo.unit(q.unit) ?? null) : null;
    const from = q.from ? parseLocalDateTime(q.from, '00:00', this.tz) : null;
    const toDay = q.to ? parseLocalDateTime(q.to, '00:00', this.tz) : null;
    const to = toDay ? startOfDay(toDay, this.tz, 1) : null;
    const limit = all ? 1_000_000 : PAGE_SIZE;
    const { rows, total } = phase
      ? this.repo.completedInPhase({
          phaseId: phase.id,
          activityId: activity?.id ?? null,
          from,
          to,
          unitPath: unit?.path ?? null,
          limit,
          offset: all ? 0 : (q.page - 1) * PAGE_SIZE,
        })
      : { rows: [], total: 0 };
    return {
      programme,
      phases,
      phase,
      nextPhase,
      activities,
      activity,
      units: this.repo.unitOptions(),
      rows,
      total,
      page: q.page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    };
  }

  programmes(viewer: Viewer | null) {
    authorize(viewer, 'completion.eligibility');
    return this.repo.programmes();
  }
}
