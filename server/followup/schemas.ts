import { z } from 'zod';
import { optionalDateString, optionalId, optionalText, text } from '../core/zod.ts';

/** a member's apology for one upcoming session (the attachment comes beside it, multipart) */
export const apologySchema = z.object({
  sessionId: optionalId,
  reason: z
    .string()
    .optional()
    .transform((v) => v ?? '')
    .pipe(text(1000)),
});
export type ApologyForm = z.infer<typeof apologySchema>;

/** the trainer's or office's decision */
export const decideSchema = z.object({
  decision: z.enum(['accept', 'refuse'], 'followup.errors.decision'),
  note: optionalText(500),
});
export type DecideForm = z.infer<typeof decideSchema>;

export const APOLOGY_FILTERS = ['pending', 'accepted', 'refused', 'all'] as const;

export const queueQuery = z.object({
  status: z.enum(APOLOGY_FILTERS).default('pending'),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
export type QueueQuery = z.infer<typeof queueQuery>;

export const newApologyQuery = z.object({ session: optionalId });

export const digestQuery = z.object({
  unit: optionalId,
  /** first day of the 7-day window, YYYY-MM-DD in the organisation's zone (default: 7 days ago) */
  from: optionalDateString,
  /** the page shown of each of its lists */
  absencesPage: z.coerce.number().int().min(1).max(100000).default(1),
  atRiskPage: z.coerce.number().int().min(1).max(100000).default(1),
  upcomingPage: z.coerce.number().int().min(1).max(100000).default(1),
});
export type DigestQuery = z.infer<typeof digestQuery>;
