import { z } from 'zod';
import { ACTIVITY_KINDS, ACTIVITY_STATUSES, AUDIENCE_KINDS } from '../../db/schema.ts';
import { checkbox, id, int, many, optionalId, optionalInt, optionalText, text } from '../core/zod.ts';

/** "YYYY-MM-DDTHH:MM" from <input type="datetime-local">, optional */
export const optionalDateTime = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : null))
  .pipe(
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d(:\d{2})?$/, 'activities.errors.dateTime')
      .transform((v) => v.slice(0, 16))
      .nullable(),
  );

const decimal01 = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v) => (v === undefined || v === '' ? '0' : String(v).trim()))
  .pipe(
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'activities.errors.weight')
      .transform(Number),
  );

export const activityFormSchema = z
  .object({
    kind: z.enum(ACTIVITY_KINDS),
    title: text(200),
    honoree: optionalText(200),
    seriesNumber: optionalInt(1, 10_000),
    description: optionalText(5000),
    topics: optionalText(5000),
    phaseId: optionalId,
    organisingUnitId: id,
    audienceKind: z.enum(AUDIENCE_KINDS).default('everyone'),
    audienceUnitId: optionalId,
    councilIds: many(
      z
        .string()
        .regex(/^\d{1,15}$/, 'errors.invalid')
        .transform(Number),
    ),
    executiveOnly: checkbox,
    location: optionalText(200),
    capacity: optionalInt(1, 100_000),
    selfEnrol: checkbox,
    autoApprove: checkbox,
    enrolOpensAt: optionalDateTime,
    enrolClosesAt: optionalDateTime,
    withdrawCutoffAt: optionalDateTime,
    minAttendancePct: int(0, 100),
    lateCounts: checkbox,
    excusedExcluded: checkbox,
    denominator: z.enum(['held', 'planned']).default('held'),
    excusedWeight: decimal01,
    maxConsecutiveAbsences: optionalInt(1, 1000),
    dropLowest: optionalInt(0, 1000).transform((v) => v ?? 0),
    hasAssessment: checkbox,
    passMark: optionalInt(0, 1_000_000),
    absenceAlertAfter: optionalInt(1, 1000),
    checkinOpensBeforeMin: int(0, 24 * 60),
    lateAfterMin: int(0, 24 * 60),
    editWindowDays: int(0, 365),
  })
  .superRefine((v, ctx) => {
    if (v.audienceKind === 'units' && !v.audienceUnitId)
      ctx.addIssue({ code: 'custom', path: ['audienceUnitId'], message: 'activities.errors.audienceUnit' });
    if (v.audienceKind === 'councils' && v.councilIds.length === 0)
      ctx.addIssue({ code: 'custom', path: ['councilIds'], message: 'activities.errors.audienceCouncils' });
    if (v.enrolOpensAt && v.enrolClosesAt && v.enrolClosesAt <= v.enrolOpensAt)
      ctx.addIssue({ code: 'custom', path: ['enrolClosesAt'], message: 'activities.errors.windowOrder' });
    if (v.hasAssessment && v.passMark === null)
      ctx.addIssue({ code: 'custom', path: ['passMark'], message: 'activities.errors.passMarkRequired' });
    // a rule that can never be met, or an alert that comes too late (server/followup)
    if (v.passMark !== null && v.passMark > 100)
      ctx.addIssue({ code: 'custom', path: ['passMark'], message: 'followup.ruleErrors.passMarkRange' });
    if (
      v.absenceAlertAfter !== null &&
      v.maxConsecutiveAbsences !== null &&
      v.absenceAlertAfter >= v.maxConsecutiveAbsences
    )
      ctx.addIssue({ code: 'custom', path: ['absenceAlertAfter'], message: 'followup.ruleErrors.alertAfterLimit' });
  });
export type ActivityForm = z.infer<typeof activityFormSchema>;

export const statusFormSchema = z
  .object({
    to: z.enum(ACTIVITY_STATUSES),
    reason: optionalText(1000),
  })
  .superRefine((v, ctx) => {
    if (v.to === 'cancelled' && !v.reason)
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'activities.errors.reasonRequired' });
  });

const optionalEnum = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.enum(values).nullable());

export const catalogueQuery = z.object({
  kind: optionalEnum(ACTIVITY_KINDS),
  status: optionalEnum(ACTIVITY_STATUSES),
  unit: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional(),
  q: z.string().trim().max(100).default(''),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
export type CatalogueQuery = z.infer<typeof catalogueQuery>;

export const publicCatalogueSchema = z.object({ enabled: checkbox });
