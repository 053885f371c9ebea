import QRCode from 'qrcode';
import type { AttendanceStatus } from '../../db/schema.ts';
import { AttendanceRepository } from '../attendance/repository.ts';
import { checkinStatus, editClosesAt, markingOpensAt } from '../attendance/rules.ts';
import { AttendanceService } from '../attendance/service.ts';
import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import { authorize, can, isOffice, isTrainer, type Viewer } from '../core/policy.ts';
import { cardUrl, isOurCardToken, newCardToken, readCode } from './codes.ts';
import { type CardMember, CardsRepository } from './repository.ts';
import type { GridForm } from './schemas.ts';

/** cards on one printed page of the unit print run (8 per A4 sheet) */
export const PRINT_PAGE = 160;
/** missing cards issued by one click (a large subtree takes a few clicks) */
export const ISSUE_BATCH = 5000;
/** session columns of the sheet entry grid per page */
export const GRID_COLUMNS = 8;
/** members (rows) of the sheet entry grid per page: a 1,500-member lecture is typed in 15 pages */
export const GRID_ROWS = 100;

const NO_CELLS: ReadonlyMap<number, AttendanceStatus> = new Map();

export type ScanOutcome =
  | 'marked'
  | 'already'
  | 'unreadable'
  | 'foreign'
  | 'revoked'
  | 'forged'
  | 'otherSession'
  | 'notOnRoster'
  | 'cancelled'
  | 'notStarted'
  | 'windowClosed';

export interface ScanResult {
  ok: boolean;
  outcome: ScanOutcome;
  /** a translation key under cards.scan.* */
  messageKey: string;
  params: Record<string, string | number>;
  /** a sheet cell of another session: when that session was */
  otherSessionAt?: Date | null;
  member: { id: number; fullName: string; unitNameAr: string; unitNameEn: string | null } | null;
  status: AttendanceStatus | null;
  via: 'card' | 'sheet' | null;
}

export const svgDataUrl = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/** an SVG QR code (as an <img> data address: the CSP allows data: images, no inline markup needed) */
export async function qrImage(text: string): Promise<string> {
  return svgDataUrl(await QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }));
}

/**
 * Member cards: the unguessable token each card carries, issuing, revoking and
 * reissuing it (office; coordinators for their subtree), printing a unit's cards, and
 * reading codes back: a card or a sign-in sheet cell scanned into a session's roster,
 * and a whole sheet typed in as a grid. Every mark is written by the attendance
 * service (via 'card' or 'sheet'), which keeps the roster, window and late rules.
 */
