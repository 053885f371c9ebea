import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { activityForm } from '../activities/factories.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeSession } from './factories.ts';

describe('a rule that can never be met is refused on the activity form', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;
  let office: Client;

  beforeAll(async () => {
    t = await createTestApp();
    o = await makeOrg(t.db);
    office = new Client(t.app);
    await office.login('office');
  });
  afterAll(() => t.close());

  const form = (over: Record<string, unknown>) =>
    activityForm({ organisingUnitId: String(o.units.centre.id), ...over });

  it('a pass mark above 100, and an absence alert that only comes after the consecutive limit', async () => {
    await office.get('/activities/new');
    const pass = await office.post('/activities', form({ hasAssessment: 'on', passMark: '120' }));
    expect(pass.status).toBe(400);
    expect(textOf(pass.body)).toContain('علامة النجاح درجة من 0 إلى 100');
    expect(pass.body).toContain('value="120"');
    const alert = await office.post('/activities', form({ maxConsecutiveAbsences: '3', absenceAlertAfter: '3' }));
    expect(alert.status).toBe(400);
    expect(textOf(alert.body)).toContain('يجب أن يأتي تنبيه الغياب قبل حد الغيابات المتتالية');
    expect(t.db.select().from(s.activities).all()).toHaveLength(0);
    // before the limit is fine
    expect(
      (await office.post('/activities', form({ maxConsecutiveAbsences: '3', absenceAlertAfter: '2' }))).status,
    ).toBe(303);
  });

  it('dropping as many sessions as are planned', async () => {
    const a = makeActivity(t.db, {
      organisingUnitId: o.units.centre.id,
      kind: 'seminar',
      status: 'open',
      title: 'قبل',
    });
    for (const d of [1, 2, 3]) makeSession(t.db, a.id, { startMin: d * 24 * 60 });
    await office.get(`/activities/${a.id}/edit`);
    const res = await office.post(`/activities/${a.id}`, form({ title: 'بعد', dropLowest: '3' }));
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('إسقاط هذا العدد من الجلسات لا يُبقي شيئاً يُحتسب');
    expect(t.db.select().from(s.activities).where(eq(s.activities.id, a.id)).get()!.title).toBe('قبل');
    expect((await office.post(`/activities/${a.id}`, form({ title: 'بعد', dropLowest: '2' }))).status).toBe(303);
  });
});
