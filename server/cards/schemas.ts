import { z } from 'zod';
import { ATTENDANCE_STATUSES, type AttendanceStatus } from '../../db/schema.ts';
import { FormError } from '../core/errors.ts';
import { checkbox, stripControl } from '../core/zod.ts';

/** what the camera decoded or the trainer typed: a card address or token, or a sheet cell code */
export const scanSchema = z.object({
  code: z
    .string({ message: 'errors.required' })
    .transform((v) => stripControl(v).trim())
    .pipe(z.string().min(1, 'errors.required').max(500, 'cards.scan.unreadable')),
});

export const cardActionSchema = z.object({
  action: z.enum(['issue', 'reissue', 'revoke'], { message: 'errors.invalidChoice' }),
});

export const unitCardsQuery = z.object({
  subtree: z.enum(['1', '0']).default('0'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export const issueMissingSchema = z.object({ subtree: checkbox });

export const gridQuery = z.object({
  /** the page of session columns */
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  /** the page of members (rows) */
  members: z.coerce.number().int().min(1).max(100_000).default(1),
});

export interface GridForm {
  cells: { sessionId: number; memberId: number; status: AttendanceStatus }[];
  reason: string | null;
}

const MAX_CELLS = 20_000;

/**
 * The sheet entry grid: `c_<sessionId>_<memberId>` = a status, or empty for "not on the
 * sheet" (nothing is written for it), plus an optional `reason` (office corrections after
 * the edit window). A bad cell refuses the whole grid.
 */
export function parseGridForm(body: unknown): GridForm {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const cells: GridForm['cells'] = [];
  const errors: Record<string, string> = {};
  for (const [key, raw] of Object.entries(b)) {
    const m = /^c_(\d{1,15})_(\d{1,15})$/.exec(key);
    if (!m) continue;
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (typeof value !== 'string') {
      errors[key] = 'errors.invalid';
      continue;
    }
    if (value === '') continue;
    if (!(ATTENDANCE_STATUSES as readonly string[]).includes(value)) {
      errors[key] = 'attendance.errors.unknownStatus';
      continue;
    }
    cells.push({ sessionId: Number(m[1]), memberId: Number(m[2]), status: value as AttendanceStatus });
  }
  if (cells.length > MAX_CELLS) errors._form = 'attendance.errors.tooMany';
  const reason = typeof b.reason === 'string' ? stripControl(b.reason).trim().slice(0, 500) || null : null;
  if (Object.keys(errors).length) throw new FormError({ _form: 'cards.errors.badGrid', ...errors });
  return { cells, reason };
}
