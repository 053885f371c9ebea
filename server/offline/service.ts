import type { AttendanceStatus } from '../../db/schema.ts';
import { AttendanceRepository } from '../attendance/repository.ts';
import { editClosesAt, markingOpensAt } from '../attendance/rules.ts';
import { AttendanceService } from '../attendance/service.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, HttpError, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import { type Locale, translate } from '../core/i18n.ts';
import { authorize, can, isOffice, type Viewer } from '../core/policy.ts';
import { dateFormatter, startOfDay } from '../core/time.ts';
import { OfflineRepository, RECEIPT_ACTION, type Receipt } from './repository.ts';
import { MAX_SKEW, type QueuedItem, queuedItem } from './schemas.ts';

/** How many days ahead the phone keeps a trainer's rosters. */
export const KEEP_DAYS = 7;
/** How many days back a roster stays on the list (a mark made offline yesterday still has to be sent). */
export const KEEP_DAYS_BACK = 2;

export type Refusal =
  | 'invalid'
  | 'otherUser'
  | 'unknownCard'
  | 'unknownSession'
  | 'forbidden'
  | 'cancelled'
  | 'notStarted'
  | 'windowClosed'
  | 'notOnRoster';

export interface SyncResult {
  clientId: string | null;
  outcome: 'applied' | 'unchanged' | 'overridden' | 'refused';
  /** a replay of an item the server had already taken: the first answer, nothing written */
  replayed: boolean;
  memberId?: number;
  status?: AttendanceStatus;
  reason?: Refusal;
  /** the mark that stays (overridden) */
  server?: { status: string; byName: string | null; at: number };
}

/** what the attendance service's refusals mean for a queued mark */
const REFUSALS: Record<string, Refusal> = {
  'attendance.errors.cancelled': 'cancelled',
  'attendance.errors.notStarted': 'notStarted',
  'attendance.errors.windowClosed': 'windowClosed',
  'attendance.errors.reasonRequired': 'windowClosed',
  'attendance.errors.notEnrolled': 'notOnRoster',
  'attendance.errors.badEntries': 'notOnRoster',
  'attendance.errors.otherActivity': 'unknownSession',
};

/**
 * Field attendance: the rosters a trainer keeps on the phone, the sync of marks queued there
 * while offline, and the hall's live check-in screen. Every write goes through the attendance
 * service's one-request roster save (its rules, events, counters and audit); this service only
 * adds what a queue needs: replay detection, "the later change wins" and a readable refusal.
 */
