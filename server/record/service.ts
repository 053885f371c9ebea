import { CertificateRepository } from '../certificates/repository.ts';
import { CompletionRepository } from '../completion/repository.ts';
import type { Db } from '../core/db.ts';
import { notFound } from '../core/errors.ts';
import { authorize, type Viewer } from '../core/policy.ts';
import { RecordRepository } from './repository.ts';

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * A member's qualification record: courses completed, seminars, lectures and circles
 * attended, hours, certificates. For the member, their coordinators and the office.
 */
export class RecordService {
  private repo: RecordRepository;
  private completion: CompletionRepository;
  private certificates: CertificateRepository;

  constructor(db: Db) {
    this.repo = new RecordRepository(db);
    this.completion = new CompletionRepository(db);
    this.certificates = new CertificateRepository(db);
  }

  record(viewer: Viewer | null, memberId: number) {
    const member = this.completion.member(memberId);
    if (!member) throw notFound();
    authorize(viewer, 'completion.viewMember', member.id, member.unitPath);
    const now = new Date();
    const completed = this.repo.completed(memberId);
    const hours = this.repo.activityHours(
      completed.map((c) => c.activityId),
      now,
    );
    const courses = completed
      .filter((c) => c.kind === 'course')
      .map((c) => ({ ...c, hours: round1(hours.get(c.activityId) ?? 0) }));
    const attended = this.repo.attended(memberId);
    const gatherings = attended.filter((a) => a.kind !== 'course').map((a) => ({ ...a, hours: round1(a.hours) }));
    const otherCompleted = completed.filter((c) => c.kind !== 'course').map((c) => c.activityId);
    const certificates = this.certificates.ofMember(memberId);
    return {
      member,
      courses,
      gatherings,
      otherCompleted: new Set(otherCompleted),
      certificates,
      totals: {
        courses: courses.length,
        gatherings: gatherings.length,
        sessions: attended.reduce((a, r) => a + r.sessionsAttended, 0),
        hours: round1(attended.reduce((a, r) => a + r.hours, 0)),
        certificates: certificates.filter((c) => !c.revokedAt).length,
      },
      generatedAt: now,
    };
  }
}
