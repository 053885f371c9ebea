import { z } from 'zod';

const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);

/** "YYYY-MM", optional */
const month = z.preprocess(
  blankToNull,
  z
    .string()
    .trim()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'reports.errors.month')
    .nullable()
    .default(null),
);
/** "YYYY-MM-DD", optional */
const day = z.preprocess(
  blankToNull,
  z
    .string()
    .trim()
    .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'reports.errors.date')
    .nullable()
    .default(null),
);
const age = z.preprocess(
  blankToNull,
  z.coerce
    .number({ message: 'reports.errors.age' })
    .int('reports.errors.age')
    .min(10, 'reports.errors.age')
    .max(100, 'reports.errors.age')
    .nullable()
    .default(null),
);

/** the unit is checked apart (an unknown or malformed id is a 404, not a form error) */
export const monthlyQuery = z.object({ month, youthMin: age, youthMax: age });
export const followUpQuery = z.object({
  list: z.enum(['below', 'inactive', 'never']).catch('below'),
  from: day,
  to: day,
  /** the page of the list shown (not a page number: the first; past the last: the last, see pageOf in core/urls.ts) */
  page: z.coerce.number().int().min(1).max(100000).catch(1),
});
