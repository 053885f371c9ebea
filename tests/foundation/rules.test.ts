import { describe, expect, it } from 'vitest';
import type { AttendanceStatus } from '../../db/schema.ts';
import { type CompletionRule, computeProgress, decideCompletion } from '../../server/completion/rules.ts';

const base: CompletionRule = {
  minAttendancePct: 75,
  lateCounts: true,
  excusedExcluded: true,
  excusedWeight: 0,
  denominator: 'held',
  maxConsecutiveAbsences: null,
  dropLowest: 0,
  hasAssessment: false,
  passMark: null,
};
const day = 86_400_000;
const now = new Date('2026-06-15T12:00:00Z');
/** n weekly sessions, the first `past` of them already held */
const sessions = (n: number, past: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    startsAt: new Date(now.getTime() + (i - past + 0.5) * 7 * day - (i < past ? 7 * day : 0)),
    cancelled: false,
  }));
const marks = (list: (AttendanceStatus | null)[]) => {
  const m = new Map<number, AttendanceStatus>();
  list.forEach((s, i) => {
    if (s) m.set(i + 1, s);
  });
  return m;
};

describe('completion rule', () => {
  it('counts late as attended, or not', () => {
    const s = sessions(4, 4);
    const m = marks(['present', 'late', 'late', 'present']);
    expect(computeProgress(base, s, m, now).rate).toBe(100);
    const p = computeProgress({ ...base, lateCounts: false }, s, m, now);
    expect(p.rate).toBe(50);
    expect(p.state).toBe('cannot_qualify');
    expect(decideCompletion(base, computeProgress(base, s, m, now))).toBe(true);
  });

  it('leaves excused sessions out of the count, or counts them as absent', () => {
    const s = sessions(4, 4);
    const m = marks(['present', 'present', 'present', 'excused']);
    expect(computeProgress(base, s, m, now).rate).toBe(100);
    expect(computeProgress({ ...base, excusedExcluded: false }, s, m, now).rate).toBe(75);
    expect(computeProgress({ ...base, excusedExcluded: false, excusedWeight: 0.5 }, s, m, now).rate).toBe(87.5);
  });

  it('says at risk while still possible, and cannot qualify as soon as it is certain', () => {
    // 8 planned, 2 held, both absent: 6/8 = 75% still possible
    const s = sessions(8, 2);
    let p = computeProgress(base, s, marks(['absent', 'absent']), now);
    expect(p.state).toBe('at_risk');
    expect(p.needed).toBe(6);
    // a third absence makes 75% impossible (at most 5/8)
    const s3 = sessions(8, 3);
    p = computeProgress(base, s3, marks(['absent', 'absent', 'absent']), now);
    expect(p.state).toBe('cannot_qualify');
    expect(p.needed).toBeNull();
  });

  it('uses all planned sessions as denominator when the rule says so', () => {
    const s = sessions(8, 2);
    const p = computeProgress({ ...base, denominator: 'planned' }, s, marks(['present', 'present']), now);
    expect(p.rate).toBe(25);
    expect(p.state).toBe('at_risk');
  });

  it('drops the lowest N sessions', () => {
    const s = sessions(4, 4);
    const m = marks(['present', 'absent', 'present', 'present']);
    expect(computeProgress({ ...base, minAttendancePct: 100 }, s, m, now).state).toBe('cannot_qualify');
    expect(computeProgress({ ...base, minAttendancePct: 100, dropLowest: 1 }, s, m, now).rate).toBe(100);
  });

  it('fails on too many consecutive absences', () => {
    const s = sessions(10, 4);
    const p = computeProgress(
      { ...base, maxConsecutiveAbsences: 2 },
      s,
      marks(['present', 'absent', 'absent', 'present']),
      now,
    );
    expect(p.state).toBe('cannot_qualify');
    expect(p.reason).toBe('consecutive');
  });

  it('requires the assessment pass mark', () => {
    const rule = { ...base, hasAssessment: true, passMark: 60 };
    const s = sessions(2, 2);
    const m = marks(['present', 'present']);
    expect(decideCompletion(rule, computeProgress(rule, s, m, now, null))).toBe(false);
    expect(decideCompletion(rule, computeProgress(rule, s, m, now, 59))).toBe(false);
    expect(decideCompletion(rule, computeProgress(rule, s, m, now, 60))).toBe(true);
  });

  it('ignores cancelled sessions', () => {
    const s = sessions(4, 4).map((x, i) => ({ ...x, cancelled: i === 1 }));
    const p = computeProgress(base, s, marks(['present', null, 'present', 'present']), now);
    expect(p.planned).toBe(3);
    expect(p.rate).toBe(100);
  });
});
