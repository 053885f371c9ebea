import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { certificateOf, enrol, makeActivity, makeSessions, mark } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const c = {} as Record<'office' | 'coordinator' | 'member' | 'trainer' | 'other' | 'tabqaCoord', Client>;

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  const otherMember = makeMember(t.db, { unitId: org.units.karama.id });
  await makeUser(t.db, { username: 'other', roles: [{ role: 'member' }], memberId: otherMember.id });
  await makeUser(t.db, { username: 'tabqaCoord', roles: [{ role: 'coordinator', unitId: org.units.tabqa.id }] });
  for (const who of ['office', 'coordinator', 'member', 'trainer', 'other', 'tabqaCoord'] as const) {
    c[who] = new Client(t.app);
    await c[who].login(who);
  }
});
afterAll(() => t.close());

/** A finished course named after an honoree; org.member completed it (2 sessions of 2 hours). */
function finishedCourse() {
  const a = makeActivity(t.db, {
    organisingUnitId: org.units.raqqa.id,
    title: 'الدورة التدريبية الأولى',
    honoree: 'الشهيدة ناديا الخشان',
    seriesNumber: 1,
    status: 'finished',
  });
  const sessions = makeSessions(t.db, a.id, 2, { past: 2 });
  const e = enrol(t.db, a.id, org.member.id, 'completed');
  mark(t.db, sessions, org.member.id, ['present', 'present']);
  const failed = enrol(
    t.db,
    a.id,
    makeMember(t.db, { unitId: org.units.karama.id, fullName: 'لم يتم' }).id,
    'not_completed',
  );
  return { a, e, failed };
}

