import { randomInt } from 'node:crypto';
import QRCode from 'qrcode';
import type { AttendanceStatus } from '../../db/schema.ts';
import { inAudience } from '../activities/audience.ts';
import { progressCalculator, ruleOf } from '../completion/rules.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import { authorize, can, inScope, isCoordinator, isOffice, type Viewer } from '../core/policy.ts';
import { startOfDay } from '../core/time.ts';
import { type ActivityRow, AttendanceRepository, type MarkRow, type MemberRow, type SessionRow } from './repository.ts';
import {
  CODE_ALPHABET,
  checkinOpen,
  checkinStatus,
  commitmentRate,
  editClosesAt,
  isOpenActivity,
  markingOpensAt,
  normalizeCode,
  sessionRate,
} from './rules.ts';
import type { RosterEntry, RosterForm } from './schemas.ts';

export const MATRIX_PAGE = 100;
const collator = new Intl.Collator('ar');

/** QR codes of check-in links, drawn once per link (a roster page is reloaded often during a session). */
const qrCache = new Map<string, string>();
async function qrOf(url: string): Promise<string> {
  let qr = qrCache.get(url);
  if (!qr) {
    const svg = await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    qr = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    if (qrCache.size >= 500) qrCache.delete(qrCache.keys().next().value!);
    qrCache.set(url, qr);
  }
  return qr;
}
const STATUSES: AttendanceStatus[] = ['present', 'late', 'excused', 'absent'];
const NO_HISTORY: RosterRow['history'] = [];

/** rosters kept while the data is unchanged: a few, each a few hundred rows */
const rosterCache = (db: Db) => dataCache(db, 'rosters', 20);
const emptyCounts = (): Record<AttendanceStatus, number> => ({ present: 0, late: 0, excused: 0, absent: 0 });

export interface RosterRow extends MemberRow {
  enrolled: boolean;
  /** found by the walk-in search, not yet marked */
  candidate: boolean;
  mark: MarkRow | null;
  /** the latest changes of the mark, at most ROSTER_HISTORY_SHOWN */
  history: ReturnType<AttendanceRepository['events']>;
  /** how many earlier changes are not in `history` */
  historyEarlier: number;
}

/** the changes of a mark a roster row lists; the rest are counted ("earlier changes: n") */
export const ROSTER_HISTORY_SHOWN = 10;

/**
 * Attendance: who may see and mark a session's roster, the one-request roster save,
 * self check-in, and the views (today, matrix, histories). Every change keeps an
 * attendance event, an audit line and the enrolment counters in one transaction.
 */
