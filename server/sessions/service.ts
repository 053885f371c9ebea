import type { Activity, ActivityService } from '../activities/service.ts';
import { randomString } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import type { Viewer } from '../core/policy.ts';
import { isoDateInZone, isoTimeInZone, parseLocalDateTime } from '../core/time.ts';
import { expandRule, MAX_OCCURRENCES, RecurrenceFailure, type RecurrenceRule } from './recurrence.ts';
import { type Clash, SessionRepository } from './repository.ts';
import type { RuleForm, SessionForm } from './schemas.ts';

/** a session's self check-in code: 8 characters from a 32-letter alphabet (2^40 codes) */
export const newCheckinCode = () => randomString(8).toUpperCase();

const RULE_ERRORS: Record<string, [string, string]> = {
  endBeforeStart: ['endTime', 'sessions.errors.endBeforeStart'],
  noSessions: ['_form', 'sessions.errors.noSessions'],
  tooMany: ['_form', 'sessions.errors.tooMany'],
  untilBeforeStart: ['until', 'sessions.errors.untilBeforeStart'],
  needEnd: ['until', 'sessions.errors.needEnd'],
};

/** Sessions of an activity: generated from a rule or added one by one; clashes between bookings. */
export class SessionService {
  readonly repo: SessionRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private events: EventBus,
    private config: Config,
    private activities: ActivityService,
  ) {
    this.repo = new SessionRepository(db);
  }

  private get tz() {
    return this.config.TAAHIL_TZ;
  }

  ruleOf(a: { recurrence: string | null }): RecurrenceRule | null {
    if (!a.recurrence) return null;
    try {
      return JSON.parse(a.recurrence) as RecurrenceRule;
    } catch {
      return null;
    }
  }

  /** The sessions page: every session with its clashes. */
  list(viewer: Viewer | null, activityId: number) {
    const view = this.activities.get(viewer, activityId);
    return { ...view, rows: this.rowsOf(activityId), rule: this.ruleOf(view.activity) };
  }

  /** an activity's sessions with their clashes: the same for everyone who may see it, kept while the data is unchanged */
  private rowsOf(activityId: number) {
    return dataCache(this.db).get(`sessions.list|${activityId}`, () => {
      const rows = this.repo.listOf(activityId);
      const clashes = this.repo.clashes(rows.filter((r) => r.status === 'scheduled'));
      const bySession = new Map<number, Clash[]>();
      for (const c of clashes) if (c.sessionId) bySession.set(c.sessionId, [...(bySession.get(c.sessionId) ?? []), c]);
      return deepFreeze(rows.map((r) => ({ ...r, clashes: bySession.get(r.id) ?? [] })));
    });
  }

  /** One session with its activity, when the viewer may see the activity. */
  get(viewer: Viewer | null, id: number) {
    const s = this.repo.find(id);
    if (!s) throw notFound();
    const view = this.activities.get(viewer, s.activityId);
    const clashes = s.status === 'scheduled' ? this.repo.clashes([s]) : [];
    return { ...view, session: { ...s, trainerName: this.repo.trainerName(s.trainerUserId) }, clashes };
  }

  /** A session for changing: only planners of its activity, and never of a closed activity. */
  private forChange(viewer: Viewer | null, id: number) {
    const s = this.repo.find(id);
    if (!s) throw notFound();
    const activity = this.activities.getForPlanning(viewer, s.activityId);
    this.assertOpen(activity);
    return { session: s, activity };
  }

  private assertOpen(a: Activity) {
    if (a.status === 'cancelled' || a.status === 'finished') throw new FormError({ _form: 'sessions.errors.closed' });
  }

  /** the active trainers (for the forms' select and to check a choice) */
  private trainerOptions() {
    return this.activities.repo.trainerOptions();
  }

  formOptions() {
    return { trainers: this.trainerOptions() };
  }

  private checkTrainer(trainerUserId: number | null, field = 'trainerUserId') {
    if (trainerUserId && !this.trainerOptions().some((t) => t.id === trainerUserId))
      throw new FormError({ [field]: 'sessions.errors.unknownTrainer' });
  }

  /** the dates a hand-made session must fall within: the rule's span when it has an end date */
  private checkSpan(a: Activity, date: string) {
    const rule = this.ruleOf(a);
    if (rule?.until && (date < rule.startDate || date > rule.until))
      throw new FormError({ date: 'sessions.errors.outsideSpan' });
  }

  private times(form: SessionForm) {
    const startsAt = parseLocalDateTime(form.date, form.startTime, this.tz);
    const endsAt = parseLocalDateTime(form.date, form.endTime, this.tz);
    if (!startsAt) throw new FormError({ date: 'errors.date' });
    if (!endsAt || endsAt <= startsAt) throw new FormError({ endTime: 'sessions.errors.endBeforeStart' });
    return { startsAt, endsAt };
  }

  /** Adds one session by hand. Returns its id and the clashes it causes (saved anyway). */
  add(viewer: Viewer | null, activityId: number, form: SessionForm): { id: number; clashes: Clash[] } {
    const a = this.activities.getForPlanning(viewer, activityId);
    this.assertOpen(a);
    this.checkTrainer(form.trainerUserId);
    this.checkSpan(a, form.date);
    const { startsAt, endsAt } = this.times(form);
    return tx(this.db, () => {
      const values = {
        activityId,
        startsAt,
        endsAt,
        topic: form.topic,
        trainerUserId: form.trainerUserId,
        place: form.place ?? a.location,
        fromRule: false,
        checkinCode: newCheckinCode(),
      };
      const id = this.repo.insert(values);
      this.audit.record({
        userId: viewer!.userId,
        action: 'session.create',
        entity: 'session',
        entityId: id,
        details: values,
      });
      this.events.emit('sessions.changed', { activityId, byUserId: viewer!.userId });
      return { id, clashes: this.repo.clashes([{ ...values, id }]) };
    });
  }

  /** Moves or edits one occurrence; it is then left alone when the rule changes. */
  update(viewer: Viewer | null, id: number, form: SessionForm): { clashes: Clash[] } {
    const { session, activity } = this.forChange(viewer, id);
    if (form.trainerUserId !== session.trainerUserId) this.checkTrainer(form.trainerUserId);
    const moved = form.date !== isoDateInZone(session.startsAt, this.tz);
    if (moved) this.checkSpan(activity, form.date);
    const { startsAt, endsAt } = this.times(form);
    return tx(this.db, () => {
      const values = {
        startsAt,
        endsAt,
        topic: form.topic,
        trainerUserId: form.trainerUserId,
        place: form.place,
        detached: session.fromRule ? true : session.detached,
      };
      this.repo.update(id, values);
      this.audit.record({
        userId: viewer!.userId,
        action: 'session.update',
        entity: 'session',
        entityId: id,
        details: {
          before: {
            startsAt: session.startsAt,
            endsAt: session.endsAt,
            topic: session.topic,
            trainerUserId: session.trainerUserId,
            place: session.place,
          },
          after: values,
        },
      });
      this.events.emit('sessions.changed', { activityId: session.activityId, byUserId: viewer!.userId });
      return { clashes: this.repo.clashes([{ ...values, id }]) };
    });
  }

  cancel(viewer: Viewer | null, id: number, reason: string): number {
    const { session } = this.forChange(viewer, id);
    if (session.status === 'cancelled') throw new FormError({ reason: 'sessions.errors.alreadyCancelled' });
    tx(this.db, () => {
      this.repo.update(id, {
        status: 'cancelled',
        cancelReason: reason,
        detached: session.fromRule ? true : session.detached,
      });
      this.audit.record({
        userId: viewer!.userId,
        action: 'session.cancel',
        entity: 'session',
        entityId: id,
        details: { reason },
      });
      this.events.emit('sessions.changed', { activityId: session.activityId, byUserId: viewer!.userId });
    });
    return session.activityId;
  }

  restore(viewer: Viewer | null, id: number): number {
    const { session } = this.forChange(viewer, id);
    if (session.status !== 'cancelled') return session.activityId;
    tx(this.db, () => {
      this.repo.update(id, { status: 'scheduled', cancelReason: null });
      this.audit.record({ userId: viewer!.userId, action: 'session.restore', entity: 'session', entityId: id });
      this.events.emit('sessions.changed', { activityId: session.activityId, byUserId: viewer!.userId });
    });
    return session.activityId;
  }

  /** A session without any history may be removed outright; one with marks or files only cancelled. */
  remove(viewer: Viewer | null, id: number): number {
    const { session } = this.forChange(viewer, id);
    const facts = this.repo.regenerationFacts(session.activityId).find((f) => f.id === id);
    if (facts?.linked) throw new FormError({ _form: 'sessions.errors.hasHistory' });
    tx(this.db, () => {
      this.repo.deleteIds([id]);
      this.audit.record({
        userId: viewer!.userId,
        action: 'session.delete',
        entity: 'session',
        entityId: id,
        details: { activityId: session.activityId, startsAt: session.startsAt },
      });
      this.events.emit('sessions.changed', { activityId: session.activityId, byUserId: viewer!.userId });
    });
    return session.activityId;
  }

  toRule(form: RuleForm): RecurrenceRule {
    return {
      freq: form.freq,
      interval: form.interval,
      weekdays: form.freq === 'weekly' ? [...new Set(form.weekdays)].sort() : [],
      startDate: form.startDate,
      until: form.until,
      count: form.count,
      startTime: form.startTime,
      endTime: form.endTime,
      skipFridays: form.skipFridays,
      skipDates: [...new Set(form.skipDates)].sort(),
      topic: form.topic,
      trainerUserId: form.trainerUserId,
      place: form.place,
    };
  }

  /**
   * (Re)generates the activity's sessions from a rule, in one transaction. Sessions that
   * have attendance, materials or apologies, that were edited by hand (detached) or added
   * by hand are kept; the other generated sessions are replaced. A new occurrence on the
   * same day as a kept generated session is not added twice.
   */
  generate(viewer: Viewer | null, activityId: number, form: RuleForm) {
    const a = this.activities.getForPlanning(viewer, activityId);
    this.assertOpen(a);
    this.checkTrainer(form.trainerUserId);
    const rule = this.toRule(form);
    let occurrences: ReturnType<typeof expandRule>;
    try {
      occurrences = expandRule(rule, this.tz);
    } catch (err) {
      if (err instanceof RecurrenceFailure) {
        const [field, key] = RULE_ERRORS[err.reason];
        throw new FormError({ [field]: key });
      }
      throw err;
    }
    return tx(this.db, () => {
      const existing = this.repo.regenerationFacts(activityId);
      const keep = existing.filter((s) => !s.fromRule || s.detached || s.linked);
      const drop = existing.filter((s) => !keep.includes(s));
      const keptDays = new Set(keep.filter((s) => s.fromRule).map((s) => isoDateInZone(s.startsAt, this.tz)));
      const fresh = occurrences.filter((o) => !keptDays.has(o.date));
      if (keep.length + fresh.length > MAX_OCCURRENCES) throw new FormError({ _form: 'sessions.errors.tooMany' });
      this.repo.deleteIds(drop.map((s) => s.id));
      const place = rule.place ?? a.location;
      for (const o of fresh)
        this.repo.insert({
          activityId,
          startsAt: o.startsAt,
          endsAt: o.endsAt,
          topic: rule.topic ?? null,
          trainerUserId: rule.trainerUserId ?? null,
          place,
          fromRule: true,
          checkinCode: newCheckinCode(),
        });
      this.repo.setRule(activityId, JSON.stringify(rule));
      const result = { created: fresh.length, kept: keep.length, removed: drop.length };
      this.audit.record({
        userId: viewer!.userId,
        action: 'session.generate',
        entity: 'activity',
        entityId: activityId,
        details: { rule, ...result },
      });
      this.events.emit('sessions.changed', { activityId, byUserId: viewer!.userId });
      return result;
    });
  }

  /** The rule as form values (for the form), or defaults. */
  ruleValues(a: Activity): Record<string, unknown> {
    const r = this.ruleOf(a);
    if (!r)
      return {
        freq: 'weekly',
        interval: 1,
        weekdays: [],
        skipFridays: true,
        startTime: '17:00',
        endTime: '19:00',
        place: a.location ?? '',
      };
    return {
      ...r,
      weekdays: r.weekdays.map(String),
      skipDates: r.skipDates.join('\n'),
      until: r.until ?? '',
      count: r.count ?? '',
    };
  }

  sessionValues(s: {
    startsAt: Date;
    endsAt: Date;
    topic: string | null;
    trainerUserId: number | null;
    place: string | null;
  }) {
    return {
      date: isoDateInZone(s.startsAt, this.tz),
      startTime: isoTimeInZone(s.startsAt, this.tz),
      endTime: isoTimeInZone(s.endsAt, this.tz),
      topic: s.topic ?? '',
      trainerUserId: s.trainerUserId ?? '',
      place: s.place ?? '',
    };
  }
}
