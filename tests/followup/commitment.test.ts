import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttendanceRepository } from '../../server/attendance/repository.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { activity, at, enrol, mark, session } from '../reports/factories.ts';

/** the cells after a row's label (th or td) */
function row(html: string, label: string): string[] {
  for (const tr of html.match(/<tr[\s\S]*?<\/tr>/g) ?? []) {
    const cells = [...tr.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => textOf(m[1]));
    if (cells[0] === label) return cells.slice(1);
  }
  throw new Error(`no row ${label}`);
}

/**
 * March 2021 in Raqqa's subtree, by hand: two sessions of a Raqqa course, Lina (Karama) and
 * Fadi (Raqqa). Session 1: Lina present, Fadi excused (an accepted apology). Session 2: Lina
 * late, Fadi absent. 4 marks; attended (present + late) 2 → 50 %; committed (+ excused) 3 → 75 %.
 */
describe('the commitment rate beside the attendance rate', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;
  let office: Client;
  let ids: { activity: number; s1: number };

  beforeAll(async () => {
    t = await createTestApp();
    o = await makeOrg(t.db);
    const lina = makeMember(t.db, { unitId: o.units.karama.id, fullName: 'لينا' });
    const fadi = makeMember(t.db, { unitId: o.units.raqqa.id, fullName: 'فادي' });
    const a = activity(t.db, { organisingUnitId: o.units.raqqa.id, title: 'دورة آذار' });
    const s1 = session(t.db, a.id, at(2021, 3, 2), { trainerUserId: o.users.trainer.id });
    const s2 = session(t.db, a.id, at(2021, 3, 9), { trainerUserId: o.users.trainer.id });
    for (const m of [lina, fadi]) enrol(t.db, a.id, m.id);
    mark(t.db, s1.id, lina.id, 'present');
    mark(t.db, s1.id, fadi.id, 'excused');
    mark(t.db, s2.id, lina.id, 'late');
    mark(t.db, s2.id, fadi.id, 'absent');
    new AttendanceRepository(t.db).recomputeCounters(a.id);
    ids = { activity: a.id, s1: s1.id };
    office = new Client(t.app);
    await office.login('office');
  });
  afterAll(() => t.close());

  it('in the monthly report: summary, unit rows and CSV', async () => {
    const html = (await office.get(`/reports/monthly?month=2021-03&unit=${o.units.raqqa.id}`)).body;
    expect(row(html, 'نسبة الحضور')[0]).toBe('50%');
    expect(row(html, 'نسبة الالتزام')[0]).toBe('75%');
    // Karama: Lina 2 of 2 → 100 % / 100 %; Raqqa itself: Fadi 0 of 2, 1 excused → 0 % / 50 %
    expect(row(html, 'مجلس ناحية الكرامة').slice(4, 6)).toEqual(['100%', '100%']);
    expect(row(html, 'مجلس مدينة الرقة (نفسها)').slice(4, 6)).toEqual(['0%', '50%']);
    expect(row(html, 'المجموع').slice(4, 6)).toEqual(['50%', '75%']);
    const csv = (await office.get(`/reports/monthly.csv?month=2021-03&unit=${o.units.raqqa.id}`)).body;
    expect(csv).toContain('نسبة الالتزام,75,');
  });

  it("on the session's and the activity's attendance panels and in the progress table", async () => {
    const sessionPage = textOf((await office.get(`/sessions/${ids.s1}`)).body);
    expect(sessionPage).toContain('نسبة الحضور: 50%');
    expect(sessionPage).toContain('الالتزام: 100%');
    const activityPage = textOf((await office.get(`/activities/${ids.activity}`)).body);
    expect(activityPage).toContain('الالتزام: 75%');
    const progress = (await office.get(`/activities/${ids.activity}/completion`)).body;
    // held, attended, rate by the rule (excused left out), commitment
    expect(row(progress, 'فادي').slice(1, 5)).toEqual(['2 / 2', '0 (+1 بعذر)', '0%', '50%']);
    expect(row(progress, 'لينا').slice(1, 5)).toEqual(['2 / 2', '2', '100%', '100%']);
  });
});
