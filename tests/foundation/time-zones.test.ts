import { describe, expect, it } from 'vitest';
import { intlParts as intl, startOfDay, zonedParts, zonedToUtc } from '../../server/core/time.ts';

describe('wall-clock parts in a zone (offsets kept per quarter hour)', () => {
  // zones with daylight saving, half-hour and 45-minute offsets, and a half-hour DST shift
  const zones = [
    'Asia/Damascus',
    'Asia/Beirut',
    'Europe/London',
    'America/New_York',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
  ];

  it('agrees with Intl every 97 minutes and 13 seconds over two years, across every transition', () => {
    const wrong: string[] = [];
    for (const tz of zones) {
      for (let t = Date.UTC(2022, 0, 1); t < Date.UTC(2024, 0, 1); t += 97 * 60_000 + 13_000) {
        const d = new Date(t);
        if (JSON.stringify(zonedParts(d, tz)) !== JSON.stringify(intl(d, tz))) wrong.push(`${tz} ${d.toISOString()}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with Intl minute by minute around a DST change (Europe/London, 2023-03-26 and 2023-10-29)', () => {
    for (const start of [Date.UTC(2023, 2, 26, 0, 0), Date.UTC(2023, 9, 29, 0, 0)]) {
      for (let t = start; t < start + 3 * 3_600_000; t += 60_000) {
        const d = new Date(t);
        expect(zonedParts(d, 'Europe/London')).toEqual(intl(d, 'Europe/London'));
      }
    }
  });

  it('turns wall-clock times back into instants and finds the start of a day', () => {
    // 2023-03-26 01:30 does not exist in London: the later valid offset is taken
    expect(zonedToUtc(2023, 3, 26, 0, 30, 'Europe/London').toISOString()).toBe('2023-03-26T00:30:00.000Z');
    expect(zonedToUtc(2023, 7, 1, 9, 0, 'Asia/Kathmandu').toISOString()).toBe('2023-07-01T03:15:00.000Z');
    expect(startOfDay(new Date('2026-11-29T21:30:00Z'), 'Asia/Damascus').toISOString()).toBe(
      '2026-11-29T21:00:00.000Z',
    );
  });
});
