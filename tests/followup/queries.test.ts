/**
 * The follow-up pages and the absence check stay fast with 100,000 members and 2,000,000
 * attendance rows: a constant number of queries whatever the number of members (no N+1),
 * none reading a whole large table (EXPLAIN QUERY PLAN of every statement actually run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../../server/core/policy.ts';
import { daysAgo } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeViewer } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { fullScans as fullScansOf, queryRecorder, type RecordedQuery } from '../queries.ts';
import { enrol, makeActivity, makeSession, mark } from './factories.ts';

const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events', 'enrolment_events', 'audit_log'];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let recorder: ReturnType<typeof queryRecorder>;
const viewer = (over: Partial<Viewer>): Viewer => makeViewer({ userId: 1, ...over });

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  recorder = queryRecorder(t.db);
});
afterAll(() => t.close());

const capture = (fn: () => unknown) => recorder.capture(fn).filter((q) => /^\s*(select|with)/i.test(q.sql));
const fullScans = (q: RecordedQuery) => fullScansOf(t.db, q, LARGE);

/** a course with `n` Karama members, 3 held sessions all marked absent, one to come */
function courseWith(n: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, absenceAlertAfter: 3 });
  const held = [3, 2, 1].map((d) => makeSession(t.db, a.id, { startMin: daysAgo(d) }));
  makeSession(t.db, a.id, { startMin: 24 * 60 });
  const members = Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }));
  for (const m of members) {
    enrol(t.db, a.id, m.id);
    for (const s of held) mark(t.db, s.id, m.id, 'absent');
  }
  return { a, held, members };
}

describe('follow-up queries', () => {
  it('the absence check, the digest, the queue and the panels: constant, indexed reads', () => {
    const { apologies, alerts, digests } = t.app.followup;
    const small = courseWith(3);
    const big = courseWith(30);
    const office = viewer({ userId: org.users.office.id, roles: ['office'] });
    const coordinator = viewer({
      userId: org.users.coordinator.id,
      roles: ['coordinator'],
      coordinatorUnits: [{ id: org.units.raqqa.id, path: org.units.raqqa.path }],
    });
    const member = viewer({ userId: org.users.member.id, roles: ['member'], memberId: org.member.id });
    const now = new Date();
    const runs = {
      alert: (x: typeof small) => () =>
        alerts.onAttendanceChanged({
          sessionId: x.held[2].id,
          activityId: x.a.id,
          changes: x.members.map((m) => ({ memberId: m.id, from: null, to: 'absent' as const })),
          byUserId: null,
        }),
      digest: (_: typeof small) => () =>
        digests.build(org.units.raqqa, new Date(now.getTime() - 7 * 86_400_000), now, now),
      queueOffice: (_: typeof small) => () => apologies.queue(office, { status: 'pending', page: 1 }),
      queueCoordinator: (_: typeof small) => () => apologies.queue(coordinator, { status: 'all', page: 1 }),
      upcoming: (_: typeof small) => () => apologies.upcoming(member),
      sessionPanel: (x: typeof small) => () => apologies.sessionPanel(office, x.held[0].id),
      memberPanel: (x: typeof small) => () => apologies.memberPanel(office, x.members[0].id),
    };
    // the first check alerts every member (a notification each: its recipients are read); the next finds them alerted
    for (const q of capture(runs.alert(big))) expect(fullScans(q), 'alert').toEqual([]);
    capture(runs.alert(small));
    for (const [name, run] of Object.entries(runs)) {
      const a = capture(run(small));
      const b = capture(run(big));
      expect(a.length, name).toBeGreaterThan(0);
      expect(b.length, name).toBe(a.length);
      for (const q of b) expect(fullScans(q), name).toEqual([]);
    }
  });
});