describe('issuing certificates', () => {
  it('issues for a completed enrolment only, and only once', async () => {
    const { a, e, failed } = finishedCourse();
    expect((await c.coordinator.post(`/enrolments/${e.id}/certificate`)).status).toBe(403);
    const refused = await c.office.post(`/enrolments/${failed.id}/certificate`);
    expect(refused.status).toBe(400);
    expect(textOf(refused.body)).toContain('لا تصدر الشهادة إلا لتسجيل مُتمّ');
    expect(certificateOf(t.db, failed.id)).toBeUndefined();

    const ok = await c.office.post(`/enrolments/${e.id}/certificate`);
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/activities/${a.id}/certificates`);
    const cert = certificateOf(t.db, e.id)!;
    expect(cert.code).toMatch(/^[a-z0-9]{24}$/);
    expect(cert.hours).toBe(4);

    const twice = await c.office.post(`/enrolments/${e.id}/certificate`);
    expect(twice.status).toBe(400);
    expect(textOf(twice.body)).toContain('صدرت شهادة لهذا التسجيل من قبل');
    expect(t.db.select().from(s.certificates).where(eq(s.certificates.enrolmentId, e.id)).all()).toHaveLength(1);
    expect((await c.office.post('/enrolments/999999/certificate')).status).toBe(404);
  });

  it('issues all at once for every completed enrolment without one', async () => {
    const { a, e, failed } = finishedCourse();
    const more = enrol(t.db, a.id, makeMember(t.db, { unitId: org.units.tabqa.id }).id, 'completed');
    const page = await c.office.get(`/activities/${a.id}/certificates`);
    expect(textOf(page.body)).toContain('إصدار كل الشهادات (2)');
    expect((await c.office.post(`/activities/${a.id}/certificates`)).status).toBe(303);
    expect(certificateOf(t.db, e.id)).toBeDefined();
    expect(certificateOf(t.db, more.id)).toBeDefined();
    expect(certificateOf(t.db, failed.id)).toBeUndefined();
    expect(certificateOf(t.db, e.id)!.code).not.toBe(certificateOf(t.db, more.id)!.code);
    const again = await c.office.post(`/activities/${a.id}/certificates`);
    expect(again.status).toBe(400);
    expect((await c.member.get(`/activities/${a.id}/certificates`)).status).toBe(403);
  });
});

describe('the printable certificate', () => {
  it('shows name, title, honoree, dates, hours, unit, signatures and a QR code, in Arabic or English', async () => {
    const { e } = finishedCourse();
    await c.office.post(`/enrolments/${e.id}/certificate`);
    const cert = certificateOf(t.db, e.id)!;
    const progress = await c.member.get(`/activities/${e.activityId}/completion`);
    expect(progress.body).toContain(`href="/certificates/${cert.id}"`);
    const res = await c.member.get(`/certificates/${cert.id}`);
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    for (const part of [
      'شهادة إتمام',
      'سلمى الخلف',
      'الدورة التدريبية الأولى',
      'الشهيدة ناديا الخشان',
      '4 ساعة تدريبية',
      'مجلس مدينة الرقة',
      'مسؤول مكتب التأهيل',
      'قد أتمّت',
    ])
      expect(text).toContain(part);
    expect(res.body).toContain('<svg');
    expect(text).toContain(`/verify/${cert.code}`);
    const en = await c.member.get(`/certificates/${cert.id}?lang=en`);
    expect(textOf(en.body)).toContain('Certificate of Completion');
    expect(en.body).toContain('lang="en"');
  });

  it('is visible to the member, their coordinators and the office only', async () => {
    const { e } = finishedCourse();
    await c.office.post(`/enrolments/${e.id}/certificate`);
    const id = certificateOf(t.db, e.id)!.id;
    expect((await c.coordinator.get(`/certificates/${id}`)).status).toBe(200);
    expect((await c.office.get(`/certificates/${id}`)).status).toBe(200);
    expect((await c.tabqaCoord.get(`/certificates/${id}`)).status).toBe(403);
    expect((await c.other.get(`/certificates/${id}`)).status).toBe(403);
    expect((await c.trainer.get(`/certificates/${id}`)).status).toBe(403);
    expect((await c.office.get('/certificates/999999')).status).toBe(404);
  });
});

describe('revoking and verifying', () => {
  it('revokes with a reason, once; the public page says valid, revoked or unknown', async () => {
    const { e } = finishedCourse();
    await c.office.post(`/enrolments/${e.id}/certificate`);
    const cert = certificateOf(t.db, e.id)!;
    const anon = new Client(t.app);

    const valid = await anon.get(`/verify/${cert.code}`);
    expect(valid.status).toBe(200);
    const vt = textOf(valid.body);
    expect(vt).toContain('صالحة');
    expect(vt).toContain('سلمى الخلف');
    expect(vt).toContain('الدورة التدريبية الأولى');
    // nothing else about the person or the course
    expect(vt).not.toContain(org.member.phone!);
    expect(vt).not.toContain('مجلس ناحية الكرامة');
    expect(vt).not.toContain('مجلس مدينة الرقة');
    expect(vt).not.toContain('الشهيدة ناديا الخشان');
    expect(vt).not.toContain('1990');
    expect(valid.body).not.toContain(`/certificates/${cert.id}`);
    expect(valid.body).not.toContain(`/members/${org.member.id}`);

    expect((await c.member.post(`/certificates/${cert.id}/revoke`, { reason: 'x' })).status).toBe(403);
    const noReason = await c.office.post(`/certificates/${cert.id}/revoke`, { reason: '' });
    expect(noReason.status).toBe(400);
    expect(certificateOf(t.db, e.id)!.revokedAt).toBeNull();
    const ok = await c.office.post(`/certificates/${cert.id}/revoke`, { reason: 'خطأ في البيانات' });
    expect(ok.status).toBe(303);
    expect(certificateOf(t.db, e.id)).toMatchObject({ revokeReason: 'خطأ في البيانات' });
    const again = await c.office.post(`/certificates/${cert.id}/revoke`, { reason: 'مرة أخرى' });
    expect(again.status).toBe(400);
    expect(textOf(again.body)).toContain('هذه الشهادة ملغاة من قبل');
    expect(certificateOf(t.db, e.id)!.revokeReason).toBe('خطأ في البيانات');

    const revoked = textOf((await anon.get(`/verify/${cert.code}`)).body);
    expect(revoked).toContain('ملغاة');
    expect(revoked).not.toContain('خطأ في البيانات');

    const unknown = await anon.get('/verify/abcdefghijkmnpqrstuvwxyz');
    expect(unknown.status).toBe(404);
    expect(textOf(unknown.body)).toContain('لا توجد شهادة بهذا الرمز');
    const form = await anon.get(`/verify?code=${cert.code.toUpperCase()}`);
    expect(form.status).toBe(200);
    expect(textOf(form.body)).toContain('سلمى الخلف');
    expect((await anon.get('/verify')).status).toBe(200);
  });

  it('rate-limits guessing codes', async () => {
    const guesser = new Client(t.app);
    guesser.ip = '10.9.9.9';
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await guesser.get(`/verify/guess${i}abcdefghijkmnpq`)).status);
    expect(statuses.slice(0, 30).every((x) => x === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const someoneElse = new Client(t.app);
    someoneElse.ip = '10.9.9.10';
    expect((await someoneElse.get('/verify/abcdefghijkmnpqrstuvwxyz')).status).toBe(404);
  });
});

describe('the qualification record', () => {
  it('lists completed courses, seminars and circles attended, hours and certificates', async () => {
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'صاحبة السجل' });
    const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, title: 'دورة الإعلام', status: 'finished' });
    const as = makeSessions(t.db, a.id, 2, { past: 2 });
    const e = enrol(t.db, a.id, m.id, 'completed');
    t.db
      .insert(s.enrolmentEvents)
      .values({ enrolmentId: e.id, fromStatus: 'approved', toStatus: 'completed', at: new Date() })
      .run();
    mark(t.db, as, m.id, ['present', 'late']);
    const sem = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id, kind: 'seminar', title: 'ندوة المرأة' });
    const ss = makeSessions(t.db, sem.id, 1, { past: 1 });
    mark(t.db, ss, m.id, ['present']);
    const circle = makeActivity(t.db, { organisingUnitId: org.units.karama.id, kind: 'circle', title: 'حلقة الكرامة' });
    const cs = makeSessions(t.db, circle.id, 3, { past: 3 });
    mark(t.db, cs, m.id, ['present', 'absent', 'excused']);
    await c.office.post(`/enrolments/${e.id}/certificate`);

    const res = await c.office.get(`/members/${m.id}/record`);
    expect(res.status).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('صاحبة السجل');
    expect(text).toContain('دورة الإعلام');
    expect(text).toContain('ندوة المرأة');
    expect(text).toContain('حلقة الكرامة');
    // 2 + 1 + 1 sessions of two hours attended
    expect(text).toContain('8 ساعات حضور');
    expect(text).toContain('1 شهادات صالحة');
    expect((await c.coordinator.get(`/members/${m.id}/record`)).status).toBe(200);
    expect((await c.tabqaCoord.get(`/members/${m.id}/record`)).status).toBe(403);
    expect((await c.member.get(`/members/${m.id}/record`)).status).toBe(403);
    expect((await c.member.get(`/members/${org.member.id}/record`)).status).toBe(200);
    expect((await c.office.get('/members/999999/record')).status).toBe(404);
    const mine = await c.member.get('/record');
    expect(mine.status).toBe(200);
    expect(textOf(mine.body)).toContain('السجل التأهيلي: سلمى الخلف');
    expect((await c.office.get('/record')).status).toBe(404);
  });
});
