import { z } from 'zod';
import { checkbox, optionalId, optionalText, text } from '../core/zod.ts';

export const programmeFormSchema = z.object({
  title: text(200),
  description: optionalText(5000),
  organisingUnitId: optionalId,
  archived: checkbox,
});
export type ProgrammeForm = z.infer<typeof programmeFormSchema>;

export const phaseFormSchema = z.object({
  title: text(200),
  description: optionalText(5000),
  requiresPrevious: checkbox,
});
export type PhaseForm = z.infer<typeof phaseFormSchema>;

export const moveSchema = z.object({ direction: z.enum(['up', 'down']) });
