import { zonedToUtc } from '../core/time.ts';

/**
 * A recurrence rule, stored as JSON on the activity (activities.recurrence) so the
 * sessions can be regenerated later. Dates are calendar dates and times wall-clock
 * times in the organisation's zone; each occurrence is turned into UTC on its own
 * day, so a daylight-saving change never shifts the local time of a session.
 */
export interface RecurrenceRule {
  freq: 'daily' | 'weekly';
  /** every N days (daily) or N weeks (weekly) */
  interval: number;
  /** for weekly: 0 = Sunday … 6 = Saturday */
  weekdays: number[];
  /** first possible date, YYYY-MM-DD */
  startDate: string;
  /** last possible date, YYYY-MM-DD (inclusive); or count */
  until?: string | null;
  /** number of sessions to produce (after skipping); or until */
  count?: number | null;
  startTime: string;
  endTime: string;
  skipFridays: boolean;
  /** dates to leave out (holidays), YYYY-MM-DD */
  skipDates: string[];
  topic?: string | null;
  trainerUserId?: number | null;
  place?: string | null;
}

export const MAX_OCCURRENCES = 1000;
/** never look further than this many days ahead, whatever the rule says */
const MAX_SPAN_DAYS = 366 * 5;

export interface Occurrence {
  /** YYYY-MM-DD in the zone */
  date: string;
  startsAt: Date;
  endsAt: Date;
}

export type RecurrenceError = 'endBeforeStart' | 'noSessions' | 'tooMany' | 'untilBeforeStart' | 'needEnd';

export class RecurrenceFailure extends Error {
  constructor(public reason: RecurrenceError) {
    super(reason);
  }
}

const DAY = 86_400_000;
/** days since 1970-01-01 of a calendar date (zone-free arithmetic) */
export function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.floor(Date.UTC(y, m - 1, d) / DAY);
}
export function dateOfDay(n: number): string {
  return new Date(n * DAY).toISOString().slice(0, 10);
}
/** 0 = Sunday */
export const weekdayOfDay = (n: number) => (((n + 4) % 7) + 7) % 7;

function hm(time: string): [number, number] {
  const [h, m] = time.split(':').map(Number);
  return [h, m];
}

/** The occurrences of a rule, in order. Throws RecurrenceFailure on a rule that makes no sense. */
export function expandRule(rule: RecurrenceRule, tz: string): Occurrence[] {
  const [sh, sm] = hm(rule.startTime);
  const [eh, em] = hm(rule.endTime);
  if (eh * 60 + em <= sh * 60 + sm) throw new RecurrenceFailure('endBeforeStart');
  if (!rule.until && !rule.count) throw new RecurrenceFailure('needEnd');
  if (rule.count && rule.count > MAX_OCCURRENCES) throw new RecurrenceFailure('tooMany');
  const first = dayNumber(rule.startDate);
  const last = rule.until ? dayNumber(rule.until) : first + MAX_SPAN_DAYS;
  if (last < first) throw new RecurrenceFailure('untilBeforeStart');
  const interval = Math.max(1, rule.interval);
  const skip = new Set(rule.skipDates);
  const weekdays = new Set(rule.weekdays);
  // weeks are counted from the Saturday that starts the first date's week
  const firstWeekStart = first - ((weekdayOfDay(first) + 1) % 7);
  const out: Occurrence[] = [];
  for (let n = first; n <= Math.min(last, first + MAX_SPAN_DAYS); n++) {
    const wd = weekdayOfDay(n);
    if (rule.freq === 'daily') {
      if ((n - first) % interval !== 0) continue;
    } else {
      if (!weekdays.has(wd)) continue;
      if (Math.floor((n - firstWeekStart) / 7) % interval !== 0) continue;
    }
    if (rule.skipFridays && wd === 5) continue;
    const date = dateOfDay(n);
    if (skip.has(date)) continue;
    const [y, m, d] = date.split('-').map(Number);
    out.push({ date, startsAt: zonedToUtc(y, m, d, sh, sm, tz), endsAt: zonedToUtc(y, m, d, eh, em, tz) });
    if (out.length > MAX_OCCURRENCES) throw new RecurrenceFailure('tooMany');
    if (rule.count && out.length >= rule.count) break;
  }
  if (out.length === 0) throw new RecurrenceFailure('noSessions');
  // a count the rule cannot reach within the longest span we plan for
  if (rule.count && !rule.until && out.length < rule.count) throw new RecurrenceFailure('tooMany');
  return out;
}
