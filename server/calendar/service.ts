import ical, { ICalEventStatus } from 'ical-generator';
import type { ActivityService } from '../activities/service.ts';
import { randomString } from '../auth/tokens.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { forbidden, notFound } from '../core/errors.ts';
import { can, isTrainer, unitScope, unitScopeKey, type Viewer } from '../core/policy.ts';
import { isoDateInZone, monthRange, startOfDay, zonedParts, zonedToUtc } from '../core/time.ts';
import { CalendarRepository, type CalendarScope } from './repository.ts';

const DAY = 86_400_000;
/** a subscription shows this far back and ahead */
const FEED_PAST_DAYS = 120;
const FEED_FUTURE_DAYS = 400;

export interface CalendarQuery {
  view: 'week' | 'month';
  date: string | null;
  scope: 'mine' | 'unit';
  unit: number | null;
}

type FeedSession = {
  id: number;
  startsAt: Date;
  endsAt: Date;
  topic: string | null;
  place: string | null;
  status: 'scheduled' | 'cancelled';
  trainerName: string | null;
  activityTitle?: string;
  activityId?: number;
};

/** The calendars: a week grid, a month agenda, a printable week, and iCalendar feeds. */
export class CalendarService {
  private repo: CalendarRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private activities: ActivityService,
    private tz: string,
  ) {
    this.repo = new CalendarRepository(db);
  }

  /** Saturday 00:00 (in the zone) of the week holding this day */
  weekStart(day: Date): Date {
    const p = zonedParts(day, this.tz);
    return startOfDay(day, this.tz, -((p.weekday + 1) % 7));
  }

  private anchor(date: string | null): Date {
    if (date) {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
      if (m) {
        const d = zonedToUtc(+m[1], +m[2], +m[3], 12, 0, this.tz);
        if (!Number.isNaN(d.getTime()) && isoDateInZone(d, this.tz) === date) return d;
      }
    }
    return new Date();
  }

  private scopeFor(viewer: Viewer, q: CalendarQuery): { scope: CalendarScope; unitId: number | null } {
    if (q.scope === 'unit') {
      if (!can(viewer, 'calendar.unit')) throw forbidden();
      const us = unitScope(viewer);
      if (q.unit) {
        const u = this.repo.unit(q.unit);
        if (!u) throw notFound();
        if (us !== 'all' && !us.some((p) => u.path.startsWith(p))) throw forbidden();
        return { scope: { unitPaths: [u.path] }, unitId: u.id };
      }
      return { scope: { unitPaths: us }, unitId: null };
    }
    return {
      scope: { memberId: viewer.memberId, trainerUserId: isTrainer(viewer) ? viewer.userId : null },
      unitId: null,
    };
  }

  page(viewer: Viewer | null, q: CalendarQuery) {
    if (!viewer) throw forbidden();
    const staff = can(viewer, 'calendar.unit');
    const query = {
      ...q,
      scope: q.scope === 'unit' || (staff && !viewer.memberId && !isTrainer(viewer)) ? 'unit' : 'mine',
    } as CalendarQuery;
    const { scope, unitId } = this.scopeFor(viewer, query);
    const anchor = this.anchor(q.date);
    let from: Date;
    let to: Date;
    let prev: string;
    let next: string;
    if (query.view === 'month') {
      const p = zonedParts(anchor, this.tz);
      const month = `${p.year}-${String(p.month).padStart(2, '0')}`;
      ({ from, to } = monthRange(month, this.tz)!);
      prev = isoDateInZone(new Date(from.getTime() - DAY / 2), this.tz);
      next = isoDateInZone(new Date(to.getTime() + DAY / 2), this.tz);
    } else {
      from = this.weekStart(anchor);
      to = startOfDay(from, this.tz, 7);
      prev = isoDateInZone(startOfDay(from, this.tz, -7), this.tz);
      next = isoDateInZone(to, this.tz);
    }
    // a unit's (or the organisation's) sessions are the same for every coordinator of it and
    // the whole office: read and grouped once while the data is unchanged, and the rendered
    // days kept (`keptKey`, with today's mark); one's own calendar is read each time
    const shared = scope.unitPaths !== undefined;
    const scopeKey = scope.unitPaths === 'all' ? '*' : (scope.unitPaths ?? []).join(' ');
    const dataKey = `calendar.days|${query.view}|${from.getTime()}|${to.getTime()}|${scopeKey}`;
    const { days, total } = shared
      ? dataCache(this.db).get(dataKey, () => deepFreeze(this.daysOf(scope, query.view, from, to)))
      : this.daysOf(scope, query.view, from, to);
    const today = isoDateInZone(new Date(), this.tz);
    const us = unitScope(viewer);
    const unitsKey = unitScopeKey(viewer);
    const units = staff
      ? dataCache(this.db).get(`calendar.units|${unitsKey}`, () =>
          deepFreeze(this.repo.unitOptions().filter((u) => us === 'all' || us.some((p) => u.path.startsWith(p)))),
        )
      : [];
    return {
      q: { ...query, unit: unitId },
      from,
      to,
      days,
      prev,
      next,
      today,
      staff,
      units,
      unitsKey,
      keptKey: shared ? `${dataKey}|${today}` : null,
      token: this.repo.tokenOf(viewer.userId),
      total,
    };
  }

  /** the sessions between two instants by day of the zone (each day of a week, even empty; a month's days with sessions) */
  private daysOf(scope: CalendarScope, view: CalendarQuery['view'], from: Date, to: Date) {
    const rows = this.repo.sessions(scope, from, to);
    const days: { date: string; start: Date; sessions: typeof rows }[] = [];
    const byDate = new Map<string, (typeof days)[number]>();
    if (view === 'week') {
      for (let i = 0; i < 7; i++) {
        const start = startOfDay(from, this.tz, i);
        const d = { date: isoDateInZone(start, this.tz), start, sessions: [] };
        days.push(d);
        byDate.set(d.date, d);
      }
    }
    for (const r of rows) {
      const date = isoDateInZone(r.startsAt, this.tz);
      let d = byDate.get(date);
      if (!d) {
        d = { date, start: startOfDay(r.startsAt, this.tz), sessions: [] };
        days.push(d);
        byDate.set(date, d);
      }
      d.sessions.push(r);
    }
    return { days, total: rows.length };
  }

  /**
   * The dashboard's week ahead for a trainer: the sessions they teach from tomorrow on. Today's
   * are on the trainer's own card (with their marks), the sessions a member attends on the
   * "next sessions" panel (with the apology to send): each session is listed once.
   */
  teachingAhead(viewer: Viewer | null, now = new Date(), days = 7, limit = 8) {
    if (!viewer || !isTrainer(viewer)) return [];
    return this.repo
      .sessions({ trainerUserId: viewer.userId }, startOfDay(now, this.tz, 1), startOfDay(now, this.tz, days + 1))
      .filter((r) => r.status === 'scheduled' && r.activityStatus !== 'cancelled')
      .slice(0, limit);
  }

  /** Issues (or replaces) the viewer's private subscription token. */
  newToken(viewer: Viewer | null): string {
    if (!viewer) throw forbidden();
    const token = randomString(32);
    tx(this.db, () => {
      this.repo.setToken(viewer.userId, token);
      this.audit.record({ userId: viewer.userId, action: 'calendar.token', entity: 'user', entityId: viewer.userId });
    });
    return token;
  }

  revokeToken(viewer: Viewer | null): void {
    if (!viewer) throw forbidden();
    tx(this.db, () => {
      this.repo.setToken(viewer.userId, null);
      this.audit.record({ userId: viewer.userId, action: 'calendar.revoke', entity: 'user', entityId: viewer.userId });
    });
  }

  /** The private feed of the user owning the token: what they are enrolled in and what they teach. */
  feed(token: string, baseUrl: string): string {
    if (!/^[a-z0-9]{20,64}$/.test(token)) throw notFound();
    const user = this.repo.userByToken(token);
    if (!user?.active) throw notFound();
    const now = Date.now();
    const rows = this.repo.sessions(
      { memberId: user.memberId, trainerUserId: this.repo.isTrainer(user.id) ? user.id : null },
      new Date(now - FEED_PAST_DAYS * DAY),
      new Date(now + FEED_FUTURE_DAYS * DAY),
    );
    return this.ics(`Taahil — ${user.displayName}`, rows, baseUrl);
  }

  /** One activity as iCalendar, for anyone who may see it. */
  activityIcs(viewer: Viewer | null, activityId: number, baseUrl: string) {
    const { activity } = this.activities.get(viewer, activityId);
    const rows = this.repo
      .activitySessions(activityId)
      .map((r) => ({ ...r, activityTitle: activity.title, activityId }));
    return { body: this.ics(activity.title, rows, baseUrl), activity };
  }

  /** Times are written in UTC (…Z), which every client converts to its own zone correctly. */
  ics(name: string, rows: FeedSession[], baseUrl: string): string {
    const cal = ical({ name, prodId: { company: 'Taahil', product: 'Taahil', language: 'AR' }, ttl: 3600 });
    for (const r of rows) {
      cal.createEvent({
        id: `session-${r.id}@taahil`,
        start: r.startsAt,
        end: r.endsAt,
        stamp: r.startsAt,
        summary: r.topic ? `${r.activityTitle ?? ''} — ${r.topic}` : (r.activityTitle ?? ''),
        location: r.place ?? undefined,
        description: r.trainerName ?? undefined,
        url: `${baseUrl}/sessions/${r.id}`,
        status: r.status === 'cancelled' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      });
    }
    return cal.toString();
  }
}
