/**
 * The completion pages stay fast with 100,000 members and 2,000,000 attendance rows: each
 * issues a constant number of queries whatever the number of members (no N+1), and none of
 * them reads a whole large table (EXPLAIN QUERY PLAN of every statement actually run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateService } from '../../server/certificates/service.ts';
import { completionService } from '../../server/completion/routes.ts';
import type { Viewer } from '../../server/core/policy.ts';
import { RecordService } from '../../server/record/service.ts';
import { makeMember, makeOrg, makeViewer } from '../factories.ts';
import { createTestApp, type TestApp } from '../helpers.ts';
import { fullScans as fullScansOf, queryRecorder, type RecordedQuery } from '../queries.ts';
import { enrol, makeActivity, makeProgramme, makeSessions, mark, setActivityStatus } from './factories.ts';

const LARGE = [
  'members',
  'sessions',
  'enrolments',
  'attendance',
  'attendance_events',
  'enrolment_events',
  'certificates',
];

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Viewer;
let recorder: ReturnType<typeof queryRecorder>;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  office = makeViewer({ userId: org.users.office.id, roles: ['office'] });
  recorder = queryRecorder(t.db);
});
afterAll(() => t.close());

const capture = (fn: () => unknown) => recorder.capture(fn);
const fullScans = (q: RecordedQuery) => fullScansOf(t.db, q, LARGE);

/** A finished course with `n` members enrolled and marked on 4 sessions. */
function courseWith(n: number, phaseId?: number) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, phaseId: phaseId ?? null });
  const sessions = makeSessions(t.db, a.id, 4, { past: 4 });
  const members = Array.from({ length: n }, () => makeMember(t.db, { unitId: org.units.karama.id }));
  for (const m of members) {
    enrol(t.db, a.id, m.id);
    mark(t.db, sessions, m.id, ['present', 'late', 'absent', 'present']);
  }
  return { a, members };
}

describe('completion queries', () => {
  it('load an activity, a member and the decisions with a constant number of indexed queries', () => {
    const service = completionService(t.app);
    const small = courseWith(3);
    const big = courseWith(25);
    const pages = {
      progress: (x: typeof small) => () => service.activityProgress(office, x.a.id),
      memberProgress: (x: typeof small) => () => service.memberProgress(office, x.members[0].id),
      decide: (x: typeof small) => () => {
        setActivityStatus(t.db, x.a.id, 'finished');
        service.decideActivity(x.a.id, office.userId);
      },
    };
    for (const [name, page] of Object.entries(pages)) {
      const a = capture(page(small));
      const b = capture(page(big));
      // writes are one per changed enrolment; reads stay constant
      const reads = (q: typeof a) => q.filter((x) => /^\s*select/i.test(x.sql)).length;
      expect(reads(a), name).toBeGreaterThan(1);
      expect(reads(b), name).toBe(reads(a));
      for (const q of b) if (/^\s*select/i.test(q.sql)) expect(fullScans(q), name).toEqual([]);
    }
  });

  it('eligibility, certificates, the record and verification use indexes', () => {
    const { phases, programme } = makeProgramme(t.db);
    const x = courseWith(5, phases[0].id);
    setActivityStatus(t.db, x.a.id, 'finished');
    completionService(t.app).decideActivity(x.a.id, office.userId);
    const certs = new CertificateService(t.db, t.app.audit);
    const record = new RecordService(t.db);
    const runs = [
      () =>
        completionService(t.app).eligibility(office, programme.id, {
          phase: phases[0].id,
          unit: org.units.raqqa.id,
          from: '2020-01-01',
          to: '2099-01-01',
          page: 1,
        }),
      () => certs.issueAll(office, x.a.id),
      () => certs.list(office, x.a.id),
      () => record.record(office, x.members[0].id),
      () => certs.verify('abcdefghijkmnpqrstuvwxyz'),
    ];
    for (const run of runs) {
      const queries = capture(run);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) if (/^\s*select/i.test(q.sql)) expect(fullScans(q)).toEqual([]);
    }
  });
});
