/**
 * An activity's progress page keeps every enrolment's progress while the data is unchanged
 * (service.activityProgress, core/cache.ts): what each viewer sees must stay what they saw
 * when it was worked out for each request — a coordinator only its units' members, a mark or a
 * decision shown at once, a session that starts counted as held from that minute on — and the
 * "still needed" figure, found by halving (rules.ts), must be the first number of sessions
 * that reaches the minimum, as counting up from none finds it.
 */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as s from '../../db/schema.ts';
import { type CompletionRule, computeProgress } from '../../server/completion/rules.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { enrol, makeActivity, mark } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const c = {} as Record<'office' | 'coordinator' | 'trainer', Client>;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'trainer'] as const) {
    c[who] = new Client(t.app);
    await c[who].login(who);
  }
});
afterAll(() => t.close());
afterEach(() => vi.useRealTimers());

const MIN = 60_000;
const HOUR = 60 * MIN;

/** sessions of two hours starting at these instants */
function sessionsAt(activityId: number, starts: number[]) {
  return starts.map((at) =>
    t.db
      .insert(s.sessions)
      .values({ activityId, startsAt: new Date(at), endsAt: new Date(at + 2 * HOUR) })
      .returning()
      .get(),
  );
}

/** the progress table's rows: name → the text of its row after the unit (held, attended, rate, …) */
function rowsOf(html: string) {
  const start = html.indexOf('<table class="progress-table">');
  const table = html.slice(start, html.indexOf('</table>', start));
  const out = new Map<string, string>();
  for (const m of table.matchAll(/<tr>\s*<td>([^<]*)<\/td>\s*<td>[^<]*<\/td>([\s\S]*?)<\/tr>/g))
    out.set(m[1], textOf(m[2]));
  return out;
}

describe('the kept progress of an activity', () => {
  it('shows a coordinator only its units, and each viewer the counts of what it sees', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sessions = sessionsAt(a.id, [Date.now() - 3 * 24 * HOUR, Date.now() - 2 * 24 * HOUR]);
    const inRaqqa = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'عضو من الكرامة' });
    const inTabqa = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'عضو من المنصورة' });
    for (const m of [inRaqqa, inTabqa]) enrol(t.db, a.id, m.id);
    mark(t.db, sessions, inRaqqa.id, ['present', 'present']);
    mark(t.db, sessions, inTabqa.id, ['absent', 'absent']);

    const office = rowsOf((await c.office.get(`/activities/${a.id}/completion`)).body);
    expect([...office.keys()]).toEqual(['عضو من الكرامة', 'عضو من المنصورة']);
    // the coordinator asks after the office: the same kept rows, filtered to its city
    const coordinatorPage = (await c.coordinator.get(`/activities/${a.id}/completion`)).body;
    expect([...rowsOf(coordinatorPage).keys()]).toEqual(['عضو من الكرامة']);
    const summary = textOf(coordinatorPage.slice(coordinatorPage.indexOf('completion-summary')));
    expect(summary).toMatch(/على المسار 1 /);
    expect(summary).toMatch(/لا يمكنه الإتمام 0 /);
    const officePage = (await c.office.get(`/activities/${a.id}/completion`)).body;
    expect(textOf(officePage.slice(officePage.indexOf('completion-summary')))).toMatch(/لا يمكنه الإتمام 1 /);
  });

  it('shows a new mark at once', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sessions = sessionsAt(a.id, [Date.now() - 3 * 24 * HOUR, Date.now() - 2 * 24 * HOUR]);
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'عضو يُعلَّم حضوره' });
    enrol(t.db, a.id, m.id);
    mark(t.db, sessions, m.id, ['present', null]);
    const before = rowsOf((await c.office.get(`/activities/${a.id}/completion`)).body).get('عضو يُعلَّم حضوره');
    expect(before).toMatch(/^2 \/ 2 1 50% /);
    mark(t.db, sessions, m.id, ['present', 'present']);
    const after = rowsOf((await c.office.get(`/activities/${a.id}/completion`)).body).get('عضو يُعلَّم حضوره');
    expect(after).toMatch(/^2 \/ 2 2 100% /);
    // and on the activity's own page, in its panel
    const panel = rowsOf((await c.office.get(`/activities/${a.id}`)).body).get('عضو يُعلَّم حضوره');
    expect(panel).toMatch(/^2 \/ 2 2 100% /);
  });

  it('counts a session as held from the moment it starts, with nothing written in between', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const now = Date.now();
    vi.setSystemTime(now);
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sessions = sessionsAt(a.id, [now - 24 * HOUR, now + 30_000]);
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'عضو ينتظر الجلسة' });
    enrol(t.db, a.id, m.id);
    mark(t.db, sessions, m.id, ['present', null]);
    const row = async () => rowsOf((await c.office.get(`/activities/${a.id}/completion`)).body).get('عضو ينتظر الجلسة');
    expect(await row()).toMatch(/^1 \/ 2 1 100% /);
    vi.setSystemTime(now + 20_000);
    expect(await row()).toMatch(/^1 \/ 2 1 100% /);
    // 20 s later (well within a kept value's minute): held now, and not marked, so absent
    vi.setSystemTime(now + 40_000);
    expect(await row()).toMatch(/^2 \/ 2 1 50% /);
  });

  it("shows a trainer every row, without the office's links, whoever asked first, in each language", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, status: 'finished' });
    const [first] = sessionsAt(a.id, [Date.now() - 24 * HOUR]);
    t.db.update(s.sessions).set({ trainerUserId: org.users.trainer.id }).where(eq(s.sessions.id, first.id)).run();
    const ms = [org.units.karama, org.units.mansoura].map((u, i) =>
      makeMember(t.db, { unitId: u.id, fullName: `متدرب ${i + 1}` }),
    );
    const enrolments = ms.map((m) => enrol(t.db, a.id, m.id, 'completed'));
    for (const m of ms) mark(t.db, [first], m.id, ['present']);
    const links = (html: string) => [...html.matchAll(/href="\/enrolments\/(\d+)\/result"/g)].map((m) => Number(m[1]));
    const url = `/activities/${a.id}/completion`;
    // the office first, then the trainer: the same rows, without "set the result"
    const office = (await c.office.get(url)).body;
    expect([...rowsOf(office).keys()]).toEqual(['متدرب 1', 'متدرب 2']);
    expect(links(office)).toEqual(enrolments.map((e) => e.id));
    const trainer = (await c.trainer.get(url)).body;
    expect([...rowsOf(trainer).keys()]).toEqual(['متدرب 1', 'متدرب 2']);
    expect(links(trainer)).toEqual([]);
    expect(textOf(trainer.slice(trainer.indexOf('<tbody>')))).toContain('أتمّ');
    // and the other way round, after a write
    mark(t.db, [first], ms[0].id, ['late']);
    expect(links((await c.trainer.get(url)).body)).toEqual([]);
    expect(links((await c.office.get(url)).body)).toEqual(enrolments.map((e) => e.id));
    // in English, the rows in English
    const en = new Client(t.app);
    await en.login('office');
    await en.post('/lang/en', {});
    const english = (await en.get(url)).body;
    expect(links(english)).toEqual(enrolments.map((e) => e.id));
    expect(textOf(english.slice(english.indexOf('<tbody>')))).toContain('Completed');
    expect(textOf(english.slice(english.indexOf('<tbody>')))).not.toContain('أتمّ');
    // the activity's own page shows the same rows in its panel
    expect(links((await c.office.get(`/activities/${a.id}`)).body)).toEqual(enrolments.map((e) => e.id));
    expect(links((await c.trainer.get(`/activities/${a.id}`)).body)).toEqual([]);
  });
});

