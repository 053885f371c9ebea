import { z } from 'zod';
import { optionalDateString, optionalId, text } from '../core/zod.ts';

export const overrideSchema = z.object({
  result: z.enum(['completed', 'not_completed', 'rule'], 'completion.errors.result'),
  reason: text(500),
});
export type OverrideForm = z.infer<typeof overrideSchema>;

export const eligibilityQuery = z.object({
  phase: optionalId,
  /** one activity of the phase (none: every activity of the phase) */
  activity: optionalId,
  unit: optionalId,
  from: optionalDateString,
  to: optionalDateString,
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
export type EligibilityQuery = Omit<z.infer<typeof eligibilityQuery>, 'activity'> & { activity?: number | null };
