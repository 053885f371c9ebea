/** Reusable zod pieces for HTML form fields (every value arrives as a string). */
import { z } from 'zod';
import { normalizePhone } from './phone.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/** removes control characters (null bytes and the like) but keeps tabs and newlines */
export const stripControl = (v: string) => v.replace(CONTROL_CHARS, '');

/** required text, trimmed, with a maximum length; control characters other than newlines removed */
export const text = (max = 200) =>
  z
    .string()
    .transform((v) => stripControl(v).trim())
    .pipe(z.string().min(1).max(max));

/** optional text: empty becomes null */
export const optionalText = (max = 200) =>
  z
    .string()
    .optional()
    .transform((v) => {
      const s = stripControl(v ?? '').trim();
      return s ? s : null;
    })
    .pipe(z.string().max(max).nullable());

/** an HTML checkbox: present = true */
export const checkbox = z
  .union([z.literal('on'), z.literal('1'), z.literal('true'), z.literal('')])
  .optional()
  .transform((v) => v !== undefined && v !== '');

const intString = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'errors.invalid')
    .transform((v) => Number(v))
    .pipe(z.number().int().min(min).max(max));

/** required integer typed into a field */
export const int = (min = 0, max = 1_000_000_000) => z.union([z.number().int().min(min).max(max), intString(min, max)]);

/** optional integer: empty becomes null */
export const optionalInt = (min = 0, max = 1_000_000_000) =>
  z
    .union([z.number(), z.string()])
    .nullish()
    .transform((v) => (v === '' || v === undefined || v === null ? null : typeof v === 'number' ? String(v) : v))
    .pipe(intString(min, max).nullable());

/** optional id of a row (select box) */
export const optionalId = optionalInt(1, Number.MAX_SAFE_INTEGER);
export const id = int(1, Number.MAX_SAFE_INTEGER);

/** a phone number, normalised, optional */
export const optionalPhone = optionalText(40).transform((v, ctx) => {
  if (v === null) return null;
  const p = normalizePhone(v);
  if (!p) {
    ctx.addIssue({ code: 'custom', message: 'errors.phone' });
    return z.NEVER;
  }
  return p;
});

/** YYYY-MM-DD */
export const dateString = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'errors.date');
export const optionalDateString = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : null))
  .pipe(dateString.nullable());
/** HH:MM */
export const timeString = z
  .string()
  .trim()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'errors.time');

/** a field that may come once (string) or many times (array), e.g. multi-select */
export const many = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.array(z.string()), z.string()])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x) => x !== ''))
    .pipe(z.array(item));
