import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { enrol, enrolmentOf, makeActivity, makeEnrolledMembers, makeSession } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
let member: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
  member = new Client(t.app);
  await member.login('member');
});
afterAll(() => t.close());

/** the HTML of one member's row on the roster */
const rowOf = (html: string, memberId: number) => {
  const start = html.indexOf(`data-member="${memberId}"`);
  expect(start).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</li>', html.indexOf('</details>', start)));
};

describe('the roster page', () => {
  it('labels every control of a row: the member names the group, each status its radio, the note its field', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const row = rowOf((await trainer.get(`/sessions/${sess.id}/attendance`)).body, p.id);
    expect(row).toMatch(/<fieldset class="mark"><legend><b>متدرب 000<\/b> <small>[^<]+<\/small><\/legend>/);
    for (const [value, label] of [
      ['present', 'حاضر'],
      ['late', 'متأخر'],
      ['excused', 'غائب بعذر'],
      ['absent', 'غائب'],
    ])
      expect(row).toContain(`<label><input type="radio" name="s_${p.id}" value="${value}">${label}</label>`);
    expect(row).toMatch(
      new RegExp(`<summary>ملاحظة</summary><input name="n_${p.id}" maxlength="300" aria-label="ملاحظة">`),
    );

    // in English the same row reads left to right with English labels
    const en = new Client(t.app);
    await en.login('trainer');
    t.db.update(s.users).set({ locale: 'en' }).where(eq(s.users.id, org.users.trainer.id)).run();
    try {
      const page = await en.get(`/sessions/${sess.id}/attendance`);
      expect(page.body).toContain('dir="ltr"');
      expect(rowOf(page.body, p.id)).toContain(`value="excused">Excused</label>`);
    } finally {
      t.db.update(s.users).set({ locale: 'ar' }).where(eq(s.users.id, org.users.trainer.id)).run();
    }
  });

  it('says once who marked most rows and when; a row says it only when its mark differs', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة الأسطر' });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -5 });
    const people = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 3);
    enrol(t.db, a.id, org.member.id);
    await trainer.get(`/sessions/${sess.id}/attendance`);
    const marks = Object.fromEntries(people.map((p) => [`s_${p.id}`, 'present']));
    expect((await trainer.post(`/sessions/${sess.id}/attendance`, marks)).status).toBe(303);
    // the member checks in on their own
    const code = t.db.select().from(s.sessions).where(eq(s.sessions.id, sess.id)).get()!.checkinCode!;
    expect((await member.post(`/sessions/${sess.id}/check-in`, { code })).status).toBe(200);

    const html = (await trainer.get(`/sessions/${sess.id}/attendance`)).body;
    const text = textOf(html);
    expect(text.match(/ما لم يُذكر غير ذلك تحت العضو: سجّله .+? في .+? \(قائمة الحضور\)/g)).toHaveLength(1);
    for (const p of people) expect(textOf(rowOf(html, p.id))).not.toContain('سجّله');
    const own = textOf(rowOf(html, org.member.id));
    expect(own).toContain('ملاحظة وسجل التغييرات');
    expect(own).toMatch(/سجّله .+ في .+ \(تسجيل ذاتي\)/);
  });

  it('keeps the counters equal to the marks through check-ins, corrections and notes', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, lateAfterMin: 60 });
    const s1 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -5 });
    const s2 = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -10 });
    const [p1, p2] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 2);
    enrol(t.db, a.id, org.member.id);
    const post = (sessionId: number, body: Record<string, string>) =>
      trainer.post(`/sessions/${sessionId}/attendance`, body);
    await trainer.get(`/sessions/${s1.id}/attendance`);
    await trainer.get(`/sessions/${s2.id}/attendance`);
    const code = t.db.select().from(s.sessions).where(eq(s.sessions.id, s1.id)).get()!.checkinCode!;
    await member.post(`/sessions/${s1.id}/check-in`, { code });
    await post(s1.id, { [`s_${p1.id}`]: 'late', [`s_${p2.id}`]: 'absent', [`s_${org.member.id}`]: 'present' });
    await post(s1.id, { [`s_${p2.id}`]: 'excused', [`n_${p2.id}`]: 'مريض', [`s_${org.member.id}`]: 'late' });
    await post(s1.id, { [`n_${p2.id}`]: 'مريض جداً' });
    await post(s2.id, { [`s_${p1.id}`]: 'present', [`s_${p2.id}`]: 'present', allPresent: '1' });

    const counted = (memberId: number) => {
      const c = { present: 0, late: 0, excused: 0, absent: 0 };
      for (const m of t.db.select().from(s.attendance).where(eq(s.attendance.memberId, memberId)).all())
        if (m.sessionId === s1.id || m.sessionId === s2.id) c[m.status]++;
      return c;
    };
    for (const id of [p1.id, p2.id, org.member.id]) {
      const e = enrolmentOf(t.db, a.id, id);
      expect({ present: e.attendedCount, late: e.lateCount, excused: e.excusedCount, absent: e.absentCount }).toEqual(
        counted(id),
      );
    }
    expect(counted(org.member.id)).toEqual({ present: 1, late: 1, excused: 0, absent: 0 });
    expect(counted(p2.id)).toEqual({ present: 1, late: 0, excused: 1, absent: 0 });
  });

  it('shows what changed since it was last served: a new enrolment, a mark, a renamed member', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    const [p] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    const url = `/sessions/${sess.id}/attendance`;
    expect((await trainer.get(url)).body).not.toContain('عضو جديد في الدورة');
    const [q] = makeEnrolledMembers(t.db, a.id, org.units.karama.id, 1);
    t.db.update(s.members).set({ fullName: 'عضو جديد في الدورة' }).where(eq(s.members.id, q.id)).run();
    expect(textOf((await trainer.get(url)).body)).toContain('عضو جديد في الدورة');
    await trainer.post(url, { [`s_${p.id}`]: 'late' });
    expect((await trainer.get(url)).body).toContain(`name="s_${p.id}" value="late" checked`);
    t.db.update(s.members).set({ fullName: 'اسم آخر' }).where(eq(s.members.id, q.id)).run();
    const after = textOf((await trainer.get(url)).body);
    expect(after).toContain('اسم آخر');
    expect(after).not.toContain('عضو جديد في الدورة');
  });
});
