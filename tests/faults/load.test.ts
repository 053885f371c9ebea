/**
 * A bounded load run against the real server process on 127.0.0.1: several connections mixing
 * page reads (dashboard, lists, searches, account) with writes (creating users, switching language)
 * for TAAHIL_LOAD_SECONDS (20 s by default; set it to 180 for the few-minute run).
 * Asserts: no 5xx, no connection errors or timeouts, no error-level line in the server log,
 * and the database is intact afterwards. Nothing here asserts speed.
 */
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { HttpClient, type RunningServer, startServer, tempDir } from './server.ts';

const SECONDS = Number(process.env.TAAHIL_LOAD_SECONDS ?? 20);
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.stop('SIGKILL');
});

it(
  `serves ${SECONDS} s of mixed reads and writes without a server error`,
  async () => {
    const db = path.join(tempDir('load'), 'taahil.sqlite');
    server = await startServer({ db });
    const office = new HttpClient(server.url);
    await office.login('office');
    await office.get('/admin/users/new');
    const member = new HttpClient(server.url);
    await member.login('member');
    await member.get('/account');

    // extra read addresses from the menu of each role, so features that land later are loaded too
    const menu = async (c: HttpClient) =>
      [...(await c.get('/')).body.matchAll(/<li><a href="(\/[^"#?]*)"/g)].map((m) => m[1]).slice(0, 8);
    const officeReads = ['/', '/admin/users', '/admin/users?q=tr', '/account', ...(await menu(office))];
    const memberReads = ['/', '/account', ...(await menu(member))];

    const form = (c: HttpClient, f: Record<string, string>) => new URLSearchParams({ _csrf: c.csrf!, ...f }).toString();
    const headersOf = (c: HttpClient, post = false) => ({
      accept: 'text/html',
      cookie: c.cookieHeader(),
      ...(post ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    });
    let n = 0;
    const officeRequests: autocannon.Request[] = [
      ...officeReads.map((p) => ({ method: 'GET' as const, path: p, headers: headersOf(office) })),
      {
        method: 'POST',
        path: '/admin/users',
        headers: headersOf(office, true),
        setupRequest: (req: any) => {
          const k = n++;
          return { ...req, body: form(office, { username: `load-${k}`, displayName: `مستخدم الحمل ${k}` }) };
        },
      },
    ];
    const memberRequests: autocannon.Request[] = [
      ...memberReads.map((p) => ({ method: 'GET' as const, path: p, headers: headersOf(member) })),
      { method: 'POST', path: '/lang/en', headers: headersOf(member, true), body: form(member, { next: '/' }) },
      { method: 'POST', path: '/lang/ar', headers: headersOf(member, true), body: form(member, { next: '/' }) },
    ];

    const run = (requests: autocannon.Request[], connections: number) =>
      autocannon({ url: server!.url, connections, duration: SECONDS, requests, timeout: 10 });
    const [a, b] = await Promise.all([run(officeRequests, 4), run(memberRequests, 4)]);

    for (const r of [a, b]) {
      const codes = Object.keys(r.statusCodeStats ?? {}).map(Number);
      expect(
        codes.filter((c) => c >= 500),
        'status codes seen',
      ).toEqual([]);
      expect(
        codes.every((c) => c === 200 || c === 303),
        `codes ${codes}`,
      ).toBe(true);
      expect(r.errors).toBe(0);
      expect(r.timeouts).toBe(0);
      expect(r.requests.total).toBeGreaterThan(0);
    }
    expect(server.logs().filter((l) => l.level >= 50)).toEqual([]);
    console.log(
      `load: ${a.requests.total + b.requests.total} requests in ${SECONDS} s, ` +
        `p99 ${Math.max(a.latency.p99, b.latency.p99)} ms, ${n} users created`,
    );

    const exit = await server.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const created = sqlite.prepare("select count(*) as n from users where username like 'load-%'").get() as {
      n: number;
    };
    sqlite.close();
    // every answered write is there (a write cut off when the run ends may or may not be)
    expect(created.n).toBeGreaterThanOrEqual(n - 8);
    expect(created.n).toBeLessThanOrEqual(n);
  },
  (SECONDS + 180) * 1000,
);
