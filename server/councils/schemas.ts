import { z } from 'zod';
import { optionalText, text } from '../core/zod.ts';

export const COUNCIL_KINDS = ['women', 'youth', 'other'] as const;

export const councilFormSchema = z.object({
  nameAr: text(150),
  nameEn: optionalText(150),
  kind: z.enum(COUNCIL_KINDS, 'councils.errors.kind'),
  description: optionalText(2000),
});
export type CouncilForm = z.infer<typeof councilFormSchema>;

export const councilsQuery = z.object({ archived: z.enum(['0', '1']).default('0') });
export const councilQuery = z.object({ page: z.coerce.number().int().min(1).max(100000).default(1) });