describe('"still needed" by halving', () => {
  /** the first k = 0, 1, 2, … of the remaining sessions attended that reaches the minimum */
  function neededByCounting(rule: CompletionRule, held: number[], remaining: number): number | null {
    const drop = (vals: number[]) =>
      rule.dropLowest <= 0 || vals.length === 0
        ? vals
        : [...vals].sort((x, y) => x - y).slice(Math.min(rule.dropLowest, vals.length));
    for (let k = 0; k <= remaining; k++) {
      const vals = drop([...held, ...Array(k).fill(1), ...Array(remaining - k).fill(0)]);
      if (vals.length === 0 || (vals.reduce((x, y) => x + y, 0) / vals.length) * 100 + 1e-9 >= rule.minAttendancePct)
        return k;
    }
    return null;
  }

  it('finds the same number as counting up, for every kind of rule', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const now = new Date(Date.UTC(2026, 10, 29, 12));
    let nonZero = 0;
    let none = 0;
    for (let i = 0; i < 3000; i++) {
      const rule: CompletionRule = {
        minAttendancePct: pick([0, 33, 50, 66, 67, 75, 80, 90, 100]),
        lateCounts: rnd() < 0.5,
        excusedExcluded: rnd() < 0.5,
        excusedWeight: pick([0, 0.3, 0.5, 1 / 3, 1]),
        denominator: pick(['held', 'planned'] as const),
        maxConsecutiveAbsences: null,
        dropLowest: pick([0, 0, 1, 2, 5]),
        hasAssessment: false,
        passMark: null,
      };
      const n = Math.floor(rnd() * 40);
      const sessions = Array.from({ length: n }, (_, j) => ({
        id: j + 1,
        startsAt: new Date(now.getTime() + Math.round((rnd() - 0.5) * 60) * 24 * HOUR),
        cancelled: rnd() < 0.1,
      }));
      const marks = new Map<number, s.AttendanceStatus>();
      for (const x of sessions) {
        const st = pick([null, 'present', 'present', 'late', 'excused', 'absent', 'absent'] as const);
        if (st) marks.set(x.id, st);
      }
      const p = computeProgress(rule, sessions, marks, now);
      // the held values the rule counts, as rules.ts values them
      const held = sessions
        .filter((x) => !x.cancelled && x.startsAt.getTime() <= now.getTime())
        .map((x) => marks.get(x.id) ?? null)
        .map((st) =>
          st === 'present'
            ? 1
            : st === 'late'
              ? rule.lateCounts
                ? 1
                : 0
              : st === 'excused'
                ? rule.excusedExcluded
                  ? null
                  : rule.excusedWeight
                : 0,
        )
        .filter((v): v is number => v !== null);
      const want = neededByCounting(rule, held, p.remaining);
      expect(p.needed, JSON.stringify({ rule, held, remaining: p.remaining })).toBe(want);
      if (want) nonZero++;
      if (want === null) none++;
    }
    // the cases that search: some need sessions, some can no longer reach the minimum
    expect(nonZero).toBeGreaterThan(100);
    expect(none).toBeGreaterThan(100);
  });
});
