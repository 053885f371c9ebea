/**
 * The plans of the sessions' and calendars' hot statements (issue 12), on a database migrated
 * with the real migrations: the clashes of a session page or a sessions list read only the
 * stretch of the start index near each session (they read every session that started before
 * the last one: 30–110 ms a page on the large file), and the organisation's calendar reads its
 * range from the start index and its activities and trainers by their keys.
 */
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVITIES_OF_SQL, NAMES_OF_SQL, RANGE_SESSIONS_SQL } from '../../server/calendar/repository.ts';
import { openDatabase } from '../../server/core/db.ts';
import { CLASHES_SQL } from '../../server/sessions/repository.ts';
import { planSteps } from '../queries.ts';

const db = openDatabase(':memory:');
const sqlite: Database.Database = db.$client;
afterAll(() => sqlite.close());

const plan = (sql: string, ...params: unknown[]) => planSteps(db, sql, params);

describe('the plans of the sessions and calendar statements', () => {
  it("reads each candidate's own stretch of the start index for its clashes, never every earlier session", () => {
    const steps = plan(CLASHES_SQL, JSON.stringify([[Date.UTC(2027, 0, 4, 15), Date.UTC(2027, 0, 4, 17), 1, 'قاعة']]));
    // the candidates first, then sessions searched by a bounded range (the trainer's or the
    // place's index would do as well, each with the same range), then the activity by its key
    expect(steps[0], steps.join('\n')).toMatch(/^SCAN c VIRTUAL TABLE/);
    const onSessions = steps.filter((d) => /^(SEARCH|SCAN) s\b/.test(d));
    expect(onSessions.length, steps.join('\n')).toBeGreaterThan(0);
    for (const d of onSessions)
      expect(d, steps.join('\n')).toMatch(/^SEARCH s USING .*starts_at>\? AND starts_at<\?\)$/);
    expect(steps, steps.join('\n')).toContain('SEARCH a USING INTEGER PRIMARY KEY (rowid=?)');
  });

  it("reads the organisation's calendar range along the start index, in its order, and the rest by key", () => {
    expect(plan(RANGE_SESSIONS_SQL, 0, 1)).toEqual([
      'SEARCH sessions USING INDEX sessions_starts_idx (starts_at>? AND starts_at<?)',
    ]);
    const activities = plan(ACTIVITIES_OF_SQL, '[1,2]').join('\n');
    expect(activities).toMatch(/SEARCH a USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(activities).toMatch(/SEARCH u USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(activities).not.toMatch(/SCAN a\b/);
    const names = plan(NAMES_OF_SQL, '[1,2]').join('\n');
    expect(names).toMatch(/SEARCH users USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(names).not.toMatch(/SCAN users/);
  });
});
