import { dataCache } from '../core/cache.ts';
import type { Db } from '../core/db.ts';
import { isCoordinator, isMember, isOffice, isTrainer, type Viewer } from '../core/policy.ts';
import { monthRange, startOfDay } from '../core/time.ts';
import { membersBelowRule } from '../reports/progress.ts';
import { ReportsRepository } from '../reports/repository.ts';
import { monthKey, rateOf } from '../reports/service.ts';
import { DashboardRepository } from './repository.ts';

const DAY = 86_400_000;

/** The scope paths of a viewer: the office everything ("/"), a coordinator its units (nested ones dropped). */
function scopePaths(v: Viewer): string[] {
  if (isOffice(v)) return ['/'];
  const paths = v.coordinatorUnits.map((u) => u.path).sort();
  return paths.filter((p, i) => !paths.slice(0, i).some((q) => p.startsWith(q)));
}

/**
 * What each person sees first after signing in. A viewer with several roles sees each
 * part: the office (or a coordinator, for its subtree) the week's sessions, nominations
 * waiting, this month's attendance, members at risk and certificates to issue; a trainer
 * today's sessions and rosters still unmarked; a member their certificates. A member's next
 * sessions (each with the apology to send), check-ins and progress are the panels of the
 * follow-up, attendance and completion features on the same page: each shown once.
 * Every figure is read within the viewer's scope.
 */
export class DashboardService {
  private repo: DashboardRepository;
  private reports: ReportsRepository;

  constructor(
    private db: Db,
    private tz: string,
  ) {
    this.repo = new DashboardRepository(db);
    this.reports = new ReportsRepository(db);
  }

  forViewer(v: Viewer, now = new Date()) {
    return {
      overview: isOffice(v) || isCoordinator(v) ? this.overview(v, now) : null,
      trainer: isTrainer(v) ? this.trainer(v, now) : null,
      member: isMember(v) ? this.member(v.memberId!) : null,
    };
  }

  /** The overview of a scope, computed again when the data changes (or after a minute: sessions start). */
  overview(v: Viewer, now: Date) {
    const paths = scopePaths(v);
    const minute = Math.floor(now.getTime() / 60_000);
    return dataCache(this.db).get(`dashboard.overview|${isOffice(v)}|${minute}|${paths.join('|')}`, () =>
      this.computeOverview(v, paths, now),
    );
  }

  private computeOverview(v: Viewer, paths: string[], now: Date) {
    const weekFrom = startOfDay(now, this.tz);
    const weekTo = startOfDay(now, this.tz, 7);
    const month = monthRange(monthKey(now, this.tz), this.tz)!;
    let sessions: ReturnType<DashboardRepository['upcomingSessions']> = [];
    let nominations = 0;
    let toIssue = 0;
    let marked = 0;
    let attended = 0;
    const atRisk = [];
    for (const p of paths) {
      sessions = sessions.concat(this.repo.upcomingSessions(p, weekFrom.getTime(), weekTo.getTime()));
      nominations += this.repo.nominationsWaiting(p);
      toIssue += this.repo.certificatesToIssue(p);
      const a = this.reports.attendanceTotals({ from: month.from.getTime(), to: now.getTime() + 1, path: p });
      marked += a.marked;
      attended += a.attended;
      atRisk.push(...membersBelowRule(this.reports, p, null, now));
    }
    sessions.sort((a, b) => a.startsAt - b.startsAt);
    return {
      scope: isOffice(v) ? 'all' : 'subtree',
      weekSessions: sessions.slice(0, 15),
      weekCount: sessions.length,
      nominations,
      attendance: { marked, attended, rate: rateOf(attended, marked) },
      atRiskCount: atRisk.length,
      cannotQualifyCount: atRisk.filter((r) => r.progress.state === 'cannot_qualify').length,
      atRisk: atRisk.slice(0, 10),
      toIssue,
    };
  }

  trainer(v: Viewer, now: Date) {
    const dayStart = startOfDay(now, this.tz).getTime();
    // one read of the 14 days before today and today: today's sessions with their marks, and the
    // earlier ones whose roster has fewer marks than enrolled members
    const sessions = this.repo.trainerSessions(v.userId, dayStart - 14 * DAY, startOfDay(now, this.tz, 1).getTime());
    const today = sessions.filter((s) => s.startsAt >= dayStart);
    const unmarked = sessions.filter((s) => s.startsAt < dayStart && s.marked < Math.max(1, s.enrolled));
    return { today, unmarked };
  }

  member(memberId: number) {
    return { certificates: this.repo.memberCertificates(memberId) };
  }
}
