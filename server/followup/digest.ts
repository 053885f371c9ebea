import type { FastifyInstance } from 'fastify';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { tx } from '../core/db.ts';
import { forbidden, notFound } from '../core/errors.ts';
import { authorize, can, isOffice, unitScopeKey, type Viewer } from '../core/policy.ts';
import { isoDateInZone, parseLocalDateTime, startOfDay, zonedParts } from '../core/time.ts';
import { pageOf } from '../core/urls.ts';
import { notificationsOf } from '../notifications/service.ts';
import { membersBelowRule } from '../reports/progress.ts';
import { ReportsRepository } from '../reports/repository.ts';
import { FollowupRepository } from './repository.ts';
import type { DigestQuery } from './schemas.ts';

const DAY = 86_400_000;
/** the weekly digest goes out from this weekday (0 = Sunday) and hour, in the organisation's zone */
export const DIGEST_WEEKDAY = 0;
export const DIGEST_HOUR = 7;
/** how often the job looks whether a week's digests are due */
export const DIGEST_CHECK_MS = 60 * 60_000;
/**
 * rows read for a list at most (a week of the whole large organisation has about 700 absences and
 * 200 coming sessions); past it the week's absences are counted apart, so the counts stay exact,
 * and the absences list only whole members (see wholeMembers)
 */
export const LIST_LIMIT = 5000;

/**
 * The absences of whole members among `rows` (in name order) read with a limit one past `limit`:
 * when there are more rows than `limit`, the members named as the first row past it may have
 * absences not read, so their rows are left out (the members listed before them are whole).
 */
export function wholeMembers<R extends { fullName: string }>(rows: R[], limit: number): R[] {
  if (rows.length <= limit) return rows;
  const cut = rows[limit].fullName;
  let end = limit;
  while (end > 0 && rows[end - 1].fullName === cut) end--;
  return rows.slice(0, end);
}
/** rows of each list on one page of /followup/digest (the member list's page size) */
export const DIGEST_PAGE = 50;

type UnitLite = { id: number; path: string; nameAr: string; nameEn: string | null };

/**
 * The weekly follow-up digest of a unit (its whole subtree) for its coordinator:
 * absences of the week, members at risk in running activities (by the shared rule,
 * computed in bulk for the subtree's running enrolments only — never the whole
 * attendance table) and the sessions of the coming 7 days. Shown at /followup/digest
 * and sent every week by a periodic job, once per unit and week.
 */
export class DigestService {
  private repo: FollowupRepository;
  private reports: ReportsRepository;

  constructor(private app: FastifyInstance) {
    this.repo = new FollowupRepository(app.db);
    this.reports = new ReportsRepository(app.db);
  }

  private get tz() {
    return this.app.config.TAAHIL_TZ;
  }

  /** the digest's content for a subtree: absences of [from, to), at risk now, sessions of [now, now + 7 days) */
  build(unit: UnitLite, from: Date, to: Date, now: Date) {
    const read = this.repo.absencesBetween(unit.path, from, to, LIST_LIMIT + 1);
    const capped = read.length > LIST_LIMIT;
    const absenceRows = wholeMembers(read, LIST_LIMIT);
    const byMember = new Map<
      number,
      {
        memberId: number;
        fullName: string;
        unitNameAr: string;
        unitNameEn: string | null;
        sessions: {
          sessionId: number;
          startsAt: Date;
          topic: string | null;
          activityId: number;
          activityTitle: string;
        }[];
      }
    >();
    for (const r of absenceRows) {
      const m = byMember.get(r.memberId) ?? {
        memberId: r.memberId,
        fullName: r.fullName,
        unitNameAr: r.unitNameAr,
        unitNameEn: r.unitNameEn,
        sessions: [],
      };
      m.sessions.push({
        sessionId: r.sessionId,
        startsAt: new Date(r.startsAt),
        topic: r.topic,
        activityId: r.activityId,
        activityTitle: r.activityTitle,
      });
      byMember.set(r.memberId, m);
    }
    // past the limit, the week's absences and absent members are counted apart (exact)
    const counts = capped
      ? this.repo.absenceCounts(unit.path, from, to)
      : { absences: absenceRows.length, members: byMember.size };
    const atRisk = membersBelowRule(this.reports, unit.path, null, now);
    const upcoming = this.repo
      .upcomingSessions(
        unit.path,
        now,
        new Date(now.getTime() + 7 * DAY),
        LIST_LIMIT,
        this.reports.coversAll(unit.path),
      )
      .map((s) => ({ ...s, startsAt: new Date(s.startsAt), organised: !!s.organised }));
    return {
      unit,
      from,
      to,
      absences: [...byMember.values()],
      absenceCount: counts.absences,
      absentMembers: counts.members,
      /** the members listed (fewer than absentMembers when the absences went past LIST_LIMIT) */
      membersListed: byMember.size,
      atRisk,
      upcoming,
    };
  }

  /** units the viewer may pick: the office every unit, a coordinator its subtrees */
  unitOptions(viewer: Viewer) {
    return this.repo.unitOptions().filter((u) => can(viewer, 'followup.digest', u.path));
  }

