/**
 * Where a page's time goes on the large file: builds the real app in this process on a COPY of
 * tests/bench/large.sqlite, requests each benchmark page a few times (app.inject), and prints
 * per page the SQL statements it runs per request (N+1 shows up here), the slowest ones with
 * their EXPLAIN QUERY PLAN, and every full scan of a large table.
 *
 *   npx tsx tests/bench/queries.ts [--db tests/bench/large.sqlite] [--only roster] [--repeat 5] [--cold]
 *
 * --cold writes before each request (a no-op update), so nothing kept from earlier requests
 * serves it: the figures are those of the first visit after any change, such as a check-in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import type { BenchFixture } from '../../db/generate-large.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { openDatabase } from '../../server/core/db.ts';
import { zonedParts } from '../../server/core/time.ts';
import { formBody } from './forms.ts';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'tests/bench/large.sqlite' },
    only: { type: 'string' },
    repeat: { type: 'string', default: '5' },
    cold: { type: 'boolean', default: false },
  },
});
const REPEAT = Number(args.repeat);
const LARGE = ['members', 'sessions', 'enrolments', 'attendance', 'attendance_events'];

// a copy, so the saves and check-ins here leave the benchmark's file as it was
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-queries-')), 'large.sqlite');
fs.copyFileSync(args.db!, copy);
const db = openDatabase(copy);
const sqlite: Database.Database = db.$client;

interface Stat {
  count: number;
  ms: number;
  max: number;
}
let stats = new Map<string, Stat>();
const originalPrepare = sqlite.prepare.bind(sqlite);
const traced = new WeakSet<object>();
(sqlite as any).prepare = (source: string) => {
  const stmt = originalPrepare(source) as any;
  // the connection keeps its statements (server/core/db.ts): trace each one once
  if (traced.has(stmt)) return stmt;
  traced.add(stmt);
  for (const method of ['all', 'get', 'run', 'iterate']) {
    const fn = stmt[method].bind(stmt);
    stmt[method] = (...params: unknown[]) => {
      const t = performance.now();
      const out = fn(...params);
      const ms = performance.now() - t;
      const s = stats.get(source) ?? { count: 0, ms: 0, max: 0 };
      s.count++;
      s.ms += ms;
      s.max = Math.max(s.max, ms);
      stats.set(source, s);
      return out;
    };
  }
  const raw = stmt.raw.bind(stmt);
  stmt.raw = (...a: unknown[]) => {
    raw(...a);
    return stmt;
  };
  return stmt;
};

const fixture = JSON.parse(
  (originalPrepare("select value from settings where key = 'bench_fixture'").get() as { value: string }).value,
) as BenchFixture;
process.env.NODE_ENV = 'production'; // as the benchmark's server runs (the stylesheet's hash is kept)
const config = loadConfig({ NODE_ENV: 'production', TAAHIL_DEMO: 'off', LOG_LEVEL: 'silent', TAAHIL_DB: copy });
const app = await buildApp({ config, db });
await app.ready();

// move the fixture's sessions to now, as the benchmark does
const now = Date.now();
originalPrepare('update sessions set starts_at = ?, ends_at = ? where id = ?').run(
  now - 30 * 60_000,
  now + 90 * 60_000,
  fixture.rosterSessionId,
);
originalPrepare('update sessions set starts_at = ?, ends_at = ? where id = ?').run(
  now + 5 * 60_000,
  now + 125 * 60_000,
  fixture.checkinSessionId,
);

const userId = (username: string) =>
  (originalPrepare('select id from users where username = ?').get(username) as { id: number }).id;
const cookieFor = (uid: number) => `taahil_session=${app.sessions.create(uid).token}`;
const roles = ['admin', 'office', 'coordinator', 'trainer', 'member'] as const;
const cookies = Object.fromEntries(roles.map((r) => [r, cookieFor(userId(r))])) as Record<string, string>;
const p = zonedParts(new Date(), 'Asia/Damascus');
const month = `${p.year}-${String(p.month).padStart(2, '0')}`;
const F = fixture;
let checkinIndex = 0;

interface Target {
  name: string;
  role: string;
  path: string;
  post?: boolean;
}
const targets: Target[] = [
  { name: 'smallest page', role: 'member', path: '/account' },
  { name: 'catalogue', role: 'member', path: '/activities' },
  { name: 'activity page', role: 'member', path: `/activities/${F.rosterActivityId}` },
  { name: 'roster GET', role: 'trainer', path: `/sessions/${F.rosterSessionId}/attendance` },
  { name: 'roster save', role: 'trainer', path: `/sessions/${F.rosterSessionId}/attendance`, post: true },
  { name: 'member search', role: 'office', path: `/members?q=${encodeURIComponent(F.searchQuery)}` },
  { name: 'member search (city)', role: 'coordinator', path: `/members?q=${encodeURIComponent(F.searchQuery)}` },
  { name: 'member record', role: 'office', path: `/members/${F.recordMemberId}/record` },
  { name: 'check-in', role: 'checkin', path: `/sessions/${F.checkinSessionId}/check-in`, post: true },
  ...roles.map((role) => ({ name: `dashboard ${role}`, role, path: '/' })),
  { name: 'monthly report', role: 'office', path: `/reports/monthly?month=${month}` },
  { name: 'monthly report, last month (the default)', role: 'office', path: '/reports/monthly' },
  { name: 'monthly report (city)', role: 'coordinator', path: `/reports/monthly?month=${month}` },
  { name: 'follow-up report', role: 'office', path: '/reports/follow-up' },
  { name: 'follow-up digest', role: 'office', path: '/followup/digest' },
].filter((t) => !args.only || t.name.includes(args.only));

/** the plan of a statement (parameters bound to null: plans do not depend on them here) */
const planOf = (source: string): string[] => {
  try {
    const n = (source.match(/\?/g) ?? []).length;
    return (originalPrepare(`explain query plan ${source}`).all(...Array(n).fill(null)) as { detail: string }[]).map(
      (r) => r.detail,
    );
  } catch {
    return [];
  }
};

