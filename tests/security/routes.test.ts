/**
 * Every route × every role (and signed out), generated from the app's own route list:
 * a route added without an entry here fails the first test, so none can be forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';

type Who = 'anon' | 'admin' | 'office' | 'coordinator' | 'trainer' | 'member';
const WHO: Who[] = ['anon', 'admin', 'office', 'coordinator', 'trainer', 'member'];
const OK = 200;
const LOGIN = 302; // redirect to the login page
const DENY = 403;
const ALL_OK = { anon: OK, admin: OK, office: OK, coordinator: OK, trainer: OK, member: OK };
const SIGNED_IN_OK = { anon: LOGIN, admin: OK, office: OK, coordinator: OK, trainer: OK, member: OK };
const OFFICE_ONLY = { anon: LOGIN, admin: OK, office: OK, coordinator: DENY, trainer: DENY, member: DENY };
const ADMIN_ONLY = { anon: LOGIN, admin: OK, office: DENY, coordinator: DENY, trainer: DENY, member: DENY };

type Org = Awaited<ReturnType<typeof makeOrg>>;
/** GET routes: the status each viewer gets, and how to fill the route's parameters */
const GETS: Record<string, { expect: Partial<Record<Who, number>>; params?: (o: Org) => Record<string, string | number> }> = {
  '/': { expect: ALL_OK },
  '/healthz': { expect: ALL_OK },
  '/login': { expect: { ...ALL_OK, admin: LOGIN, office: LOGIN, coordinator: LOGIN, trainer: LOGIN, member: LOGIN } },
  '/account': { expect: SIGNED_IN_OK },
  '/invite/:token': { expect: { anon: 410 }, params: () => ({ token: 'not-a-token' }) },
  '/admin/users': { expect: OFFICE_ONLY },
  '/admin/users/new': { expect: OFFICE_ONLY },
  '/admin/users/:id': { expect: OFFICE_ONLY, params: (o) => ({ id: o.users.trainer.id }) },
  '/admin/audit': { expect: ADMIN_ONLY },
};
/** state-changing routes: signed out they are refused (401), and without a CSRF token 403 */
const POSTS = new Set<string>([
  '/login',
  '/logout',
  '/lang/:lang',
  '/account/password',
  '/invite/:token',
  '/admin/users',
  '/admin/users/:id',
  '/admin/users/:id/deactivate',
  '/admin/users/:id/activate',
  '/admin/users/:id/reset-password',
]);

let t: TestApp;
let org: Org;
const clients = {} as Record<Who, Client>;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  for (const who of WHO) {
    clients[who] = new Client(t.app);
    if (who !== 'anon') await clients[who].login(who);
  }
});
afterAll(() => t.close());

const fill = (url: string, params: Record<string, string | number> = {}) =>
  url.replace(/:(\w+)/g, (_, k: string) => String(params[k] ?? 1));

describe('route × role matrix', () => {
  it('lists every route the app serves', () => {
    const routes = t.app.routeList.filter((r) => !r.url.startsWith('/static/'));
    const gets = routes.filter((r) => r.method === 'GET').map((r) => r.url);
    const posts = routes.filter((r) => r.method !== 'GET').map((r) => r.url);
    expect(gets.filter((u) => !(u in GETS))).toEqual([]);
    expect(posts.filter((u) => !POSTS.has(u))).toEqual([]);
  });

  for (const [url, spec] of Object.entries(GETS)) {
    it(`GET ${url}`, async () => {
      const target = fill(url, spec.params?.(org));
      for (const who of WHO) {
        const expected = spec.expect[who];
        if (expected === undefined) continue;
        const res = await clients[who].get(target);
        expect(res.status, `${who} GET ${target}`).toBe(expected);
        if (expected === LOGIN && who === 'anon') expect(res.location).toMatch(/^\/login\?next=/);
      }
    });
  }

  it('refuses every state change without a CSRF token, and signed out', async () => {
    const publicPosts = new Set(t.app.routeList.filter((r) => r.method === 'POST' && r.public).map((r) => r.url));
    for (const url of POSTS) {
      const target = fill(url, { lang: 'en', token: 'x', id: org.users.member.id });
      const signedIn = await clients.office.post(target, {}, { csrf: false });
      expect(signedIn.status, `POST ${target} without CSRF`).toBe(403);
      const anon = await new Client(t.app).post(target, {}, { csrf: false });
      expect(anon.status, `anon POST ${target}`).toBe(publicPosts.has(url) ? 403 : 401);
    }
  });
});
