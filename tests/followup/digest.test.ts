import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttendanceRepository } from '../../server/attendance/repository.ts';
import { daysAgo } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { enrol, makeActivity, makeSession, mark, notificationsOf } from './factories.ts';

describe('the weekly digest of a unit', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;

  beforeEach(async () => {
    t = await createTestApp();
    o = await makeOrg(t.db);
    // Raqqa's subtree: Huda (Karama) misses both sessions, Omar (Raqqa) attends; Tabqa's Sami is not Raqqa's
    const huda = makeMember(t.db, { unitId: o.units.karama.id, fullName: 'هدى الصالح' });
    const omar = makeMember(t.db, { unitId: o.units.raqqa.id, fullName: 'عمر الخالد' });
    const sami = makeMember(t.db, { unitId: o.units.tabqa.id, fullName: 'سامي الطبقاوي' });
    const course = makeActivity(t.db, {
      organisingUnitId: o.units.centre.id,
      title: 'دورة الإعداد',
      minAttendancePct: 75,
    });
    const s1 = makeSession(t.db, course.id, { startMin: daysAgo(5), topic: 'المدخل' });
    const s2 = makeSession(t.db, course.id, { startMin: daysAgo(3), topic: 'التنظيم' });
    makeSession(t.db, course.id, { startMin: 2 * 24 * 60, topic: 'الختام' });
    for (const m of [huda, omar, sami]) enrol(t.db, course.id, m.id);
    for (const s of [s1, s2]) {
      mark(t.db, s.id, huda.id, 'absent');
      mark(t.db, s.id, omar.id, 'present');
      mark(t.db, s.id, sami.id, 'absent');
    }
    new AttendanceRepository(t.db).recomputeCounters(course.id);
    // organised by Raqqa, nobody enrolled yet: still Raqqa's coming session
    const seminar = makeActivity(t.db, { organisingUnitId: o.units.raqqa.id, kind: 'seminar', title: 'ندوة الرقة' });
    makeSession(t.db, seminar.id, { startMin: 4 * 24 * 60 });
    // Tabqa's own circle: not in Raqqa's digest
    const circle = makeActivity(t.db, { organisingUnitId: o.units.tabqa.id, kind: 'circle', title: 'حلقة الطبقة' });
    makeSession(t.db, circle.id, { startMin: 3 * 24 * 60 });
  });
  afterEach(() => t.close());

  it("lists the week's absences, members at risk and coming sessions of the coordinator's subtree", async () => {
    const c = new Client(t.app);
    await c.login('coordinator');
    const res = await c.get('/followup/digest');
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('مجلس مدينة الرقة');
    // absences: Huda's two sessions, named; not Sami (Tabqa), not Omar
    expect(text).toContain('2 غياب');
    expect(text).toContain('1 أعضاء غائبون');
    expect(text).toContain('هدى الصالح');
    expect(text).toContain('(المدخل)');
    expect(text).toContain('(التنظيم)');
    expect(text).not.toContain('سامي الطبقاوي');
    // at risk: Huda can no longer reach 75 % (at best 1 of 3); Omar is on track
    expect(text).toContain('1 تسجيلات معرّضة للخطر');
    expect(text).toMatch(/هدى الصالح دورة الإعداد 0% 75% لم يعد بإمكانه الإتمام/);
    expect(text).not.toMatch(/عمر الخالد دورة الإعداد/);
    // coming sessions: the course (2 of Raqqa's members enrolled) and Raqqa's own seminar; not Tabqa's circle
    expect(text).toContain('2 جلسات في الأيام السبعة القادمة');
    expect(text).toContain('الختام');
    expect(text).toContain('ندوة الرقة');
    expect(text).not.toContain('حلقة الطبقة');

    // a coordinator sees its own subtree only; the office picks any unit
    expect((await c.get(`/followup/digest?unit=${o.units.tabqa.id}`)).status).toBe(403);
    expect((await c.get(`/followup/digest?unit=${o.units.karama.id}`)).status).toBe(200);
    const office = new Client(t.app);
    await office.login('office');
    const tabqa = textOf((await office.get(`/followup/digest?unit=${o.units.tabqa.id}`)).body);
    expect(tabqa).toContain('سامي الطبقاوي');
    expect(tabqa).toContain('حلقة الطبقة');
  });

  it('is sent once per unit and week to its coordinators', async () => {
    const karamaCoordinator = await makeUser(t.db, { roles: [{ role: 'coordinator', unitId: o.units.karama.id }] });
    const digests = t.app.followup.digests;
    const now = new Date();
    const sent = digests.sendDue(now);
    expect(sent).toBe(2); // Raqqa and Karama have coordinators
    const raqqa = notificationsOf(t.db, o.users.coordinator.id).filter((n) => n.kind === 'followup.digest');
    expect(raqqa).toHaveLength(1);
    const week = digests.dueWeek(now);
    expect(raqqa[0].link).toBe(`/followup/digest?unit=${o.units.raqqa.id}&from=${week.key}`);
    expect(notificationsOf(t.db, karamaCoordinator.id).filter((n) => n.kind === 'followup.digest')).toHaveLength(1);
    expect(digests.sendDue(now)).toBe(0);
    expect(digests.sendDue(new Date(now.getTime() + 3_600_000))).toBe(0);
    expect(notificationsOf(t.db, o.users.coordinator.id).filter((n) => n.kind === 'followup.digest')).toHaveLength(1);
    // the next week's goes out the week after
    expect(digests.sendDue(new Date(now.getTime() + 7 * 86_400_000))).toBe(2);
  });
});
