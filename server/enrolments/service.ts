import type { FastifyInstance } from 'fastify';
import type { EnrolmentStatus } from '../../db/schema.ts';
import { type AudienceRule, inAudience } from '../activities/audience.ts';
import { isEligibleForPhase } from '../completion/service.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { badRequest, FormError, forbidden, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import { authorize, can, isCoordinator, isOffice, unitScope, unitScopeKey, type Viewer } from '../core/policy.ts';
import { type NotificationService, notificationsOf } from '../notifications/service.ts';
import { QuotaRepository, type QuotaRow, RESERVABLE } from './quota-repository.ts';
import { type Standing, standings } from './quota-rules.ts';
import { AWAITING, EnrolmentRepository, type EnrolmentRow, SEATED } from './repository.ts';
import type { Decision, StatusFilter } from './schemas.ts';

export const QUEUE_PAGE_SIZE = 50;
export const ROSTER_PAGE_SIZE = 100;
export const SEARCH_PAGE_SIZE = 30;
/**
 * The latest enrolments and nominations the nomination page lists under the search (the office:
 * all of the activity's; a coordinator: their own). It listed up to 500, 155 of the page's 174 kB
 * for a 1,500-member lecture, and silently left out the rest; the page now links to the queue
 * for them.
 */
export const NOMINATIONS_SHOWN = 50;
/** sessions per printed sign-in sheet (columns of one A4 landscape page) */
export const SHEET_COLUMNS = 10;

/** which transitions each decision may start from */
const DECIDABLE: Record<Decision, EnrolmentStatus[]> = {
  approve: ['nominated', 'pending', 'waitlisted'],
  reject: ['nominated', 'pending', 'waitlisted', 'approved'],
  waitlist: ['nominated', 'pending'],
};
const WITHDRAWABLE: EnrolmentStatus[] = ['nominated', 'pending', 'approved', 'waitlisted'];

export const STATUS_GROUPS: Record<StatusFilter, EnrolmentStatus[]> = {
  awaiting: AWAITING,
  waitlisted: ['waitlisted'],
  approved: SEATED,
  rejected: ['rejected'],
  withdrawn: ['withdrawn'],
  active: [...SEATED, 'waitlisted', ...AWAITING],
  all: [],
};

type ActivityInfo = NonNullable<ReturnType<EnrolmentRepository['activity']>>;

/** System reasons are translation keys; people's reasons are kept as typed. */
export const REASON = {
  full: 'enrolments.history.full',
  promoted: 'enrolments.history.promoted',
  overCapacity: 'enrolments.history.overCapacity',
  autoApproved: 'enrolments.history.autoApproved',
  fromReserve: 'enrolments.history.fromReserve',
  declined: 'enrolments.history.declined',
  confirmed: 'enrolments.history.confirmed',
  unconfirmed: 'enrolments.history.unconfirmed',
} as const;

/**
 * Enrolment rules: members enrol and withdraw, coordinators nominate, the office
 * decides; capacity, waiting list, history, notifications. Every change runs in one
 * IMMEDIATE transaction that reads the seats taken and decides inside it.
 */
