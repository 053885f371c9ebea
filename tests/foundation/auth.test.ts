import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authSessions, invitations } from '../../db/schema.ts';
import { SESSION_COOKIE } from '../../server/auth/sessions.ts';
import { makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, TEST_PASSWORD, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

describe('signing in and out', () => {
  it('signs in with a username, shows the dashboard, and signs out', async () => {
    const c = new Client(t.app);
    const res = await c.login('office');
    expect(res.location).toBe('/');
    const cookie = c.cookies.get(SESSION_COOKIE)!;
    expect(cookie).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
    const home = await c.get('/');
    expect(textOf(home.body)).toContain('أهلاً');
    const out = await c.post('/logout');
    expect(out.status).toBe(303);
    expect(c.cookies.has(SESSION_COOKIE)).toBe(false);
    // the old token no longer works even if replayed
    const replay = new Client(t.app);
    replay.cookies.set(SESSION_COOKIE, cookie);
    expect((await replay.get('/account')).status).toBe(302);
  });

  it('signs in with a phone number', async () => {
    await makeUser(t.db, { username: 'phoneuser', roles: [{ role: 'trainer' }] });
    t.db.$client.prepare("update users set phone = '+963944555666' where username = 'phoneuser'").run();
    const c = new Client(t.app);
    await c.get('/login');
    const res = await c.post('/login', { login: '+963944555666', password: TEST_PASSWORD });
    expect(res.status).toBe(303);
  });

  it('stores only a SHA-256 of the session secret', async () => {
    const c = new Client(t.app);
    await c.login('office');
    const [id, secret] = c.cookies.get(SESSION_COOKIE)!.split('.');
    const row = t.db.select().from(authSessions).where(eq(authSessions.id, id)).get()!;
    expect(row.secretHash).toHaveLength(32);
    expect(row.secretHash.toString('utf8')).not.toContain(secret);
  });

  it('gives a new session id on every login', async () => {
    const c = new Client(t.app);
    await c.login('office');
    const first = c.cookies.get(SESSION_COOKIE);
    await c.get('/login?next=/');
    const res = await c.post('/login', { login: 'office', password: TEST_PASSWORD });
    expect(res.status).toBe(303);
    expect(c.cookies.get(SESSION_COOKIE)).not.toBe(first);
  });

  it('rejects a tampered token', async () => {
    const c = new Client(t.app);
    await c.login('office');
    const [id] = c.cookies.get(SESSION_COOKIE)!.split('.');
    c.cookies.set(SESSION_COOKIE, `${id}.wrongsecretwrongsecret12`);
    const res = await c.get('/account');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login?next=%2Faccount');
  });

  it('expires a session after the inactivity period and slides it while used', async () => {
    const c = new Client(t.app);
    await c.login('office');
    const [id] = c.cookies.get(SESSION_COOKIE)!.split('.');
    const day = 86_400_000;
    // used 9 days ago: still valid (10 days by default), and pushed forward
    t.db
      .update(authSessions)
      .set({ lastVerifiedAt: new Date(Date.now() - 9 * day) })
      .where(eq(authSessions.id, id))
      .run();
    expect((await c.get('/account')).status).toBe(200);
    const touched = t.db.select().from(authSessions).where(eq(authSessions.id, id)).get()!;
    expect(Date.now() - touched.lastVerifiedAt.getTime()).toBeLessThan(60_000);
    // unused for 11 days: gone
    t.db
      .update(authSessions)
      .set({ lastVerifiedAt: new Date(Date.now() - 11 * day) })
      .where(eq(authSessions.id, id))
      .run();
    expect((await c.get('/account')).status).toBe(302);
    expect(t.db.select().from(authSessions).where(eq(authSessions.id, id)).get()).toBeUndefined();
  });

  it('shows a clear message and keeps the login on a wrong password, never the password', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    const res = await c.post('/login', { login: 'office', password: 'wrong-password' });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('اسم المستخدم أو كلمة المرور غير صحيحة');
    expect(res.body).toContain('value="office"');
    expect(res.body).not.toContain('wrong-password');
    expect(res.body).toMatch(/aria-describedby="f-login-error[^"]*"/);
  });

  it('refuses a deactivated user', async () => {
    await makeUser(t.db, { username: 'gone', active: false, roles: [{ role: 'office' }] });
    const c = new Client(t.app);
    await c.get('/login');
    expect((await c.post('/login', { login: 'gone', password: TEST_PASSWORD })).status).toBe(400);
  });

  it('locks an account after 5 wrong passwords, whatever the IP', async () => {
    for (let i = 0; i < 5; i++) {
      const c = new Client(t.app);
      c.ip = `10.0.0.${i + 1}`;
      await c.get('/login');
      expect((await c.post('/login', { login: 'office', password: 'nope' })).status).toBe(400);
    }
    const c = new Client(t.app);
    c.ip = '10.0.0.99';
    await c.get('/login');
    const res = await c.post('/login', { login: 'office', password: TEST_PASSWORD });
    expect(res.status).toBe(429);
    expect(textOf(res.body)).toContain('محاولات خاطئة كثيرة لهذا الحساب');
    // another account is unaffected
    expect((await c.post('/login', { login: 'trainer', password: TEST_PASSWORD })).status).toBe(303);
  });

  it('rate-limits login attempts per IP', async () => {
    const c = new Client(t.app);
    c.ip = '10.9.9.9';
    await c.get('/login');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await c.post('/login', { login: `nobody${i}`, password: 'x' })).status);
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('follows only same-site "next" addresses after login', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    const res = await c.post('/login', { login: 'office', password: TEST_PASSWORD, next: '//evil.example/x' });
    expect(res.location).toBe('/');
    const c2 = new Client(t.app);
    await c2.get('/login');
    expect((await c2.post('/login', { login: 'office', password: TEST_PASSWORD, next: '/account' })).location).toBe(
      '/account',
    );
  });
});