  /**
   * The digest page: a unit in the viewer's scope and the 7 days from `from` (default: the last 7
   * days), each list a page at a time. The digest is kept while the data is unchanged and within
   * the minute of `now` (core/cache.ts), for every viewer of the unit: its members at risk run
   * every running enrolment of the subtree through the completion rule (7,500 for the whole large
   * organisation, about 100 ms).
   */
  page(viewer: Viewer | null, q: DigestQuery, now = new Date()) {
    if (!viewer || !(isOffice(viewer) || viewer.coordinatorUnits.length)) throw forbidden();
    let unit: UnitLite | undefined;
    if (q.unit !== null) {
      unit = this.repo.unit(q.unit);
      if (!unit) throw notFound();
    } else unit = isOffice(viewer) ? this.repo.unitOptions()[0] : this.repo.unit(viewer.coordinatorUnits[0].id);
    if (!unit) throw notFound();
    authorize(viewer, 'followup.digest', unit.path);
    const typed = q.from ? parseLocalDateTime(q.from, '00:00', this.tz) : null;
    const from = typed ?? startOfDay(now, this.tz, -6);
    const to = startOfDay(from, this.tz, 7);
    const subject: UnitLite = unit;
    const d = dataCache(this.app.db).get(
      `followup.digest|${subject.id}|${subject.path}|${from.getTime()}|${Math.floor(now.getTime() / 60_000)}`,
      () => deepFreeze(this.build(subject, from, to, now)),
    );
    return {
      unit: d.unit,
      from: d.from,
      to: d.to,
      absenceCount: d.absenceCount,
      absentMembers: d.absentMembers,
      atRiskCount: d.atRisk.length,
      upcomingCount: d.upcoming.length,
      absences: pageOf(d.absences, q.absencesPage, DIGEST_PAGE, d.absentMembers),
      membersListed: d.membersListed,
      atRisk: pageOf(d.atRisk, q.atRiskPage, DIGEST_PAGE),
      upcoming: pageOf(d.upcoming, q.upcomingPage, DIGEST_PAGE),
      // the unit select (331 units for the office) is kept rendered per scope (core/render.ts kept)
      units: () => this.unitOptions(viewer),
      unitsKey: unitScopeKey(viewer),
      fromValue: isoDateInZone(from, this.tz),
    };
  }

  /**
   * The week whose digest is due at `now`: the 7 days before the latest digest weekday
   * whose send time (DIGEST_HOUR) has passed; its key is its first day (YYYY-MM-DD).
   */
  dueWeek(now: Date): { from: Date; to: Date; key: string } {
    const p = zonedParts(now, this.tz);
    let weekStart = startOfDay(now, this.tz, -((p.weekday - DIGEST_WEEKDAY + 7) % 7));
    if (now.getTime() < weekStart.getTime() + DIGEST_HOUR * 3_600_000) weekStart = startOfDay(weekStart, this.tz, -7);
    const from = startOfDay(weekStart, this.tz, -7);
    return { from, to: weekStart, key: isoDateInZone(from, this.tz) };
  }

  /**
   * Sends every due digest: for each unit with a coordinator, once per week (the last
   * week sent is kept in settings as followup.digest.<unitId>; audit 'followup.digestSent').
   * Returns how many units got one. Safe to call any number of times.
   */
  sendDue(now = new Date()): number {
    const week = this.dueWeek(now);
    const byUnit = new Map<number, { unit: UnitLite; userIds: number[] }>();
    for (const r of this.repo.coordinatedUnits()) {
      const u = byUnit.get(r.unitId) ?? {
        unit: { id: r.unitId, path: r.path, nameAr: r.nameAr, nameEn: r.nameEn },
        userIds: [],
      };
      u.userIds.push(r.userId);
      byUnit.set(r.unitId, u);
    }
    const notifications = notificationsOf(this.app);
    let sent = 0;
    for (const { unit, userIds } of byUnit.values()) {
      if ((this.repo.setting(`followup.digest.${unit.id}`) ?? '') >= week.key) continue;
      const d = this.build(unit, week.from, week.to, now);
      const done = tx(this.app.db, () => {
        if (!this.repo.claimDigest(unit.id, week.key)) return false;
        const counts = {
          absences: d.absenceCount,
          members: d.absentMembers,
          atRisk: d.atRisk.length,
          upcoming: d.upcoming.length,
        };
        this.app.audit.record({
          userId: null,
          action: 'followup.digestSent',
          entity: 'unit',
          entityId: unit.id,
          details: { week: week.key, recipients: userIds, ...counts },
        });
        notifications.notify({
          userIds,
          kind: 'followup.digest',
          params: { unit: unit.nameAr, week: week.key, ...counts },
          link: `/followup/digest?unit=${unit.id}&from=${week.key}`,
        });
        return true;
      });
      if (done) sent++;
    }
    return sent;
  }

  /** starts the weekly job (checks hourly; the timer never keeps the process alive); stops on close */
  start(): void {
    let timer: NodeJS.Timeout | null = null;
    const run = () => {
      try {
        const n = this.sendDue();
        if (n) this.app.log.info({ units: n }, 'weekly follow-up digests sent');
      } catch (err) {
        this.app.log.error({ err }, 'weekly follow-up digests failed');
      }
    };
    const first = setTimeout(() => {
      run();
      timer = setInterval(run, DIGEST_CHECK_MS);
      timer.unref();
    }, 5 * 60_000);
    first.unref();
    this.app.addHook('onClose', async () => {
      clearTimeout(first);
      if (timer) clearInterval(timer);
    });
  }
}