for (const t of targets) {
  const cookieOf = () =>
    t.role === 'checkin' ? cookieFor(F.checkinUserIds[checkinIndex++ % F.checkinUserIds.length]) : cookies[t.role];
  const probe = await app.inject({ method: 'GET', url: t.path, headers: { cookie: cookieOf() } });
  if (probe.statusCode === 404) {
    console.log(`\n## ${t.name}: missing (404)`);
    continue;
  }
  stats = new Map();
  let totalMs = 0;
  let cpuMs = 0;
  const statuses: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const cookie = cookieOf();
    let body: string | undefined;
    let csrfCookie = '';
    const snapshot = () => new Map([...stats].map(([k, v]) => [k, { ...v }]));
    const pre = snapshot();
    if (t.post) {
      const page = await app.inject({ method: 'GET', url: t.path, headers: { cookie } });
      const set = [page.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('_csrf='));
      csrfCookie = set ? `; ${set.split(';')[0]}` : '';
      const form = formBody(page.body, t.path, t.path);
      if (!form) break;
      for (const [k, v] of form) if (!v && /code/i.test(k)) form.set(k, F.checkinCode);
      body = form.toString();
    }
    if (args.cold) originalPrepare("update settings set value = value where key = 'bench_fixture'").run();
    const mid = snapshot();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await app.inject({
      method: t.post ? 'POST' : 'GET',
      url: t.path,
      headers: {
        cookie: cookie + csrfCookie,
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      payload: body,
    });
    totalMs += performance.now() - t0;
    const c1 = process.cpuUsage(c0);
    cpuMs += (c1.user + c1.system) / 1000;
    statuses.push(res.statusCode);
    if (t.post) {
      // count only the POST's own statements, not the GET that fetched its form
      for (const [k, v] of mid) {
        const s = stats.get(k)!;
        const p0 = pre.get(k) ?? { count: 0, ms: 0, max: 0 };
        s.count -= v.count - p0.count;
        s.ms -= v.ms - p0.ms;
        if (s.count <= 0) stats.delete(k);
      }
    }
  }
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const perReq = rows.reduce((a, [, s]) => a + s.count, 0) / REPEAT;
  const sqlMs = rows.reduce((a, [, s]) => a + s.ms, 0) / REPEAT;
  console.log(
    `\n## ${t.name} (${t.role}) ${t.post ? 'POST' : 'GET'} ${t.path}: status ${[...new Set(statuses)].join('/')}, ${(totalMs / REPEAT).toFixed(1)} ms per request (${(cpuMs / REPEAT).toFixed(1)} ms CPU), ${perReq.toFixed(0)} statements (${sqlMs.toFixed(1)} ms in SQLite)`,
  );
  for (const [source, s] of rows.slice(0, Number(process.env.TOP ?? 6))) {
    const plan = planOf(source);
    const scans = plan.filter((d) => {
      const m = /^SCAN (\w+)/.exec(d);
      if (!m) return false;
      const name = m[1].toLowerCase();
      return LARGE.some((l) => name === l || new RegExp(`\\b${l}\\s+(as\\s+)?["\`]?${name}\\b`, 'i').test(source));
    });
    console.log(
      `  ${(s.ms / REPEAT).toFixed(2).padStart(7)} ms  ×${(s.count / REPEAT).toFixed(0).padEnd(4)} ${source.replace(/\s+/g, ' ').slice(0, 220)}`,
    );
    if (scans.length) console.log(`            FULL SCAN: ${scans.join(' | ')}`);
    else if (s.ms / REPEAT > 1) console.log(`            plan: ${plan.join(' | ')}`);
  }
}
await app.close();
sqlite.close();
fs.rmSync(path.dirname(copy), { recursive: true, force: true });
