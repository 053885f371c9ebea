import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { auditOf, enrolmentOf, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { apologiesOf, enrol, makeActivity, makeSession, mark, moveSession, notificationsOf } from './factories.ts';

const DAY_MIN = 24 * 60;

describe('apologies in advance', () => {
  let t: TestApp;
  let o: Awaited<ReturnType<typeof makeOrg>>;
  let activityId: number;
  let past: { id: number };
  let next: { id: number };
  let uploads: string;

  beforeEach(async () => {
    uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-apologies-'));
    t = await createTestApp({ TAAHIL_UPLOADS: uploads });
    o = await makeOrg(t.db);
    const a = makeActivity(t.db, { organisingUnitId: o.units.centre.id, title: 'دورة المتابعة' });
    activityId = a.id;
    past = makeSession(t.db, a.id, { startMin: -7 * DAY_MIN, trainerUserId: o.users.trainer.id, topic: 'الأولى' });
    next = makeSession(t.db, a.id, { startMin: 2 * DAY_MIN, trainerUserId: o.users.trainer.id, topic: 'الثانية' });
    enrol(t.db, a.id, o.member.id);
    mark(t.db, past.id, o.member.id, 'present');
  });
  afterEach(async () => {
    await t.close();
    fs.rmSync(uploads, { recursive: true, force: true });
  });

  async function sendApology(c: Client, sessionId: number, reason = 'موعد طبي') {
    await c.get('/apologies/new');
    return c.post('/apologies', { sessionId, reason });
  }

  it('accepted: excused on the roster (via apology, audited), counted by the rule, member notified', async () => {
    const member = new Client(t.app);
    await member.login('member');
    const form = await member.get('/apologies');
    expect(textOf(form.body)).toContain('الثانية');
    const res = await sendApology(member, next.id);
    expect(res.status).toBe(303);
    const [apology] = apologiesOf(t.db, o.member.id);
    expect(apology).toMatchObject({ sessionId: next.id, reason: 'موعد طبي', status: 'pending' });
    expect(res.location).toBe(`/apologies/${apology.id}`);
    // the trainer is told
    expect(notificationsOf(t.db, o.users.trainer.id).map((n) => n.kind)).toContain('followup.apologySent');

    const trainer = new Client(t.app);
    await trainer.login('trainer');
    expect(textOf((await trainer.get('/')).body)).toContain('1 اعتذارات بانتظار قرارك');
    const queue = await trainer.get('/apologies');
    expect(textOf(queue.body)).toContain('سلمى الخلف');
    expect(textOf(queue.body)).toContain('موعد طبي');
    const decided = await trainer.post(`/apologies/${apology.id}/decide`, { decision: 'accept', note: 'سلامتك' });
    expect(decided.status).toBe(303);

    expect(apologiesOf(t.db, o.member.id)[0]).toMatchObject({ status: 'accepted', decidedBy: o.users.trainer.id });
    const m = marksOf(t.db, next.id).get(o.member.id)!;
    expect(m).toMatchObject({ status: 'excused', via: 'apology', markedBy: o.users.trainer.id });
    expect(auditOf(t.db, 'attendance.apology')).toHaveLength(1);
    expect(auditOf(t.db, 'apology.accept')).toHaveLength(1);
    expect(enrolmentOf(t.db, activityId, o.member.id).excusedCount).toBe(1);
    const roster = await trainer.get(`/sessions/${next.id}/attendance`);
    expect(roster.status).toBe(200);
    expect(roster.body).toMatch(/value="excused"[^>]*checked/);

    const note = notificationsOf(t.db, o.users.member.id).find((n) => n.kind === 'followup.apologyAccepted');
    expect(note).toBeDefined();
    expect(JSON.parse(note!.params!)).toMatchObject({ activity: 'دورة المتابعة', note: 'سلامتك' });

    // once held, the rule leaves the excused session out: 1 of 1 attended = 100 % (it would be 50 % absent)
    moveSession(t.db, next.id, new Date(Date.now() - 86_400_000));
    const office = new Client(t.app);
    await office.login('office');
    const progress = textOf((await office.get(`/activities/${activityId}/completion`)).body);
    expect(progress).toContain('100%');
    expect(progress).not.toContain('50%');
  });

  it('refused: nothing on the roster, the member is told', async () => {
    const member = new Client(t.app);
    await member.login('member');
    await sendApology(member, next.id);
    const [apology] = apologiesOf(t.db, o.member.id);
    const office = new Client(t.app);
    await office.login('office');
    const res = await office.post(`/apologies/${apology.id}/decide`, { decision: 'refuse', note: 'الجلسة أساسية' });
    expect(res.status).toBe(303);
    expect(apologiesOf(t.db, o.member.id)[0].status).toBe('refused');
    expect(marksOf(t.db, next.id).size).toBe(0);
    expect(notificationsOf(t.db, o.users.member.id).map((n) => n.kind)).toContain('followup.apologyRefused');
    // deciding again is refused with a message
    const again = await office.post(`/apologies/${apology.id}/decide`, { decision: 'accept' });
    expect(again.status).toBe(400);
    expect(textOf(again.body)).toContain('سبق البت في هذا الاعتذار');
    expect(marksOf(t.db, next.id).size).toBe(0);
    // the member reads the decision
    const page = textOf((await member.get(`/apologies/${apology.id}`)).body);
    expect(page).toContain('مرفوض');
  });

  it('refuses a past or started session, a session not theirs, and a second apology; nothing saved', async () => {
    const member = new Client(t.app);
    await member.login('member');
    const started = await sendApology(member, past.id);
    expect(started.status).toBe(400);
    expect(textOf(started.body)).toContain('بدأت هذه الجلسة');
    expect(started.body).toContain('موعد طبي'); // what they typed is kept

    const other = makeActivity(t.db, { organisingUnitId: o.units.centre.id });
    const foreign = makeSession(t.db, other.id, { startMin: DAY_MIN });
    const notTheirs = await sendApology(member, foreign.id);
    expect(notTheirs.status).toBe(400);
    expect(textOf(notTheirs.body)).toContain('المسجّل فيها');

    expect((await sendApology(member, next.id)).status).toBe(303);
    const twice = await sendApology(member, next.id);
    expect(twice.status).toBe(400);
    expect(textOf(twice.body)).toContain('أرسلت اعتذاراً عن هذه الجلسة من قبل');
    expect(apologiesOf(t.db, o.member.id)).toHaveLength(1);

    const empty = await member.post('/apologies', { sessionId: next.id, reason: '  ' });
    expect(empty.status).toBe(400);
  });

  it('a member withdraws a pending apology; others may not decide or withdraw', async () => {
    const member = new Client(t.app);
    await member.login('member');
    await sendApology(member, next.id);
    const [apology] = apologiesOf(t.db, o.member.id);

    // the coordinator over the member reads it but may not decide
    const coordinator = new Client(t.app);
    await coordinator.login('coordinator');
    expect((await coordinator.get(`/apologies/${apology.id}`)).status).toBe(200);
    expect((await coordinator.post(`/apologies/${apology.id}/decide`, { decision: 'accept' })).status).toBe(403);
    // another member sees nothing
    const stranger = makeMember(t.db, { unitId: o.units.mansoura.id });
    const { makeUser } = await import('../factories.ts');
    await makeUser(t.db, { username: 'stranger', roles: [{ role: 'member' }], memberId: stranger.id });
    const sc = new Client(t.app);
    await sc.login('stranger');
    expect((await sc.get(`/apologies/${apology.id}`)).status).toBe(403);
    expect((await sc.post(`/apologies/${apology.id}/withdraw`)).status).toBe(403);

    const res = await member.post(`/apologies/${apology.id}/withdraw`);
    expect(res.status).toBe(303);
    expect(apologiesOf(t.db, o.member.id)).toHaveLength(0);
    expect(auditOf(t.db, 'apology.withdraw')).toHaveLength(1);
    expect(notificationsOf(t.db, o.users.trainer.id).map((n) => n.kind)).toContain('followup.apologyWithdrawn');
    // and may apologise again
    expect((await sendApology(member, next.id, 'سفر')).status).toBe(303);
  });

  it('keeps the attachment private: PDF or image only, served to who may see the apology', async () => {
    const member = new Client(t.app);
    await member.login('member');
    await member.get('/apologies/new');
    const boundary = '----taahil';
    const body = (filename: string, content: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="sessionId"\r\n\r\n${next.id}\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="reason"\r\n\r\nتقرير طبي\r\n` +
            `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        content,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const send = (filename: string, content: Buffer) =>
      member.request('POST', `/apologies?_csrf=${encodeURIComponent(member.csrf!)}`, {
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: body(filename, content),
      });
    const bad = await send('note.html', Buffer.from('<script>alert(1)</script>'));
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('أرفق ملف PDF أو صورة');
    expect(apologiesOf(t.db, o.member.id)).toHaveLength(0);

    const pdf = Buffer.from('%PDF-1.4\n% test\n');
    const ok = await send('تقرير.pdf', pdf);
    expect(ok.status).toBe(303);
    const [apology] = apologiesOf(t.db, o.member.id);
    expect(apology.materialId).not.toBeNull();
    const file = await member.get(`/apologies/${apology.id}/attachment`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toContain('application/pdf');
    // never an activity material: not listed, not served by /materials/:id
    const office = new Client(t.app);
    await office.login('office');
    expect((await office.get(`/materials/${apology.materialId}`)).status).toBe(404);
    expect(textOf((await office.get(`/activities/${activityId}`)).body)).not.toContain('تقرير.pdf');
    expect((await office.get(`/apologies/${apology.id}/attachment`)).status).toBe(200);
    const row = t.db.select().from(s.materials).where(eq(s.materials.id, apology.materialId!)).get()!;
    expect(row.storedName).toMatch(/^[a-z0-9]{32}$/);
  });
});
