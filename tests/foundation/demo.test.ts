import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../db/demo.ts';
import { Client, createTestApp, textOf } from '../helpers.ts';

describe('demo data', () => {
  it('loads the units, councils and the Nadia al-Khashan course with 22 participants, once', async () => {
    const t = await createTestApp();
    const logins = await seedDemo(t.db, { tz: 'Asia/Damascus' });
    expect(logins?.users.map((u) => u.username)).toEqual(['admin', 'office', 'coordinator', 'trainer', 'member']);
    const q = (sql: string) => t.db.$client.prepare(sql).get() as Record<string, unknown>;
    expect(q("select count(*) n from units where name_ar like '%الرقة%'").n).toBe(1);
    expect(q("select count(*) n from units where name_ar like '%الطبقة%'").n).toBe(1);
    expect(q("select count(*) n from councils where name_ar in ('مجلس المرأة','مجلس الشباب')").n).toBe(2);
    const course = q(
      "select id, honoree, series_number from activities where title = 'الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان'",
    );
    expect(course.honoree).toBe('الشهيدة ناديا الخشان');
    expect(course.series_number).toBe(1);
    expect(q(`select count(*) n from enrolments where activity_id = ${course.id} and status = 'approved'`).n).toBe(22);
    // participants come from executive bodies of districts, cities and the centre
    const kinds = t.db.$client
      .prepare(
        `select distinct u.kind from enrolments e join members m on m.id = e.member_id join units u on u.id = m.unit_id where e.activity_id = ?`,
      )
      .all(course.id)
      .map((r: any) => r.kind)
      .sort();
    expect(kinds).toEqual(['centre', 'city', 'district']);
    expect(await seedDemo(t.db, { tz: 'Asia/Damascus' })).toBeNull();
    for (const u of logins!.users) {
      const c = new Client(t.app);
      await c.get('/login');
      expect((await c.post('/login', { login: u.username, password: DEMO_PASSWORD })).status).toBe(303);
      expect(textOf((await c.get('/')).body)).toContain('أهلاً');
    }
    await t.close();
  });
});
