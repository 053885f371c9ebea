import { z } from 'zod';
import { ATTENDANCE_STATUSES, type AttendanceStatus } from '../../db/schema.ts';
import { FormError } from '../core/errors.ts';
import { optionalText, stripControl } from '../core/zod.ts';

export interface RosterEntry {
  memberId: number;
  /** undefined: no status chosen for this member */
  status?: AttendanceStatus;
  /** undefined: the note field was not sent (keep the stored note) */
  note?: string | null;
}

export interface RosterForm {
  entries: RosterEntry[];
  reason: string | null;
  /** the activity the form was built for (a form of one session posted to another is refused) */
  activityId: number | null;
  allPresent: boolean;
}

const statusSchema = z.enum(ATTENDANCE_STATUSES, { message: 'attendance.errors.unknownStatus' });
const noteSchema = optionalText(300);
const MAX_ENTRIES = 5000;
const STATUS_SET: ReadonlySet<string> = new Set(ATTENDANCE_STATUSES);
const S = 115; // 's'
const N = 110; // 'n'

/** the member id of a roster field name `s_<id>` or `n_<id>` (1 to 15 digits) in `text` between `from` and `to`, else 0 */
function memberIdAt(text: string, from: number, to: number): number {
  const kind = text.charCodeAt(from);
  if ((kind !== S && kind !== N) || text.charCodeAt(from + 1) !== 95 || to - from < 3 || to - from > 17) return 0;
  let id = 0;
  for (let i = from + 2; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return 0;
    id = id * 10 + digit;
  }
  return id;
}
const memberIdOf = (key: string) => memberIdAt(key, 0, key.length);

/** what a form sent for one member: its status (`s_<id>`) and its note (`n_<id>`), the last of each */
interface SentMark {
  s?: unknown;
  n?: unknown;
}
const SENT = Symbol('roster marks');
type RosterBody = Record<string, unknown> & { [SENT]?: Map<number, SentMark> };

