import { z } from 'zod';
import {
  checkbox,
  dateString,
  many,
  optionalDateString,
  optionalId,
  optionalInt,
  optionalText,
  timeString,
} from '../core/zod.ts';

const dateList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(/[\s,،]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .refine(
    (list) => list.length <= 1000 && list.every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)),
    'sessions.errors.skipDates',
  );

const validDate = (v: string) => {
  const [y, m, d] = v.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};
const realDate = dateString.refine(validDate, 'errors.date');

export const ruleFormSchema = z
  .object({
    freq: z.enum(['daily', 'weekly']),
    interval: optionalInt(1, 52).transform((v) => v ?? 1),
    weekdays: many(
      z
        .string()
        .regex(/^[0-6]$/, 'errors.invalidChoice')
        .transform(Number),
    ),
    startDate: realDate,
    until: optionalDateString.refine((v) => v === null || validDate(v), 'errors.date'),
    count: optionalInt(1, 100_000),
    startTime: timeString,
    endTime: timeString,
    skipFridays: checkbox,
    skipDates: dateList,
    topic: optionalText(200),
    trainerUserId: optionalId,
    place: optionalText(200).transform((v) => (v ? v.replace(/\s+/g, ' ') : null)),
  })
  .superRefine((v, ctx) => {
    if (v.freq === 'weekly' && v.weekdays.length === 0)
      ctx.addIssue({ code: 'custom', path: ['weekdays'], message: 'sessions.errors.weekdays' });
    if (!v.until && !v.count) ctx.addIssue({ code: 'custom', path: ['until'], message: 'sessions.errors.needEnd' });
    if (v.until && v.count) ctx.addIssue({ code: 'custom', path: ['count'], message: 'sessions.errors.untilOrCount' });
    if (v.endTime <= v.startTime)
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'sessions.errors.endBeforeStart' });
    if (v.until && v.until < v.startDate)
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'sessions.errors.untilBeforeStart' });
  });
export type RuleForm = z.infer<typeof ruleFormSchema>;

export const sessionFormSchema = z
  .object({
    date: realDate,
    startTime: timeString,
    endTime: timeString,
    topic: optionalText(200),
    trainerUserId: optionalId,
    place: optionalText(200).transform((v) => (v ? v.replace(/\s+/g, ' ') : null)),
  })
  .superRefine((v, ctx) => {
    if (v.endTime <= v.startTime)
      ctx.addIssue({ code: 'custom', path: ['endTime'], message: 'sessions.errors.endBeforeStart' });
  });
export type SessionForm = z.infer<typeof sessionFormSchema>;

export const cancelSessionSchema = z.object({
  reason: optionalText(1000).pipe(
    z.string({ message: 'sessions.errors.reasonRequired' }).min(1, 'sessions.errors.reasonRequired'),
  ),
});
