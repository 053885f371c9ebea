import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { cleanFilename, detectMaterialType } from '../activities/filetypes.ts';
import { AttendanceService } from '../attendance/service.ts';
import { randomString } from '../auth/tokens.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import { authorize, can, isCoordinator, isMember, isOffice, type Viewer } from '../core/policy.ts';
import { isoDateInZone } from '../core/time.ts';
import { type NotificationService, notificationsOf } from '../notifications/service.ts';
import { type ApologyRow, type ApologyStatus, FollowupRepository } from './repository.ts';
import type { ApologyForm, DecideForm, QueueQuery } from './schemas.ts';

/** An apology's attachment: a PDF or an image, at most 5 MB. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
const ATTACHMENT_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']);
export const QUEUE_PAGE = 50;

export interface Upload {
  filename: string;
  content: Buffer;
}

/**
 * Apologies in advance: a member excuses themselves from an upcoming session of an
 * activity they are on the roster of; the session's trainer or the office accepts
 * (the attendance service then marks them excused, via 'apology') or refuses; the
 * member is told either way. Coordinators over the member see them, read-only.
 */
export class ApologyService {
  readonly repo: FollowupRepository;
  private attendance: AttendanceService;
  private notifications: NotificationService;

  constructor(
    private app: FastifyInstance,
    private db: Db = app.db,
  ) {
    this.repo = new FollowupRepository(db);
    this.attendance = new AttendanceService(db, app.audit, app.events);
    this.notifications = notificationsOf(app);
  }

  private uploadsDir() {
    return path.resolve(this.app.config.TAAHIL_UPLOADS);
  }

  private day(d: Date) {
    return isoDateInZone(d, this.app.config.TAAHIL_TZ);
  }

  // ---------------------------------------------------------------- sending

  /** the member's sessions still to come, each with its apology if any (the form's choices) */
  upcoming(viewer: Viewer | null, now = new Date()) {
    authorize(viewer, 'apologies.send');
    return this.repo.upcomingForMember(viewer.memberId!, now, 60);
  }

  /**
   * A member's apology for one of their upcoming sessions. Refused with a message beside
   * the field (nothing saved) when the session has started, is not theirs, or already has
   * their apology. The attachment is stored under a random name outside static/.
   */
  send(viewer: Viewer | null, form: ApologyForm, file: Upload | null, meta: { ip?: string } = {}, now = new Date()) {
    authorize(viewer, 'apologies.send');
    const memberId = viewer.memberId!;
    if (form.sessionId === null) throw new FormError({ sessionId: 'followup.errors.sessionRequired' });
    const session = this.repo.session(form.sessionId);
    if (!session || !this.attendance.isOnRoster(session.activityId, memberId))
      throw new FormError({ sessionId: 'followup.errors.notYourSession' });
    if (session.status === 'cancelled' || session.activityStatus === 'cancelled')
      throw new FormError({ sessionId: 'followup.errors.sessionCancelled' });
    if (session.startsAt.getTime() <= now.getTime()) throw new FormError({ sessionId: 'followup.errors.pastSession' });
    if (this.repo.apologyOf(session.id, memberId)) throw new FormError({ sessionId: 'followup.errors.already' });

    let stored: { filename: string; storedName: string; mime: string; size: number } | null = null;
    if (file && file.content.length > 0) {
      if (file.content.length > MAX_ATTACHMENT_BYTES) throw new FormError({ file: 'followup.errors.fileTooLarge' });
      const filename = cleanFilename(file.filename);
      const mime = detectMaterialType(filename, file.content);
      if (!mime || !ATTACHMENT_TYPES.has(mime)) throw new FormError({ file: 'followup.errors.fileType' });
      stored = { filename, storedName: randomString(32), mime, size: file.content.length };
    }
    const target = stored ? path.join(this.uploadsDir(), stored.storedName) : null;
    if (stored && target) {
      fs.mkdirSync(this.uploadsDir(), { recursive: true });
      fs.writeFileSync(target, file!.content, { flag: 'wx', mode: 0o640 });
    }
    try {
      const id = tx(this.db, () => {
        // checked again inside the transaction: two quick clicks make one apology
        if (this.repo.apologyOf(session.id, memberId)) throw new FormError({ sessionId: 'followup.errors.already' });
        const materialId = stored
          ? this.repo.insertAttachment({
              activityId: session.activityId,
              sessionId: session.id,
              ...stored,
              uploadedBy: viewer.userId,
            })
          : null;
        const id = this.repo.insertApology({
          sessionId: session.id,
          memberId,
          reason: form.reason,
          materialId,
          at: now,
        });
        this.app.audit.record({
          userId: viewer.userId,
          action: 'apology.send',
          entity: 'apology',
          entityId: id,
          details: { sessionId: session.id, activityId: session.activityId, memberId, reason: form.reason, materialId },
          ip: meta.ip ?? null,
        });
        this.notifications.notify({
          userIds: [session.trainerUserId],
          kind: 'followup.apologySent',
          params: {
            member: this.repo.member(memberId)?.fullName ?? '',
            activity: session.activityTitle,
            date: this.day(session.startsAt),
          },
          link: `/apologies/${id}`,
        });
        return id;
      });
      return id;
    } catch (err) {
      if (target) fs.rmSync(target, { force: true });
      throw err;
    }
  }

