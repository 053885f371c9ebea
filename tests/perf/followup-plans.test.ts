/**
 * The plans of the follow-up lists' queries (issue 12), on a database migrated with the real
 * migrations: the never-attended list decides from the enrolments' counters (no attendance read)
 * and reaches only the nominated and approved enrolments of each held activity; a unit's last
 * session is read backwards along an activity's sessions; the digest's exact absence count
 * starts from the week's sessions. None reads a whole large table.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/core/db.ts';
import { FollowupRepository } from '../../server/followup/repository.ts';
import { ReportsRepository, SQL } from '../../server/reports/repository.ts';
import { fullScans, planOf, queryRecorder, type RecordedQuery } from '../queries.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events'];
const db = openDatabase(':memory:');
const recorder = queryRecorder(db);
afterAll(() => db.$client.close());

const MONTH = { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), now: Date.UTC(2026, 10, 29) };

/** the plan's steps of a recorded statement */
const steps = (q: RecordedQuery) => planOf(db, q);
function only(fn: () => unknown): RecordedQuery {
  const qs = recorder.capture(fn);
  expect(qs).toHaveLength(1);
  return qs[0];
}

describe('follow-up list plans', () => {
  const reports = new ReportsRepository(db);
  const followup = new FollowupRepository(db);

  it('finds who never attended from the enrolment counters, by enrolments_status_idx, without reading attendance', () => {
    for (const q of [
      only(() => reports.neverAttended({ ...MONTH, path: '/1/' })),
      only(() => reports.neverAttendedCount({ ...MONTH, path: '/1/2/' })),
    ]) {
      const plan = steps(q).join('\n');
      expect(fullScans(db, q, LARGE)).toEqual([]);
      expect(plan).toMatch(/SEARCH s USING (COVERING )?INDEX sessions_starts_idx/);
      expect(plan).toMatch(/SEARCH e USING INDEX enrolments_status_idx \(activity_id=\? AND status=\?\)/);
      expect(plan).not.toMatch(/\bat\b|attendance/);
    }
  });

  it("reads each activity's last session backwards along sessions_activity_idx", () => {
    const q = only(() => reports.lastSessionOfUnits([1, 2, 3], MONTH.to));
    const plan = steps(q);
    expect(fullScans(db, q, LARGE)).toEqual([]);
    expect(plan.filter((s) => /^SEARCH s /.test(s))).toEqual([
      'SEARCH s USING INDEX sessions_activity_idx (activity_id=? AND starts_at<?)',
    ]);
    expect(SQL.lastSessionOfUnits).toMatch(/order by s\.starts_at desc limit 1/);
  });

  it("counts a week's absences from the week's sessions", () => {
    const q = only(() => followup.absenceCounts('/1/', new Date(MONTH.from), new Date(MONTH.from + 7 * 86_400_000)));
    expect(fullScans(db, q, LARGE)).toEqual([]);
    expect(steps(q).find((s) => /^(SEARCH|SCAN) /.test(s))).toMatch(/^SEARCH s USING INDEX sessions_starts_idx/);
  });

  it('detects a full scan (the check itself can fail)', () => {
    const q = only(() => db.$client.prepare('select count(*) from enrolments where attended_count = 0').get());
    expect(fullScans(db, q, LARGE)).not.toEqual([]);
  });
});