export class OfflineService {
  private repo: OfflineRepository;
  private attendanceRepo: AttendanceRepository;
  private attendance: AttendanceService;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    events: EventBus,
  ) {
    this.repo = new OfflineRepository(db);
    this.attendanceRepo = new AttendanceRepository(db);
    this.attendance = new AttendanceService(db, audit, events);
  }

  /** the sessions the viewer teaches from two days back to a week ahead: what the phone keeps */
  keepList(viewer: Viewer | null, tz: string, now = new Date()) {
    authorize(viewer, 'field.offline');
    return this.attendanceRepo
      .sessionsBetween(startOfDay(now, tz, -KEEP_DAYS_BACK), startOfDay(now, tz, KEEP_DAYS + 1), viewer.userId)
      .filter((s) => s.status !== 'cancelled' && now <= editClosesAt(s, s))
      .map((s) => ({ ...s, url: `/offline/sessions/${s.id}` }));
  }

  /** the field roster of one session: the attendance roster, plus what the phone needs to mark it offline */
  async fieldRoster(viewer: Viewer | null, sessionId: number, base: string, now = new Date()) {
    authorize(viewer, 'field.offline');
    const data = await this.attendance.roster(viewer, sessionId, { q: '', base }, now);
    const { state, mayMark } = data;
    // before the session the phone keeps the roster with its buttons: the page's script opens them
    // at the opening time (the server refuses anything earlier)
    const canMark = mayMark && !state.cancelled && (!state.windowClosed || isOffice(viewer));
    return { ...data, canMark, renderedAt: now };
  }

  // ------------------------------------------------------------------ sync

  /**
   * Takes a phone's queue. Each item is answered on its own (one bad item never blocks the
   * others) and written in its own transaction, through the attendance service's save:
   *  - an item the server already took (same user, same client id) is answered as before, with
   *    nothing written: a replay never adds an event nor touches a later mark;
   *  - when the stored mark is newer than the queued one and was made by someone else (the office,
   *    a member's check-in), the later change wins: the queued mark is kept in the session's
   *    attendance events as not applied, and the phone is told what stayed;
   *  - a cancelled session, a member no longer on the roster, a closed edit window… are refused
   *    with the reason, nothing saved (the phone keeps the item until the trainer dismisses it).
   */
  sync(
    viewer: Viewer | null,
    body: { sentAt: number; items: unknown[] },
    meta: { ip?: string; locale: Locale; tz: string },
    now = new Date(),
  ): SyncResult[] {
    authorize(viewer, 'field.offline');
    // the phone's clock may be off: its times are moved by the difference seen now
    const skew = now.getTime() - body.sentAt;
    const trustTimes = Math.abs(skew) <= MAX_SKEW;
    const parsed: { index: number; item: QueuedItem }[] = [];
    const results: SyncResult[] = body.items.map((raw) => {
      const clientId =
        raw && typeof raw === 'object' && typeof (raw as { clientId?: unknown }).clientId === 'string'
          ? String((raw as { clientId: string }).clientId).slice(0, 64)
          : null;
      return { clientId, outcome: 'refused', replayed: false, reason: 'invalid' };
    });
    body.items.forEach((raw, index) => {
      const r = queuedItem.safeParse(raw);
      if (r.success) parsed.push({ index, item: r.data });
    });
    // in the order they were marked, so two marks of one member end with the later one
    parsed.sort((a, b) => a.item.at - b.item.at || a.index - b.index);
    const seen = new Set<string>();
    for (const { index, item } of parsed) {
      if (seen.has(item.clientId)) {
        results[index] = { ...results[index], reason: 'invalid' };
        continue;
      }
      seen.add(item.clientId);
      const at = trustTimes ? Math.min(now.getTime(), item.at + skew) : now.getTime();
      results[index] = this.syncOne(viewer, item, at, meta, now);
    }
    return results;
  }

  private refused(item: QueuedItem, reason: Refusal, memberId?: number): SyncResult {
    return {
      clientId: item.clientId,
      outcome: 'refused',
      replayed: false,
      reason,
      memberId: memberId ?? item.memberId,
      status: item.status,
    };
  }

  private syncOne(
    viewer: Viewer,
    item: QueuedItem,
    at: number,
    meta: { ip?: string; locale: Locale; tz: string },
    now: Date,
  ): SyncResult {
    const earlier = this.repo.receipts(viewer.userId, item.sessionId, [item.clientId]).get(item.clientId);
    if (earlier) return { ...earlier, outcome: earlier.outcome, status: item.status, replayed: true } as SyncResult;
    if (item.userId !== undefined && item.userId !== viewer.userId) return this.refused(item, 'otherUser');
    const memberId = item.memberId ?? this.repo.memberIdByCardToken(item.cardToken ?? '');
    if (!memberId) return this.refused(item, 'unknownCard');
    const session = this.attendanceRepo.session(item.sessionId);
    const activity = session ? this.attendanceRepo.activity(session.activityId) : undefined;
    if (!session || !activity) return this.refused(item, 'unknownSession', memberId);
    if (!can(viewer, 'attendance.mark', session)) return this.refused(item, 'forbidden', memberId);
    if (session.status === 'cancelled' || activity.status === 'cancelled')
      return this.refused(item, 'cancelled', memberId);
    if (now < markingOpensAt(session, activity)) return this.refused(item, 'notStarted', memberId);

    const receipt = (r: Omit<Receipt, 'clientId' | 'memberId' | 'status'>) => {
      const full: Receipt = { clientId: item.clientId, memberId, status: item.status, ...r };
      this.audit.record({
        userId: viewer.userId,
        action: RECEIPT_ACTION,
        entity: 'session',
        entityId: session.id,
        details: { ...full, markedAt: new Date(at).toISOString(), cardToken: item.cardToken ? true : undefined },
        ip: meta.ip ?? null,
      });
      return { ...full, replayed: false } as SyncResult;
    };

    try {
      return tx(this.db, () => {
        const current = this.repo.currentMark(session.id, memberId);
        const later = current && current.markedAt.getTime() > at && current.markedBy !== viewer.userId;
        if (current && later) {
          const server = { status: current.status, byName: current.byName, at: current.markedAt.getTime() };
          if (current.status === item.status) return receipt({ outcome: 'unchanged', server });
          // the later change wins; the queued mark is kept in the trail, marked as not applied
          const f = dateFormatter(meta.locale, meta.tz);
          this.attendanceRepo.insertEvents([
            {
              sessionId: session.id,
              memberId,
              fromStatus: current.status,
              toStatus: item.status,
              reason: translate(meta.locale, 'offline.overriddenReason', {
                at: f.dateTime(new Date(at)),
                name: current.byName ?? '—',
              }),
              via: 'roster',
              byUserId: viewer.userId,
              at: now,
            },
          ]);
          return receipt({ outcome: 'overridden', server });
        }
        const { changed } = this.attendance.save(
          viewer,
          session.id,
          { entries: [{ memberId, status: item.status }], reason: null, activityId: activity.id, allPresent: false },
          { ip: meta.ip, via: item.cardToken ? 'card' : 'roster' },
          now,
        );
        return receipt({ outcome: changed ? 'applied' : 'unchanged' });
      });
    } catch (err) {
      if (err instanceof FormError) {
        const keys = Object.values(err.fieldErrors);
        const reason = keys.map((k) => REFUSALS[k]).find(Boolean) ?? 'invalid';
        return this.refused(item, reason, memberId);
      }
      if (err instanceof HttpError && (err.statusCode === 403 || err.statusCode === 404))
        return this.refused(item, err.statusCode === 403 ? 'forbidden' : 'unknownSession', memberId);
      throw err;
    }
  }

  // ------------------------------------------------------------------ hall screen

  /** who has checked in (present or late), newest first, for the hall's projector */
  hall(viewer: Viewer | null, sessionId: number) {
    const session = this.attendanceRepo.session(sessionId);
    if (!session) throw notFound();
    const activity = this.attendanceRepo.activity(session.activityId);
    if (!activity) throw notFound();
    authorize(viewer, 'field.hall', {
      trainerUserId: session.trainerUserId,
      organisingUnitPath: activity.organisingUnitPath,
    });
    const arrived = this.attendanceRepo
      .marks(session.id)
      .filter((m) => m.status === 'present' || m.status === 'late')
      .sort((a, b) => b.markedAt.getTime() - a.markedAt.getTime() || a.fullName.localeCompare(b.fullName, 'ar'));
    const rosterSize = this.attendanceRepo.rosterSize(activity.id, session.id);
    return {
      session,
      activity,
      cancelled: session.status === 'cancelled' || activity.status === 'cancelled',
      count: arrived.length,
      late: arrived.filter((m) => m.status === 'late').length,
      rosterSize,
      names: arrived.map((m) => ({
        memberId: m.memberId,
        name: m.fullName,
        late: m.status === 'late',
        at: m.markedAt,
      })),
    };
  }
}
