/**
 * Every route × every role (and signed out), generated from the app's own route list:
 * a route added without an entry in tests/security/matrix/<feature>.ts fails the first
 * test, so none can be forgotten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { LOGIN, type MatrixPart, type Org, WHO, type Who } from './matrix-types.ts';

const parts = import.meta.glob<{ part: MatrixPart }>('./matrix/*.ts', { eager: true });
const GETS: MatrixPart['gets'] = {};
const POSTS = new Set<string>();
for (const { part } of Object.values(parts)) {
  Object.assign(GETS, part.gets);
  for (const p of part.posts) POSTS.add(p.includes(' ') ? p : `POST ${p}`);
}

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
    const changes = routes.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.url}`);
    expect(gets.filter((u) => !(u in GETS))).toEqual([]);
    expect(changes.filter((u) => !POSTS.has(u))).toEqual([]);
  });

  for (const [url, spec] of Object.entries(GETS)) {
    it(`GET ${url}`, async () => {
      const target = fill(url, await spec.params?.(t, org));
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
    const publicRoutes = new Set(t.app.routeList.filter((r) => r.public).map((r) => `${r.method} ${r.url}`));
    for (const entry of POSTS) {
      const [method, url] = entry.split(' ');
      const target = fill(url, { lang: 'en', token: 'x', id: 1 });
      const signedIn = await clients.office.request(method, target, { form: {} });
      expect(signedIn.status, `${method} ${target} without CSRF`).toBe(403);
      const anon = await new Client(t.app).request(method, target, { form: {} });
      expect(anon.status, `anon ${method} ${target}`).toBe(publicRoutes.has(entry) ? 403 : 401);
    }
  });
});
