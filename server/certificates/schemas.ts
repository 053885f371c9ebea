import { z } from 'zod';
import { text } from '../core/zod.ts';

export const revokeSchema = z.object({ reason: text(500) });

export const verifyQuery = z.object({ code: z.string().trim().max(100).default('') });

export const certificateQuery = z.object({ lang: z.enum(['ar', 'en']).optional() });
