import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { auditOf, enrol, enrolmentOf, eventsOf, makeActivity, makeSession, marksOf } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let member: Client;
let trainer: Client;
beforeAll(async () => {
  t = await createTestApp({ TAAHIL_LOGIN_MAX_PER_MINUTE: '30' });
  org = await makeOrg(t.db);
  member = new Client(t.app);
  await member.login('member');
  trainer = new Client(t.app);
  await trainer.login('trainer');
});
afterAll(() => t.close());

const codeOf = (sessionId: number) =>
  t.db.select().from(s.sessions).where(eq(s.sessions.id, sessionId)).get()!.checkinCode;

describe('self check-in', () => {
  it('shows a code and a QR code on the roster during the session, and the member checks in once', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, lateAfterMin: 10 });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -5 });
    enrol(t.db, a.id, org.member.id);
    expect(codeOf(sess.id)).toBeNull();
    const roster = await trainer.get(`/sessions/${sess.id}/attendance`);
    const code = codeOf(sess.id)!;
    expect(code).toMatch(/^[A-Z2-9]{6}$/);
    expect(textOf(roster.body)).toContain(code);
    expect(roster.body).toContain('src="data:image/svg+xml;base64,');
    expect(roster.body).toContain(`/sessions/${sess.id}/check-in?code=${code}`);

    const page = await member.get(`/sessions/${sess.id}/check-in?code=${code}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`value="${code}"`);
    const res = await member.post(`/sessions/${sess.id}/check-in`, { code: code.toLowerCase() });
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('تم: سُجّلت حاضر');
    const mark = marksOf(t.db, sess.id).get(org.member.id)!;
    expect([mark.status, mark.via]).toEqual(['present', 'checkin']);
    expect(enrolmentOf(t.db, a.id, org.member.id).attendedCount).toBe(1);
    // again: no second event
    const again = await member.post('/check-in', { code });
    expect(textOf(again.body)).toContain('سبق أن سُجّلت حاضر');
    expect(eventsOf(t.db, sess.id).length).toBe(1);
    expect(auditOf(t.db, 'attendance.checkin').filter((r) => r.entityId === sess.id).length).toBe(1);
    // the trainer's roster shows how it was marked
    expect(textOf((await trainer.get(`/sessions/${sess.id}/attendance`)).body)).toContain('تسجيل ذاتي');
  });

  it('marks late after late_after_min', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, lateAfterMin: 10 });
    const sess = makeSession(t.db, a.id, { startMin: -20, checkinCode: 'LATE22' });
    enrol(t.db, a.id, org.member.id);
    const res = await member.post('/check-in', { code: 'LATE22' });
    expect(textOf(res.body)).toContain('متأخر');
    expect(marksOf(t.db, sess.id).get(org.member.id)!.status).toBe('late');
    expect(enrolmentOf(t.db, a.id, org.member.id).lateCount).toBe(1);
  });

  it('works only inside the window: from start minus checkin_opens_before_min to the end', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, checkinOpensBeforeMin: 15 });
    enrol(t.db, a.id, org.member.id);
    const early = makeSession(t.db, a.id, { startMin: 20, checkinCode: 'EARLY2' });
    const soon = makeSession(t.db, a.id, { startMin: 10, checkinCode: 'SOON22' });
    const over = makeSession(t.db, a.id, { startMin: -90, minutes: 60, checkinCode: 'OVER22' });
    const r1 = await member.post('/check-in', { code: 'EARLY2' });
    expect(r1.status).toBe(400);
    expect(textOf(r1.body)).toContain('التسجيل الذاتي لهذه الجلسة غير مفتوح الآن.');
    expect((await member.post('/check-in', { code: 'OVER22' })).status).toBe(400);
    expect((await member.post('/check-in', { code: 'SOON22' })).status).toBe(200);
    expect(marksOf(t.db, soon.id).get(org.member.id)!.status).toBe('present');
    expect(marksOf(t.db, early.id).size + marksOf(t.db, over.id).size).toBe(0);
  });

  it("refuses another session's code, unknown codes, cancelled sessions and members not enrolled", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    enrol(t.db, a.id, org.member.id);
    const s1 = makeSession(t.db, a.id, { checkinCode: 'FIRST2' });
    const s2 = makeSession(t.db, a.id, { checkinCode: 'SECND2' });
    const r = await member.post(`/sessions/${s2.id}/check-in`, { code: 'FIRST2' });
    expect(r.status).toBe(400);
    expect(textOf(r.body)).toContain('هذا الرمز يخص جلسة أخرى.');
    expect(r.body).toContain('value="FIRST2"');
    expect((await member.post('/check-in', { code: 'NOPE99' })).status).toBe(400);
    const cancelled = makeSession(t.db, a.id, { checkinCode: 'CANC22', status: 'cancelled' });
    expect((await member.post('/check-in', { code: 'CANC22' })).status).toBe(400);
    const b = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const s3 = makeSession(t.db, b.id, { checkinCode: 'NOTME2' });
    const notMine = await member.post('/check-in', { code: 'NOTME2' });
    expect(textOf(notMine.body)).toContain('لست مسجّلاً في هذا النشاط.');
    for (const id of [s1.id, s2.id, cancelled.id, s3.id]) expect(marksOf(t.db, id).size).toBe(0);
    // an account without a member cannot check in
    const office = new Client(t.app);
    await office.login('office');
    const o = await office.post('/check-in', { code: 'FIRST2' });
    expect(textOf(o.body)).toContain('حسابك غير مرتبط بعضو');
  });

  it('lets audience members of open activities check in without enrolling', async () => {
    const seminar = makeActivity(t.db, {
      kind: 'seminar',
      selfEnrol: true,
      organisingUnitId: org.units.raqqa.id,
      audienceKind: 'units',
      audienceUnitId: org.units.raqqa.id,
    });
    const sess = makeSession(t.db, seminar.id, { startMin: -5, checkinCode: 'OPEN22' });
    expect((await member.post('/check-in', { code: 'OPEN22' })).status).toBe(200);
    expect(marksOf(t.db, sess.id).get(org.member.id)!.status).toBe('present');
    const far = makeMember(t.db, { unitId: org.units.mansoura.id });
    await makeUser(t.db, { username: 'farmember', roles: [{ role: 'member' }], memberId: far.id });
    const farClient = new Client(t.app);
    await farClient.login('farmember');
    expect((await farClient.post('/check-in', { code: 'OPEN22' })).status).toBe(400);
  });

  it('limits code guesses', async () => {
    const guesser = new Client(t.app);
    await guesser.login('trainer');
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await guesser.post('/check-in', { code: `GUESS${i}` })).status;
    expect(last).toBe(429);
  });
});