/** a urlencoded name or value as @fastify/formbody decodes it ('+' is a space; a bad escape stays as sent) */
function decodeField(raw: string): string {
  const text = raw.includes('+') ? raw.replaceAll('+', ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sent(marks: Map<number, SentMark>, id: number, kind: number, value: unknown) {
  let m = marks.get(id);
  if (!m) {
    m = {};
    marks.set(id, m);
  }
  if (kind === S) m.s = value;
  else m.n = value;
}

/**
 * Reads a roster form's urlencoded body (the roster's POST route uses it in place of
 * @fastify/formbody). A roster sends two fields per member, 600 for a lecture of 300: they go
 * straight into a map by member id, where a general parser builds an object of 600 names that
 * parseRosterForm then walks again. The other fields (`_csrf`, `reason`, ...) are the body's own
 * properties, as @fastify/formbody gives them (a repeated name becomes a list).
 */
export function readRosterBody(text: string): RosterBody {
  // no prototype, as formbody's: a field named `toString` or `__proto__` is a field like any other
  const body: RosterBody = Object.create(null);
  const marks = new Map<number, SentMark>();
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    let eq = text.indexOf('=', start);
    if (eq < 0 || eq > end) eq = end;
    const value = eq < end ? decodeField(text.slice(eq + 1, end)) : '';
    const id = memberIdAt(text, start, eq);
    if (id > 0) sent(marks, id, text.charCodeAt(start), value);
    else if (eq > start || end > start) {
      const name = decodeField(text.slice(start, eq));
      const decodedId = memberIdOf(name);
      if (decodedId > 0) sent(marks, decodedId, name.charCodeAt(0), value);
      else {
        const had = body[name];
        body[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
      }
    }
    start = end + 1;
  }
  Object.defineProperty(body, SENT, { value: marks });
  return body;
}

/** the marks a body sent: read by readRosterBody, or from the fields of any other body (JSON, tests) */
function sentMarks(b: RosterBody): Map<number, SentMark> {
  const read = b[SENT];
  if (read) return read;
  const marks = new Map<number, SentMark>();
  for (const key in b) {
    const id = memberIdOf(key);
    if (id === 0) continue;
    const raw = b[key];
    sent(marks, id, key.charCodeAt(0), Array.isArray(raw) ? raw[raw.length - 1] : raw);
  }
  return marks;
}

/** the fields of a roster body by name, `s_<id>` and `n_<id>` included (to show a refused form again) */
export function rosterFields(body: unknown): Record<string, unknown> {
  const b = (body && typeof body === 'object' ? body : {}) as RosterBody;
  const out: Record<string, unknown> = { ...b };
  for (const [id, m] of sentMarks(b)) {
    if (m.s !== undefined) out[`s_${id}`] = m.s;
    if (m.n !== undefined) out[`n_${id}`] = m.n;
  }
  return out;
}

/** the members a roster body sent a status for (rows added by a walk-in search stay on a refused form) */
export function sentStatusIds(body: unknown): number[] {
  const b = (body && typeof body === 'object' ? body : {}) as RosterBody;
  return [...sentMarks(b)].filter(([, m]) => m.s !== undefined).map(([id]) => id);
}

/**
 * The roster form: `s_<memberId>` = status (radio), `n_<memberId>` = note, plus `reason`,
 * `activityId` and the `allPresent` button. Any field error stops the whole save.
 */
export function parseRosterForm(body: unknown): RosterForm {
  const b = (body && typeof body === 'object' ? body : {}) as RosterBody;
  const errors: Record<string, string> = {};
  const entries: RosterEntry[] = [];
  for (const [id, m] of sentMarks(b)) {
    // one shape for every entry (a copy with a spread costs half a microsecond, 300 of them a form)
    let entry: RosterEntry | undefined;
    const { s, n } = m;
    if (s !== undefined && s !== '') {
      if (typeof s !== 'string') errors[`s_${id}`] = 'errors.invalid';
      // a roster posts hundreds of these: the common cases without a schema run
      else if (STATUS_SET.has(s)) entry = { memberId: id, status: s as AttendanceStatus, note: undefined };
      else {
        const r = statusSchema.safeParse(s);
        if (r.success) entry = { memberId: id, status: r.data, note: undefined };
        else errors[`s_${id}`] = 'attendance.errors.unknownStatus';
      }
    }
    if (n !== undefined) {
      let note: string | null | undefined;
      if (typeof n !== 'string') errors[`n_${id}`] = 'errors.invalid';
      else if (n === '') note = null;
      else {
        const r = noteSchema.safeParse(n);
        if (r.success) note = r.data;
        else errors[`n_${id}`] = 'errors.tooLong';
      }
      if (note !== undefined) {
        if (entry) entry.note = note;
        else entry = { memberId: id, status: undefined, note };
      }
    }
    if (entry) entries.push(entry);
  }
  if (entries.length > MAX_ENTRIES) errors._form = 'attendance.errors.tooMany';
  const reason = typeof b.reason === 'string' ? stripControl(b.reason).trim().slice(0, 500) || null : null;
  let activityId: number | null = null;
  if (b.activityId !== undefined && b.activityId !== '') {
    const n = Number(b.activityId);
    if (!Number.isSafeInteger(n) || n < 1) errors._form = 'attendance.errors.otherActivity';
    else activityId = n;
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  return { entries, reason, activityId, allPresent: !!b.allPresent };
}

export const checkinSchema = z.object({
  code: z
    .string({ message: 'errors.required' })
    .transform((v) => stripControl(v).trim())
    .pipe(z.string().min(1, 'errors.required').max(32, 'attendance.errors.badCode')),
});

export const rosterQuery = z.object({
  q: z.string().trim().max(100).default(''),
});

export const checkinQuery = z.object({
  code: z.string().trim().max(32).default(''),
});

export const matrixQuery = z.object({
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
