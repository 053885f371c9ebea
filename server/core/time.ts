import type { Locale } from './i18n.ts';

/** Intl locales: Arabic as the minutes write dates (Levantine months, Latin digits). */
export const INTL_LOCALE: Record<Locale, string> = { ar: 'ar-SY-u-nu-latn', en: 'en-GB' };

const cache = new Map<string, Intl.DateTimeFormat>();
function fmt(locale: Locale, tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${tz}|${JSON.stringify(opts)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(INTL_LOCALE[locale], { timeZone: tz, ...opts });
    cache.set(key, f);
  }
  return f;
}

export type DateInput = Date | number | null | undefined;
const toDate = (d: DateInput) => (d === null || d === undefined ? null : d instanceof Date ? d : new Date(d));

const formatters = new Map<string, ReturnType<typeof makeDateFormatter>>();
/** A formatter bound to the user's language and the organisation's time zone (one per pair, made once). */
export function dateFormatter(locale: Locale, tz: string) {
  const key = `${locale}|${tz}`;
  let f = formatters.get(key);
  if (!f) {
    f = makeDateFormatter(locale, tz);
    formatters.set(key, f);
  }
  return f;
}

/** how many formatted dates each format keeps (the same dates come back on every page: an activity's start, a session's time) */
const FORMATTED_MAX = 2000;

function makeDateFormatter(locale: Locale, tz: string) {
  const f = (opts: Intl.DateTimeFormatOptions) => {
    let format: Intl.DateTimeFormat | undefined; // looked up on first use, not on every date
    // Intl formats an Arabic date in several microseconds; the text for an instant never changes
    const done = new Map<number, string>();
    return (d: DateInput) => {
      const date = toDate(d);
      if (!date) return '';
      const at = date.getTime();
      let text = done.get(at);
      if (text === undefined) {
        format ??= fmt(locale, tz, opts);
        text = format.format(date);
        if (done.size >= FORMATTED_MAX) done.clear();
        done.set(at, text);
      }
      return text;
    };
  };
  return {
    tz,
    /** 24 تشرين الثاني 2020 */
    date: f({ day: 'numeric', month: 'long', year: 'numeric' }),
    /** الثلاثاء، 24 تشرين الثاني 2020 */
    longDate: f({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
    /** 24 تشرين الثاني */
    dayMonth: f({ day: 'numeric', month: 'long' }),
    /** تشرين الثاني 2020 */
    month: f({ month: 'long', year: 'numeric' }),
    weekday: f({ weekday: 'long' }),
    time: f({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    dateTime: f({
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }),
    /** 7 – 12 – 2020, the way the minutes write dates */
    minutesDate: (d: DateInput) => {
      const p = zonedParts(toDate(d) ?? new Date(), tz);
      return `${p.day} – ${p.month} – ${p.year}`;
    },
  };
}
export type DateFormatter = ReturnType<typeof makeDateFormatter>;

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const partsFmt = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock parts of an instant in a zone, read from Intl (slow: tens of microseconds). */
export function intlParts(d: Date, tz: string): ZonedParts {
  let f = partsFmt.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partsFmt.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return {
    year: +p.year,
    month: +p.month,
    day: +p.day,
    hour: +p.hour % 24,
    minute: +p.minute,
    second: +p.second,
    weekday: wd,
  };
}

/**
 * A zone's offset from UTC changes only at its transitions, which fall on a quarter hour;
 * the offset of each quarter hour asked about is read from Intl once and kept (bounded), so
 * the pages that turn many instants into wall-clock parts do not call Intl for each one.
 */
const QUARTER_HOUR = 15 * 60_000;
const offsets = new Map<string, number>();
function offsetAt(ms: number, tz: string): number {
  const bucket = Math.floor(ms / QUARTER_HOUR) * QUARTER_HOUR;
  const key = `${tz}|${bucket}`;
  let off = offsets.get(key);
  if (off === undefined) {
    const p = intlParts(new Date(bucket), tz);
    off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - bucket;
    if (offsets.size >= 20_000) offsets.clear();
    offsets.set(key, off);
  }
  return off;
}

/** The wall-clock parts of an instant in a zone. */
export function zonedParts(d: Date, tz: string): ZonedParts {
  const ms = d.getTime();
  if (Number.isNaN(ms)) return intlParts(d, tz);
  const w = new Date(ms + offsetAt(ms, tz));
  return {
    year: w.getUTCFullYear(),
    month: w.getUTCMonth() + 1,
    day: w.getUTCDate(),
    hour: w.getUTCHours(),
    minute: w.getUTCMinutes(),
    second: w.getUTCSeconds(),
    weekday: w.getUTCDay(),
  };
}

/** The UTC instant for a wall-clock time in a zone (handles DST: picks the later valid offset in gaps). */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // iterate: offset at the guess, then correct
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const p = zonedParts(new Date(guess), tz);
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    const diff = wall - asUtc;
    if (diff === 0) break;
    guess -= diff;
  }
  return new Date(guess);
}

/** "2026-11-29" in the zone, for an instant. */
export function isoDateInZone(d: Date, tz: string): string {
  const p = zonedParts(d, tz);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** "09:30" in the zone, for an instant. */
export function isoTimeInZone(d: Date, tz: string): string {
  const p = zonedParts(d, tz);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** Parses "YYYY-MM-DD" and "HH:MM" typed in the organisation's zone into a UTC instant. */
export function parseLocalDateTime(date: string, time: string, tz: string): Date | null {
  const dm = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const tm = /^(\d{2}):(\d{2})$/.exec(time);
  if (!dm || !tm) return null;
  const [y, mo, d, h, mi] = [+dm[1], +dm[2], +dm[3], +tm[1], +tm[2]];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCDate() !== d) return null;
  return zonedToUtc(y, mo, d, h, mi, tz);
}

/** Start (inclusive) and end (exclusive) instants of a calendar month "YYYY-MM" in the zone. */
export function monthRange(month: string, tz: string): { from: Date; to: Date } | null {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return null;
  const y = +m[1];
  const mo = +m[2];
  if (mo < 1 || mo > 12) return null;
  const from = zonedToUtc(y, mo, 1, 0, 0, tz);
  const to = mo === 12 ? zonedToUtc(y + 1, 1, 1, 0, 0, tz) : zonedToUtc(y, mo + 1, 1, 0, 0, tz);
  return { from, to };
}

/** Start of the day (in the zone) of an instant, plus `days`. */
export function startOfDay(d: Date, tz: string, days = 0): Date {
  const p = zonedParts(d, tz);
  const base = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return zonedToUtc(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), 0, 0, tz);
}
