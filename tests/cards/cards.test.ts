import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { cardUrl } from '../../server/cards/codes.ts';
import { qrImage } from '../../server/cards/service.ts';
import { auditOf, makeActivity, makeSession } from '../attendance/factories.ts';
import { makeMember, makeOrg, makeUnit, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
const clients: Record<string, Client> = {};
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of ['office', 'coordinator', 'trainer', 'member']) {
    clients[who] = new Client(t.app);
    await clients[who].login(who);
  }
});
afterAll(() => t.close());

const memberRow = (id: number) => t.db.select().from(s.members).where(eq(s.members.id, id)).get()!;

describe('issuing, revoking and reissuing cards', () => {
  it('the office issues an unguessable token (not the id), reissues a new one and revokes it, each audited', async () => {
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'ريم الحسن' });
    const office = clients.office;
    let page = await office.get(`/members/${m.id}/card`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('لا بطاقة سارية لهذا العضو');

    const res = await office.post(`/members/${m.id}/card`, { action: 'issue' });
    expect(res.status).toBe(303);
    const first = memberRow(m.id).cardToken!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first).not.toContain(String(m.id).padStart(3, '0'));
    expect(memberRow(m.id).cardIssuedAt).toBeInstanceOf(Date);

    page = await office.get(`/members/${m.id}/card`);
    const text = textOf(page.body);
    expect(text).toContain('ريم الحسن');
    expect(text).toContain('مجلس ناحية الكرامة');
    expect(text).toContain('صورة');
    // the printed QR holds the card's address with the token
    expect(page.body).toContain(await qrImage(cardUrl('http://localhost:80', first)));

    // issuing twice is refused, nothing changes
    const again = await office.post(`/members/${m.id}/card`, { action: 'issue' });
    expect(again.status).toBe(400);
    expect(textOf(again.body)).toContain('لهذا العضو بطاقة');
    expect(memberRow(m.id).cardToken).toBe(first);

    await office.post(`/members/${m.id}/card`, { action: 'reissue' });
    const second = memberRow(m.id).cardToken!;
    expect(second).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second).not.toBe(first);

    await office.post(`/members/${m.id}/card`, { action: 'revoke' });
    expect(memberRow(m.id).cardToken).toBeNull();
    const actions = ['card.issue', 'card.reissue', 'card.revoke'].map(
      (a) => auditOf(t.db, a).filter((r) => r.entityId === m.id).length,
    );
    expect(actions).toEqual([1, 1, 1]);
    // no token in the audit trail
    for (const r of auditOf(t.db, 'card.reissue')) expect(r.details ?? '').not.toContain(first);
  });

  it('a coordinator manages cards of its subtree only; trainers and other members cannot see a card', async () => {
    const inside = makeMember(t.db, { unitId: org.units.karama.id });
    const outside = makeMember(t.db, { unitId: org.units.mansoura.id });
    const coord = clients.coordinator;
    expect((await coord.post(`/members/${inside.id}/card`, { action: 'issue' })).status).toBe(303);
    expect(memberRow(inside.id).cardToken).not.toBeNull();
    expect((await coord.post(`/members/${outside.id}/card`, { action: 'issue' })).status).toBe(403);
    expect(memberRow(outside.id).cardToken).toBeNull();
    expect((await coord.get(`/members/${outside.id}/card`)).status).toBe(403);
    expect((await clients.trainer.get(`/members/${inside.id}/card`)).status).toBe(403);
    expect((await clients.trainer.post(`/members/${inside.id}/card`, { action: 'revoke' })).status).toBe(403);
    expect((await clients.member.get(`/members/${inside.id}/card`)).status).toBe(403);
    // the member sees their own card, without the buttons
    await clients.office.post(`/members/${org.member.id}/card`, { action: 'issue' });
    const own = await clients.member.get(`/members/${org.member.id}/card`);
    expect(own.status).toBe(200);
    expect(textOf(own.body)).not.toContain('إلغاء البطاقة');
    expect((await clients.member.post(`/members/${org.member.id}/card`, { action: 'revoke' })).status).toBe(403);
    expect((await clients.office.get('/members/99999999/card')).status).toBe(404);
    expect((await clients.office.post(`/members/${inside.id}/card`, { action: 'explode' })).status).toBe(400);
  });

  it('prints a unit’s cards (optionally its subtree) and issues the missing ones of active members', async () => {
    const city = makeUnit(t.db, { parentId: org.units.centre.id, nameAr: 'مجلس مدينة المطبوعات' });
    const district = makeUnit(t.db, { parentId: city.id, nameAr: 'ناحية المطبوعات' });
    const a = makeMember(t.db, { unitId: city.id, fullName: 'عضو المدينة' });
    const b = makeMember(t.db, { unitId: district.id, fullName: 'عضو الناحية' });
    const gone = makeMember(t.db, { unitId: district.id, status: 'inactive' });
    const office = clients.office;
    let page = await office.get(`/units/${city.id}/cards?subtree=1`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('0 عضواً فاعلاً لديهم بطاقة؛ 2 بلا بطاقة');

    // only this unit
    await office.post(`/units/${city.id}/cards/issue`, {});
    expect(memberRow(a.id).cardToken).not.toBeNull();
    expect(memberRow(b.id).cardToken).toBeNull();
    // the subtree
    const res = await office.post(`/units/${city.id}/cards/issue`, { subtree: 'on' });
    expect(res.location).toBe(`/units/${city.id}/cards?subtree=1`);
    expect(memberRow(b.id).cardToken).not.toBeNull();
    expect(memberRow(gone.id).cardToken).toBeNull();
    page = await office.get(`/units/${city.id}/cards?subtree=1`);
    expect((page.body.match(/class="member-card"/g) ?? []).length).toBe(2);
    expect(textOf(page.body)).toContain('عضو الناحية');
    page = await office.get(`/units/${city.id}/cards?subtree=0`);
    expect((page.body.match(/class="member-card"/g) ?? []).length).toBe(1);
    // a coordinator of another city cannot print these
    expect((await clients.coordinator.get(`/units/${city.id}/cards`)).status).toBe(403);
    expect((await clients.coordinator.post(`/units/${city.id}/cards/issue`, {})).status).toBe(403);
    expect((await clients.coordinator.get(`/units/${org.units.karama.id}/cards`)).status).toBe(200);
  });
});

