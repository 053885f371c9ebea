/**
 * The eligibility list (/programmes/:id/eligibility and its CSV) on a small organisation with
 * its edge cases, checked against the list worked out here from the data the test wrote: who
 * completed an activity of the phase (one line per completed enrolment, so twice for a member
 * who completed two of its activities), by unit subtree, by the date of the latest decision to
 * "completed" within [from, to] (whole days in the organisation's zone), in unit then name order,
 * 50 to a page, and how many in all. Its statement reads a completion's date by the enrolment's
 * own events (tests/perf/completion-plans.test.ts): walking every completion of the organisation
 * for each line took 3–60 s a page on the large file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { isoDateInZone, parseLocalDateTime } from '../../server/core/time.ts';
import { makeMember, makeOrg, makeUnit } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { enrol, makeActivity, makeProgramme } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
let tz: string;

type Unit = { id: number; path: string; nameAr: string; nameEn: string | null };
/** what the test wrote: every enrolment of the programme's activities, with its events */
interface Written {
  memberId: number;
  fullName: string;
  unit: Unit;
  activityId: number;
  phaseId: number;
  status: s.EnrolmentStatus;
  /** instants of the events to "completed" */
  completedEvents: Date[];
}
const written: Written[] = [];
let programme: ReturnType<typeof makeProgramme>;
let other: ReturnType<typeof makeProgramme>;
let acts: Record<'a1' | 'a2' | 'a3' | 'big' | 'otherA', { id: number; title: string; phaseId: number | null }>;
let sub: Unit;

/** an instant given as the organisation's wall-clock time */
const local = (date: string, time: string) => parseLocalDateTime(date, time, tz)!;

function write(
  unit: Unit,
  fullName: string,
  activity: { id: number; phaseId: number | null },
  status: s.EnrolmentStatus,
  events: { to: s.EnrolmentStatus; at: Date }[],
) {
  const m = makeMember(t.db, { unitId: unit.id, fullName });
  const e = enrol(t.db, activity.id, m.id, status);
  for (const ev of events)
    t.db
      .insert(s.enrolmentEvents)
      .values({ enrolmentId: e.id, fromStatus: 'approved', toStatus: ev.to, at: ev.at })
      .run();
  written.push({
    memberId: m.id,
    fullName,
    unit,
    activityId: activity.id,
    phaseId: activity.phaseId!,
    status,
    completedEvents: events.filter((ev) => ev.to === 'completed').map((ev) => ev.at),
  });
  return m;
}

