/**
 * Sessions and invitation links, beyond the everyday cases of tests/foundation/auth.test.ts:
 * a login never keeps a session id the browser came with, a deactivation ends every device and
 * a reactivation brings none back, the session cookie cannot be read by scripts, and an
 * invitation link works once (even when used twice at the same moment), not after it expired,
 * not once a newer link was issued, and not for a deactivated account.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authSessions, invitations, users } from '../../db/schema.ts';
import { SESSION_COOKIE } from '../../server/auth/sessions.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, TEST_PASSWORD, type TestApp } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

const sessionsOf = (userId: number) => t.db.select().from(authSessions).where(eq(authSessions.userId, userId)).all();
const replay = (cookie: string) => {
  const c = new Client(t.app);
  c.cookies.set(SESSION_COOKIE, cookie);
  return c.get('/account');
};

/** the office invites a new trainer and gets the link's token */
async function invite(username: string): Promise<{ token: string; userId: number }> {
  const office = new Client(t.app);
  await office.login('office');
  await office.get('/admin/users/new');
  const res = await office.post('/admin/users', { username, displayName: 'مدربة مدعوة', roleTrainer: 'on' });
  expect(res.status).toBe(200);
  const token = /\/invite\/([a-z0-9]+)/.exec(res.body)![1];
  const userId = t.db.select().from(users).where(eq(users.username, username)).get()!.id;
  return { token, userId };
}

describe('sessions', () => {
  it('a login never keeps the session the browser came with', async () => {
    const c = new Client(t.app);
    // a made-up session cookie planted before signing in is not adopted
    c.cookies.set(SESSION_COOKIE, 'planted.planted');
    await c.login('office');
    const first = c.cookies.get(SESSION_COOKIE)!;
    expect(first).not.toBe('planted.planted');
    expect(first.split('.')[0]).not.toBe('planted');
    // signing in again (as someone else) on the same browser ends the earlier session on the server
    await c.get('/login');
    expect((await c.post('/login', { login: 'trainer', password: TEST_PASSWORD })).status).toBe(303);
    const second = c.cookies.get(SESSION_COOKIE)!;
    expect(second.split('.')[0]).not.toBe(first.split('.')[0]);
    expect((await replay(first)).status).toBe(302);
    expect((await replay(second)).status).toBe(200);
    expect(sessionsOf(org.users.office.id)).toEqual([]);
  });

  it('the session cookie is HttpOnly, SameSite=Lax and for the whole site; Secure when configured', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    const res = await c.post('/login', { login: 'office', password: TEST_PASSWORD });
    const cookie = [res.headers['set-cookie']].flat().find((h) => h?.startsWith(`${SESSION_COOKIE}=`))!;
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect(cookie).not.toMatch(/;\s*Secure/i);

    const secure = await createTestApp({ TAAHIL_SECURE_COOKIES: 'true' });
    try {
      await makeOrg(secure.db);
      const s = new Client(secure.app);
      await s.get('/login');
      const r = await s.post('/login', { login: 'office', password: TEST_PASSWORD });
      expect(r.status).toBe(303);
      expect([r.headers['set-cookie']].flat().find((h) => h?.startsWith(`${SESSION_COOKIE}=`))).toMatch(/;\s*Secure/i);
    } finally {
      await secure.close();
    }
  });

  it('logout ends only that session on the server; the other device stays signed in', async () => {
    const phone = new Client(t.app);
    await phone.login('trainer');
    const laptop = new Client(t.app);
    await laptop.login('trainer');
    const phoneCookie = phone.cookies.get(SESSION_COOKIE)!;
    expect((await phone.post('/logout')).status).toBe(303);
    expect((await replay(phoneCookie)).status).toBe(302);
    expect((await laptop.get('/account')).status).toBe(200);
    expect(sessionsOf(org.users.trainer.id)).toHaveLength(1);
  });

  it('deactivation ends the sessions on every device; reactivation brings none back', async () => {
    const devices = [new Client(t.app), new Client(t.app), new Client(t.app)];
    for (const d of devices) await d.login('trainer');
    const cookies = devices.map((d) => d.cookies.get(SESSION_COOKIE)!);
    expect(sessionsOf(org.users.trainer.id)).toHaveLength(3);
    const office = new Client(t.app);
    await office.login('office');
    await office.get(`/admin/users/${org.users.trainer.id}`);
    expect((await office.post(`/admin/users/${org.users.trainer.id}/deactivate`)).status).toBe(303);
    expect(sessionsOf(org.users.trainer.id)).toEqual([]);
    for (const d of devices) expect((await d.get('/today')).status).toBe(302);
    expect((await office.post(`/admin/users/${org.users.trainer.id}/activate`)).status).toBe(303);
    for (const c of cookies) expect((await replay(c)).status).toBe(302);
    // a fresh sign-in works again
    expect((await new Client(t.app).login('trainer')).status).toBe(303);
  });
});