describe('a card opened with a phone camera app (/c/:token)', () => {
  it('shows the member to staff, nothing to other members, and says when a card is revoked', async () => {
    const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'حامل البطاقة' });
    await clients.office.post(`/members/${m.id}/card`, { action: 'issue' });
    const token = memberRow(m.id).cardToken!;
    expect(textOf((await clients.office.get(`/c/${token}`)).body)).toContain('حامل البطاقة');
    expect(textOf((await clients.coordinator.get(`/c/${token}`)).body)).toContain('حامل البطاقة');
    const other = textOf((await clients.member.get(`/c/${token}`)).body);
    expect(other).not.toContain('حامل البطاقة');
    expect(other).toContain('لا يرى صاحبها إلا');
    expect((await new Client(t.app).get(`/c/${token}`)).status).toBe(302);
    await clients.office.post(`/members/${m.id}/card`, { action: 'revoke' });
    expect(textOf((await clients.office.get(`/c/${token}`)).body)).toContain('أُلغيت هذه البطاقة');
    expect(textOf((await clients.office.get('/c/nonsense')).body)).toContain('ليس رمز بطاقة');
  });
});

describe('the trainer of a session may open the scan page; others not', () => {
  it('refuses a coordinator and a member, 404 for an unknown session', async () => {
    const other = await makeUser(t.db, { username: 'trainer-b', roles: [{ role: 'trainer' }] });
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const sess = makeSession(t.db, a.id, { trainerUserId: org.users.trainer.id });
    expect((await clients.trainer.get(`/sessions/${sess.id}/scan`)).status).toBe(200);
    expect((await clients.office.get(`/sessions/${sess.id}/scan`)).status).toBe(200);
    expect((await clients.coordinator.get(`/sessions/${sess.id}/scan`)).status).toBe(403);
    expect((await clients.member.get(`/sessions/${sess.id}/scan`)).status).toBe(403);
    const b = new Client(t.app);
    await b.login(other.username);
    expect((await b.post(`/sessions/${sess.id}/scan`, { code: 'x' })).status).toBe(403);
    expect((await clients.trainer.get('/sessions/99999999/scan')).status).toBe(404);
  });
});