  /** The member takes back an apology not yet decided (the audit log keeps what it said). */
  withdraw(viewer: Viewer | null, id: number, meta: { ip?: string } = {}, now = new Date()) {
    const a = this.view(viewer, id);
    if (viewer!.memberId !== a.memberId) throw forbidden();
    if (a.status !== 'pending') throw new FormError({ _form: 'followup.errors.notPending' });
    tx(this.db, () => {
      if (!this.repo.deletePending(id)) throw new FormError({ _form: 'followup.errors.notPending' });
      if (a.materialId) this.repo.retireAttachment(a.materialId, now);
      this.app.audit.record({
        userId: viewer!.userId,
        action: 'apology.withdraw',
        entity: 'apology',
        entityId: id,
        details: { sessionId: a.sessionId, memberId: a.memberId, reason: a.reason, materialId: a.materialId },
        ip: meta.ip ?? null,
      });
      this.notifications.notify({
        userIds: [a.trainerUserId],
        kind: 'followup.apologyWithdrawn',
        params: { member: a.fullName, activity: a.activityTitle, date: this.day(a.startsAt) },
        link: `/sessions/${a.sessionId}`,
      });
    });
    return a;
  }

  // ---------------------------------------------------------------- reading

  /** one apology, for whoever may see it (unknown: 404, someone else's: 403) */
  view(viewer: Viewer | null, id: number) {
    const a = this.repo.apology(id);
    if (!a) throw notFound();
    authorize(viewer, 'apologies.view', a);
    return a;
  }

  /** what the viewer may do with an apology */
  rights(viewer: Viewer | null, a: ApologyRow) {
    const pending = a.status === 'pending';
    return {
      mayDecide: pending && can(viewer, 'apologies.decide', a) && a.sessionStatus !== 'cancelled',
      mayWithdraw: pending && !!viewer && viewer.memberId === a.memberId,
    };
  }

  /** the file attached to an apology, for whoever may see the apology */
  attachment(viewer: Viewer | null, id: number) {
    const a = this.view(viewer, id);
    if (!a.materialId) throw notFound();
    const m = this.repo.attachment(a.materialId);
    if (!m || !/^[a-z0-9]+$/.test(m.storedName)) throw notFound();
    const file = path.join(this.uploadsDir(), m.storedName);
    if (!fs.existsSync(file)) throw notFound();
    return { file, filename: m.filename, mime: m.mime, size: m.size };
  }

  /**
   * The apologies page: the office sees all; a trainer those of the sessions they teach;
   * a coordinator those of members of its units (read-only); a member their own.
   */
  queue(viewer: Viewer | null, q: QueueQuery) {
    authorize(viewer, 'apologies.queue');
    const office = isOffice(viewer);
    const { rows, total } = this.repo.queue({
      all: office,
      memberId: viewer.memberId,
      trainerUserId: viewer.userId,
      unitPaths: isCoordinator(viewer) ? viewer.coordinatorUnits.map((u) => u.path) : [],
      status: q.status === 'all' ? null : (q.status as ApologyStatus),
      limit: QUEUE_PAGE,
      offset: (q.page - 1) * QUEUE_PAGE,
    });
    return {
      rows: rows.map((r) => ({ ...r, ...this.rights(viewer, r) })),
      total,
      page: q.page,
      pages: Math.max(1, Math.ceil(total / QUEUE_PAGE)),
      office,
    };
  }

  // ---------------------------------------------------------------- deciding