/** The list the page must show, worked out from what was written. */
function expected(q: { phaseId: number; activityId?: number; unit?: Unit; from?: string; to?: string }) {
  const from = q.from ? local(q.from, '00:00').getTime() : null;
  // "to" is a whole day: up to the start of the next
  const to = q.to ? local(q.to, '00:00').getTime() + 86_400_000 : null;
  const rows = written
    .filter((w) => w.status === 'completed' && w.phaseId === q.phaseId)
    .filter((w) => !q.activityId || w.activityId === q.activityId)
    .filter((w) => !q.unit || w.unit.path.startsWith(q.unit.path))
    .map((w) => {
      const at = w.completedEvents.length ? Math.max(...w.completedEvents.map((d) => d.getTime())) : null;
      return { ...w, completedAt: at };
    })
    .filter((w) => from === null || (w.completedAt !== null && w.completedAt >= from))
    .filter((w) => to === null || (w.completedAt !== null && w.completedAt < to));
  // unit path, then name (byte order, as SQLite compares text); no two lines here share both
  // except one member's two activities, whose order the page does not promise
  const key = (w: (typeof rows)[number]) => `${w.unit.path}\u0000${w.fullName}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** the lines of a list page, in order: member, unit, activity, the date as shown */
function linesOf(html: string) {
  const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'));
  return [
    ...body.matchAll(
      /<tr><td><a href="\/members\/(\d+)\/record">([^<]*)<\/a><\/td><td>([^<]*)<\/td><td><a href="\/activities\/(\d+)\/completion">[^<]*<\/a><\/td><td>([^<]*)<\/td><\/tr>/g,
    ),
  ].map((m) => ({ memberId: Number(m[1]), name: m[2], unit: m[3], activityId: Number(m[4]), date: m[5] }));
}

/** a line as "member@activity", to compare orders (a member's two lines sorted among themselves) */
const ids = (rows: { memberId: number; activityId: number }[]) => {
  const out = rows.map((r) => `${r.memberId}@${r.activityId}`);
  for (let i = 1; i < out.length; i++)
    if (out[i].split('@')[0] === out[i - 1].split('@')[0] && out[i] < out[i - 1])
      [out[i - 1], out[i]] = [out[i], out[i - 1]];
  return out;
};

function url(q: Record<string, string | number | undefined>, csv = false) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  return `/programmes/${programme.programme.id}/eligibility${csv ? '.csv' : ''}?${params}`;
}

/** the CSV's lines (after the header): name, unit, phone, activity, date */
function csvLines(body: string) {
  return body
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(','));
}

beforeAll(async () => {
  t = await createTestApp();
  tz = t.config.TAAHIL_TZ;
  org = await makeOrg(t.db);
  office = new Client(t.app);
  await office.login('office');
  const { centre, raqqa, tabqa, karama, mansoura } = org.units;
  sub = makeUnit(t.db, { parentId: karama.id, nameAr: 'فرقة الكرامة الأولى', nameEn: 'Karama 1' });
  programme = makeProgramme(t.db, { phases: 3 });
  other = makeProgramme(t.db, { phases: 1 });
  const [p1, p2, p3] = programme.phases;
  const act = (phaseId: number, title: string, programmeId = programme.programme.id) =>
    makeActivity(t.db, { organisingUnitId: centre.id, programmeId, phaseId, title, status: 'finished' });
  acts = {
    a1: act(p1.id, 'دورة الأساس'),
    a2: act(p1.id, 'ندوة الأساس'),
    a3: act(p2.id, 'دورة المرحلة الثانية'),
    big: act(p3.id, 'محاضرة المرحلة الثالثة'),
    otherA: act(other.phases[0].id, 'دورة برنامج آخر', other.programme.id),
  };
  const done = (date: string, time = '12:00') => ({ to: 'completed' as const, at: local(date, time) });

  // phase 1
  write(karama, 'باسل الأحمد', acts.a1, 'completed', [done('2025-03-10')]);
  // one member, two activities of the phase: two lines
  const twice = write(karama, 'أحمد الحسن', acts.a1, 'completed', [done('2025-03-05')]);
  const again = enrol(t.db, acts.a2.id, twice.id, 'completed');
  t.db
    .insert(s.enrolmentEvents)
    .values({ enrolmentId: again.id, fromStatus: 'approved', toStatus: 'completed', at: local('2025-04-02', '09:00') })
    .run();
  written.push({
    memberId: twice.id,
    fullName: 'أحمد الحسن',
    unit: karama,
    activityId: acts.a2.id,
    phaseId: p1.id,
    status: 'completed',
    completedEvents: [local('2025-04-02', '09:00')],
  });
  write(mansoura, 'رهف العلي', acts.a1, 'completed', [done('2025-03-31', '23:30')]); // the last minutes of "to"
  write(tabqa, 'زياد الخلف', acts.a2, 'completed', [done('2025-04-01', '00:10')]); // just after "to"
  write(raqqa, 'سارة الموسى', acts.a1, 'completed', [done('2025-03-01', '00:00')]); // the first minute of "from"
  write(raqqa, 'عمر البكري', acts.a1, 'completed', [done('2025-02-28', '23:59')]); // just before "from"
  write(sub, 'هدى العطار', acts.a2, 'completed', [done('2025-03-15')]); // a unit below a district
  write(centre, 'نادر الطه', acts.a1, 'completed', [done('2025-03-20')]); // the centre itself
  // decided completed, overridden to not completed, completed again: the latest decision counts
  write(mansoura, 'لينا الحمدان', acts.a1, 'completed', [
    done('2025-01-10'),
    { to: 'not_completed', at: local('2025-02-01', '10:00') },
    done('2025-03-25'),
  ]);
  // completed with no recorded decision (brought in from paper): listed without a date
  write(karama, 'جود الزيدان', acts.a1, 'completed', []);
  // not completed, still running, withdrawn after a completion, nominated: never listed
  write(karama, 'كمال العمر', acts.a1, 'not_completed', [{ to: 'not_completed', at: local('2025-03-12', '10:00') }]);
  write(tabqa, 'منى السيد', acts.a2, 'approved', []);
  write(raqqa, 'وائل الدرويش', acts.a1, 'withdrawn', [
    done('2025-03-11'),
    { to: 'withdrawn', at: local('2025-03-12', '10:00') },
  ]);
  write(mansoura, 'يارا الجاسم', acts.a2, 'nominated', []);
  // phase 2, and another programme's phase: not phase 1's
  write(raqqa, 'إياد الناصر', acts.a3, 'completed', [done('2025-03-18')]);
  write(karama, 'فراس الكردي', acts.otherA, 'completed', [done('2025-03-18')]);
  // phase 3: 55 completions, more than a page
  for (let i = 0; i < 55; i++) {
    const unit = [karama, mansoura, raqqa, sub, tabqa][i % 5];
    write(unit, `عضو المحاضرة ${String(100 + i)}`, acts.big, 'completed', [done('2025-05-01')]);
  }
});
afterAll(() => t.close());

describe('the eligibility list', () => {
  it("lists every completed enrolment of the phase's activities, in unit then name order, with its date", async () => {
    const res = await office.get(url({ phase: programme.phases[0].id }));
    expect(res.status).toBe(200);
    const want = expected({ phaseId: programme.phases[0].id });
    expect(want.length).toBe(11);
    const lines = linesOf(res.body);
    expect(ids(lines)).toEqual(ids(want));
    expect(textOf(res.body)).toContain(`المجموع: ${want.length}`);
    // names and units as written; the member who completed two activities is there twice
    for (const l of lines) {
      const w = want.find((x) => x.memberId === l.memberId)!;
      expect(l.name).toBe(w.fullName);
      expect(l.unit).toBe(w.unit.nameAr);
    }
    expect(lines.filter((l) => l.name === 'أحمد الحسن')).toHaveLength(2);
    // no date for a completion without a recorded decision
    expect(lines.find((l) => l.name === 'جود الزيدان')!.date).toBe('');
    expect(lines.find((l) => l.name === 'باسل الأحمد')!.date).not.toBe('');
    const text = textOf(res.body);
    for (const never of ['كمال العمر', 'منى السيد', 'وائل الدرويش', 'يارا الجاسم', 'إياد الناصر', 'فراس الكردي'])
      expect(text).not.toContain(never);
    // the first phase leads to the second
    expect(text).toContain('المرحلة 2');
  });

  it('the CSV has the same lines, with the date of the latest decision to "completed" in the zone', async () => {
    const res = await office.get(url({ phase: programme.phases[0].id }, true));
    expect(res.headers['content-type']).toContain('text/csv');
    const want = expected({ phaseId: programme.phases[0].id });
    const lines = csvLines(res.body);
    expect(lines.map((l) => l[0])).toEqual(want.map((w) => w.fullName));
    const byName = new Map(want.map((w) => [w.fullName, w]));
    for (const l of lines) {
      const w = byName.get(l[0])!;
      if (l[0] === 'أحمد الحسن') continue; // two lines, checked below
      expect(l[4]).toBe(w.completedAt === null ? '' : isoDateInZone(new Date(w.completedAt), tz));
    }
    expect(lines.find((l) => l[0] === 'لينا الحمدان')![4]).toBe('2025-03-25');
    expect(lines.find((l) => l[0] === 'رهف العلي')![4]).toBe('2025-03-31');
    expect(
      lines
        .filter((l) => l[0] === 'أحمد الحسن')
        .map((l) => l[4])
        .sort(),
    ).toEqual(['2025-03-05', '2025-04-02']);
  });

  it('filters by unit subtree, by activity and by whole days from … to …', async () => {
    const p1 = programme.phases[0].id;
    const { raqqa, karama, tabqa } = org.units;
    const cases = [
      { phaseId: p1, unit: raqqa as Unit },
      { phaseId: p1, unit: karama as Unit },
      { phaseId: p1, unit: tabqa as Unit },
      { phaseId: p1, unit: sub },
      { phaseId: p1, activityId: acts.a2.id },
      { phaseId: p1, from: '2025-03-01', to: '2025-03-31' },
      { phaseId: p1, from: '2025-03-01' },
      { phaseId: p1, to: '2025-02-28' },
      { phaseId: p1, unit: raqqa as Unit, from: '2025-03-01', to: '2025-03-31', activityId: acts.a1.id },
      { phaseId: programme.phases[1].id },
    ];
    for (const q of cases) {
      const want = expected(q);
      const query = { phase: q.phaseId, activity: q.activityId, unit: q.unit?.id, from: q.from, to: q.to };
      const res = await office.get(url(query));
      expect(ids(linesOf(res.body)), JSON.stringify(query)).toEqual(ids(want));
      expect(textOf(res.body), JSON.stringify(query)).toContain(`المجموع: ${want.length}`);
      const csv = csvLines((await office.get(url(query, true))).body);
      expect(csv.length, JSON.stringify(query)).toBe(want.length);
    }
    // the boundaries: the first minute of "from" and the last of "to" are in, the minutes around them out
    const march = textOf((await office.get(url({ phase: p1, from: '2025-03-01', to: '2025-03-31' }))).body);
    expect(march).toContain('سارة الموسى');
    expect(march).toContain('رهف العلي');
    expect(march).not.toContain('عمر البكري');
    expect(march).not.toContain('زياد الخلف');
    expect(march).not.toContain('جود الزيدان');
  });

  it('pages 50 at a time, the pages together being the whole list', async () => {
    const phase = programme.phases[2].id;
    const want = expected({ phaseId: phase });
    expect(want.length).toBe(55);
    const first = await office.get(url({ phase }));
    const second = await office.get(url({ phase, page: 2 }));
    const third = await office.get(url({ phase, page: 3 }));
    expect(linesOf(first.body)).toHaveLength(50);
    expect(linesOf(second.body)).toHaveLength(5);
    expect(linesOf(third.body)).toHaveLength(0);
    expect(ids([...linesOf(first.body), ...linesOf(second.body)])).toEqual(ids(want));
    expect(textOf(first.body)).toContain('صفحة 1 من 2');
    expect(textOf(second.body)).toContain('صفحة 2 من 2');
    for (const page of [first, second, third]) expect(textOf(page.body)).toContain('المجموع: 55');
    // the CSV is not paged
    expect(csvLines((await office.get(url({ phase, page: 2 }, true))).body).map((l) => l[0])).toEqual(
      want.map((w) => w.fullName),
    );
  });

  it('in English: the units by their English names', async () => {
    const en = new Client(t.app);
    await en.login('office');
    await en.post('/lang/en', {});
    const res = await en.get(url({ phase: programme.phases[0].id, unit: org.units.karama.id }));
    const want = expected({ phaseId: programme.phases[0].id, unit: org.units.karama as Unit });
    const lines = linesOf(res.body);
    expect(ids(lines)).toEqual(ids(want));
    expect(lines.map((l) => l.unit)).toEqual(want.map((w) => w.unit.nameEn));
    expect(textOf(res.body)).toContain(`Total: ${want.length}`);
  });
});
