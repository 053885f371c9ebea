import type { FastifyInstance } from 'fastify';
import type { EnrolmentStatus } from '../../db/schema.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { badRequest, FormError, notFound } from '../core/errors.ts';
import { authorize, can, type Viewer } from '../core/policy.ts';
import { isoDateInZone, parseLocalDateTime } from '../core/time.ts';
import { type NotificationService, notificationsOf } from '../notifications/service.ts';
import type { QuotaRepository } from './quota-repository.ts';
import { confirmDeadline, RESERVE_CONFIRM_MS, standings } from './quota-rules.ts';
import { SEATED } from './repository.ts';
import type { QuotaForm } from './schemas.ts';
import { EnrolmentService, REASON } from './service.ts';

/** how often the app releases seats whose confirm-by date has passed */
export const QUOTA_SWEEP_MS = 10 * 60_000;

/**
 * Branch seat quotas: the office gives units seats, a nomination deadline and a
 * confirm-by date; coordinators rank their nominees (main within the quota, reserves
 * beyond); approved nominees confirm or decline; seats not confirmed in time (and
 * declined ones) go to the unit's reserves first, then back to the office.
 */
export class QuotaService {
  private repo: QuotaRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private notifier: NotificationService,
    private enrolments: EnrolmentService,
    private tz: string,
  ) {
    this.repo = enrolments.quotaRepo;
  }

  static of(app: FastifyInstance): QuotaService {
    return new QuotaService(app.db, app.audit, notificationsOf(app), EnrolmentService.of(app), app.config.TAAHIL_TZ);
  }

  // ------------------------------------------------------------ the office's quota page

  page(viewer: Viewer | null, activityId: number, editUnit: number | null = null) {
    authorize(viewer, 'enrolments.quotas');
    this.enrolments.activity(activityId);
    this.sweep(new Date(), activityId);
    const act = this.enrolments.activity(activityId);
    const quotas = this.repo.ofActivity(activityId);
    const noms = this.repo.nominations(quotas.map((q) => ({ activityId, unitId: q.q.unitId })));
    const rows = quotas.map((q) => {
      const list = noms.filter((n) => n.unitId === q.q.unitId);
      const st = standings(list, q.q.seats);
      return {
        ...q,
        nominated: list.length,
        seated: list.filter((n) => SEATED.includes(n.status)).length,
        confirmed: list.filter((n) => n.confirmation === 'confirmed').length,
        reserves: [...st.values()].filter((s) => s.role === 'reserve').length,
        deadlinePassed: !!q.q.nominationDeadline && new Date() >= q.q.nominationDeadline,
        nominees: list.map((n) => ({ ...n, standing: st.get(n.id)! })),
      };
    });
    const editing = editUnit ? (quotas.find((q) => q.q.unitId === editUnit) ?? null) : null;
    return {
      activity: act.a,
      quotas: rows,
      total: quotas.reduce((n, q) => n + q.q.seats, 0),
      units: this.enrolments.repo.unitOptions('all'),
      editing,
      startsAt: this.repo.firstSessionAt(activityId),
      values: editing
        ? {
            unit: String(editing.q.unitId),
            seats: String(editing.q.seats),
            deadline: editing.q.nominationDeadline ? isoDateInZone(editing.q.nominationDeadline, this.tz) : '',
            confirmBy: editing.q.confirmBy ? isoDateInZone(editing.q.confirmBy, this.tz) : '',
            editing: String(editing.q.unitId),
          }
        : {},
    };
  }

  /** adds or changes one unit's quota; every rule checked before anything is written */
  save(viewer: Viewer | null, activityId: number, form: QuotaForm): 'added' | 'changed' {
    authorize(viewer, 'enrolments.quotas');
    this.enrolments.activity(activityId);
    // a date is the whole day: nominations are taken until its end (in the organisation's zone)
    const endOf = (d: string | null) => (d ? parseLocalDateTime(d, '23:59', this.tz) : null);
    const deadline = endOf(form.deadline);
    const confirmBy = endOf(form.confirmBy);
    return tx(this.db, () => {
      const { a } = this.enrolments.activity(activityId);
      if (a.status === 'finished' || a.status === 'cancelled')
        throw new FormError({ _form: 'enrolments.errors.finished' });
      const errors: Record<string, string> = {};
      const unit = this.repo.unit(form.unit);
      if (!unit || unit.archivedAt) errors.unit = 'enrolments.quotas.errors.chooseUnit';
      const quotas = this.repo.ofActivity(activityId);
      const existing = quotas.find((q) => q.q.unitId === form.unit);
      const editing = form.editing !== null && form.editing === form.unit;
      if (form.editing !== null && form.editing !== form.unit) errors.unit = 'enrolments.quotas.errors.unitChanged';
      else if (existing && !editing) errors.unit = 'enrolments.quotas.errors.unitTwice';
      else if (!existing && editing) throw notFound();
      const others = quotas.filter((q) => q.q.unitId !== form.unit).reduce((n, q) => n + q.q.seats, 0);
      if (a.capacity !== null && others + form.seats > a.capacity)
        errors.seats = 'enrolments.quotas.errors.overCapacity';
      if (existing && !errors.seats) {
        const seated = this.repo
          .nominations([{ activityId, unitId: form.unit }])
          .filter((n) => SEATED.includes(n.status)).length;
        if (form.seats < seated) errors.seats = 'enrolments.quotas.errors.belowSeated';
      }
      const startsAt = this.repo.firstSessionAt(activityId);
      if (form.deadline && !deadline) errors.deadline = 'errors.date';
      else if (deadline && startsAt && deadline > startsAt)
        errors.deadline = 'enrolments.quotas.errors.deadlineAfterStart';
      if (form.confirmBy && !confirmBy) errors.confirmBy = 'errors.date';
      else if (confirmBy && startsAt && confirmBy > startsAt)
        errors.confirmBy = 'enrolments.quotas.errors.confirmAfterStart';
      else if (confirmBy && deadline && confirmBy < deadline)
        errors.confirmBy = 'enrolments.quotas.errors.confirmBeforeDeadline';
      if (Object.keys(errors).length) throw new FormError(errors);
      const values = { seats: form.seats, nominationDeadline: deadline, confirmBy };
      if (existing) this.repo.update(activityId, form.unit, values);
      else this.repo.insert({ activityId, unitId: form.unit, ...values });
      this.audit.record({
        userId: viewer.userId,
        action: existing ? 'quota.update' : 'quota.create',
        entity: 'activity',
        entityId: activityId,
        details: {
          unitId: form.unit,
          before: existing ? existing.q : null,
          after: values,
        },
      });
      this.notifier.notify({
        userIds: this.repo.coordinatorUserIds(form.unit),
        kind: existing ? 'quota.changed' : 'quota.assigned',
        params: {
          activity: a.title,
          seats: form.seats,
          deadline: deadline ? isoDateInZone(deadline, this.tz) : '—',
        },
        link: `/activities/${activityId}/nominate`,
      });
      return existing ? 'changed' : 'added';
    });
  }

  /** removes a unit's quota; refused while the unit has nominees counting against it */
  remove(viewer: Viewer | null, activityId: number, unitId: number): void {
    authorize(viewer, 'enrolments.quotas');
    this.enrolments.activity(activityId);
    tx(this.db, () => {
      const q = this.repo.find(activityId, unitId);
      if (!q) throw notFound();
      if (this.repo.nominations([{ activityId, unitId }]).length)
        throw new FormError({ _form: 'enrolments.quotas.errors.hasNominees' });
      this.repo.remove(activityId, unitId);
      this.audit.record({
        userId: viewer.userId,
        action: 'quota.delete',
        entity: 'activity',
        entityId: activityId,
        details: { before: q.q },
      });
      const a = this.enrolments.activity(activityId).a;
      this.notifier.notify({
        userIds: this.repo.coordinatorUserIds(unitId),
        kind: 'quota.removed',
        params: { activity: a.title },
        link: `/activities/${activityId}`,
      });
    });
  }

  // ------------------------------------------------------------ ranking (the nomination page)

  /** the quota units of the activity the viewer may rank, with their nominees and standing */
  ranking(viewer: Viewer | null, activityId: number) {
    if (!viewer) return [];
    const quotas = this.repo.ofActivity(activityId).filter((q) => can(viewer, 'enrolments.rankIn', q.unitPath));
    const noms = this.repo.nominations(quotas.map((q) => ({ activityId, unitId: q.q.unitId })));
    const now = new Date();
    return quotas.map((q) => {
      const list = noms.filter((n) => n.unitId === q.q.unitId);
      const st = standings(list, q.q.seats);
      return {
        ...q,
        deadlinePassed: !!q.q.nominationDeadline && now >= q.q.nominationDeadline,
        nominees: list.map((n) => ({ ...n, standing: st.get(n.id)! })),
      };
    });
  }

  /**
   * A coordinator reorders its unit's nominees: new rank numbers, or one step up/down.
   * Ranks are renumbered 1..n; nominees whose place changes between main and reserve are told.
   */
  rank(
    viewer: Viewer | null,
    activityId: number,
    unitId: number,
    input: { ranks: Map<number, number>; move: { dir: 'up' | 'down'; id: number } | null },
  ): void {
    if (!viewer) throw notFound();
    this.enrolments.activity(activityId);
    const quota = this.repo.find(activityId, unitId);
    if (!quota) throw notFound();
    authorize(viewer, 'enrolments.rankIn', quota.unitPath);
    tx(this.db, () => {
      const { a } = this.enrolments.activity(activityId);
      if (a.status === 'finished' || a.status === 'cancelled') throw badRequest('enrolments.errors.finished');
      const list = this.repo.nominations([{ activityId, unitId }]);
      const ids = new Set(list.map((n) => n.id));
      const named = input.move ? [input.move.id] : [...input.ranks.keys()];
      if (named.some((id) => !ids.has(id))) throw notFound();
      let order = list.map((n) => n.id);
      if (input.move) {
        const i = order.indexOf(input.move.id);
        const j = input.move.dir === 'up' ? i - 1 : i + 1;
        if (j >= 0 && j < order.length) [order[i], order[j]] = [order[j], order[i]];
      } else {
        // the typed numbers decide; ties keep the previous order
        const pos = new Map(order.map((id, i) => [id, i + 1]));
        order = [...order].sort(
          (x, y) =>
            (input.ranks.get(x) ?? pos.get(x)!) - (input.ranks.get(y) ?? pos.get(y)!) || pos.get(x)! - pos.get(y)!,
        );
      }
      const before = standings(list, quota.q.seats);
      const byId = new Map(list.map((n) => [n.id, n]));
      const reordered = order.map((id) => byId.get(id)!);
      const after = standings(reordered, quota.q.seats);
      order.forEach((id, i) => {
        if (byId.get(id)!.rank !== i + 1) this.repo.setRank(id, i + 1);
      });
      this.audit.record({
        userId: viewer.userId,
        action: 'quota.rank',
        entity: 'activity',
        entityId: activityId,
        details: { unitId, order },
      });
      const memberUsers = this.enrolments.repo.userIdsOfMembers(list.map((n) => n.memberId));
      for (const n of list) {
        const was = before.get(n.id)!;
        const now = after.get(n.id)!;
        if (was.role === now.role) continue;
        this.notifier.notify({
          userIds: [memberUsers.get(n.memberId)],
          kind: now.role === 'main' ? 'quota.nowMain' : 'quota.nowReserve',
          params: { activity: a.title, n: now.reserveNo ?? 0 },
          link: `/enrolments/${n.id}`,
        });
      }
    });
  }

  // ------------------------------------------------------------ confirming a seat

  /** what the enrolment's confirmation looks like to this viewer (null: not a quota seat) */
  confirmation(viewer: Viewer | null, enrolmentId: number) {
    const d = this.enrolments.repo.detail(enrolmentId);
    if (!d || !viewer) return null;
    const quota = this.enrolments.quotaOf(d.e);
    if (!quota) return null;
    const noms = this.repo.nominations([{ activityId: d.e.activityId, unitId: quota.q.unitId }]);
    const standing = standings(noms, quota.q.seats).get(d.e.id) ?? null;
    const deadline =
      d.e.status === 'approved' ? confirmDeadline(quota.q.confirmBy, this.repo.approvedAt(d.e.id)) : null;
    const hasLogin = this.enrolments.repo.userIdsOfMembers([d.e.memberId]).has(d.e.memberId);
    const may = can(viewer, 'enrolments.confirm', {
      memberId: d.e.memberId,
      memberHasLogin: hasLogin,
      memberUnitPath: d.memberUnitPath,
      nominatedByUnitPath: d.nominatingUnitPath,
    });
    return {
      quota: quota.q,
      unitName: quota.unitNameAr,
      standing,
      deadline,
      confirmation: d.e.confirmation,
      canConfirm: may && d.e.status === 'approved' && d.e.confirmation === null,
      onBehalf: may && viewer.memberId !== d.e.memberId,
    };
  }

  /** quota seats waiting for the member's own confirmation (for /enrolments) */
  awaitingConfirmation(memberId: number, enrolmentIds: number[]): Map<number, Date | null> {
    const out = new Map<number, Date | null>();
    if (!enrolmentIds.length) return out;
    const rows = this.enrolments.repo
      .findMany(enrolmentIds)
      .filter((e) => e.memberId === memberId && e.status === 'approved' && e.confirmation === null);
    const quotas = this.repo.findPairs(
      rows
        .filter((e) => e.source === 'nomination' && e.nominatedByUnitId)
        .map((e) => ({ activityId: e.activityId, unitId: e.nominatedByUnitId! })),
    );
    for (const e of rows) {
      const q = quotas.get(`${e.activityId}:${e.nominatedByUnitId}`);
      if (q && e.source === 'nomination') out.set(e.id, confirmDeadline(q.confirmBy, this.repo.approvedAt(e.id)));
    }
    return out;
  }

  private confirmable(viewer: Viewer | null, enrolmentId: number) {
    if (!viewer) throw notFound();
    const d = this.enrolments.repo.detail(enrolmentId);
    if (!d) throw notFound();
    authorize(viewer, 'enrolments.view', {
      memberId: d.e.memberId,
      nominatedByUserId: d.e.nominatedByUserId,
      memberUnitPath: d.memberUnitPath,
      nominatedByUnitPath: d.nominatingUnitPath,
    });
    const hasLogin = this.enrolments.repo.userIdsOfMembers([d.e.memberId]).has(d.e.memberId);
    authorize(viewer, 'enrolments.confirm', {
      memberId: d.e.memberId,
      memberHasLogin: hasLogin,
      memberUnitPath: d.memberUnitPath,
      nominatedByUnitPath: d.nominatingUnitPath,
    });
    return d;
  }

  /** the nominee (or someone on their behalf) confirms the approved seat */
  confirm(viewer: Viewer | null, enrolmentId: number): void {
    const d = this.confirmable(viewer, enrolmentId);
    tx(this.db, () => {
      const e = this.enrolments.repo.find(enrolmentId)!;
      if (!this.enrolments.quotaOf(e)) throw badRequest('enrolments.quotas.errors.notQuotaSeat');
      if (e.status !== 'approved' || e.confirmation !== null)
        throw badRequest('enrolments.quotas.errors.cannotConfirm');
      this.enrolments.repo.update(e.id, { confirmation: 'confirmed' });
      // kept in the history: the seat stays approved, now confirmed
      this.enrolments.repo.insertEvent({
        enrolmentId: e.id,
        fromStatus: 'approved',
        toStatus: 'approved',
        byUserId: viewer!.userId,
        reason: REASON.confirmed,
      });
      this.audit.record({
        userId: viewer!.userId,
        action: 'quota.confirm',
        entity: 'enrolment',
        entityId: e.id,
        details: { activityId: e.activityId },
      });
      const memberUser = this.enrolments.repo.userIdsOfMembers([e.memberId]).get(e.memberId);
      this.notifier.notify({
        userIds: [e.nominatedByUserId, memberUser].filter((id) => id !== viewer!.userId),
        kind: 'quota.confirmed',
        params: { activity: d.activityTitle, member: d.memberName },
        link: `/enrolments/${e.id}`,
      });
    });
  }

  /** the nominee (or someone on their behalf) declines: the seat goes to the unit's reserves */
  decline(viewer: Viewer | null, enrolmentId: number, reason: string | null): void {
    this.confirmable(viewer, enrolmentId);
    tx(this.db, () => {
      const e = this.enrolments.repo.find(enrolmentId)!;
      if (!this.enrolments.quotaOf(e)) throw badRequest('enrolments.quotas.errors.notQuotaSeat');
      if (e.status !== 'approved') throw badRequest('enrolments.quotas.errors.cannotConfirm');
      this.enrolments.transition(
        e,
        'withdrawn',
        viewer!.userId,
        reason ?? REASON.declined,
        { confirmation: 'declined' },
        e.status,
        'quota.declined',
      );
      this.audit.record({
        userId: viewer!.userId,
        action: 'quota.decline',
        entity: 'enrolment',
        entityId: e.id,
        details: { activityId: e.activityId, reason },
      });
      this.enrolments.seatFreed(e, viewer!.userId);
    });
  }

  // ------------------------------------------------------------ the confirm-by date

  /**
   * Releases every quota seat whose confirm-by date has passed without a confirmation:
   * withdrawn (recorded, notified), then given to the unit's next reserve or back to the
   * office. Idempotent: a released seat is no longer "approved". Returns how many.
   */
  sweep(now: Date = new Date(), activityId: number | null = null): number {
    // the queue and quota pages call this on every view, and most of the time nothing is due:
    // the earliest deadline of the seats awaiting confirmation (kept while the data is unchanged)
    // says exactly whether the release finds anything, without taking the write lock
    const next = this.repo.nextConfirmDeadline(RESERVE_CONFIRM_MS, activityId);
    if (next === null || next > now.getTime()) return 0;
    return tx(this.db, () => {
      const expired = this.repo.expiredSeats(now, RESERVE_CONFIRM_MS, activityId);
      for (const e of expired) {
        const status: EnrolmentStatus = e.status;
        this.enrolments.transition(e, 'withdrawn', null, REASON.unconfirmed, {}, status, 'quota.unconfirmed');
        this.audit.record({
          userId: null,
          action: 'quota.unconfirmed',
          entity: 'enrolment',
          entityId: e.id,
          details: { activityId: e.activityId },
        });
        this.enrolments.seatFreed(e, null);
      }
      return expired.length;
    });
  }
}
