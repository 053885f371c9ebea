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

/** the member id of a roster field `s_<id>` or `n_<id>` (1 to 15 digits), else 0 (a form has hundreds) */
function memberIdOf(key: string): number {
  const kind = key.charCodeAt(0);
  if ((kind !== S && kind !== N) || key.charCodeAt(1) !== 95 || key.length < 3 || key.length > 17) return 0;
  let id = 0;
  for (let i = 2; i < key.length; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return 0;
    id = id * 10 + digit;
  }
  return id;
}

/**
 * The roster form: `s_<memberId>` = status (radio), `n_<memberId>` = note, plus `reason`,
 * `activityId` and the `allPresent` button. Any field error stops the whole save.
 */
export function parseRosterForm(body: unknown): RosterForm {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const errors: Record<string, string> = {};
  const byMember = new Map<number, RosterEntry>();
  const entry = (id: number) => {
    let e = byMember.get(id);
    if (!e) {
      e = { memberId: id };
      byMember.set(id, e);
    }
    return e;
  };
  for (const key in b) {
    const id = memberIdOf(key);
    if (id === 0) continue;
    const raw = b[key];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (typeof value !== 'string') {
      errors[key] = 'errors.invalid';
      continue;
    }
    if (key.charCodeAt(0) === S) {
      if (value === '') continue;
      // a roster posts hundreds of these: the common cases without a schema run
      if (STATUS_SET.has(value)) entry(id).status = value as AttendanceStatus;
      else {
        const r = statusSchema.safeParse(value);
        if (r.success) entry(id).status = r.data;
        else errors[key] = 'attendance.errors.unknownStatus';
      }
    } else if (value === '') entry(id).note = null;
    else {
      const r = noteSchema.safeParse(value);
      if (r.success) entry(id).note = r.data;
      else errors[key] = 'errors.tooLong';
    }
  }
  if (byMember.size > MAX_ENTRIES) errors._form = 'attendance.errors.tooMany';
  const reason = typeof b.reason === 'string' ? stripControl(b.reason).trim().slice(0, 500) || null : null;
  let activityId: number | null = null;
  if (b.activityId !== undefined && b.activityId !== '') {
    const n = Number(b.activityId);
    if (!Number.isSafeInteger(n) || n < 1) errors._form = 'attendance.errors.otherActivity';
    else activityId = n;
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  return { entries: [...byMember.values()], reason, activityId, allPresent: !!b.allPresent };
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
