import { z } from 'zod';
import { checkbox } from '../core/zod.ts';

export const notificationsQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  unread: checkbox,
});
