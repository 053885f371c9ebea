import { z } from 'zod';
import { UNIT_KINDS } from '../../db/schema.ts';
import { optionalId, optionalText, text } from '../core/zod.ts';

export const unitFormSchema = z.object({
  nameAr: text(150),
  nameEn: optionalText(150),
  kind: z.enum(UNIT_KINDS, 'units.errors.kind'),
  parentId: optionalId,
});
export type UnitForm = z.infer<typeof unitFormSchema>;

export const unitEditSchema = unitFormSchema.omit({ parentId: true });
export type UnitEdit = z.infer<typeof unitEditSchema>;

export const moveSchema = z.object({ parentId: optionalId });

export const treeQuery = z.object({
  archived: z.enum(['0', '1']).default('0'),
});
