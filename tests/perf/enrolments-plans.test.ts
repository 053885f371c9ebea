/**
 * The plans of the enrolment feature's hot statements, as its repositories write them (issue 12):
 * the nomination queue of the office and of a coordinator, its count, the roster's pages, the
 * printed sign-in sheet and the quota sweep every queue view runs first. On the large file a
 * whole-table read of enrolments (363,000 rows) or of enrolment_events (840,000) costs tens to
 * hundreds of milliseconds a request. No timing here: the plans only.
 */
import type Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/core/db.ts';
import { QuotaRepository } from '../../server/enrolments/quota-repository.ts';
import { EnrolmentRepository, SEATED } from '../../server/enrolments/repository.ts';
import { fullScans, planOf, queryRecorder } from '../queries.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'enrolment_events', 'attendance', 'attendance_events'];
const db = openDatabase(':memory:');
const sqlite: Database.Database = db.$client;

afterAll(() => sqlite.close());

const recorder = queryRecorder(db);
/** the statements a call runs, with their plans and the large tables each reads whole */
const statementsOf = (run: () => unknown) =>
  recorder.capture(run).map((q) => ({
    sql: q.sql,
    plan: planOf(db, q),
    scans: fullScans(db, q, LARGE).map((s) => s.slice(0, s.indexOf(' in: '))),
  }));

const repo = new EnrolmentRepository(db);
const page = { limit: 50, offset: 100 };

describe('the nomination queue', () => {
  it('detects a full scan (the check itself can fail)', () => {
    const [s] = statementsOf(() => db.$client.prepare('select count(*) from enrolments where note = ?').get('x'));
    expect(s.scans).toEqual(['enrolments']);
  });

  it("reads the office's waiting nominations and their count from the status index, never every enrolment", () => {
    const [rows, count] = statementsOf(() =>
      repo.list({ statuses: ['nominated', 'pending'], order: 'queue', ...page }),
    );
    expect(rows.scans).toEqual([]);
    expect(count.scans).toEqual([]);
    expect(rows.plan.join('\n')).toMatch(/enrolments USING COVERING INDEX \w+ \(status=\?\)/);
    expect(count.plan.join('\n')).toMatch(/enrolments USING COVERING INDEX \w+ \(status=\?\)/);
    // only the page's 50 rows are joined with their member, unit, activity and nominator
    expect(rows.plan[0]).toMatch(/^SEARCH enrolments USING INTEGER PRIMARY KEY/);
    expect(count.sql).not.toMatch(/join/);
  });

  it("reaches a coordinator's nominations by its units' and its own indexes, for the page and the count", () => {
    const [rows, count] = statementsOf(() =>
      repo.list({ nominatedIn: ['/1/2/', '/1/7/'], nominatedByUserId: 8, order: 'recent', ...page }),
    );
    for (const s of [rows, count]) {
      expect(s.scans).toEqual([]);
      const plan = s.plan.join('\n');
      expect(plan).toMatch(/MULTI-INDEX OR/);
      expect(plan).toMatch(/enrolments USING INDEX enrolments_unit_idx \(nominated_by_unit_id=\?\)/);
      expect(plan).toMatch(/enrolments USING INDEX \w+ \(nominated_by_user_id=\?\)/);
    }
    expect(count.sql).not.toMatch(/join/);
  });

  it('filters by the members of a unit subtree without joining every member with its unit', () => {
    const [rows, count] = statementsOf(() =>
      repo.list({ unitPath: '/1/2/', statuses: ['nominated', 'pending'], order: 'queue', ...page }),
    );
    for (const s of [rows, count]) expect(s.scans).toEqual([]);
    expect(count.sql).not.toMatch(/join "units"/);
  });

  it('pages the seated (nine in ten enrolments) along the order instead of sorting them', () => {
    const [rows, count] = statementsOf(() => repo.list({ statuses: SEATED, order: 'recent', ...page }));
    // the page's ids: read in id order until 150 match, no sort of 320,000 ids
    expect(rows.plan.join('\n')).toMatch(/LIST SUBQUERY \d+\nSCAN enrolments(\n|$)/);
    expect(rows.plan.filter((s) => s.includes('TEMP B-TREE'))).toHaveLength(0);
    // Their count over the whole organisation reads the table: nine rows in ten match, and an
    // index on status alone, which would serve it, took over the plans of other lists (the
    // eligibility list walked every completed enrolment through it). The partial index serves
    // only the statuses not seated.
    expect(count.plan.join('\n')).not.toMatch(/enrolments_unseated_idx/);
  });

  it('leaves the partial index to the queries that repeat its condition', () => {
    const plan = (q: string) =>
      (sqlite.prepare(`explain query plan ${q}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan("select id from enrolments where status = 'completed' and activity_id in (select 1)")).not.toMatch(
      /unseated/,
    );
    expect(plan("select count(*) from enrolments where status in ('nominated', 'pending')")).not.toMatch(/unseated/);
  });

  it("reads a roster's page and the sign-in sheet by the activity", () => {
    const [rows, count] = statementsOf(() => repo.list({ activityId: 7, statuses: SEATED, order: 'roster', ...page }));
    const [sheet] = statementsOf(() => repo.sheetRows(7));
    for (const s of [rows, count, sheet]) {
      expect(s.scans).toEqual([]);
      expect(s.plan.join('\n')).toMatch(/enrolments USING (COVERING )?INDEX \w+ \(activity_id=\?/);
    }
    expect(sheet.sql).not.toMatch(/"units"|"activities"|count\(/);
  });
});

describe('the quota sweep before each queue view', () => {
  const quotas = new QuotaRepository(db);
  it('reads the activities with a confirm-by date, their approved enrolments once each, and an approval by its own events', () => {
    const [due] = statementsOf(() => sqlite.transaction(() => quotas.nextConfirmDeadline(86_400_000))());
    const [sweep] = statementsOf(() => quotas.expiredSeats(new Date(), 86_400_000));
    for (const s of [due, sweep]) {
      expect(s.scans).toEqual([]);
      const plan = s.plan.join('\n');
      // not from each quota: that read all the approved enrolments of its activity again per quota
      expect(s.plan[0]).toMatch(/^SEARCH activities USING COVERING INDEX activities_status_idx \(status=\?\)/);
      expect(plan).toMatch(/SEARCH enrolments USING INDEX \w+ \(activity_id=\?/);
      expect(plan).toMatch(
        /SEARCH unit_quotas USING INDEX sqlite_autoindex_unit_quotas_1 \(activity_id=\? AND unit_id=\?\)/,
      );
      expect(plan).not.toMatch(/SCAN unit_quotas/);
      const events = s.plan.filter((p) => p.includes('enrolment_events'));
      expect(events.length).toBeGreaterThan(0);
      for (const p of events) expect(p).toMatch(/enrolment_events_enrolment_idx \(enrolment_id=\?\)/);
    }

    const [approved] = statementsOf(() => quotas.approvedAt(1));
    expect(approved.plan.join('\n')).toMatch(/enrolment_events_enrolment_idx \(enrolment_id=\?\)/);
  });
});
