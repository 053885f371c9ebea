/**
 * What every request checks, made cheaper (issue 12) without checking less: the sign-in session
 * kept while the data is unchanged (server/auth/repository.ts `signedIn`), the cookie signer that
 * remembers genuine signatures (server/core/security.ts), and helmet's headers worked out once.
 */
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { openDatabase } from '../../server/core/db.ts';
import { rememberingSigner } from '../../server/core/security.ts';
import { makeOrg } from '../factories.ts';
import { tempDir } from '../faults/server.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';

let t: TestApp;
let file: string;
beforeEach(async () => {
  file = path.join(tempDir('per-request'), 'taahil.sqlite');
  t = await createTestApp({}, file);
  await makeOrg(t.db);
});
afterEach(() => t.close());

/** a write by another process: a second connection to the same file, closed after */
function elsewhere(write: (db: ReturnType<typeof openDatabase>) => void) {
  const other = openDatabase(file);
  try {
    write(other);
  } finally {
    other.$client.close();
  }
}
/** the next turn of the event loop, where another process's commit is seen (core/cache.ts) */
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('the sign-in session, kept while nothing changes', () => {
  it('is read once, not on every request', async () => {
    // (recording from before the sign-in: statements are compiled once, at their first use)
    const recorder = queryRecorder(t.db);
    const c = new Client(t.app);
    await c.login('member');
    expect((await recorder.captureAsync(() => c.get('/account'))).some((q) => /auth_sessions/.test(q.sql))).toBe(true);
    const statements = await recorder.captureAsync(() => c.get('/account'));
    expect(statements.filter((q) => /auth_sessions|user_roles/.test(q.sql))).toEqual([]);
  });

  it('is refused at once when another process deletes it, or deactivates the account', async () => {
    const phone = new Client(t.app);
    await phone.login('member');
    const laptop = new Client(t.app);
    await laptop.login('member');
    expect((await phone.get('/account')).status).toBe(200);
    const id = phone.cookies.get('taahil_session')!.split('.')[0];
    elsewhere((db) => db.delete(s.authSessions).where(eq(s.authSessions.id, id)).run());
    await nextTurn();
    const refused = await phone.get('/account');
    expect(refused.status).toBe(302);
    expect(refused.location).toMatch(/^\/login/);
    expect((await laptop.get('/account')).status).toBe(200);

    elsewhere((db) => db.update(s.users).set({ active: false }).where(eq(s.users.username, 'member')).run());
    await nextTurn();
    expect((await laptop.get('/account')).status).toBe(302);
  });

  it('shows a change of roles on the next request', async () => {
    const c = new Client(t.app);
    await c.login('member');
    expect(textOf((await c.get('/account')).body)).not.toContain('مدرب/ة');
    const user = t.db.select().from(s.users).where(eq(s.users.username, 'member')).get()!;
    t.db.insert(s.userRoles).values({ userId: user.id, role: 'trainer' }).run();
    expect(textOf((await c.get('/account')).body)).toContain('مدرب/ة');
  });
});

describe('the cookie signer', () => {
  it('remembers only genuine signatures, and answers as the plain signer does', () => {
    const signer = rememberingSigner('a secret of the app', 2);
    const signed = signer.sign('value');
    expect(signer.unsign(signed)).toEqual({ valid: true, renew: false, value: 'value' });
    expect(signer.unsign(signed)).toEqual({ valid: true, renew: false, value: 'value' });
    const forged = `${signed.slice(0, -2)}xx`;
    expect(signer.unsign(forged)).toEqual({ valid: false, renew: false, value: null });
    expect(signer.unsign(forged)).toEqual({ valid: false, renew: false, value: null });
    expect(signer.unsign('value.')).toEqual({ valid: false, renew: false, value: null });
    expect(rememberingSigner('another secret').unsign(signed).valid).toBe(false);
  });

  it('still refuses a change whose CSRF cookie was forged', async () => {
    const c = new Client(t.app);
    await c.login('member');
    const genuine = c.cookies.get('_csrf')!;
    const token = c.csrf;
    c.cookies.set('_csrf', `${genuine.slice(0, genuine.lastIndexOf('.'))}.forged`);
    expect((await c.post('/logout')).status).toBe(403);
    // (the refusal's page made a new secret; the genuine pair is sent again)
    c.cookies.set('_csrf', genuine);
    c.csrf = token;
    expect((await c.post('/logout')).status).toBe(303);
  });
});

describe("helmet's headers", () => {
  it('are on every answer: a page, a redirect, a 404, a static file; X-Powered-By is not', async () => {
    const c = new Client(t.app);
    for (const url of ['/login', '/activities/new', '/no-such-page', '/static/js/app.js']) {
      const res = await c.get(url);
      expect(String(res.headers['content-security-policy']), url).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('SAMEORIGIN');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['cross-origin-opener-policy'], url).toBe('same-origin');
      expect(res.headers['x-powered-by'], url).toBeUndefined();
    }
  });
});
