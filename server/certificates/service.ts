import { randomString } from '../auth/tokens.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, notFound } from '../core/errors.ts';
import { authorize, can, type Viewer } from '../core/policy.ts';
import { CertificateRepository } from './repository.ts';

/** Length of a certificate's public code: 24 characters of 5 bits, 120 bits in all. */
export const CODE_LENGTH = 24;
const CODE_RE = /^[a-z0-9]{8,64}$/;

export type Verification =
  | { state: 'unknown' }
  | { state: 'valid' | 'revoked'; fullName: string; title: string; issuedAt: Date };

/** Issuing, showing, revoking and verifying certificates. */
export class CertificateService {
  private repo: CertificateRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
  ) {
    this.repo = new CertificateRepository(db);
  }

  /** The office's list of an activity's completed enrolments and their certificates. */
  list(viewer: Viewer | null, activityId: number) {
    authorize(viewer, 'certificates.manage');
    const activity = this.repo.activity(activityId);
    if (!activity) throw notFound();
    const rows = this.repo.listOfActivity(activityId);
    return { activity, rows, toIssue: rows.filter((r) => r.status === 'completed' && !r.certificateId).length };
  }

  private issueOne(viewer: Viewer, enrolmentId: number, activityId: number, now: Date, hours: number) {
    const id = this.repo.insert({
      enrolmentId,
      code: randomString(CODE_LENGTH),
      hours,
      issuedAt: now,
      issuedBy: viewer.userId,
    });
    this.audit.record({
      userId: viewer.userId,
      action: 'certificate.issue',
      entity: 'certificate',
      entityId: id,
      details: { enrolmentId, activityId, hours },
    });
    return id;
  }

  /** The activity of an enrolment the office issues for (404 when unknown). */
  activityOfEnrolment(viewer: Viewer | null, enrolmentId: number): number {
    authorize(viewer, 'certificates.manage');
    const enrolment = this.repo.enrolment(enrolmentId);
    if (!enrolment) throw notFound();
    return enrolment.activityId;
  }

  /** One certificate for one completed enrolment; refused when not completed or already issued. */
  issue(viewer: Viewer | null, enrolmentId: number): { id: number; activityId: number } {
    authorize(viewer, 'certificates.manage');
    const enrolment = this.repo.enrolment(enrolmentId);
    if (!enrolment) throw notFound();
    return tx(this.db, () => {
      if (enrolment.status !== 'completed') throw new FormError({ _form: 'certificates.errors.notCompleted' });
      if (this.repo.certificateOfEnrolment(enrolmentId))
        throw new FormError({ _form: 'certificates.errors.alreadyIssued' });
      const now = new Date();
      const id = this.issueOne(
        viewer,
        enrolmentId,
        enrolment.activityId,
        now,
        this.repo.hoursOf(enrolment.activityId, now),
      );
      return { id, activityId: enrolment.activityId };
    });
  }

  /** Certificates for every completed enrolment of the activity that has none yet. */
  issueAll(viewer: Viewer | null, activityId: number): number {
    authorize(viewer, 'certificates.manage');
    if (!this.repo.activity(activityId)) throw notFound();
    return tx(this.db, () => {
      const todo = this.repo.completedWithout(activityId);
      if (todo.length === 0) throw new FormError({ _form: 'certificates.errors.noneToIssue' });
      const now = new Date();
      const hours = this.repo.hoursOf(activityId, now);
      for (const e of todo) this.issueOne(viewer, e.id, activityId, now, hours);
      return todo.length;
    });
  }

  /** A certificate, for the member, their coordinators and the office. */
  view(viewer: Viewer | null, id: number) {
    const cert = this.repo.full(id);
    if (!cert) throw notFound();
    authorize(viewer, 'completion.viewMember', cert.memberId, cert.memberUnitPath);
    const dates = this.repo.datesOf(cert.activityId);
    return { cert, dates, canManage: can(viewer, 'certificates.manage') };
  }

  revoke(viewer: Viewer | null, id: number, reason: string) {
    authorize(viewer, 'certificates.manage');
    const cert = this.repo.full(id);
    if (!cert) throw notFound();
    tx(this.db, () => {
      if (cert.revokedAt) throw new FormError({ _form: 'certificates.errors.alreadyRevoked' });
      this.repo.revoke(id, viewer.userId, reason, new Date());
      this.audit.record({
        userId: viewer.userId,
        action: 'certificate.revoke',
        entity: 'certificate',
        entityId: id,
        details: { reason },
      });
    });
  }

  /** Public: valid, revoked or unknown, with only the name, the activity's title and the date. */
  verify(code: string): Verification {
    const c = code.trim().toLowerCase();
    if (!CODE_RE.test(c)) return { state: 'unknown' };
    const row = this.repo.byCode(c);
    if (!row) return { state: 'unknown' };
    return {
      state: row.revokedAt ? 'revoked' : 'valid',
      fullName: row.fullName,
      title: row.title,
      issuedAt: row.issuedAt,
    };
  }

  ofMember(memberId: number) {
    return this.repo.ofMember(memberId);
  }
}
