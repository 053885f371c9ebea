import { eq } from 'drizzle-orm';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { cardUrl, sheetCode } from '../../server/cards/codes.ts';
import { enrol, eventsOf, makeActivity, makeSession, marksOf } from '../attendance/factories.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { jsQR } from '../qr.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let trainer: Client;
let office: Client;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  trainer = new Client(t.app);
  await trainer.login('trainer');
  office = new Client(t.app);
  await office.login('office');
});
afterAll(() => t.close());

const BASE = 'http://localhost:80';

/** a printed QR code as an image, read back exactly as the scan page's decoder does (jsQR on RGBA pixels) */
async function photographAndDecode(text: string): Promise<string> {
  const png = PNG.sync.read(
    await QRCode.toBuffer(text, { type: 'png', margin: 1, errorCorrectionLevel: 'M', scale: 4 }),
  );
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height, { inversionAttempts: 'dontInvert' });
  if (!found) throw new Error('the QR code could not be read');
  return found.data;
}

/** issues a card through the office's page and returns what its QR code holds */
async function cardOf(memberId: number): Promise<string> {
  await office.post(`/members/${memberId}/card`, { action: 'issue' });
  const token = t.db.select().from(s.members).where(eq(s.members.id, memberId)).get()!.cardToken!;
  return cardUrl(BASE, token);
}

/** what the camera page does: post the decoded text, read the JSON answer */
async function scan(c: Client, sessionId: number, text: string) {
  if (!c.csrf) await c.get(`/sessions/${sessionId}/scan`);
  const res = await c.request('POST', `/sessions/${sessionId}/scan`, {
    form: { _csrf: c.csrf, code: text },
    headers: { accept: 'application/json' },
  });
  return {
    http: res.status,
    ...(JSON.parse(res.body) as {
      ok: boolean;
      outcome: string;
      message: string;
      name: string | null;
      status: string | null;
    }),
  };
}

function course(opts: { startMin?: number; lateAfterMin?: number } = {}) {
  const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, lateAfterMin: opts.lateAfterMin ?? 10 });
  const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: opts.startMin ?? -5 });
  return { a, sess };
}