  /**
   * Accepts or refuses a pending apology. Accepting marks the member excused through the
   * attendance service (same transaction); the member is notified of the decision.
   */
  decide(viewer: Viewer | null, id: number, form: DecideForm, meta: { ip?: string } = {}, now = new Date()) {
    const a = this.view(viewer, id);
    authorize(viewer, 'apologies.decide', a);
    if (a.status !== 'pending') throw new FormError({ decision: 'followup.errors.alreadyDecided' });
    if (a.sessionStatus === 'cancelled') throw new FormError({ decision: 'followup.errors.sessionCancelled' });
    const status = form.decision === 'accept' ? 'accepted' : 'refused';
    return tx(this.db, () => {
      if (!this.repo.decide(id, status, viewer.userId, now))
        throw new FormError({ decision: 'followup.errors.alreadyDecided' });
      const marked =
        status === 'accepted'
          ? this.attendance.excuseByApology(
              viewer,
              a.sessionId,
              a.memberId,
              { apologyId: id, note: a.reason.slice(0, 500) },
              now,
            )
          : false;
      this.app.audit.record({
        userId: viewer.userId,
        action: status === 'accepted' ? 'apology.accept' : 'apology.refuse',
        entity: 'apology',
        entityId: id,
        details: { sessionId: a.sessionId, memberId: a.memberId, note: form.note, marked },
        ip: meta.ip ?? null,
      });
      const users = this.repo.usersOfMembers([a.memberId]);
      this.notifications.notify({
        userIds: [users.get(a.memberId)],
        kind: status === 'accepted' ? 'followup.apologyAccepted' : 'followup.apologyRefused',
        params: { activity: a.activityTitle, date: this.day(a.startsAt), note: form.note ?? '—' },
        link: `/apologies/${id}`,
      });
      return { status, marked };
    });
  }

  // ---------------------------------------------------------------- panels

  /** the session page: the viewer's own apology (members) or every apology (staff) */
  sessionPanel(viewer: Viewer | null, sessionId: number, now = new Date()) {
    if (!viewer) return null;
    const session = this.repo.session(sessionId);
    if (!session) return null;
    const staff = can(viewer, 'apologies.decide', session);
    const ownId = viewer.memberId ? this.repo.apologyOf(sessionId, viewer.memberId)?.id : undefined;
    const ownRow = ownId ? this.repo.apology(ownId) : undefined;
    const own = ownRow ? { ...ownRow, ...this.rights(viewer, ownRow) } : null;
    const rows = (staff || isCoordinator(viewer) ? this.repo.apologiesOfSession(sessionId) : [])
      .filter((a) => a.memberId !== viewer.memberId && can(viewer, 'apologies.view', a))
      .map((a) => ({ ...a, ...this.rights(viewer, a) }));
    const mayApologise =
      !own &&
      !!viewer.memberId &&
      session.status === 'scheduled' &&
      session.activityStatus !== 'cancelled' &&
      session.startsAt.getTime() > now.getTime() &&
      this.attendance.isOnRoster(session.activityId, viewer.memberId);
    if (!own && !mayApologise && rows.length === 0) return null;
    return { session, own, others: rows, mayApologise, staff };
  }

  /** a member's page: their recent apologies, for whoever may see them */
  memberPanel(viewer: Viewer | null, memberId: number) {
    if (!viewer) return null;
    const member = this.repo.member(memberId);
    if (!member) return null;
    const rows = this.repo.apologiesOfMember(memberId, 20).filter((a) => can(viewer, 'apologies.view', a));
    const alerts = this.repo
      .alertsOfMember(memberId, 10)
      .map((r) => ({ at: new Date(r.at), ...(JSON.parse(r.details) as AlertDetails) }));
    const seesAlerts =
      isOffice(viewer) ||
      viewer.memberId === memberId ||
      (isCoordinator(viewer) && can(viewer, 'followup.digest', member.unitPath));
    if (rows.length === 0 && (!seesAlerts || alerts.length === 0)) return null;
    return { member, rows, alerts: seesAlerts ? alerts : [] };
  }

  /**
   * The dashboard: a member's next sessions, each with the apology to send (or the one sent) —
   * the one list of them on the dashboard — and the apologies waiting for a trainer or the office.
   */
  dashboardPanel(viewer: Viewer | null, now = new Date()) {
    if (!viewer) return null;
    const member = isMember(viewer);
    const upcoming = member ? this.repo.upcomingForMember(viewer.memberId!, now, 5) : [];
    const pending = this.repo.pendingFor(isOffice(viewer) ? null : viewer.userId);
    if (!member && pending === 0) return null;
    return { member, upcoming, pending };
  }
}

export interface AlertDetails {
  activityId: number;
  activityTitle: string;
  memberId: number;
  runStart: number;
  count: number;
  sessions: { id: number; date: string; topic: string | null }[];
}
