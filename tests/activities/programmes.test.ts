import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { activityForm } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const as: Record<string, Client> = {};

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'member']) {
    as[who] = new Client(t.app);
    await as[who].login(who);
  }
});
afterAll(() => t.close());

const phasesOf = (programmeId: number) =>
  t.db.select().from(s.phases).where(eq(s.phases.programmeId, programmeId)).orderBy(asc(s.phases.position)).all();

describe('programmes and phases', () => {
  it('the office creates a programme in ordered phases, reorders them, and a phase lists its activities', async () => {
    const bad = await as.office.post('/programmes', { title: '  ', description: 'محفوظ' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('هذا الحقل مطلوب');
    expect(bad.body).toContain('محفوظ');
    const res = await as.office.post('/programmes', {
      title: 'برنامج التأهيل',
      organisingUnitId: String(org.units.centre.id),
    });
    expect(res.status).toBe(303);
    const id = Number(/\/programmes\/(\d+)/.exec(res.location!)![1]);
    await as.office.post(`/programmes/${id}/phases`, { title: 'الكادر القيادي' });
    await as.office.post(`/programmes/${id}/phases`, { title: 'الأعضاء', requiresPrevious: 'on' });
    expect((await as.office.post(`/programmes/${id}/phases`, { title: '' })).status).toBe(400);
    let phases = phasesOf(id);
    expect(phases.map((p) => [p.position, p.title, p.requiresPrevious])).toEqual([
      [1, 'الكادر القيادي', false],
      [2, 'الأعضاء', true],
    ]);
    await as.office.post(`/phases/${phases[1].id}/move`, { direction: 'up' });
    phases = phasesOf(id);
    expect(phases.map((p) => p.title)).toEqual(['الأعضاء', 'الكادر القيادي']);
    await as.office.post(`/phases/${phases[0].id}`, { title: 'الأعضاء المنتسبون' });
    expect(phasesOf(id)[0]).toMatchObject({ title: 'الأعضاء المنتسبون', requiresPrevious: false });

    const created = await as.office.post(
      '/activities',
      activityForm({
        kind: 'course',
        title: 'دورة المرحلة',
        phaseId: String(phases[1].id),
        organisingUnitId: String(org.units.centre.id),
      }),
    );
    const activityId = Number(/\/activities\/(\d+)/.exec(created.location!)![1]);
    expect(t.db.select().from(s.activities).where(eq(s.activities.id, activityId)).get()).toMatchObject({
      programmeId: id,
      phaseId: phases[1].id,
    });
    // the list: its two phases and one activity (counted for every programme in one read)
    const other = await as.office.post('/programmes', { title: 'برنامج آخر', organisingUnitId: '' });
    expect(other.status).toBe(303);
    const list = textOf((await as.office.get('/programmes')).body);
    expect(list).toMatch(/برنامج التأهيل .*? 2 1 /);
    expect(list).toMatch(/برنامج آخر .*?0 0 /);
    const page = textOf((await as.office.get(`/programmes/${id}`)).body);
    expect(page.indexOf('الأعضاء المنتسبون')).toBeLessThan(page.indexOf('الكادر القيادي'));
    expect(page).toContain('دورة المرحلة');
    // a coordinator reads programmes (but not draft activities outside its scope), and changes nothing
    expect(textOf((await as.coordinator.get(`/programmes/${id}`)).body)).not.toContain('دورة المرحلة');
    expect((await as.coordinator.post(`/programmes/${id}/phases`, { title: 'x' })).status).toBe(403);
    expect((await as.coordinator.post(`/phases/${phases[0].id}/move`, { direction: 'down' })).status).toBe(403);
    expect((await as.member.get(`/programmes/${id}`)).status).toBe(403);
    expect((await as.office.get('/programmes/999999')).status).toBe(404);
    expect((await as.office.post(`/phases/${phases[0].id}/move`, { direction: 'sideways' })).status).toBe(400);
    // bad input on the edit forms: a message beside the field, nothing saved
    const badPhase = await as.office.post(`/phases/${phases[0].id}`, { title: '', description: 'وصف مكتوب' });
    expect(badPhase.status).toBe(400);
    expect(textOf(badPhase.body)).toContain('هذا الحقل مطلوب');
    expect(badPhase.body).toContain('وصف مكتوب');
    expect(phasesOf(id)[0].title).toBe('الأعضاء المنتسبون');
    const badProgramme = await as.office.post(`/programmes/${id}`, { title: 'اسم', organisingUnitId: '999999' });
    expect(badProgramme.status).toBe(400);
    expect(textOf(badProgramme.body)).toContain('هذه الوحدة غير موجودة');
    expect(t.db.select().from(s.programmes).where(eq(s.programmes.id, id)).get()!.title).toBe('برنامج التأهيل');
  });
});