describe('scanning a member card into a session (the camera path)', () => {
  it('marks present through the attendance service, with the name on screen; a second scan says already marked', async () => {
    const { a, sess } = course({ startMin: -5, lateAfterMin: 10 });
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'بطاقة حاضرة' });
    enrol(t.db, a.id, m.id);
    const text = await photographAndDecode(await cardOf(m.id));
    expect(text.startsWith(`${BASE}/c/`)).toBe(true);

    const r = await scan(trainer, sess.id, text);
    expect(r).toMatchObject({ http: 200, ok: true, outcome: 'marked', name: 'بطاقة حاضرة', status: 'present' });
    expect(r.message).toBe('سُجّل حاضراً.');
    const mark = marksOf(t.db, sess.id).get(m.id)!;
    expect(mark).toMatchObject({ status: 'present', via: 'card', markedBy: org.users.trainer.id });
    expect(eventsOf(t.db, sess.id).filter((e) => e.memberId === m.id)).toHaveLength(1);

    const again = await scan(trainer, sess.id, text);
    expect(again).toMatchObject({ ok: true, outcome: 'already', name: 'بطاقة حاضرة' });
    expect(again.message).toContain('مسجَّل من قبل');
    expect(eventsOf(t.db, sess.id).filter((e) => e.memberId === m.id)).toHaveLength(1);
    const enr = t.db.select().from(s.enrolments).where(eq(s.enrolments.activityId, a.id)).get()!;
    expect(enr.attendedCount).toBe(1);
  });

  it('marks late after the activity’s set minutes', async () => {
    const { a, sess } = course({ startMin: -30, lateAfterMin: 10 });
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'بطاقة متأخرة' });
    enrol(t.db, a.id, m.id);
    const r = await scan(trainer, sess.id, await photographAndDecode(await cardOf(m.id)));
    expect(r).toMatchObject({ ok: true, outcome: 'marked', status: 'late' });
    expect(marksOf(t.db, sess.id).get(m.id)!.status).toBe('late');
  });

  it('works without JavaScript: the typed token posts and the page shows the member', async () => {
    const { a, sess } = course();
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'رمز مكتوب' });
    enrol(t.db, a.id, m.id);
    const url = await cardOf(m.id);
    const token = url.slice(url.lastIndexOf('/') + 1);
    await trainer.get(`/sessions/${sess.id}/scan`);
    const res = await trainer.post(`/sessions/${sess.id}/scan`, { code: ` ${token} ` });
    expect(res.status).toBe(200);
    expect(textOf(res.body)).toContain('رمز مكتوب');
    expect(textOf(res.body)).toContain('سُجّل حاضراً');
    expect(marksOf(t.db, sess.id).get(m.id)!.via).toBe('card');
  });

  it('refuses, says why and saves nothing: revoked, foreign, unknown text, not on the roster, cancelled session', async () => {
    const { a, sess } = course();
    const onRoster = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'عضو ملغاة بطاقته' });
    enrol(t.db, a.id, onRoster.id);
    const revokedText = await photographAndDecode(await cardOf(onRoster.id));
    await office.post(`/members/${onRoster.id}/card`, { action: 'reissue' });
    let r = await scan(trainer, sess.id, revokedText);
    expect(r).toMatchObject({ http: 400, ok: false, outcome: 'revoked' });
    expect(r.message).toContain('أُلغيت هذه البطاقة');

    // a card printed by another organisation (another Taahil with its own secret)
    const other = await createTestApp();
    try {
      const otherOrg = await makeOrg(other.db);
      const oc = new Client(other.app);
      await oc.login('office');
      await oc.post(`/members/${otherOrg.member.id}/card`, { action: 'issue' });
      const foreign = other.db.select().from(s.members).where(eq(s.members.id, otherOrg.member.id)).get()!.cardToken!;
      r = await scan(trainer, sess.id, await photographAndDecode(cardUrl('https://other.example', foreign)));
      expect(r).toMatchObject({ ok: false, outcome: 'foreign' });
      expect(r.message).toContain('لم تصدر هذه البطاقة عن هذه المنظمة');
    } finally {
      await other.close();
    }

    r = await scan(trainer, sess.id, await photographAndDecode('https://example.com/some/menu'));
    expect(r).toMatchObject({ ok: false, outcome: 'unreadable' });
    r = await scan(trainer, sess.id, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(r).toMatchObject({ ok: false, outcome: 'foreign' });

    const stranger = makeMember(t.db, { unitId: org.units.mansoura.id, fullName: 'ليس في القائمة' });
    r = await scan(trainer, sess.id, await photographAndDecode(await cardOf(stranger.id)));
    expect(r).toMatchObject({ ok: false, outcome: 'notOnRoster', name: 'ليس في القائمة' });
    expect(r.message).toContain('ليس في قائمة هذه الجلسة');
    expect(marksOf(t.db, sess.id).size).toBe(0);

    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, sess.id)).run();
    const fresh = t.db.select().from(s.members).where(eq(s.members.id, onRoster.id)).get()!.cardToken!;
    r = await scan(trainer, sess.id, await photographAndDecode(cardUrl(BASE, fresh)));
    expect(r).toMatchObject({ ok: false, outcome: 'cancelled' });
    expect(marksOf(t.db, sess.id).size).toBe(0);
    expect(eventsOf(t.db, sess.id)).toHaveLength(0);
  });

  it('refuses a scan before the session opens and after its edit window', async () => {
    const early = course({ startMin: 600 });
    const late = course({ startMin: -60 * 24 * 30 });
    const m = makeMember(t.db, { unitId: org.units.karama.id });
    enrol(t.db, early.a.id, m.id);
    enrol(t.db, late.a.id, m.id);
    const text = await photographAndDecode(await cardOf(m.id));
    expect(await scan(trainer, early.sess.id, text)).toMatchObject({ ok: false, outcome: 'notStarted' });
    expect(await scan(trainer, late.sess.id, text)).toMatchObject({ ok: false, outcome: 'windowClosed' });
    expect(marksOf(t.db, early.sess.id).size + marksOf(t.db, late.sess.id).size).toBe(0);
  });
});

describe('a signed cell of the printed sign-in sheet', () => {
  it('the sheet carries a code per member and session; scanning a cell marks present via the sheet, once', async () => {
    const { a, sess } = course({ startMin: -60 * 24 });
    const next = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id, startMin: -60 });
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'موقّع على الكشف' });
    const n = makeMember(t.db, { unitId: org.units.karama.id });
    enrol(t.db, a.id, m.id);
    enrol(t.db, a.id, n.id);
    const sheet = await trainer.get(`/activities/${a.id}/sign-in-sheet`);
    expect(sheet.status).toBe(200);
    expect((sheet.body.match(/class="cell-qr"/g) ?? []).length).toBe(4);

    const text = await photographAndDecode(sheetCode(t.app.appSecret, sess.id, m.id));
    let r = await scan(trainer, sess.id, text);
    expect(r).toMatchObject({ ok: true, outcome: 'marked', status: 'present', name: 'موقّع على الكشف' });
    expect(marksOf(t.db, sess.id).get(m.id)!.via).toBe('sheet');
    r = await scan(trainer, sess.id, text);
    expect(r).toMatchObject({ ok: true, outcome: 'already' });

    // the other column's cell, scanned on this session's page: refused, with its date
    r = await scan(trainer, sess.id, sheetCode(t.app.appSecret, next.id, n.id));
    expect(r).toMatchObject({ ok: false, outcome: 'otherSession' });
    // a forged cell (another member's id under this cell's signature)
    const forged = text.replace(`.${m.id}.`, `.${n.id}.`);
    r = await scan(trainer, sess.id, forged);
    expect(r).toMatchObject({ ok: false, outcome: 'forged' });
    expect(marksOf(t.db, sess.id).has(n.id)).toBe(false);
    expect(marksOf(t.db, next.id).size).toBe(0);
  });
});
