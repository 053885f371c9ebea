import { z } from 'zod';
import { ATTENDANCE_STATUSES } from '../../db/schema.ts';

/** Most items one sync request may carry (the phone sends its queue in batches of this size). */
export const MAX_SYNC_ITEMS = 500;
const DAY = 86_400_000;

/**
 * One mark queued on a phone (static/js/offline-queue.js): the member (or the card token a
 * scan read), the status, when it was marked (the phone's clock, ms) and an id the phone made
 * up, which makes a replay harmless.
 */
export const queuedItem = z
  .object({
    clientId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{8,64}$/),
    sessionId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    memberId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    cardToken: z.string().trim().min(8).max(128).optional(),
    status: z.enum(ATTENDANCE_STATUSES),
    at: z.number().int().positive().max(8_640_000_000_000),
    /** the user who queued it (a phone shared by two trainers must not send one's marks as the other) */
    userId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((v) => (v.memberId === undefined) !== (v.cardToken === undefined), { message: 'memberOrCard' });

export type QueuedItem = z.infer<typeof queuedItem>;

/** A sync request: the queue and the phone's clock when it sent it (to correct a phone that is off). */
export const syncBody = z.object({
  sentAt: z.number().int().positive().max(8_640_000_000_000),
  items: z.array(z.unknown()).max(MAX_SYNC_ITEMS),
});

/** The largest clock difference we correct for; beyond it the phone's times are not trusted at all. */
export const MAX_SKEW = 2 * DAY;