export class CardsService {
  private repo: CardsRepository;
  private att: AttendanceRepository;
  private attendance: AttendanceService;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    events: EventBus,
    private secret: string,
  ) {
    this.repo = new CardsRepository(db);
    this.att = new AttendanceRepository(db);
    this.attendance = new AttendanceService(db, audit, events);
  }

  // ------------------------------------------------------------------ one card

  private loadMember(id: number) {
    const m = this.repo.member(id);
    if (!m) throw notFound();
    return m;
  }

  /** one member's card for those who may see it, with its QR image */
  async card(viewer: Viewer | null, memberId: number, base: string) {
    const m = this.loadMember(memberId);
    authorize(viewer, 'cards.view', { id: m.id, unitPath: m.unitPath });
    return {
      member: m,
      qr: m.cardToken ? await qrImage(cardUrl(base, m.cardToken)) : null,
      mayManage: can(viewer, 'cards.manageIn', m.unitPath),
    };
  }

  private newToken(): string {
    return newCardToken(this.secret);
  }

  /** gives a member a card (action 'issue'), a new one in place of the old ('reissue'), or takes it away ('revoke') */
  change(viewer: Viewer | null, memberId: number, action: 'issue' | 'reissue' | 'revoke', meta: { ip?: string } = {}) {
    const m = this.loadMember(memberId);
    authorize(viewer, 'cards.manageIn', m.unitPath);
    return tx(this.db, () => {
      const current = this.repo.member(memberId)!;
      if (action === 'issue' && current.cardToken) throw new FormError({ _form: 'cards.errors.alreadyIssued' });
      if (action === 'revoke' && !current.cardToken) throw new FormError({ _form: 'cards.errors.noCard' });
      if (action === 'revoke') this.repo.setToken(memberId, null, null);
      else this.setFreshToken(memberId);
      this.audit.record({
        userId: viewer.userId,
        action: `card.${action}`,
        entity: 'member',
        entityId: memberId,
        details: { previousIssuedAt: current.cardIssuedAt?.toISOString() ?? null },
        ip: meta.ip ?? null,
      });
      return { action };
    });
  }

  private setFreshToken(memberId: number) {
    for (let i = 0; i < 5; i++) if (this.repo.setToken(memberId, this.newToken(), new Date())) return;
    throw new Error('could not make a unique card token');
  }

  // ------------------------------------------------------------------ a unit's cards

  private loadUnit(viewer: Viewer | null, unitId: number) {
    const unit = this.repo.unit(unitId);
    if (!unit) throw notFound();
    authorize(viewer, 'cards.manageIn', unit.path);
    return unit;
  }

  /** one page of a unit's (or subtree's) cards for printing, with how many members still have none */
  async printRun(viewer: Viewer | null, unitId: number, opts: { subtree: boolean; page: number }, base: string) {
    const unit = this.loadUnit(viewer, unitId);
    const first = this.repo.printable(unit, opts.subtree, PRINT_PAGE, (opts.page - 1) * PRINT_PAGE);
    const pages = Math.max(1, Math.ceil(first.total / PRINT_PAGE));
    const cards = await Promise.all(
      first.rows.map(async (m) => ({ member: m, qr: await qrImage(cardUrl(base, m.cardToken!)) })),
    );
    return { unit, cards, total: first.total, missing: first.missing, page: opts.page, pages };
  }

  /** issues cards to the unit's (or subtree's) active members who have none, a batch at a time */
  issueMissing(viewer: Viewer | null, unitId: number, subtree: boolean, meta: { ip?: string } = {}) {
    const unit = this.loadUnit(viewer, unitId);
    const userId = viewer!.userId;
    return tx(this.db, () => {
      const ids = this.repo.missingIds(unit, subtree, ISSUE_BATCH);
      for (const id of ids) {
        this.setFreshToken(id);
        this.audit.record({
          userId,
          action: 'card.issue',
          entity: 'member',
          entityId: id,
          details: { batch: { unitId: unit.id, subtree } },
          ip: meta.ip ?? null,
        });
      }
      return { issued: ids.length };
    });
  }

  // ------------------------------------------------------------------ scanning

  private sessionFor(viewer: Viewer | null, sessionId: number) {
    const session = this.att.session(sessionId);
    if (!session) throw notFound();
    const activity = this.att.activity(session.activityId);
    if (!activity) throw notFound();
    authorize(viewer, 'attendance.mark', session);
    return { session, activity };
  }

  /** the scan page of a session: only its trainer and the office */
  scanPage(viewer: Viewer | null, sessionId: number, now = new Date()) {
    const { session, activity } = this.sessionFor(viewer, sessionId);
    const cancelled = session.status === 'cancelled' || activity.status === 'cancelled';
    return {
      session,
      activity,
      cancelled,
      notStarted: now < markingOpensAt(session, activity),
      windowClosed: now > editClosesAt(session, activity),
      lateAt: new Date(session.startsAt.getTime() + activity.lateAfterMin * 60_000),
    };
  }

  /**
   * THE code path of every scan: the camera page decodes the QR in the browser and posts
   * its text here, the manual field posts what was typed, the tests post what jsQR read.
   * A card marks present (late after the activity's minutes); a sheet cell marks present.
   * Refusals say why and write nothing.
   */
  scan(
    viewer: Viewer | null,
    sessionId: number,
    text: string,
    meta: { ip?: string } = {},
    now = new Date(),
  ): ScanResult {
    const { session, activity } = this.sessionFor(viewer, sessionId);
    const refuse = (
      outcome: ScanOutcome,
      member: CardMember | null = null,
      otherSessionAt?: Date | null,
    ): ScanResult => ({
      ok: false,
      outcome,
      messageKey: `cards.scan.${outcome}`,
      params: {},
      otherSessionAt,
      member: member ? pickMember(member) : null,
      status: null,
      via: null,
    });
    const code = readCode(this.secret, text);
    let member: CardMember | undefined;
    let via: 'card' | 'sheet';
    if (code.kind === 'unknown') return refuse('unreadable');
    if (code.kind === 'card') {
      if (!isOurCardToken(this.secret, code.token)) return refuse('foreign');
      member = this.repo.byToken(code.token);
      if (!member) return refuse('revoked');
      via = 'card';
    } else {
      if (!code.valid) return refuse('forged');
      member = this.repo.member(code.memberId);
      if (!member) return refuse('forged');
      if (code.sessionId !== session.id) {
        const other = this.att.session(code.sessionId);
        return refuse('otherSession', member, other?.startsAt ?? null);
      }
      via = 'sheet';
    }
    if (session.status === 'cancelled' || activity.status === 'cancelled') return refuse('cancelled', member);
    const before = this.att.mark(session.id, member.id);
    if (before && (before.status === 'present' || before.status === 'late'))
      return {
        ok: true,
        outcome: 'already',
        messageKey: 'cards.scan.already',
        params: {},
        member: pickMember(member),
        status: before.status,
        via,
      };
    // a card is scanned at the door (late after the set minutes); a sheet cell was signed in the hall
    const status: AttendanceStatus = via === 'card' ? checkinStatus(session, activity, now) : 'present';
    try {
      this.attendance.save(
        viewer,
        session.id,
        { entries: [{ memberId: member.id, status }], reason: null, activityId: activity.id, allPresent: false },
        { ip: meta.ip, via },
        now,
      );
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      const keys = Object.values(err.fieldErrors);
      if (keys.includes('attendance.errors.notEnrolled')) return refuse('notOnRoster', member);
      if (keys.includes('attendance.errors.cancelled')) return refuse('cancelled', member);
      if (keys.includes('attendance.errors.notStarted')) return refuse('notStarted', member);
      if (keys.includes('attendance.errors.windowClosed') || keys.includes('attendance.errors.reasonRequired'))
        return refuse('windowClosed', member);
      throw err;
    }
    return {
      ok: true,
      outcome: 'marked',
      messageKey: `cards.scan.marked.${status}`,
      params: {},
      member: pickMember(member),
      status,
      via,
    };
  }

  /** what a code opened with a phone's camera app shows (GET /c/:code) */
  lookup(viewer: Viewer | null, text: string, tz: string, now = new Date()) {
    if (!viewer) throw forbidden();
    const code = readCode(this.secret, text);
    if (code.kind === 'unknown') return { kind: 'unreadable' as const };
    let member: CardMember | undefined;
    if (code.kind === 'card') {
      if (!isOurCardToken(this.secret, code.token)) return { kind: 'foreign' as const };
      member = this.repo.byToken(code.token);
      if (!member) return { kind: 'revoked' as const };
    } else {
      if (!code.valid) return { kind: 'unreadable' as const };
      member = this.repo.member(code.memberId);
      if (!member) return { kind: 'unreadable' as const };
    }
    const own = viewer.memberId === member.id;
    const manager = can(viewer, 'cards.manageIn', member.unitPath);
    // sessions the viewer may mark right now (a trainer at the door, or the office)
    let sessions: { id: number; title: string; startsAt: Date }[] = [];
    if (isOffice(viewer) || isTrainer(viewer)) {
      const { mine, all } = this.attendance.today(viewer, tz, now);
      const seen = new Set<number>();
      sessions = [...mine, ...all]
        .filter((s) => !seen.has(s.id) && !!seen.add(s.id))
        .filter(
          (s) =>
            s.status !== 'cancelled' &&
            now >= markingOpensAt(s, s) &&
            now <= editClosesAt(s, s) &&
            (code.kind === 'card' || s.id === code.sessionId),
        )
        .map((s) => ({ id: s.id, title: s.activityTitle, startsAt: s.startsAt }));
    }
    const staff = manager || sessions.length > 0;
    return {
      kind: code.kind,
      own,
      staff,
      manager,
      member: own || staff ? pickMember(member) : null,
      unitPath: member.unitPath,
      issuedAt: member.cardIssuedAt,
      sessions,
    };
  }

  // ------------------------------------------------------------------ panels

  /** the card box on a member's page: its state and the buttons, for those who may see the card */
  panelMember(viewer: Viewer, memberId: number) {
    const m = this.repo.member(memberId);
    if (!m || !can(viewer, 'cards.view', { id: m.id, unitPath: m.unitPath })) return null;
    return {
      memberId: m.id,
      issuedAt: m.cardIssuedAt,
      hasCard: !!m.cardToken,
      mayManage: can(viewer, 'cards.manageIn', m.unitPath),
    };
  }

  /** the "scan cards" link on a session's page, for whoever may mark it */
  panelSession(viewer: Viewer, sessionId: number) {
    const session = this.att.session(sessionId);
    if (!session || session.status === 'cancelled' || !can(viewer, 'attendance.mark', session)) return null;
    return { sessionId };
  }

  /** the "type in a paper sheet" link on an activity's page: the office and its trainers */
  panelActivity(viewer: Viewer, activityId: number) {
    if (!isOffice(viewer) && !this.att.isTrainerOf(activityId, viewer.userId)) return null;
    return { activityId };
  }

  // ------------------------------------------------------------------ printed sheets

  /**
   * The grid to type a filled paper sheet in: the activity's members × its sessions the
   * viewer may mark (the trainer's own, or all for the office), a page of columns and a page
   * of members at a time. Everyone on the grid (the roster and the walk-ins of its sessions,
   * in Arabic name order as the attendance matrix lists them, then by id: attendance's
   * `rosterWithWalkIns`, kept while the data is unchanged) is counted, but only the page's
   * members are rendered and only their marks in the page's sessions read.
   */
  grid(viewer: Viewer | null, activityId: number, page: number, membersPage = 1, now = new Date()) {
    const activity = this.att.activity(activityId);
    if (!activity) throw notFound();
    const sessions = this.att.activitySessions(activity.id).filter((s) => s.status !== 'cancelled');
    const markable = sessions.filter((c) => can(viewer, 'attendance.mark', c) && now >= markingOpensAt(c, activity));
    // only the office and a trainer of a session that has started may type a sheet in
    if (!markable.length && !isOffice(viewer)) throw forbidden();
    const pages = Math.max(1, Math.ceil(markable.length / GRID_COLUMNS));
    const p = Math.min(Math.max(1, page), pages);
    const columns = markable.slice((p - 1) * GRID_COLUMNS, p * GRID_COLUMNS).map((c) => ({
      ...c,
      closed: now > editClosesAt(c, activity),
    }));
    // no session to type in (the office before the first one): the page says so, no members to read
    const everyone = columns.length
      ? this.att.rosterWithWalkIns(
          activity.id,
          sessions.map((s) => s.id),
        )
      : [];
    const memberPages = Math.max(1, Math.ceil(everyone.length / GRID_ROWS));
    const mp = Math.min(Math.max(1, membersPage), memberPages);
    const shown = everyone.slice((mp - 1) * GRID_ROWS, mp * GRID_ROWS);
    const marks = this.att.marksOfMembers(
      columns.map((c) => c.id),
      shown.map((m) => m.memberId),
    );
    return {
      activity,
      rows: shown.map((m) => ({
        memberId: m.memberId,
        fullName: m.fullName,
        unitNameAr: m.unitNameAr,
        unitNameEn: m.unitNameEn,
        cells: marks.get(m.memberId) ?? NO_CELLS,
      })),
      columns,
      page: p,
      pages,
      membersPage: mp,
      memberPages,
      membersFrom: shown.length ? (mp - 1) * GRID_ROWS + 1 : 0,
      membersTo: (mp - 1) * GRID_ROWS + shown.length,
      membersTotal: everyone.length,
      isOffice: isOffice(viewer),
    };
  }

  /**
   * Saves a typed sheet in one transaction: per session, only cells that differ from what
   * is stored go to the attendance service (via 'sheet'); the same grid posted twice
   * changes nothing. Any refused session refuses the whole grid. Only the posted cells' marks
   * are read to compare with (attendance's `sheetCells`), not the activity's whole matrix.
   */
  saveGrid(viewer: Viewer | null, activityId: number, form: GridForm, meta: { ip?: string } = {}, now = new Date()) {
    const sheet = this.attendance.sheetCells(viewer, activityId, form.cells);
    const bySession = new Map<number, { memberId: number; status: AttendanceStatus }[]>();
    const errors: Record<string, string> = {};
    for (const cell of form.cells) {
      if (!sheet.onGrid(cell)) {
        errors[`c_${cell.sessionId}_${cell.memberId}`] = 'cards.errors.notInGrid';
        continue;
      }
      if (sheet.stored(cell) === cell.status) continue;
      const list = bySession.get(cell.sessionId) ?? [];
      list.push({ memberId: cell.memberId, status: cell.status });
      bySession.set(cell.sessionId, list);
    }
    if (Object.keys(errors).length) throw new FormError({ _form: 'cards.errors.badGrid', ...errors });
    let changed = 0;
    tx(this.db, () => {
      for (const [sessionId, entries] of bySession) {
        try {
          changed += this.attendance.save(
            viewer,
            sessionId,
            { entries, reason: form.reason, activityId: sheet.activity.id, allPresent: false },
            { ip: meta.ip, via: 'sheet' },
            now,
          ).changed;
        } catch (err) {
          if (!(err instanceof FormError)) throw err;
          const out: Record<string, string> = {};
          for (const [field, key] of Object.entries(err.fieldErrors)) {
            const member = /^s_(\d+)$/.exec(field)?.[1];
            if (member) out[`c_${sessionId}_${member}`] = key;
            else if (field === 'reason') out.reason = key;
            else out[`col_${sessionId}`] = key;
          }
          throw new FormError({ _form: 'cards.errors.gridRefused', ...out });
        }
      }
    });
    return { changed };
  }
}

const pickMember = (m: CardMember) => ({
  id: m.id,
  fullName: m.fullName,
  unitNameAr: m.unitNameAr,
  unitNameEn: m.unitNameEn,
});
