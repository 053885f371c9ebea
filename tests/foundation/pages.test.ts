import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

describe('layout and language', () => {
  it('is Arabic and right-to-left by default', async () => {
    const res = await new Client(t.app).get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<html lang="ar" dir="rtl">');
    expect(textOf(res.body)).toContain('تأهيل');
  });

  it('switches to English before login (per browser) and back', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    const sw = await c.post('/lang/en', { next: '/login' });
    expect(sw.status).toBe(303);
    expect(sw.location).toBe('/login');
    const page = await c.get('/login');
    expect(page.body).toContain('<html lang="en" dir="ltr">');
    expect(textOf(page.body)).toContain('Sign in to Taahil');
    await c.post('/lang/ar', { next: '/' });
    expect((await c.get('/')).body).toContain('lang="ar"');
  });

  it('remembers the language per user across browsers', async () => {
    const a = new Client(t.app);
    await a.login('trainer');
    await a.get('/account');
    await a.post('/lang/en', { next: '/account' });
    const b = new Client(t.app);
    await b.login('trainer');
    expect((await b.get('/account')).body).toContain('lang="en"');
  });

  it('refuses a language that does not exist', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    expect((await c.post('/lang/fr')).status).toBe(404);
  });

  it('sends a strict CSP without inline scripts, and no-store on pages', async () => {
    const res = await new Client(t.app).get('/login');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(res.body).not.toMatch(/ on[a-z]+="/);
  });
});

describe('errors', () => {
  it('gives a localized 404 page', async () => {
    const c = new Client(t.app);
    const res = await c.get('/no-such-page');
    expect(res.status).toBe(404);
    expect(textOf(res.body)).toContain('غير موجود');
    await c.post('/lang/en', { next: '/' });
    expect(textOf((await c.get('/no-such-page')).body)).toContain('does not exist');
  });

  it('answers 404 for unknown and malformed ids, never 500', async () => {
    const c = new Client(t.app);
    await c.login('office');
    for (const id of ['999999', 'abc', '-1', '1.5', '99999999999999999999']) {
      expect((await c.get(`/admin/users/${id}`)).status).toBe(404);
    }
  });

  it('never shows a stack trace or SQL, and logs the error with a request id', async () => {
    const lines: string[] = [];
    const { buildApp } = await import('../../server/app.ts');
    const { Writable } = await import('node:stream');
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = await buildApp({ config: t.config, db: t.db, logger: { level: 'error', stream } });
    app.get('/boom', { config: { public: true } }, async () => {
      throw new Error('SELECT secret FROM users -- exploded');
    });
    const res = await app.inject({ url: '/boom', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('SELECT');
    expect(res.body).not.toContain('exploded');
    const reqId = /رقم الطلب: ([a-z0-9]+)/.exec(textOf(res.body))![1];
    expect(lines.join('')).toContain(reqId);
    // each request its own id
    const again = await app.inject({ url: '/boom', headers: { accept: 'text/html' } });
    const otherId = /رقم الطلب: ([a-z0-9]+)/.exec(textOf(again.body))![1];
    expect(otherId).toHaveLength(reqId.length);
    expect(otherId).not.toBe(reqId);
    expect(lines.join('')).toContain(otherId);
    await app.close();
  });

  it('asks to sign in for private pages', async () => {
    const res = await new Client(t.app).get('/admin/users');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login?next=%2Fadmin%2Fusers');
  });

  it('refuses oversize bodies', async () => {
    const c = new Client(t.app);
    await c.get('/login');
    const res = await c.post('/login', { login: 'x'.repeat(2 * 1024 * 1024), password: 'y' });
    expect(res.status).toBe(413);
  });
});

describe('health', () => {
  it('answers 200 with JSON when the database reads', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ok');
  });
  it('answers 503 when the database cannot be read', async () => {
    t.db.$client.exec('alter table units rename to units_gone');
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(503);
    t.db.$client.exec('alter table units_gone rename to units');
  });
});

describe('users and roles (office and admin)', () => {
  it('creates a coordinator of a unit and shows them in the list', async () => {
    const c = new Client(t.app);
    await c.login('office');
    await c.get('/admin/users/new');
    const res = await c.post('/admin/users', {
      username: 'Raqqa.Exec',
      displayName: 'الهيئة التنفيذية للرقة',
      phone: '0944 123 456',
      coordinatorUnitId: String(org.units.raqqa.id),
    });
    expect(res.status).toBe(200);
    const list = textOf((await c.get('/admin/users?q=raqqa')).body);
    expect(list).toContain('raqqa.exec');
    expect(list).toContain('الهيئة التنفيذية (مجلس مدينة الرقة)');
    expect(t.db.$client.prepare("select phone from users where username='raqqa.exec'").get()).toEqual({
      phone: '+963944123456',
    });
  });

  it('keeps what was typed and explains each bad field, saving nothing', async () => {
    const c = new Client(t.app);
    await c.login('office');
    await c.get('/admin/users/new');
    const before = t.db.$client.prepare('select count(*) n from users').get();
    const res = await c.post('/admin/users', {
      username: 'office',
      displayName: '',
      phone: '12ab',
      email: 'nope',
      memberId: '424242',
    });
    expect(res.status).toBe(400);
    const text = textOf(res.body);
    expect(text).toContain('هذا الحقل مطلوب');
    expect(text).toContain('رقم الهاتف غير صالح');
    expect(text).toContain('عنوان البريد الإلكتروني غير صالح');
    expect(res.body).toContain('value="12ab"');
    expect(t.db.$client.prepare('select count(*) n from users').get()).toEqual(before);
  });

  it('only an admin grants the admin role', async () => {
    const c = new Client(t.app);
    await c.login('office');
    await c.get('/admin/users/new');
    const res = await c.post('/admin/users', { username: 'sneaky', displayName: 'x', roleAdmin: 'on' });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('مدير النظام فقط');
  });

  it('keeps coordinators, trainers and members out of user administration and the audit log', async () => {
    for (const who of ['coordinator', 'trainer', 'member']) {
      const c = new Client(t.app);
      await c.login(who);
      expect((await c.get('/admin/users')).status).toBe(403);
      expect((await c.get(`/admin/users/${org.users.office.id}`)).status).toBe(403);
      expect((await c.get('/admin/audit')).status).toBe(403);
      await c.get('/account');
      expect((await c.post(`/admin/users/${org.users.office.id}/deactivate`)).status).toBe(403);
    }
    const office = new Client(t.app);
    await office.login('office');
    expect((await office.get('/admin/audit')).status).toBe(403);
  });

  it('writes the audit log, readable by the admin', async () => {
    const c = new Client(t.app);
    await c.login('office');
    await c.get('/admin/users/new');
    await c.post('/admin/users', { username: 'audited', displayName: 'x', roleTrainer: 'on' });
    const admin = new Client(t.app);
    await admin.login('admin');
    const page = textOf((await admin.get('/admin/audit?action=user.')).body);
    expect(page).toContain('user.create');
  });
});
