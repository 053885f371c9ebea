import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeActivity, makeProgramme } from '../completion/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { at } from '../reports/factories.ts';

/** eligibility lists: who completed an activity OR a phase, within a period, by unit, as CSV */
describe('eligibility by activity or phase, period and unit', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;
  let office: Client;
  let ids: { programme: number; phase: number; a: number; b: number };

  beforeAll(async () => {
    t = await createTestApp();
    o = await makeOrg(t.db);
    const { programme, phases } = makeProgramme(t.db, { phases: 2 });
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, phaseId: phases[0].id, title: 'الدورة أ' });
    const b = makeActivity(t.db, { organisingUnitId: o.units.centre.id, phaseId: phases[0].id, title: 'الدورة ب' });
    const done = (activityId: number, unitId: number, fullName: string, when: Date) => {
      const m = makeMember(t.db, { unitId, fullName });
      const e = t.db
        .insert(s.enrolments)
        .values({ activityId, memberId: m.id, source: 'office', status: 'completed' })
        .returning()
        .get();
      t.db
        .insert(s.enrolmentEvents)
        .values({ enrolmentId: e.id, fromStatus: 'approved', toStatus: 'completed', at: when })
        .run();
    };
    done(a.id, o.units.karama.id, 'أمل الكرامة', at(2026, 10, 5));
    done(a.id, o.units.mansoura.id, 'باسل المنصورة', at(2026, 10, 6));
    done(b.id, o.units.raqqa.id, 'جنى الرقة', at(2026, 10, 7));
    done(b.id, o.units.raqqa.id, 'دانة القديمة', at(2025, 3, 1));
    ids = { programme: programme.id, phase: phases[0].id, a: a.id, b: b.id };
    office = new Client(t.app);
    await office.login('office');
  });
  afterAll(() => t.close());

  const page = async (q: string) =>
    textOf((await office.get(`/programmes/${ids.programme}/eligibility?phase=${ids.phase}&${q}`)).body);

  it('filters by one activity of the phase, or the whole phase', async () => {
    const onlyA = await page(`activity=${ids.a}`);
    expect(onlyA).toContain('أمل الكرامة');
    expect(onlyA).toContain('باسل المنصورة');
    expect(onlyA).not.toContain('جنى الرقة');
    const phase = await page('');
    for (const name of ['أمل الكرامة', 'باسل المنصورة', 'جنى الرقة', 'دانة القديمة']) expect(phase).toContain(name);
  });

  it('by period and unit subtree, and exports the same list as CSV', async () => {
    const raqqaOctober = await page(`unit=${o.units.raqqa.id}&from=2026-10-01&to=2026-10-31`);
    expect(raqqaOctober).toContain('أمل الكرامة'); // Karama lies under Raqqa
    expect(raqqaOctober).toContain('جنى الرقة');
    expect(raqqaOctober).not.toContain('باسل المنصورة');
    expect(raqqaOctober).not.toContain('دانة القديمة');
    const csv = await office.get(
      `/programmes/${ids.programme}/eligibility.csv?phase=${ids.phase}&activity=${ids.b}&unit=${o.units.raqqa.id}&from=2026-10-01`,
    );
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('جنى الرقة');
    expect(csv.body).not.toContain('أمل الكرامة');
    expect(csv.body).not.toContain('دانة القديمة');
  });
});