export class AttendanceService {
  private repo: AttendanceRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private events: EventBus,
  ) {
    this.repo = new AttendanceRepository(db);
  }

  // ------------------------------------------------------------------ access

  private load(sessionId: number) {
    const session = this.repo.session(sessionId);
    if (!session) throw notFound();
    const activity = this.repo.activity(session.activityId);
    if (!activity) throw notFound();
    return { session, activity };
  }

  /**
   * Which members of an activity the viewer may see: 'all' (office, the session's
   * trainer, a coordinator of the organising unit), a list of unit subtrees (a
   * coordinator whose members take part), or null (nothing).
   */
  private seeScope(
    viewer: Viewer | null,
    activity: ActivityRow,
    trainerOk: boolean,
  ): 'all' | { paths: string[] } | null {
    if (!viewer) return null;
    if (isOffice(viewer) || trainerOk) return 'all';
    if (isCoordinator(viewer)) {
      if (can(viewer, 'attendance.viewIn', activity.organisingUnitPath)) return 'all';
      return { paths: viewer.coordinatorUnits.map((u) => u.path) };
    }
    return null;
  }

  private visible(scope: 'all' | { paths: string[] }, unitPath: string) {
    return scope === 'all' || scope.paths.some((p) => unitPath.startsWith(p));
  }

  private state(session: SessionRow, activity: ActivityRow, now: Date) {
    const cancelled = session.status === 'cancelled' || activity.status === 'cancelled';
    const opensAt = markingOpensAt(session, activity);
    const closesAt = editClosesAt(session, activity);
    return {
      cancelled,
      opensAt,
      closesAt,
      notStarted: now < opensAt,
      windowClosed: now > closesAt,
      checkinOpen: !cancelled && checkinOpen(session, activity, now),
    };
  }

  // ------------------------------------------------------------------ roster

  async roster(
    viewer: Viewer | null,
    sessionId: number,
    opts: { q: string; base: string; extraIds?: number[] },
    now = new Date(),
  ) {
    const { session, activity } = this.load(sessionId);
    const mayMark = can(viewer, 'attendance.mark', session);
    const scope = this.seeScope(viewer, activity, mayMark);
    if (!scope) throw forbidden();
    const state = this.state(session, activity, now);
    const open = isOpenActivity(activity);

    const all = this.rosterRows(session.id, activity.id);
    const byMember = new Map<number, RosterRow>();
    for (const r of all) byMember.set(r.memberId, r);
    let rows = all;
    if (scope !== 'all') rows = rows.filter((r) => this.visible(scope, r.unitPath));
    if (scope !== 'all' && rows.length === 0) throw forbidden();

    // walk-in search on open activities (only for those who may mark)
    let candidates: RosterRow[] = [];
    const canEdit = mayMark && !state.cancelled && !state.notStarted && (!state.windowClosed || isOffice(viewer));
    if (open && mayMark && opts.q) {
      const ids = this.repo
        .searchMembers(opts.q, {
          unitPath: activity.audienceKind === 'units' ? activity.audienceUnitPath : null,
          executiveOnly: activity.executiveOnly,
          limit: 30,
        })
        .filter((id) => !byMember.has(id));
      candidates = this.repo
        .audienceFacts(ids)
        .filter((m) => inAudience(this.audienceRule(activity), m))
        .map((m) => ({
          memberId: m.memberId,
          fullName: m.fullName,
          unitPath: m.unitPath,
          unitNameAr: m.unitNameAr,
          unitNameEn: m.unitNameEn,
          enrolled: false,
          candidate: true,
          mark: null,
          history: [],
          historyEarlier: 0,
        }));
    }

    // members a refused form carried that are not on the roster: shown again with their error
    const extra = (opts.extraIds ?? []).filter((id) => !byMember.has(id) && !candidates.some((c) => c.memberId === id));
    if (mayMark && extra.length)
      for (const m of this.repo.membersByIds(extra.slice(0, 200)))
        candidates.push({ ...m, enrolled: false, candidate: true, mark: null, history: [], historyEarlier: 0 });

    const counts = emptyCounts();
    let unmarked = 0;
    for (const r of rows) {
      if (r.mark) counts[r.mark.status]++;
      else unmarked++;
    }
    let checkin: { code: string; url: string; qr: string } | null = null;
    if (mayMark && state.checkinOpen) {
      const code = session.checkinCode ?? this.ensureCode(viewer!, session.id);
      const url = `${opts.base}/sessions/${session.id}/check-in?code=${encodeURIComponent(code)}`;
      checkin = { code, url, qr: await qrOf(url) };
    }
    return {
      session,
      activity,
      rows,
      /** names the rows shown (the session's, limited to the viewer's units), for the page's kept rows */
      rowsKey: `${session.id}|${scope === 'all' ? '*' : scope.paths.join(' ')}`,
      candidates,
      counts,
      unmarked,
      rate: state.notStarted ? null : sessionRate(counts, rows.length),
      state,
      open,
      mayMark,
      canEdit,
      needsReason: mayMark && isOffice(viewer) && state.windowClosed,
      checkin,
    };
  }

  /**
   * Everyone on a session's roster, in Arabic name order, with their mark and change history:
   * the enrolled members (ordered by name as stored), the session's marks and the history of
   * the few members whose mark changed — three index ranges, no query per member. Kept while
   * the database is unchanged (any write, a check-in included, reads it again): a roster is
   * reloaded often during a session. Shared by every reader, hence frozen.
   */
  private rosterRows(sessionId: number, activityId: number): readonly RosterRow[] {
    return rosterCache(this.db).get(`${sessionId}|${activityId}`, () =>
      deepFreeze(this.readRoster(sessionId, activityId)),
    );
  }

  private readRoster(sessionId: number, activityId: number): RosterRow[] {
    const enrolled = this.repo.enrolled(activityId);
    const marks = this.repo.sessionMarks(sessionId);
    const history = this.repo.events(sessionId, ROSTER_HISTORY_SHOWN);
    const markers = this.repo.userNames([...new Set(marks.map((m) => m.markedBy).filter((id) => id !== null))]);
    const markOf = new Map<number, MarkRow>();
    for (const mk of marks)
      markOf.set(mk.memberId, {
        memberId: mk.memberId,
        status: mk.status,
        note: mk.note,
        via: mk.via,
        markedAt: mk.markedAt,
        markedByName: mk.markedBy === null ? null : (markers.get(mk.markedBy) ?? null),
      });
    const historyByMember = new Map<number, typeof history>();
    for (const h of history) {
      const list = historyByMember.get(h.memberId);
      if (list) list.push(h);
      else historyByMember.set(h.memberId, [h]);
    }
    const row = (m: MemberRow, isEnrolled: boolean): RosterRow => {
      const history = historyByMember.get(m.memberId) ?? NO_HISTORY;
      return {
        memberId: m.memberId,
        fullName: m.fullName,
        unitPath: m.unitPath,
        unitNameAr: m.unitNameAr,
        unitNameEn: m.unitNameEn,
        enrolled: isEnrolled,
        candidate: false,
        mark: markOf.get(m.memberId) ?? null,
        history,
        // every change carries its member's count of changes: those not among the latest shown
        historyEarlier: history.length ? history[0].total - history.length : 0,
      };
    };
    const byMember = new Map<number, RosterRow>();
    for (const m of enrolled) byMember.set(m.memberId, row(m, true));
    // marked without a roster enrolment: walk-ins (and members who left since)
    const walkIns = marks.filter((mk) => !byMember.has(mk.memberId)).map((mk) => mk.memberId);
    if (walkIns.length) for (const m of this.repo.membersByIds(walkIns)) byMember.set(m.memberId, row(m, false));
    const rows = [...byMember.values()];
    // Arabic order; the list comes nearly sorted, so this costs a few hundred comparisons
    rows.sort((a, b) => collator.compare(a.fullName, b.fullName));
    return rows;
  }

  private audienceRule(a: ActivityRow) {
    return {
      audienceKind: a.audienceKind,
      audienceUnitPath: a.audienceUnitPath,
      councilIds: a.councilIds,
      executiveOnly: a.executiveOnly,
    };
  }

  /** Gives a session a short unique check-in code when it has none. */
  private ensureCode(viewer: Viewer, sessionId: number): string {
    for (let i = 0; i < 8; i++) {
      let code = '';
      for (let j = 0; j < 6; j++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
      const done = tx(this.db, () => {
        if (!this.repo.setCheckinCode(sessionId, code)) return false;
        this.audit.record({
          userId: viewer.userId,
          action: 'session.checkinCode',
          entity: 'session',
          entityId: sessionId,
        });
        return true;
      });
      if (done) return code;
      const existing = this.repo.session(sessionId)?.checkinCode;
      if (existing) return existing;
    }
    throw new Error('could not generate a check-in code');
  }

  /**
   * Saves the whole roster of a session in one transaction. Unchanged marks write
   * nothing (a re-sent form is harmless); any bad entry refuses the whole save.
   */
  save(
    viewer: Viewer | null,
    sessionId: number,
    form: RosterForm,
    meta: { ip?: string; via?: 'roster' | 'card' | 'sheet' } = {},
    now = new Date(),
  ) {
    const via = meta.via ?? 'roster';
    const { session, activity } = this.load(sessionId);
    authorize(viewer, 'attendance.mark', session);
    if (form.activityId !== null && form.activityId !== activity.id)
      throw new FormError({ _form: 'attendance.errors.otherActivity' });
    const state = this.state(session, activity, now);
    if (state.cancelled) throw new FormError({ _form: 'attendance.errors.cancelled' });
    if (state.notStarted) throw new FormError({ _form: 'attendance.errors.notStarted' });
    const reason: string | null = form.reason;
    if (state.windowClosed) {
      if (!isOffice(viewer)) throw new FormError({ _form: 'attendance.errors.windowClosed' });
      if (!reason) throw new FormError({ reason: 'attendance.errors.reasonRequired' });
    }

    // what would change, read without the write lock: a form re-sent as it is (the usual
    // "save" of a roster already saved) writes nothing and takes no transaction. Under the lock
    // the plan is made again only if something was written since (by another process: nothing
    // of this one runs in between)
    const version = this.repo.version();
    const plan = this.planSave(activity, session.id, form);
    if (plan.planned.length === 0) return { changed: 0 };
    const saved = tx(this.db, () => {
      const { existing, planned } = this.repo.version() === version ? plan : this.planSave(activity, session.id, form);
      if (planned.length === 0) return null;
      const changes: { memberId: number; from: AttendanceStatus | null; to: AttendanceStatus }[] = [];
      const eventRows = [];
      for (const { memberId, before, status, note } of planned) {
        this.repo.upsertMark({
          sessionId: session.id,
          memberId,
          status,
          note,
          via,
          markedBy: viewer.userId,
          markedAt: now,
        });
        eventRows.push({
          sessionId: session.id,
          memberId,
          fromStatus: before?.status ?? null,
          toStatus: status,
          note,
          reason,
          via,
          byUserId: viewer.userId,
          at: now,
        });
        changes.push({ memberId, from: before?.status ?? null, to: status });
      }
      this.repo.insertEvents(eventRows);
      // the session is not cancelled (refused above): its marks count, one step per change
      this.repo.shiftCounters(activity.id, changes, now);
      this.audit.record({
        userId: viewer.userId,
        action: 'attendance.save',
        entity: 'session',
        entityId: session.id,
        details: { activityId: activity.id, reason, changes, ...(via === 'roster' ? {} : { via }) },
        ip: meta.ip ?? null,
      });
      this.events.emit('attendance.changed', {
        sessionId: session.id,
        activityId: activity.id,
        changes,
        byUserId: viewer.userId,
      });
      // the last statement: the version the commit leaves (no other process can write before it)
      return { changed: changes.length, existing, planned, version: this.repo.version() };
    });
    if (!saved) return { changed: 0 };
    // the next save of this roster (a trainer correcting one mark after another) compares with
    // the marks as this one left them, without reading the session's marks again
    const marks = new Map(saved.existing);
    for (const { memberId, status, note } of saved.planned) marks.set(memberId, Object.freeze({ status, note }));
    this.repo.keepMarks(session.id, marks, saved.version);
    return { changed: saved.changed };
  }

  /**
   * The marks a roster form changes, compared with the stored ones (unchanged rows cost a map
   * look-up); refuses the whole form (FormError) when one entry may not be saved.
   */
  private planSave(activity: ActivityRow, sessionId: number, form: RosterForm) {
    const existing = this.repo.plainMarks(sessionId);
    // the roster's ids are needed only to mark everyone present or for a member without a mark
    // yet (a roster already marked, the usual correction, does without them)
    let roster: ReadonlySet<number> | undefined;
    const enrolledIds = () => (roster ??= this.repo.enrolledIds(activity.id));
    const entries = new Map<number, RosterEntry>();
    for (const e of form.entries) entries.set(e.memberId, e);
    if (form.allPresent) {
      const fill = (id: number) => {
        const e = entries.get(id);
        if (!e) entries.set(id, { memberId: id, status: 'present' });
        else if (!e.status && !existing.has(id)) entries.set(id, { ...e, status: 'present' });
      };
      for (const id of enrolledIds()) fill(id);
      for (const id of existing.keys()) fill(id);
    }
    // who may be marked: enrolled, already marked, or (open activities) anyone in the audience
    const errors: Record<string, string> = {};
    const unknown = [...entries.values()].filter(
      (e) => (e.status || e.note) && !existing.has(e.memberId) && !enrolledIds().has(e.memberId),
    );
    if (unknown.length) {
      const facts = new Map(
        isOpenActivity(activity)
          ? this.repo.audienceFacts(unknown.map((e) => e.memberId)).map((m) => [m.memberId, m])
          : [],
      );
      for (const e of unknown) {
        const m = facts.get(e.memberId);
        if (!m || !inAudience(this.audienceRule(activity), m))
          errors[`s_${e.memberId}`] = 'attendance.errors.notEnrolled';
      }
    }
    for (const e of entries.values())
      if (!e.status && e.note && !existing.has(e.memberId))
        errors[`s_${e.memberId}`] = 'attendance.errors.noteWithoutStatus';
    if (Object.keys(errors).length) throw new FormError({ _form: 'attendance.errors.badEntries', ...errors });

    const planned: {
      memberId: number;
      before: { status: AttendanceStatus; note: string | null } | undefined;
      status: AttendanceStatus;
      note: string | null;
    }[] = [];
    for (const e of entries.values()) {
      const before = existing.get(e.memberId);
      const status = e.status ?? before?.status;
      if (!status) continue;
      const note = e.note === undefined ? (before?.note ?? null) : e.note;
      if (before && before.status === status && (before.note ?? null) === note) continue;
      planned.push({ memberId: e.memberId, before, status, note });
    }
    return { existing, planned };
  }

  // ------------------------------------------------------------------ apologies

  /**
   * An accepted apology (server/followup) marks the member excused (via 'apology'),
   * also before the session starts. A present or late mark stays (the member came after
   * all). Same rights as marking: the session's trainer or the office, and after the edit
   * window only the office. Returns whether the mark changed.
   */
  excuseByApology(
    viewer: Viewer | null,
    sessionId: number,
    memberId: number,
    opts: { apologyId: number; note: string | null },
    now = new Date(),
  ): boolean {
    const { session, activity } = this.load(sessionId);
    authorize(viewer, 'attendance.mark', session);
    const state = this.state(session, activity, now);
    if (state.windowClosed && !isOffice(viewer)) throw new FormError({ _form: 'attendance.errors.windowClosed' });
    return tx(this.db, () => {
      const before = this.repo.mark(session.id, memberId);
      if (before && before.status !== 'absent') return false;
      const note = opts.note ?? before?.note ?? null;
      this.repo.upsertMark({
        sessionId: session.id,
        memberId,
        status: 'excused',
        note,
        via: 'apology',
        markedBy: viewer.userId,
        markedAt: now,
      });
      this.repo.insertEvents([
        {
          sessionId: session.id,
          memberId,
          fromStatus: before?.status ?? null,
          toStatus: 'excused',
          note,
          reason: null,
          via: 'apology',
          byUserId: viewer.userId,
          at: now,
        },
      ]);
      this.repo.recomputeCounters(activity.id, [memberId], now);
      const changes = [{ memberId, from: before?.status ?? null, to: 'excused' as const }];
      this.audit.record({
        userId: viewer.userId,
        action: 'attendance.apology',
        entity: 'session',
        entityId: session.id,
        details: { activityId: activity.id, apologyId: opts.apologyId, changes },
      });
      this.events.emit('attendance.changed', {
        sessionId: session.id,
        activityId: activity.id,
        changes,
        byUserId: viewer.userId,
      });
      return true;
    });
  }

  // ------------------------------------------------------------------ check-in

  /** What the check-in page of one session needs (its title; no code is ever shown here). */
  /** The member is on the activity's roster (an enrolment that counts for attendance). */
  isOnRoster(activityId: number, memberId: number): boolean {
    return this.repo.isEnrolled(activityId, memberId);
  }

  checkinPage(viewer: Viewer | null, sessionId: number) {
    authorize(viewer, 'attendance.checkin');
    const { session, activity } = this.load(sessionId);
    return { session, activity };
  }

  /**
   * A signed-in member checks in with a session's code: present, or late after
   * late_after_min. Only in the session's window, only with that session's code.
   */
  checkIn(
    viewer: Viewer | null,
    rawCode: string,
    /** the session the page is about (its id, or as checkinPage loaded it), null on /check-in */
    expected: number | { session: SessionRow; activity: ActivityRow } | null,
    meta: { ip?: string } = {},
    now = new Date(),
  ) {
    authorize(viewer, 'attendance.checkin');
    if (viewer.memberId === null) throw new FormError({ code: 'attendance.errors.noMember' });
    const memberId = viewer.memberId;
    const code = normalizeCode(rawCode);
    let session: SessionRow | undefined;
    let activity: ActivityRow | undefined;
    if (typeof expected === 'object' && expected && code && expected.session.checkinCode === code)
      ({ session, activity } = expected); // the page's own code: no second look-up
    else {
      session = code ? this.repo.sessionByCode(code) : undefined;
      if (!session) throw new FormError({ code: 'attendance.errors.badCode' });
      const expectedId = typeof expected === 'number' ? expected : (expected?.session.id ?? null);
      if (expectedId !== null && session.id !== expectedId)
        throw new FormError({ code: 'attendance.errors.codeOtherSession' });
      activity = this.repo.activity(session.activityId);
      if (!activity) throw notFound();
    }
    const state = this.state(session, activity, now);
    if (state.cancelled) throw new FormError({ code: 'attendance.errors.cancelled' });
    if (!state.checkinOpen) throw new FormError({ code: 'attendance.errors.checkinClosed' });
    return tx(this.db, () => {
      const before = this.repo.mark(session.id, memberId);
      if (!before && !this.repo.isEnrolled(activity.id, memberId)) {
        const facts = isOpenActivity(activity) ? this.repo.audienceFacts([memberId])[0] : undefined;
        if (!facts || !inAudience(this.audienceRule(activity), facts))
          throw new FormError({ code: 'attendance.errors.notEnrolledSelf' });
      }
      const result = { sessionId: session.id, activityTitle: activity.title, startsAt: session.startsAt };
      if (before && (before.status === 'present' || before.status === 'late'))
        return { ...result, status: before.status, already: true };
      const status = checkinStatus(session, activity, now);
      this.repo.upsertMark({
        sessionId: session.id,
        memberId,
        status,
        note: before?.note ?? null,
        via: 'checkin',
        markedBy: viewer.userId,
        markedAt: now,
      });
      this.repo.insertEvents([
        {
          sessionId: session.id,
          memberId,
          fromStatus: before?.status ?? null,
          toStatus: status,
          note: before?.note ?? null,
          via: 'checkin',
          byUserId: viewer.userId,
          at: now,
        },
      ]);
      const changes = [{ memberId, from: before?.status ?? null, to: status }];
      this.repo.shiftCounters(activity.id, changes, now);
      this.audit.record({
        userId: viewer.userId,
        action: 'attendance.checkin',
        entity: 'session',
        entityId: session.id,
        details: { activityId: activity.id, changes },
        ip: meta.ip ?? null,
      });
      this.events.emit('attendance.changed', {
        sessionId: session.id,
        activityId: activity.id,
        changes,
        byUserId: viewer.userId,
      });
      return { ...result, status, already: false };
    });
  }

  /** sessions a member may check in to now or later today */
  openForMember(viewer: Viewer | null, now = new Date()) {
    if (!viewer?.memberId) return [];
    return this.repo
      .openSessionsForMember(viewer.memberId, now)
      .filter((s) => now.getTime() >= s.startsAt.getTime() - s.checkinOpensBeforeMin * 60_000);
  }

  // ------------------------------------------------------------------ today

  /** A trainer's sessions today and the next days; the office also sees every session today. */
  today(viewer: Viewer | null, tz: string, now = new Date()) {
    authorize(viewer, 'attendance.today');
    const dayStart = startOfDay(now, tz);
    const dayEnd = startOfDay(now, tz, 1);
    const mine = this.repo.withEnrolled(this.repo.sessionsBetween(dayStart, startOfDay(now, tz, 7), viewer.userId));
    // the whole organisation's sessions today are the same for every office user: read once
    // and kept until the next write (a mark changes the counts) or a minute passes
    const all = isOffice(viewer)
      ? dataCache(this.db).get(`attendance.today|${dayStart.getTime()}`, () =>
          this.repo.withEnrolled(this.repo.sessionsBetween(dayStart, dayEnd, null)),
        )
      : [];
    const decorate = (list: typeof mine) =>
      list.map((s) => ({
        ...s,
        checkinOpen: s.status === 'scheduled' && checkinOpen(s, s, now),
        isToday: s.startsAt < dayEnd,
      }));
    return { mine: decorate(mine), all: decorate(all) };
  }

  // ------------------------------------------------------------------ matrix

  private matrixScope(viewer: Viewer | null, activity: ActivityRow) {
    const trainer = !!viewer && this.repo.isTrainerOf(activity.id, viewer.userId);
    return this.seeScope(viewer, activity, trainer);
  }

  /** members × sessions of an activity, with totals and rates per member and per session */
  matrix(viewer: Viewer | null, activityId: number, now = new Date()) {
    const activity = this.repo.activity(activityId);
    if (!activity) throw notFound();
    const scope = this.matrixScope(viewer, activity);
    if (!scope) throw forbidden();
    const sessions = this.repo.activitySessions(activity.id).filter((s) => s.status !== 'cancelled');
    const sessionIds = new Set(sessions.map((s) => s.id));
    const marks = this.repo.activityMarks(activity.id).filter((m) => sessionIds.has(m.sessionId));
    const enrolled = this.repo.enrolled(activity.id);
    const known = new Set(enrolled.map((m) => m.memberId));
    const walkIns = this.repo.membersByIds([...new Set(marks.map((m) => m.memberId))].filter((id) => !known.has(id)));
    const members = [...enrolled, ...walkIns]
      .filter((m) => this.visible(scope, m.unitPath))
      .sort((a, b) => collator.compare(a.fullName, b.fullName));
    if (scope !== 'all' && members.length === 0) throw forbidden();
    const visibleIds = new Set(members.map((m) => m.memberId));
    const byMember = new Map<number, Map<number, AttendanceStatus>>();
    for (const m of marks) {
      if (!visibleIds.has(m.memberId)) continue;
      const map = byMember.get(m.memberId) ?? new Map<number, AttendanceStatus>();
      byMember.set(m.memberId, map);
      map.set(m.sessionId, m.status);
    }
    const rule = ruleOf(activity);
    const facts = sessions.map((s) => ({ id: s.id, startsAt: s.startsAt, cancelled: false }));
    // the sessions sorted once for every member's progress
    const progressOf = progressCalculator(rule, facts, now);
    const rows = members.map((m) => {
      const cells = byMember.get(m.memberId) ?? new Map<number, AttendanceStatus>();
      const counts = emptyCounts();
      for (const st of cells.values()) counts[st]++;
      const progress = progressOf(cells);
      // the fields one by one: a spread of each row cost more than the row's progress
      return {
        memberId: m.memberId,
        fullName: m.fullName,
        unitPath: m.unitPath,
        unitNameAr: m.unitNameAr,
        unitNameEn: m.unitNameEn,
        walkIn: !known.has(m.memberId),
        cells,
        counts,
        rate: progress.rate,
      };
    });
    const columns = sessions.map((s) => {
      const counts = emptyCounts();
      for (const r of rows) {
        const st = r.cells.get(s.id);
        if (st) counts[st]++;
      }
      const held = s.startsAt <= now;
      return { ...s, counts, held, rate: held ? sessionRate(counts, rows.length) : null };
    });
    return { activity, rows, columns, scope: scope === 'all' ? 'all' : 'subtree' };
  }

  /**
   * What saving a typed paper sheet (the cards feature's sheet entry grid) checks its cells
   * against, read for those cells alone rather than as the whole matrix: the matrix's access
   * (an unknown activity is not found; a viewer who may see none of its members is refused),
   * whether a cell is on the grid (a session not cancelled × a member on the roster or marked in
   * one of those sessions, whom the viewer may see) and the cell's stored mark.
   */
  sheetCells(viewer: Viewer | null, activityId: number, cells: readonly { sessionId: number; memberId: number }[]) {
    const activity = this.repo.activity(activityId);
    if (!activity) throw notFound();
    const scope = this.matrixScope(viewer, activity);
    if (!scope) throw forbidden();
    const columns = this.repo
      .activitySessions(activity.id)
      .filter((s) => s.status !== 'cancelled')
      .map((s) => s.id);
    const isColumn = new Set(columns);
    const memberIds = [...new Set(cells.filter((c) => isColumn.has(c.sessionId)).map((c) => c.memberId))];
    // the cells' members' marks in every column: what a cell holds, and who was marked without
    // being on the roster (a walk-in)
    const marks = this.repo.marksOfMembers(columns, memberIds);
    let onGrid: (memberId: number) => boolean;
    if (scope === 'all') {
      // the roster's ids only for a member without a mark in any of the sessions
      let kept: ReadonlySet<number> | undefined;
      const roster = () => (kept ??= this.repo.enrolledIds(activity.id));
      onGrid = (id) => marks.has(id) || roster().has(id);
    } else {
      // a coordinator sees the members of their units only, and is refused when there are none
      const visible = new Set(
        this.repo
          .rosterWithWalkIns(activity.id, columns)
          .filter((m) => this.visible(scope, m.unitPath))
          .map((m) => m.memberId),
      );
      if (visible.size === 0) throw forbidden();
      onGrid = (id) => visible.has(id);
    }
    return {
      activity,
      onGrid: (c: { sessionId: number; memberId: number }) => isColumn.has(c.sessionId) && onGrid(c.memberId),
      stored: (c: { sessionId: number; memberId: number }) => marks.get(c.memberId)?.get(c.sessionId),
    };
  }

  // ------------------------------------------------------------------ panels

  /** a member's attendance history, for whoever may see that member (null: nothing to show) */
  memberHistory(viewer: Viewer | null, memberId: number) {
    if (!viewer) return null;
    const member = this.repo.member(memberId);
    if (!member) return null;
    if (viewer.memberId !== memberId && !can(viewer, 'attendance.viewIn', member.unitPath)) return null;
    return {
      member,
      activities: this.repo.memberEnrolmentCounters(memberId),
      recent: this.repo.memberHistory(memberId, 20),
    };
  }

  /** a session's attendance at a glance, for the session page */
  sessionSummary(viewer: Viewer | null, sessionId: number, now = new Date()) {
    if (!viewer) return null;
    const session = this.repo.session(sessionId);
    if (!session) return null;
    const activity = this.repo.activity(session.activityId);
    if (!activity) return null;
    const state = this.state(session, activity, now);
    const own = viewer.memberId ? this.repo.mark(session.id, viewer.memberId) : undefined;
    const mayMark = can(viewer, 'attendance.mark', session);
    const staff = mayMark || (isCoordinator(viewer) && inScope(viewer, activity.organisingUnitPath));
    let summary: {
      counts: Record<AttendanceStatus, number>;
      rosterSize: number;
      rate: number | null;
      commitment: number | null;
    } | null = null;
    if (staff) {
      const counts = this.repo.markCounts([session.id]).get(session.id) ?? emptyCounts();
      const rosterSize = this.repo.rosterSize(activity.id, session.id);
      summary = {
        counts,
        rosterSize,
        rate: state.notStarted ? null : sessionRate(counts, rosterSize),
        commitment: state.notStarted ? null : commitmentRate(counts, rosterSize),
      };
    }
    const showRosterLink = staff || isCoordinator(viewer);
    if (!summary && !own && !(viewer.memberId && state.checkinOpen) && !showRosterLink) return null;
    return {
      session,
      summary,
      mayMark,
      showRosterLink,
      own: own ?? null,
      checkinOpen: !!viewer.memberId && state.checkinOpen,
    };
  }

  /** an activity's attendance at a glance, for the activity page */
  activitySummary(viewer: Viewer | null, activityId: number, now = new Date()) {
    if (!viewer) return null;
    const activity = this.repo.activity(activityId);
    if (!activity) return null;
    const scope = this.matrixScope(viewer, activity);
    if (!scope) return null;
    const sessions = this.repo.activitySessions(activity.id).filter((s) => s.status !== 'cancelled');
    const held = sessions.filter((s) => s.startsAt <= now);
    const counts = emptyCounts();
    for (const c of this.repo.markCounts(held.map((s) => s.id)).values()) for (const k of STATUSES) counts[k] += c[k];
    const marked = STATUSES.reduce((n, k) => n + counts[k], 0);
    return {
      activityId: activity.id,
      held: held.length,
      planned: sessions.length,
      counts,
      rate: marked ? Math.round(((counts.present + counts.late) / marked) * 100) : null,
      commitment: commitmentRate(counts, marked),
    };
  }

  /** the viewer's own last marks (the member's dashboard) */
  myRecent(viewer: Viewer | null) {
    return viewer?.memberId ? this.repo.memberHistory(viewer.memberId, 5) : [];
  }

  /** recomputes one enrolment's counters */
  recomputeMember(activityId: number, memberId: number) {
    this.repo.recomputeCounters(activityId, [memberId]);
  }

  /** recomputes every counter of an activity (sessions were cancelled or moved) */
  recomputeActivity(activityId: number) {
    this.repo.recomputeCounters(activityId);
  }
}