describe('invitation links', () => {
  it('work once, even when the link is used twice at the same moment', async () => {
    const { token, userId } = await invite('twice');
    const a = new Client(t.app);
    const b = new Client(t.app);
    await a.get(`/invite/${token}`);
    await b.get(`/invite/${token}`);
    const [ra, rb] = await Promise.all([
      a.post(`/invite/${token}`, { password: 'first-password-1', confirm: 'first-password-1' }),
      b.post(`/invite/${token}`, { password: 'second-password-2', confirm: 'second-password-2' }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([303, 410]);
    const winner = ra.status === 303 ? 'first-password-1' : 'second-password-2';
    const loser = ra.status === 303 ? 'second-password-2' : 'first-password-1';
    expect(sessionsOf(userId)).toHaveLength(1);
    const c = new Client(t.app);
    await c.get('/login');
    expect((await c.post('/login', { login: 'twice', password: loser })).status).toBe(400);
    expect((await c.post('/login', { login: 'twice', password: winner })).status).toBe(303);
  });

  it('an expired link neither shows the form nor sets a password', async () => {
    const { token, userId } = await invite('expired');
    const c = new Client(t.app);
    await c.get(`/invite/${token}`);
    t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(invitations.userId, userId))
      .run();
    expect((await c.get(`/invite/${token}`)).status).toBe(410);
    const res = await c.post(`/invite/${token}`, { password: 'late-password-1', confirm: 'late-password-1' });
    expect(res.status).toBe(410);
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(t.db.select().from(users).where(eq(users.id, userId)).get()!.passwordHash).toBeNull();
  });

  it('stop working when a newer link is issued for the same person', async () => {
    const { token: old, userId } = await invite('renewed');
    const office = new Client(t.app);
    await office.login('office');
    await office.get(`/admin/users/${userId}`);
    const reset = await office.post(`/admin/users/${userId}/reset-password`);
    const fresh = /\/invite\/([a-z0-9]+)/.exec(reset.body)![1];
    expect(fresh).not.toBe(old);
    const c = new Client(t.app);
    expect((await c.get(`/invite/${old}`)).status).toBe(410);
    await c.get(`/invite/${fresh}`);
    expect((await c.post(`/invite/${old}`, { password: 'old-link-pass-1', confirm: 'old-link-pass-1' })).status).toBe(
      410,
    );
    expect((await c.post(`/invite/${fresh}`, { password: 'new-link-pass-1', confirm: 'new-link-pass-1' })).status).toBe(
      303,
    );
  });

  it('do nothing for a deactivated account', async () => {
    const { token, userId } = await invite('leaver');
    const office = new Client(t.app);
    await office.login('office');
    await office.get(`/admin/users/${userId}`);
    expect((await office.post(`/admin/users/${userId}/deactivate`)).status).toBe(303);
    const c = new Client(t.app);
    expect((await c.get(`/invite/${token}`)).status).toBe(410);
    await c.get('/login');
    expect((await c.post(`/invite/${token}`, { password: 'leaver-pass-123', confirm: 'leaver-pass-123' })).status).toBe(
      410,
    );
    expect(sessionsOf(userId)).toEqual([]);
  });

  it('an unknown or malformed token is refused, never a form and never a 5xx', async () => {
    const c = new Client(t.app);
    for (const token of ['a'.repeat(32), 'short', '..%2F..%2Fetc', '%00', 'x'.repeat(5000)]) {
      const res = await c.get(`/invite/${token}`);
      // 414: an address part longer than the server reads at all
      expect([404, 410, 414], token.slice(0, 20)).toContain(res.status);
      expect(res.body).not.toContain('name="password"');
    }
  });
});