export class EnrolmentService {
  readonly repo: EnrolmentRepository;
  readonly quotaRepo: QuotaRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private events: EventBus,
    private notifier: NotificationService,
  ) {
    this.repo = new EnrolmentRepository(db);
    this.quotaRepo = new QuotaRepository(db);
  }

  static of(app: FastifyInstance): EnrolmentService {
    return new EnrolmentService(app.db, app.audit, app.events, notificationsOf(app));
  }

  // ------------------------------------------------------------ reading helpers

  activity(id: number): ActivityInfo {
    const a = this.repo.activity(id);
    if (!a) throw notFound();
    return a;
  }

  private audienceRule(a: ActivityInfo['a']): AudienceRule {
    return {
      audienceKind: a.audienceKind,
      audienceUnitPath: this.repo.unitPath(a.audienceUnitId),
      councilIds: a.audienceKind === 'councils' ? this.repo.councilIdsOfActivity(a.id) : [],
      executiveOnly: a.executiveOnly,
    };
  }

  /** members (of these) who lack the previous phase the activity requires: the completion feature's one rule */
  private missingPrerequisite(a: ActivityInfo['a'], memberIds: number[]): Set<number> {
    if (!a.phaseId || !memberIds.length) return new Set();
    const phaseId = a.phaseId;
    return new Set(memberIds.filter((m) => !isEligibleForPhase(this.db, m, phaseId)));
  }

  /** why the activity takes no enrolment now (a translation key), or null */
  private closedReason(
    a: ActivityInfo['a'],
    now: Date,
    opts: { window: boolean; allowDraft?: boolean },
  ): string | null {
    if (a.status === 'finished') return 'enrolments.errors.finished';
    if (a.status === 'cancelled') return 'enrolments.errors.cancelled';
    if (a.status === 'draft' && !opts.allowDraft) return 'enrolments.errors.notOpen';
    if (opts.window) {
      if (a.enrolOpensAt && now < a.enrolOpensAt) return 'enrolments.errors.notYetOpen';
      if (a.enrolClosesAt && now >= a.enrolClosesAt) return 'enrolments.errors.windowClosed';
    }
    return null;
  }

  private selfEnrolProblem(a: ActivityInfo['a'], memberId: number, now: Date): string | null {
    const closed = this.closedReason(a, now, { window: true });
    if (closed) return closed;
    if (!a.selfEnrol) return 'enrolments.errors.selfEnrolOff';
    const m = this.repo.member(memberId);
    if (!m) return 'enrolments.errors.notInAudience';
    const councils = this.repo.councilIdsOfMembers([memberId]).get(memberId) ?? [];
    const ok = inAudience(this.audienceRule(a), {
      status: m.m.status,
      isExecutive: m.m.isExecutive,
      unitPath: m.unitPath,
      councilIds: councils,
    });
    if (!ok) return 'enrolments.errors.notInAudience';
    if (this.missingPrerequisite(a, [memberId]).size) return 'enrolments.errors.prerequisite';
    return null;
  }

  // ------------------------------------------------------------ changing status

  /**
   * One status change: the row, its history line, the domain event and the notifications
   * (`notifyAs`: a notification kind of its own, e.g. "quota.fromReserve", instead of the
   * status's). Runs inside the caller's transaction.
   */
  transition(
    e: EnrolmentRow,
    to: EnrolmentStatus,
    byUserId: number | null,
    reason: string | null,
    patch: Partial<EnrolmentRow> = {},
    from: EnrolmentStatus | null = e.status,
    notifyAs: string | null = null,
  ): EnrolmentRow {
    const waitlistSeq = to === 'waitlisted' ? (patch.waitlistSeq ?? this.repo.nextWaitlistSeq(e.activityId)) : null;
    const overCapacity = to === 'approved' ? (patch.overCapacity ?? false) : SEATED.includes(to) && e.overCapacity;
    this.repo.update(e.id, { ...patch, status: to, waitlistSeq, overCapacity });
    this.repo.insertEvent({ enrolmentId: e.id, fromStatus: from, toStatus: to, byUserId, reason });
    const next = { ...e, ...patch, status: to, waitlistSeq, overCapacity };
    this.events.emit('enrolment.statusChanged', {
      enrolmentId: e.id,
      activityId: e.activityId,
      memberId: e.memberId,
      from,
      to,
      byUserId,
      reason,
    });
    this.notifyChange(next, to, byUserId, reason, notifyAs);
    return next;
  }

  private notifyChange(
    e: EnrolmentRow,
    to: EnrolmentStatus,
    byUserId: number | null,
    reason: string | null,
    notifyAs: string | null = null,
  ) {
    const a = this.repo.activity(e.activityId);
    const m = this.repo.member(e.memberId);
    if (!a || !m) return;
    const link = `/enrolments/${e.id}`;
    const shownReason = reason && !reason.startsWith('enrolments.') ? reason : '';
    const memberUser = this.repo.userIdsOfMembers([e.memberId]).get(e.memberId);
    if (memberUser && memberUser !== byUserId)
      this.notifier.notify({
        userIds: [memberUser],
        kind: notifyAs ? `${notifyAs}.member` : `enrolment.${to}`,
        params: { activity: a.a.title, reason: shownReason },
        link,
      });
    if (e.nominatedByUserId && e.nominatedByUserId !== byUserId && e.nominatedByUserId !== memberUser)
      this.notifier.notify({
        userIds: [e.nominatedByUserId],
        kind: notifyAs ? `${notifyAs}.nominator` : `nomination.${to}`,
        params: { activity: a.a.title, member: m.m.fullName, reason: shownReason },
        link,
      });
  }

  /**
   * Gives a seat if one is free (or the office overrides), otherwise the next place on
   * the waiting list. Runs inside the caller's transaction.
   */
  private seatOrWaitlist(
    e: EnrolmentRow,
    a: ActivityInfo['a'],
    byUserId: number | null,
    opts: { override?: boolean; reason?: string | null; from?: EnrolmentStatus | null },
  ): EnrolmentRow {
    const from = opts.from === undefined ? e.status : opts.from;
    const free = a.capacity === null || this.repo.seatsTaken(a.id) < a.capacity;
    if (free) return this.transition(e, 'approved', byUserId, opts.reason ?? null, {}, from);
    if (opts.override)
      return this.transition(e, 'approved', byUserId, opts.reason || REASON.overCapacity, { overCapacity: true }, from);
    if (e.status === 'waitlisted' && from === 'waitlisted') return e;
    return this.transition(e, 'waitlisted', byUserId, REASON.full, {}, from);
  }

  /** Fills free seats from the waiting list in arrival order; returns how many moved up. */
  promoteWaitlist(activityId: number, byUserId: number | null = null): number {
    return tx(this.db, () => {
      const a = this.repo.activity(activityId);
      if (!a || a.a.capacity === null || ['finished', 'cancelled'].includes(a.a.status)) return 0;
      let promoted = 0;
      while (this.repo.seatsTaken(activityId) < a.a.capacity) {
        const first = this.repo.firstWaitlisted(activityId);
        if (!first) break;
        this.transition(first, 'approved', byUserId, REASON.promoted);
        promoted++;
      }
      if (promoted)
        this.audit.record({
          userId: byUserId,
          action: 'enrolment.promote',
          entity: 'activity',
          entityId: activityId,
          details: { promoted },
        });
      return promoted;
    });
  }

  /** the office asks to fill free seats (e.g. after raising the capacity) */
  promote(viewer: Viewer | null, activityId: number): number {
    authorize(viewer, 'enrolments.decide');
    this.activity(activityId);
    return this.promoteWaitlist(activityId, viewer.userId);
  }

  // ------------------------------------------------------------ member

  /** A member enrols: approved or waitlisted at once when the activity approves automatically, else pending. */
  enrol(viewer: Viewer | null, activityId: number): EnrolmentStatus {
    authorize(viewer, 'enrolments.self');
    const memberId = viewer.memberId!;
    this.activity(activityId);
    return tx(this.db, () => {
      const { a } = this.activity(activityId);
      const problem = this.selfEnrolProblem(a, memberId, new Date());
      if (problem) throw badRequest(problem);
      const existing = this.repo.byActivityMember(activityId, memberId);
      if (existing && existing.status !== 'withdrawn') throw badRequest('enrolments.errors.alreadyEnrolled');
      const base = {
        source: 'self' as const,
        note: null,
        nominatedByUnitId: null,
        nominatedByUserId: null,
        rank: null,
        confirmation: null,
      };
      const row = existing ?? this.repo.insert({ activityId, memberId, ...base, status: 'pending' });
      if (existing) this.repo.update(existing.id, base);
      const from = existing ? existing.status : null;
      const current = { ...row, ...base };
      const result = a.autoApprove
        ? this.seatOrWaitlist(current, a, viewer.userId, { reason: REASON.autoApproved, from })
        : this.transition(current, 'pending', viewer.userId, null, {}, from);
      this.audit.record({
        userId: viewer.userId,
        action: 'enrolment.enrol',
        entity: 'enrolment',
        entityId: row.id,
        details: { activityId, memberId, status: result.status },
      });
      return result.status;
    });
  }

  /** A member withdraws (until the activity's cut-off); a freed seat goes to the first on the waiting list. */
  withdraw(viewer: Viewer | null, activityId: number, reason: string | null = null): void {
    authorize(viewer, 'enrolments.self');
    this.activity(activityId);
    tx(this.db, () => {
      const { a } = this.activity(activityId);
      const e = this.repo.byActivityMember(activityId, viewer.memberId!);
      if (!e) throw badRequest('enrolments.errors.notEnrolled');
      if (!WITHDRAWABLE.includes(e.status)) throw badRequest('enrolments.errors.cannotWithdraw');
      if (a.status === 'finished' || a.status === 'cancelled') throw badRequest('enrolments.errors.finished');
      if (a.withdrawCutoffAt && new Date() >= a.withdrawCutoffAt) throw badRequest('enrolments.errors.withdrawCutoff');
      const wasSeated = SEATED.includes(e.status);
      this.transition(e, 'withdrawn', viewer.userId, reason);
      this.audit.record({
        userId: viewer.userId,
        action: 'enrolment.withdraw',
        entity: 'enrolment',
        entityId: e.id,
        details: { activityId, from: e.status },
      });
      if (wasSeated) this.seatFreed(e, viewer.userId);
    });
  }

  // ------------------------------------------------------------ quota seats

  /** the unit quota a nomination counts against, if any */
  quotaOf(e: Pick<EnrolmentRow, 'activityId' | 'source' | 'nominatedByUnitId'>) {
    if (e.source !== 'nomination' || !e.nominatedByUnitId) return null;
    return this.quotaRepo.find(e.activityId, e.nominatedByUnitId) ?? null;
  }

  /**
   * A seat was given up (withdrawn, declined, not confirmed in time, rejected). A quota
   * seat goes to the unit's next reserve by rank (approved and notified); with no reserve
   * left it goes back to the office: the waiting list moves up and the office is told.
   * Other seats go to the waiting list. Runs inside the caller's transaction.
   */
  seatFreed(e: EnrolmentRow, byUserId: number | null): void {
    const quota = this.quotaOf(e);
    if (!quota) {
      this.promoteWaitlist(e.activityId, byUserId);
      return;
    }
    const act = this.repo.activity(e.activityId);
    if (!act || ['finished', 'cancelled'].includes(act.a.status)) return;
    const a = act.a;
    const free = a.capacity === null || this.repo.seatsTaken(a.id) < a.capacity;
    const reserve = free ? this.firstReserve(a.id, quota.q.unitId, quota.q.seats) : undefined;
    if (reserve) {
      this.transition(reserve, 'approved', byUserId, REASON.fromReserve, {}, reserve.status, 'quota.fromReserve');
      this.audit.record({
        userId: byUserId,
        action: 'quota.reservePromoted',
        entity: 'enrolment',
        entityId: reserve.id,
        details: { activityId: a.id, unitId: quota.q.unitId, freedBy: e.id },
      });
      return;
    }
    const promoted = this.promoteWaitlist(a.id, byUserId);
    this.notifier.notify({
      userIds: this.quotaRepo.officeUserIds().filter((id) => id !== byUserId),
      kind: 'quota.seatReturned',
      params: { activity: a.title, unit: quota.unitNameAr, promoted },
      link: `/activities/${a.id}/quotas`,
    });
    this.audit.record({
      userId: byUserId,
      action: 'quota.seatReturned',
      entity: 'activity',
      entityId: a.id,
      details: { unitId: quota.q.unitId, freedBy: e.id, promoted },
    });
  }

  /**
   * The unit's reserve #1 as it stood before a seat was freed: main nominees still waiting
   * for the office keep their place, the seat goes to the best ranked beyond them. None when
   * the unit still holds its whole quota or has no one left.
   */
  private firstReserve(activityId: number, unitId: number, seats: number): EnrolmentRow | undefined {
    const list = this.quotaRepo.nominations([{ activityId, unitId }]);
    const seated = list.filter((n) => SEATED.includes(n.status)).length;
    const waiting = list.filter((n) => RESERVABLE.includes(n.status));
    const index = seats - seated - 1;
    const pick = index >= 0 ? waiting[index] : undefined;
    return pick ? this.repo.find(pick.id) : undefined;
  }

  /** main/reserve standing of the given nominations (those counting against a quota) */
  standingsOf(rows: { id: number; activityId: number; source: string; nominatedByUnitId: number | null }[]) {
    const pairs = new Map<string, { activityId: number; unitId: number }>();
    for (const r of rows)
      if (r.source === 'nomination' && r.nominatedByUnitId)
        pairs.set(`${r.activityId}:${r.nominatedByUnitId}`, { activityId: r.activityId, unitId: r.nominatedByUnitId });
    const quotas = this.quotaRepo.findPairs([...pairs.values()]);
    const counted = [...pairs.values()].filter((p) => quotas.has(`${p.activityId}:${p.unitId}`));
    const byPair = new Map<string, { id: number; status: EnrolmentStatus }[]>();
    for (const n of this.quotaRepo.nominations(counted)) {
      const k = `${n.activityId}:${n.unitId}`;
      byPair.set(k, [...(byPair.get(k) ?? []), n]);
    }
    const out = new Map<number, Standing & { quota: QuotaRow }>();
    for (const [k, list] of byPair) {
      const quota = quotas.get(k)!;
      for (const [id, st] of standings(list, quota.seats)) out.set(id, { ...st, quota });
    }
    return out;
  }

  // ------------------------------------------------------------ nominations

  nominationPage(viewer: Viewer | null, activityId: number, q: { q: string; page: number }) {
    authorize(viewer, 'enrolments.nominate');
    const act = this.activity(activityId);
    const scope = unitScope(viewer);
    const search = this.repo.searchMembers({
      scope,
      q: q.q,
      activityId,
      limit: SEARCH_PAGE_SIZE,
      offset: (q.page - 1) * SEARCH_PAGE_SIZE,
    });
    const mine = this.repo.list({
      activityId,
      ...(isOffice(viewer) ? {} : { nominatedIn: scope as string[], nominatedByUserId: viewer.userId }),
      statuses: isOffice(viewer) ? [] : undefined,
      limit: NOMINATIONS_SHOWN,
      offset: 0,
      order: 'recent',
    });
    return {
      activity: act.a,
      closed: this.closedReason(act.a, new Date(), { window: !isOffice(viewer), allowDraft: isOffice(viewer) }),
      ...search,
      page: q.page,
      pages: Math.max(1, Math.ceil(search.total / SEARCH_PAGE_SIZE)),
      mine: mine.rows.filter((r) => isOffice(viewer) || r.source === 'nomination'),
      // the rest are in the queue, filtered to this activity, the same rows in the same order, paged
      mineMore: Math.max(0, mine.total - mine.rows.length),
      standings: this.standingsOf(mine.rows),
      counts: this.repo.counts(activityId),
      isOffice: isOffice(viewer),
    };
  }

  /**
   * A coordinator nominates members of its subtree (status nominated, for the office to
   * decide); the office enrols anyone directly (approved or waitlisted). All or nothing.
   */
  nominate(
    viewer: Viewer | null,
    activityId: number,
    input: { memberIds: number[]; notes: Record<number, string | null>; override: boolean },
  ): { count: number; statuses: EnrolmentStatus[] } {
    authorize(viewer, 'enrolments.nominate');
    this.activity(activityId);
    const office = isOffice(viewer);
    const memberIds = [...new Set(input.memberIds)];
    if (!memberIds.length) throw new FormError({ memberIds: 'enrolments.errors.chooseMembers' });
    if (memberIds.length > 200) throw new FormError({ memberIds: 'enrolments.errors.tooMany' });
    return tx(this.db, () => {
      const { a } = this.activity(activityId);
      const closed = this.closedReason(a, new Date(), { window: !office, allowDraft: office });
      if (closed) throw new FormError({ _form: closed });
      const found = new Map(this.repo.membersWithUnits(memberIds).map((m) => [m.m.id, m]));
      const councils = this.repo.councilIdsOfMembers(memberIds);
      const existing = new Map(this.repo.byActivityMembers(activityId, memberIds).map((e) => [e.memberId, e]));
      const missing = this.missingPrerequisite(a, memberIds);
      const rule = this.audienceRule(a);
      // with unit quotas, a coordinator's nomination counts against the quota of the
      // closest unit over the member, until that unit's nomination deadline
      const quotas = office ? [] : this.quotaRepo.ofActivity(activityId);
      const quotaOf = (unitPath: string) =>
        quotas.filter((q) => unitPath.startsWith(q.unitPath)).sort((x, y) => y.unitPath.length - x.unitPath.length)[0];
      const now = new Date();
      const errors: Record<string, string> = {};
      for (const id of memberIds) {
        const m = found.get(id);
        const field = `m_${id}`;
        if (!m) errors.memberIds = 'enrolments.errors.unknownMember';
        else if (!can(viewer, 'enrolments.nominateIn', m.unitPath)) errors[field] = 'enrolments.errors.outOfScope';
        else if (
          !office &&
          !inAudience(rule, {
            status: m.m.status,
            isExecutive: m.m.isExecutive,
            unitPath: m.unitPath,
            councilIds: councils.get(id) ?? [],
          })
        )
          errors[field] = 'enrolments.errors.notInAudience';
        else if (existing.has(id) && existing.get(id)!.status !== 'withdrawn')
          errors[field] = 'enrolments.errors.alreadyEnrolled';
        else if (missing.has(id)) errors[field] = 'enrolments.errors.prerequisite';
        else if (quotas.length) {
          const q = quotaOf(m.unitPath);
          if (!q) errors[field] = 'enrolments.quotas.errors.noQuota';
          else if (q.q.nominationDeadline && now >= q.q.nominationDeadline)
            errors[field] = 'enrolments.quotas.errors.deadlinePassed';
        }
      }
      if (Object.keys(errors).length) {
        const kinds = new Set(Object.values(errors));
        errors._form = kinds.size === 1 ? [...kinds][0] : 'enrolments.errors.nominationRefused';
        throw new FormError(errors);
      }
      const statuses: EnrolmentStatus[] = [];
      const lastRank = new Map<number, number>();
      for (const id of memberIds) {
        const m = found.get(id)!;
        // the nominating unit: the quota unit over the member, else the coordinator's own
        // unit that covers the member (the closest one)
        const quota = quotas.length ? quotaOf(m.unitPath) : undefined;
        const unit = office
          ? null
          : quota
            ? { id: quota.q.unitId }
            : viewer.coordinatorUnits
                .filter((u) => m.unitPath.startsWith(u.path))
                .sort((x, y) => y.path.length - x.path.length)[0];
        // a quota's nominees are ranked in the order they were nominated; the coordinator reorders them
        let rank: number | null = null;
        if (quota) {
          rank = (lastRank.get(quota.q.unitId) ?? this.quotaRepo.maxRank(activityId, quota.q.unitId)) + 1;
          lastRank.set(quota.q.unitId, rank);
        }
        const base = {
          source: office ? ('office' as const) : ('nomination' as const),
          nominatedByUnitId: unit?.id ?? null,
          nominatedByUserId: viewer.userId,
          note: input.notes[id] ?? null,
          rank,
          confirmation: null,
        };
        const prev = existing.get(id);
        const row = prev ?? this.repo.insert({ activityId, memberId: id, ...base, status: 'nominated' });
        if (prev) this.repo.update(prev.id, base);
        const current = { ...row, ...base };
        const from = prev ? prev.status : null;
        const result = office
          ? this.seatOrWaitlist(current, a, viewer.userId, { override: input.override, from })
          : this.transition(current, 'nominated', viewer.userId, base.note, {}, from);
        statuses.push(result.status);
      }
      this.audit.record({
        userId: viewer.userId,
        action: office ? 'enrolment.officeEnrol' : 'enrolment.nominate',
        entity: 'activity',
        entityId: activityId,
        details: { memberIds, statuses, override: input.override },
      });
      return { count: memberIds.length, statuses };
    });
  }

  // ------------------------------------------------------------ decisions

  /**
   * The office decides one or many enrolments. All are checked first: one that is already
   * decided (or a rejection without a reason) refuses the whole batch, nothing changes.
   * Approving when the activity is full puts the enrolment on the waiting list instead,
   * unless the office explicitly overrides the capacity (recorded).
   */
  decide(
    viewer: Viewer | null,
    ids: number[],
    action: Decision,
    opts: { reason: string | null; override: boolean },
  ): { approved: number; waitlisted: number; rejected: number } {
    authorize(viewer, 'enrolments.decide');
    const unique = [...new Set(ids)];
    if (!unique.length) throw new FormError({ ids: 'enrolments.errors.chooseEnrolments' });
    if (unique.length > 500) throw new FormError({ ids: 'enrolments.errors.tooMany' });
    if (action === 'reject' && !opts.reason) throw new FormError({ reason: 'enrolments.errors.reasonRequired' });
    return tx(this.db, () => {
      const rows = this.repo.findMany(unique);
      if (rows.length !== unique.length) throw notFound();
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const r of rows)
        if (!DECIDABLE[action].includes(r.status))
          throw new FormError({ _form: `enrolments.errors.already_${r.status}` });
      const result = { approved: 0, waitlisted: 0, rejected: 0 };
      const freed: EnrolmentRow[] = [];
      const activityCache = new Map<number, ActivityInfo['a']>();
      for (const id of unique) {
        const e = byId.get(id)!;
        let a = activityCache.get(e.activityId);
        if (!a) {
          a = this.activity(e.activityId).a;
          activityCache.set(a.id, a);
        }
        if (a.status === 'finished' || a.status === 'cancelled')
          throw new FormError({ _form: 'enrolments.errors.finished' });
        let next: EnrolmentRow;
        if (action === 'approve')
          next = this.seatOrWaitlist(e, a, viewer.userId, { override: opts.override, reason: opts.reason });
        else if (action === 'reject') {
          if (SEATED.includes(e.status)) freed.push(e);
          next = this.transition(e, 'rejected', viewer.userId, opts.reason);
        } else next = this.transition(e, 'waitlisted', viewer.userId, opts.reason);
        if (next.status === 'approved') result.approved++;
        else if (next.status === 'waitlisted') result.waitlisted++;
        else if (next.status === 'rejected') result.rejected++;
      }
      this.audit.record({
        userId: viewer.userId,
        action: `enrolment.${action}`,
        entity: 'enrolment',
        entityId: unique.length === 1 ? unique[0] : null,
        details: { ids: unique, reason: opts.reason, override: opts.override, result },
      });
      for (const e of freed) this.seatFreed(e, viewer.userId);
      return result;
    });
  }

  queue(
    viewer: Viewer | null,
    q: { activity: number | null; unit: number | null; status?: StatusFilter; page: number },
  ) {
    authorize(viewer, 'enrolments.queue');
    const office = isOffice(viewer);
    const status = q.status ?? (office ? 'awaiting' : 'all');
    const scope = unitScope(viewer);
    const unitPath = q.unit ? this.repo.unitPath(q.unit) : null;
    const { rows, total } = this.repo.list({
      activityId: q.activity,
      unitPath: q.unit ? (unitPath ?? '/none/') : null,
      statuses: STATUS_GROUPS[status],
      ...(office ? {} : { nominatedIn: scope as string[], nominatedByUserId: viewer.userId }),
      limit: QUEUE_PAGE_SIZE,
      offset: (q.page - 1) * QUEUE_PAGE_SIZE,
      order: office && status === 'awaiting' ? 'queue' : 'recent',
    });
    return {
      rows,
      total,
      standings: this.standingsOf(rows),
      page: q.page,
      pages: Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE)),
      status,
      office,
      // the filters' options, read only when their rendered selects are not kept (queue.eta):
      // 500 activities and 331 units were a fifth of the page's time
      activities: () => this.repo.activityOptions(),
      units: () => this.repo.unitOptions(scope),
      unitsKey: unitScopeKey(viewer),
    };
  }

  // ------------------------------------------------------------ one enrolment

  detail(viewer: Viewer | null, id: number) {
    if (!viewer) throw notFound();
    const d = this.repo.detail(id);
    if (!d) throw notFound();
    authorize(viewer, 'enrolments.view', {
      memberId: d.e.memberId,
      nominatedByUserId: d.e.nominatedByUserId,
      memberUnitPath: d.memberUnitPath,
      nominatedByUnitPath: d.nominatingUnitPath,
    });
    const now = new Date();
    const own = viewer.memberId === d.e.memberId;
    return {
      ...d,
      history: this.repo.history(id),
      position: this.repo.waitlistPosition(d.e),
      canDecide: can(viewer, 'enrolments.decide') && !['finished', 'cancelled'].includes(d.activityStatus),
      decisions: (Object.keys(DECIDABLE) as Decision[]).filter((k) => DECIDABLE[k].includes(d.e.status)),
      canWithdraw:
        own &&
        WITHDRAWABLE.includes(d.e.status) &&
        !['finished', 'cancelled'].includes(d.activityStatus) &&
        !(d.withdrawCutoffAt && now >= d.withdrawCutoffAt),
    };
  }

  // ------------------------------------------------------------ rosters

  private rosterAccess(viewer: Viewer | null, activityId: number): ActivityInfo {
    if (!viewer) throw notFound();
    const act = this.activity(activityId);
    const trains = this.repo.trains(activityId, viewer.userId);
    authorize(viewer, 'enrolments.roster', act.organisingUnitPath, trains);
    return act;
  }

  canSeeRoster(viewer: Viewer | null, act: ActivityInfo): boolean {
    if (!viewer) return false;
    return can(viewer, 'enrolments.roster', act.organisingUnitPath, this.repo.trains(act.a.id, viewer.userId));
  }

  roster(viewer: Viewer | null, activityId: number, q: { status: StatusFilter; page: number }) {
    const act = this.rosterAccess(viewer, activityId);
    const { rows, total } = this.repo.list({
      activityId,
      statuses: STATUS_GROUPS[q.status],
      limit: ROSTER_PAGE_SIZE,
      offset: (q.page - 1) * ROSTER_PAGE_SIZE,
      order: 'roster',
    });
    return {
      activity: act.a,
      rows,
      total,
      page: q.page,
      pages: Math.max(1, Math.ceil(total / ROSTER_PAGE_SIZE)),
      counts: this.repo.counts(activityId),
      canPromote: can(viewer, 'enrolments.decide'),
    };
  }

  rosterRows(viewer: Viewer | null, activityId: number, status: StatusFilter) {
    const act = this.rosterAccess(viewer, activityId);
    const { rows } = this.repo.list({
      activityId,
      statuses: STATUS_GROUPS[status],
      limit: 100_000,
      offset: 0,
      order: 'roster',
    });
    return { activity: act.a, rows };
  }

  /** seated members × scheduled sessions, cut into sheets of SHEET_COLUMNS sessions */
  signInSheet(viewer: Viewer | null, activityId: number) {
    const act = this.rosterAccess(viewer, activityId);
    const rows = this.repo.sheetRows(activityId);
    const sessions = this.repo.sessionsOf(activityId);
    const sheets: (typeof sessions)[] = [];
    for (let i = 0; i < sessions.length; i += SHEET_COLUMNS) sheets.push(sessions.slice(i, i + SHEET_COLUMNS));
    if (!sheets.length) sheets.push([]);
    return { activity: act.a, organisingUnitName: act.organisingUnitName, rows, sheets };
  }

  // ------------------------------------------------------------ panels and the member's own page

  activityPanel(viewer: Viewer | null, activityId: number) {
    if (!viewer) return null;
    const act = this.repo.activity(activityId);
    if (!act) return null;
    const a = act.a;
    const now = new Date();
    const own = viewer.memberId ? (this.repo.byActivityMember(activityId, viewer.memberId) ?? null) : null;
    let enrolProblem: string | null = null;
    if (viewer.memberId && (!own || own.status === 'withdrawn'))
      enrolProblem = this.selfEnrolProblem(a, viewer.memberId, now);
    const canRoster = this.canSeeRoster(viewer, act);
    // nothing to show to someone who can neither enrol, nominate, decide nor see the roster
    if (!viewer.memberId && !isOffice(viewer) && !isCoordinator(viewer) && !canRoster) return null;
    const counts = this.repo.counts(activityId);
    return {
      activity: a,
      counts,
      seats: SEATED.reduce((n, s) => n + (counts[s] ?? 0), 0),
      own,
      ownPosition: own ? this.repo.waitlistPosition(own) : null,
      isMember: !!viewer.memberId,
      canEnrol: !!viewer.memberId && (!own || own.status === 'withdrawn') && !enrolProblem,
      enrolProblem,
      canWithdraw:
        !!own &&
        WITHDRAWABLE.includes(own.status) &&
        !['finished', 'cancelled'].includes(a.status) &&
        !(a.withdrawCutoffAt && now >= a.withdrawCutoffAt),
      canNominate: (isOffice(viewer) || isCoordinator(viewer)) && !['finished', 'cancelled'].includes(a.status),
      // the unit quotas the viewer nominates under (the office: all of them)
      quotas:
        isOffice(viewer) || isCoordinator(viewer)
          ? this.quotaRepo.ofActivity(activityId).filter((q) => can(viewer, 'enrolments.rankIn', q.unitPath))
          : [],
      canRoster,
      isOffice: isOffice(viewer),
    };
  }

  memberPanel(viewer: Viewer | null, memberId: number) {
    if (!viewer) return null;
    const m = this.repo.member(memberId);
    if (!m) return null;
    const allowed = viewer.memberId === memberId || isOffice(viewer) || can(viewer, 'members.manageIn', m.unitPath);
    if (!allowed) return null;
    return { rows: this.repo.ofMember(memberId) };
  }

  /** a member's own page: their enrolments and what they can enrol in now */
  mine(viewer: Viewer | null) {
    authorize(viewer, 'enrolments.self');
    const memberId = viewer.memberId!;
    const m = this.repo.member(memberId);
    if (!m) throw forbidden();
    const now = new Date();
    const enrolled = this.repo.ofMember(memberId);
    const taken = new Map(enrolled.map((e) => [e.activityId, e.status]));
    const candidates = this.repo.selfEnrolCandidates(now);
    const councilsOf = this.repo.councilIdsOfActivities(candidates.map((c) => c.a.id));
    const memberCouncils = this.repo.councilIdsOfMembers([memberId]).get(memberId) ?? [];
    const openCandidates = candidates.filter((c) => {
      const st = taken.get(c.a.id);
      if (st && st !== 'withdrawn') return false;
      return inAudience(
        {
          audienceKind: c.a.audienceKind,
          audienceUnitPath: c.unitPath,
          councilIds: councilsOf.get(c.a.id) ?? [],
          executiveOnly: c.a.executiveOnly,
        },
        { status: m.m.status, isExecutive: m.m.isExecutive, unitPath: m.unitPath, councilIds: memberCouncils },
      );
    });
    const missing = new Set<number>();
    for (const c of openCandidates) if (this.missingPrerequisite(c.a, [memberId]).size) missing.add(c.a.id);
    return {
      enrolled,
      // main nominee or reserve #n, for nominations counting against a unit quota
      standings: this.standingsOf(enrolled),
      open: openCandidates.map((c) => ({ ...c.a, prerequisiteMissing: missing.has(c.a.id) })),
      now,
    };
  }
}
