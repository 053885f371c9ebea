import { z } from 'zod';
import { ENROLMENT_STATUSES } from '../../db/schema.ts';
import { normalizeArabic } from '../core/arabic.ts';
import { checkbox, many, optionalDateString, optionalId, optionalText } from '../core/zod.ts';

/** a row id sent by a checkbox */
const idItem = z
  .string()
  .regex(/^\d{1,15}$/, 'errors.invalid')
  .transform(Number)
  .pipe(z.number().int().positive());

const page = z.coerce.number().int().min(1).max(100_000).default(1);

export const STATUS_FILTERS = ['awaiting', 'waitlisted', 'approved', 'rejected', 'withdrawn', 'active', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const queueQuery = z.object({
  activity: optionalId.catch(null),
  unit: optionalId.catch(null),
  status: z.enum(STATUS_FILTERS).optional(),
  page,
});

export const nominateQuery = z.object({
  q: z
    .string()
    .max(100)
    .default('')
    .transform((v) => normalizeArabic(v)),
  page,
});

export const rosterQuery = z.object({
  status: z.enum(STATUS_FILTERS).default('active'),
  page,
});

/** the nomination form: chosen member ids, and note_<id> for each */
export const nominateForm = z.object({
  memberIds: many(idItem),
  override: checkbox,
});

export const DECISIONS = ['approve', 'reject', 'waitlist'] as const;
export type Decision = (typeof DECISIONS)[number];

export const decideForm = z.object({
  action: z.enum(DECISIONS, { message: 'enrolments.errors.chooseAction' }),
  reason: optionalText(500),
  override: checkbox,
});

/** the queue's form: checked ids + one action, or a single row's button "approve:12" */
export const bulkForm = z.object({
  ids: many(idItem),
  action: z.enum(DECISIONS).optional(),
  single: z
    .string()
    .regex(/^(approve|reject|waitlist):\d{1,15}$/)
    .optional(),
  reason: optionalText(500),
  override: checkbox,
  back: z.string().max(500).optional(),
});

export const noteText = optionalText(500);

export const enrolmentStatus = z.enum(ENROLMENT_STATUSES);

// ------------------------------------------------------------ unit quotas

/** the office's quota form: a unit, its seats, its nomination deadline and confirm-by date */
export const quotaForm = z.object({
  unit: z
    .string({ message: 'enrolments.quotas.errors.chooseUnit' })
    .regex(/^\d{1,15}$/, 'enrolments.quotas.errors.chooseUnit')
    .transform(Number),
  seats: z
    .string({ message: 'errors.required' })
    .trim()
    .min(1, 'errors.required')
    .regex(/^\d{1,6}$/, 'enrolments.quotas.errors.seats')
    .transform(Number)
    .pipe(z.number().int().min(1, 'enrolments.quotas.errors.seats').max(100_000, 'enrolments.quotas.errors.seats')),
  deadline: optionalDateString,
  confirmBy: optionalDateString,
  /** the unit whose quota is being edited (empty when adding) */
  editing: optionalId.catch(null),
});
export type QuotaForm = z.infer<typeof quotaForm>;

export const quotaQuery = z.object({ edit: optionalId.catch(null) });

const rankValue = z
  .string()
  .trim()
  .regex(/^\d{1,4}$/, 'enrolments.quotas.errors.rank')
  .transform(Number)
  .pipe(z.number().int().min(1, 'enrolments.quotas.errors.rank'));

/** ranking a unit's nominees: rank_<enrolmentId> numbers, or one up/down button "up:12" */
export const rankForm = z.object({
  unit: z
    .string()
    .regex(/^\d{1,15}$/, 'errors.invalid')
    .transform(Number),
  move: z
    .string()
    .regex(/^(up|down):\d{1,15}$/, 'errors.invalid')
    .optional(),
});

export function parseRanks(body: Record<string, unknown>): {
  ranks: Map<number, number>;
  errors: Record<string, string>;
} {
  const ranks = new Map<number, number>();
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const m = /^rank_(\d{1,15})$/.exec(k);
    if (!m) continue;
    const r = rankValue.safeParse(v);
    if (r.success) ranks.set(Number(m[1]), r.data);
    else errors[k] = 'enrolments.quotas.errors.rank';
  }
  return { ranks, errors };
}