describe('CSRF', () => {
  it('refuses a state change without the token', async () => {
    const c = new Client(t.app);
    await c.login('office');
    const res = await c.post(
      '/account/password',
      { current: TEST_PASSWORD, password: 'another-password', confirm: 'another-password' },
      { csrf: false },
    );
    expect(res.status).toBe(403);
    expect(textOf(res.body)).toContain('انتهت صلاحية النموذج');
  });

  it('refuses a token from another browser', async () => {
    const a = new Client(t.app);
    await a.login('office');
    const b = new Client(t.app);
    await b.login('trainer');
    b.csrf = a.csrf;
    const res = await b.post('/account/password', {
      current: TEST_PASSWORD,
      password: 'another-password',
      confirm: 'another-password',
    });
    expect(res.status).toBe(403);
  });
});

describe('own account', () => {
  it('changes the password and signs out the other devices', async () => {
    const phone = new Client(t.app);
    await phone.login('trainer');
    const laptop = new Client(t.app);
    await laptop.login('trainer');
    await laptop.get('/account');
    const res = await laptop.post('/account/password', {
      current: TEST_PASSWORD,
      password: 'a-new-password-1',
      confirm: 'a-new-password-1',
    });
    expect(res.status).toBe(303);
    expect((await laptop.get('/account')).status).toBe(200);
    expect((await phone.get('/account')).status).toBe(302);
    const again = new Client(t.app);
    await again.get('/login');
    expect((await again.post('/login', { login: 'trainer', password: 'a-new-password-1' })).status).toBe(303);
  });

  it('explains a bad password change beside the fields', async () => {
    const c = new Client(t.app);
    await c.login('trainer');
    await c.get('/account');
    const res = await c.post('/account/password', { current: 'wrong', password: 'short', confirm: 'other' });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('10 أحرف على الأقل');
  });
});

describe('invitations', () => {
  it('lets a new user set a password once, and the link then stops working', async () => {
    const office = new Client(t.app);
    await office.login('office');
    await office.get('/admin/users/new');
    const created = await office.post('/admin/users', {
      username: 'newtrainer',
      displayName: 'مدرب جديد',
      roleTrainer: 'on',
    });
    expect(created.status).toBe(200);
    const link = /\/invite\/([a-z0-9]+)/.exec(created.body)![1];
    const person = new Client(t.app);
    const page = await person.get(`/invite/${link}`);
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toContain('مدرب جديد');
    const done = await person.post(`/invite/${link}`, { password: 'my-own-password', confirm: 'my-own-password' });
    expect(done.status).toBe(303);
    expect((await person.get('/account')).status).toBe(200);
    const reuse = new Client(t.app);
    expect((await reuse.get(`/invite/${link}`)).status).toBe(410);
    await reuse.get('/login');
    expect(
      (await reuse.post(`/invite/${link}`, { password: 'stolen-password', confirm: 'stolen-password' })).status,
    ).toBe(410);
  });

  it('refuses an expired invitation', async () => {
    const office = new Client(t.app);
    await office.login('office');
    await office.get('/admin/users/new');
    const created = await office.post('/admin/users', { username: 'late', displayName: 'متأخر', roleTrainer: 'on' });
    const link = /\/invite\/([a-z0-9]+)/.exec(created.body)![1];
    t.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .run();
    expect((await new Client(t.app).get(`/invite/${link}`)).status).toBe(410);
  });
});

describe('deactivation and password reset', () => {
  it('ends every session of a deactivated user at once', async () => {
    const trainer = new Client(t.app);
    await trainer.login('trainer');
    const office = new Client(t.app);
    await office.login('office');
    await office.get(`/admin/users/${org.users.trainer.id}`);
    expect((await office.post(`/admin/users/${org.users.trainer.id}/deactivate`)).status).toBe(303);
    expect((await trainer.get('/account')).status).toBe(302);
    const again = new Client(t.app);
    await again.get('/login');
    expect((await again.post('/login', { login: 'trainer', password: TEST_PASSWORD })).status).toBe(400);
  });

  it('a password reset stops the old password and gives a new invitation', async () => {
    const office = new Client(t.app);
    await office.login('office');
    await office.get(`/admin/users/${org.users.trainer.id}`);
    const res = await office.post(`/admin/users/${org.users.trainer.id}/reset-password`);
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/\/invite\/[a-z0-9]{32}/);
    const c = new Client(t.app);
    await c.get('/login');
    expect((await c.post('/login', { login: 'trainer', password: TEST_PASSWORD })).status).toBe(400);
  });
});
