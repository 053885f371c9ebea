import { describe, expect, it } from 'vitest';
import { isoDateInZone, isoTimeInZone, zonedParts } from '../../server/core/time.ts';
import { expandRule, type RecurrenceFailure, type RecurrenceRule } from '../../server/sessions/recurrence.ts';

const base: RecurrenceRule = {
  freq: 'weekly',
  interval: 1,
  weekdays: [1],
  startDate: '2026-01-05',
  count: 4,
  until: null,
  startTime: '17:00',
  endTime: '19:00',
  skipFridays: true,
  skipDates: [],
};
const dates = (r: Partial<RecurrenceRule>, tz = 'Asia/Damascus') =>
  expandRule({ ...base, ...r }, tz).map((o) => o.date);
const failure = (r: Partial<RecurrenceRule>) => {
  try {
    expandRule({ ...base, ...r }, 'Asia/Damascus');
    return null;
  } catch (err) {
    return (err as RecurrenceFailure).reason;
  }
};

describe('recurrence rules', () => {
  it('repeats on the chosen weekdays for a count', () => {
    // 2026-01-05 is a Monday; Mondays and Wednesdays
    expect(dates({ weekdays: [1, 3], count: 5 })).toEqual([
      '2026-01-05',
      '2026-01-07',
      '2026-01-12',
      '2026-01-14',
      '2026-01-19',
    ]);
  });

  it('stops at the until date, inclusive', () => {
    expect(dates({ count: null, until: '2026-01-26' })).toEqual([
      '2026-01-05',
      '2026-01-12',
      '2026-01-19',
      '2026-01-26',
    ]);
  });

  it('repeats every N weeks', () => {
    expect(dates({ interval: 2, count: 3 })).toEqual(['2026-01-05', '2026-01-19', '2026-02-02']);
  });

  it('skips Fridays in a daily rule, and listed holidays; count counts sessions actually held', () => {
    // 2026-01-08 Thu, 09 Fri, 10 Sat, 11 Sun
    expect(dates({ freq: 'daily', count: 4, startDate: '2026-01-08', skipDates: ['2026-01-10'] })).toEqual([
      '2026-01-08',
      '2026-01-11',
      '2026-01-12',
      '2026-01-13',
    ]);
    expect(dates({ freq: 'daily', count: 3, startDate: '2026-01-08', skipFridays: false })).toEqual([
      '2026-01-08',
      '2026-01-09',
      '2026-01-10',
    ]);
  });

  it('keeps the local wall-clock time across a daylight-saving change (Europe/Berlin)', () => {
    // Berlin moves from +01:00 to +02:00 on 2026-03-29
    const occ = expandRule({ ...base, weekdays: [4], startDate: '2026-03-19', count: 3 }, 'Europe/Berlin');
    expect(occ.map((o) => o.date)).toEqual(['2026-03-19', '2026-03-26', '2026-04-02']);
    expect(occ.map((o) => isoTimeInZone(o.startsAt, 'Europe/Berlin'))).toEqual(['17:00', '17:00', '17:00']);
    expect(occ[0].startsAt.toISOString()).toBe('2026-03-19T16:00:00.000Z');
    expect(occ[2].startsAt.toISOString()).toBe('2026-04-02T15:00:00.000Z');
    expect(occ[2].endsAt.getTime() - occ[2].startsAt.getTime()).toBe(2 * 3600_000);
  });

  it('keeps the local time across Damascus daylight saving (in force until 2022)', () => {
    // Damascus summer time began on 2021-03-26 (Friday) at midnight
    const occ = expandRule({ ...base, freq: 'daily', startDate: '2021-03-24', count: 4 }, 'Asia/Damascus');
    expect(occ.map((o) => o.date)).toEqual(['2021-03-24', '2021-03-25', '2021-03-27', '2021-03-28']);
    for (const o of occ) expect(zonedParts(o.startsAt, 'Asia/Damascus').hour).toBe(17);
    expect(occ[0].startsAt.toISOString()).toBe('2021-03-24T15:00:00.000Z');
    expect(occ[3].startsAt.toISOString()).toBe('2021-03-28T14:00:00.000Z');
    expect(isoDateInZone(occ[3].startsAt, 'Asia/Damascus')).toBe('2021-03-28');
  });

  it('refuses rules that make no sense', () => {
    expect(failure({ endTime: '16:00' })).toBe('endBeforeStart');
    expect(failure({ endTime: '17:00' })).toBe('endBeforeStart');
    expect(failure({ count: null, until: null })).toBe('needEnd');
    expect(failure({ count: null, until: '2025-12-01' })).toBe('untilBeforeStart');
    // the only day in range is a Friday
    expect(failure({ freq: 'daily', count: null, startDate: '2026-01-09', until: '2026-01-09' })).toBe('noSessions');
    expect(failure({ weekdays: [], count: null, until: '2026-03-01' })).toBe('noSessions');
    expect(failure({ count: 1001 })).toBe('tooMany');
    expect(failure({ freq: 'daily', count: null, until: '2030-01-01' })).toBe('tooMany');
    expect(failure({ count: 1000, weekdays: [0, 1, 2, 3, 4, 6] })).toBeNull();
  });
});
