/**
 * The plans of the eligibility list's statements (issue 12), on a database migrated with the
 * real migrations, as the repository builds them with each filter: a completion's date is read
 * from the enrolment's own events (enrolment_events_enrolment_idx). SQLite otherwise chose the
 * (to_status, created_at) index for `to_status = 'completed'` and walked every completion of the
 * organisation for each line: 270,000 on the large file, 3–60 s a page. Not a full scan, so the
 * general checks did not see it. No timing here: the benchmark measures speed.
 */
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CompletionRepository } from '../../server/completion/repository.ts';
import { openDatabase } from '../../server/core/db.ts';
import { planSteps, queryRecorder } from '../queries.ts';

const db = openDatabase(':memory:');
const sqlite: Database.Database = db.$client;
afterAll(() => sqlite.close());
const recorder = queryRecorder(db);
const repo = new CompletionRepository(db);

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events', 'enrolment_events'];

const plan = (sql: string, params: unknown[]) => planSteps(db, sql, params);

describe('the plans of the eligibility list', () => {
  const filters = {
    none: {},
    activity: { activityId: 7 },
    unit: { unitPath: '/1/2/' },
    from: { from: new Date(Date.UTC(2025, 2, 1)) },
    to: { to: new Date(Date.UTC(2025, 3, 1)) },
    all: {
      activityId: 7,
      unitPath: '/1/2/',
      from: new Date(Date.UTC(2025, 2, 1)),
      to: new Date(Date.UTC(2025, 3, 1)),
    },
  };
  for (const [name, f] of Object.entries(filters))
    it(`reads each line's events by its enrolment, and no large table in full (${name})`, () => {
      const queries = recorder.capture(() =>
        repo.completedInPhase({ phaseId: 3, from: null, to: null, unitPath: null, limit: 50, offset: 50, ...f }),
      );
      expect(queries).toHaveLength(2); // the page and the count
      for (const q of queries) {
        const steps = plan(q.sql, q.args);
        const all = steps.join('\n');
        // the enrolments of the phase's activities (or of the one chosen), found from the phase
        expect(all, all).toMatch(
          /SEARCH activities USING ((COVERING )?INDEX activities_phase_idx \(phase_id=\?( AND rowid=\?)?\)|INTEGER PRIMARY KEY \(rowid=\?\))/,
        );
        expect(all, all).toMatch(
          /SEARCH enrolments USING (COVERING )?INDEX enrolments_status_idx \(activity_id=\? AND status=\?\)/,
        );
        // by the enrolment (enrolment_events_enrolment_idx, or an index that begins with it)
        for (const d of steps.filter((s) => /enrolment_events/.test(s)))
          expect(d, all).toMatch(
            /^SEARCH enrolment_events USING (COVERING )?INDEX \w+ \(enrolment_id=\?( AND to_status=\?)?\)$/,
          );
        for (const d of steps) {
          const scanned = /^SCAN (\w+)/.exec(d)?.[1];
          expect(scanned && LARGE.includes(scanned) ? d : null, all).toBeNull();
        }
      }
      // the page's line dates: one search of a line's events, however the list is filtered
      const page = plan(queries[0].sql, queries[0].args);
      expect(page.filter((d) => /enrolment_events/.test(d)).length).toBeGreaterThan(0);
    });
});
