import { withEnrolled } from '../attendance/repository.ts';
import { type Db, forSubtreeOrAll, subtreeParams, subtreeSql } from '../core/db.ts';

const [nominationsWaiting, nominationsWaitingAll] = forSubtreeOrAll(
  (members) => `
    select count(*) as n
    from activities a
    cross join enrolments e on e.activity_id = a.id and e.status in ('nominated', 'pending')
    where a.status in ('draft', 'open', 'running')
      ${members('e.member_id')}`,
);

const [certificatesToIssue, certificatesToIssueAll] = forSubtreeOrAll(
  (members) => `
    select count(*) as n
    from activities a
    cross join enrolments e indexed by enrolments_uncertified_idx
      on e.activity_id = a.id and e.status = 'completed' and e.certified = 0
    where a.status in ('running', 'finished')
      ${members('e.member_id')}`,
);

/**
 * Dashboard queries. Each starts from an index (sessions by time or trainer, activities by
 * status, enrolments by member) and reaches the rest by key.
 */
export const DASH_SQL = {
  upcomingSessions: `
    select s.id as id, s.starts_at as startsAt, s.topic as topic, a.id as activityId, a.title as activityTitle,
      a.kind as kind, u.name_ar as unitAr, u.name_en as unitEn
    from sessions s
    cross join activities a on a.id = s.activity_id
    cross join units u on u.id = a.organising_unit_id
    where s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled' and a.status <> 'draft'
      and ${subtreeSql('u.path')}
    order by s.starts_at
    limit 200`,
  /** nominations and requests waiting in activities not yet finished, of members in a subtree */
  nominationsWaiting,
  /** the same for the whole organisation */
  nominationsWaitingAll,
  /** completed enrolments without a certificate, of members in a subtree (a small partial index) */
  certificatesToIssue,
  certificatesToIssueAll,
  trainerSessions: `
    select s.id as id, s.starts_at as startsAt, s.ends_at as endsAt, s.topic as topic, s.place as place,
      a.id as activityId, a.title as activityTitle,
      s.marked_count as marked
    from sessions s cross join activities a on a.id = s.activity_id
    where s.trainer_user_id = @trainer and s.starts_at >= @from and s.starts_at < @to and s.status <> 'cancelled'
    order by s.starts_at`,
  memberCertificates: `
    select c.id as id, c.code as code, c.issued_at as issuedAt, a.title as activityTitle
    from enrolments e
    cross join certificates c on c.enrolment_id = e.id
    cross join activities a on a.id = e.activity_id
    where e.member_id = @member and c.revoked_at is null
    order by c.issued_at desc`,
} as const;

export class DashboardRepository {
  constructor(private db: Db) {}

  private all<T>(sql: string, params: Record<string, unknown>): T[] {
    return this.db.$client.prepare(sql).all(params) as T[];
  }

  upcomingSessions(path: string, from: number, to: number) {
    return this.all<{
      id: number;
      startsAt: number;
      topic: string | null;
      activityId: number;
      activityTitle: string;
      kind: string;
      unitAr: string;
      unitEn: string | null;
    }>(DASH_SQL.upcomingSessions, { ...subtreeParams(path), from, to });
  }

  /** the count of a query, for the whole organisation (path "/") or a subtree */
  private count(all: string, subtree: string, path: string): number {
    const row =
      path === '/' ? this.db.$client.prepare(all).get() : this.db.$client.prepare(subtree).get(subtreeParams(path));
    return (row as { n: number }).n;
  }

  nominationsWaiting(path: string): number {
    return this.count(DASH_SQL.nominationsWaitingAll, DASH_SQL.nominationsWaiting, path);
  }

  certificatesToIssue(path: string): number {
    return this.count(DASH_SQL.certificatesToIssueAll, DASH_SQL.certificatesToIssue, path);
  }

  /** a trainer's sessions in a time range, with their marks and their activities' enrolled members */
  trainerSessions(trainer: number, from: number, to: number) {
    const rows = this.all<{
      id: number;
      startsAt: number;
      endsAt: number;
      topic: string | null;
      place: string | null;
      activityId: number;
      activityTitle: string;
      marked: number;
    }>(DASH_SQL.trainerSessions, { trainer, from, to });
    return withEnrolled(this.db, rows);
  }

  memberCertificates(member: number) {
    return this.all<{ id: number; code: string; issuedAt: number; activityTitle: string }>(
      DASH_SQL.memberCertificates,
      { member },
    );
  }
}
