/**
 * The benchmark (`npm run bench`; never part of `npm test`). Starts the real app
 * (server/start.js: the compiled server, as `npm start` runs it) in production mode on the large generated file
 * (`npm run db:generate-large`), signs in every role, and drives the issue's pages with
 * autocannon on 127.0.0.1, bounded in time: the catalogue, an activity, a 300-member roster
 * and its save, the member search, a member's record, a burst of 1,500 self check-ins,
 * each role's dashboard and the monthly report for the whole organisation. A bare Fastify
 * route in its own process, measured in the same run, is the ceiling.
 *
 * A page that answers 404 is reported as "missing" and skipped, so the benchmark runs while
 * features are still landing. Prints a table and writes tests/bench/results/<date>.json.
 *
 * The start is measured from the spawn to the first answer of /healthz, several times (--starts),
 * with the compiled file up to date as on any restart; the one-off build after a change of the
 * sources is timed on its own.
 *
 *   npm run bench -- [--db tests/bench/large.sqlite] [--duration 8] [--connections 10] [--only roster,catalogue] [--starts 5]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import type { BenchFixture } from '../../db/generate-large.ts';
import { ATTENDANCE_STATUSES } from '../../db/schema.ts';
import { randomString, sha256 } from '../../server/auth/tokens.ts';
import { openDatabase } from '../../server/core/db.ts';
import { zonedParts } from '../../server/core/time.ts';
import { compile, ensureBuilt } from '../../server/start.js';
import { formBody } from './forms.ts';
import {
  benchAppEnv,
  freePort,
  procCpuMs,
  procStatus,
  ROOT,
  type Session,
  signInAs,
  spawnNode,
  waitFor,
} from './harness.ts';

const ROLES = ['admin', 'office', 'coordinator', 'trainer', 'member'] as const;
type Role = (typeof ROLES)[number];

// autocannon ships no types; the few options used here
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
const autocannon = (await import('autocannon')).default as unknown as Cannon;

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'tests/bench/large.sqlite' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    out: { type: 'string', default: 'tests/bench/results' },
    /** write a V8 CPU profile of the app (open it in Chrome's DevTools) into this folder */
    profile: { type: 'string' },
    /** how many times the app is started (the median is reported) */
    starts: { type: 'string', default: '5' },
  },
});
const DB = path.resolve(args.db!);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const PROFILE_DIR = args.profile ? path.resolve(args.profile) : null;
const STARTS = Math.max(1, Number(args.starts));

// ------------------------------------------------------------------ the run

if (!fs.existsSync(DB)) {
  console.error(`No ${path.relative(ROOT, DB)}: generate it first with npm run db:generate-large`);
  process.exit(1);
}

// setup on the file before the app starts: move the fixture's sessions to now, forget the last
// run's check-ins, and sign in the 1,500 check-in members (sessions rows in the app's token format)
// opening through openDatabase applies migrations that landed since the file was generated,
// so the start measured below is a start on an up-to-date file
const setup = openDatabase(DB).$client;
const fixtureRow = setup.prepare("select value from settings where key = 'bench_fixture'").get() as
  | { value: string }
  | undefined;
if (!fixtureRow) {
  console.error('This file has no bench_fixture: generate it with npm run db:generate-large');
  process.exit(1);
}
const fixture = JSON.parse(fixtureRow.value) as BenchFixture;
const started = Date.now();
const memberTokens: string[] = [];
setup.transaction(() => {
  const move = setup.prepare('update sessions set starts_at = ?, ends_at = ?, status = ? where id = ?');
  move.run(started - 30 * 60_000, started + 90 * 60_000, 'scheduled', fixture.rosterSessionId);
  move.run(started + 5 * 60_000, started + 125 * 60_000, 'scheduled', fixture.checkinSessionId);
  setup.prepare('delete from attendance where session_id = ?').run(fixture.checkinSessionId);
  setup.prepare('delete from attendance_events where session_id = ?').run(fixture.checkinSessionId);
  // the lecture has this one session, so its counters are all zero again
  setup
    .prepare(
      'update enrolments set attended_count = 0, late_count = 0, excused_count = 0, absent_count = 0 where activity_id = ?',
    )
    .run(fixture.checkinActivityId);
  setup.prepare("delete from auth_sessions where id like 'bench%'").run();
  const ins = setup.prepare(
    'insert into auth_sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)',
  );
  for (const userId of fixture.checkinUserIds) {
    const id = `bench${randomString(19)}`;
    const secret = randomString(24);
    ins.run(id, sha256(secret), userId, started, started);
    memberTokens.push(`${id}.${secret}`);
  }
})();
const counts = Object.fromEntries(
  [
    'members',
    'units',
    'activities',
    'sessions',
    'enrolments',
    'attendance',
    'attendance_events',
    'certificates',
    'users',
  ].map((t) => [t, (setup.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n]),
);
setup.close();
const dbBytes = fs.statSync(DB).size;

// the ceiling and the app, each in its own process
const barePort = await freePort();
const bare = spawnNode('tests/bench/bare.ts', { PORT: String(barePort) }, ['--import', 'tsx']);
await waitFor(`http://127.0.0.1:${barePort}/`, bare.proc, bare.output);

// the one-off build after a change of the sources, timed into a file of its own; then the
// compiled file of the current sources, built once here so every start below is a plain restart
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-bench-build-'));
const buildT0 = performance.now();
await compile(path.join(buildDir, 'server.js'));
const buildMs = Math.round(performance.now() - buildT0);
fs.rmSync(buildDir, { recursive: true, force: true });
await ensureBuilt();

const port = await freePort();
const BASE = `http://127.0.0.1:${port}`;
const appEnv = benchAppEnv(DB, port);
// spawn to the first answer, STARTS times (the last one stays up and is measured below)
const starts: { ms: number; cpuMs: number }[] = [];
let app!: ReturnType<typeof spawnNode>;
for (let i = 0; i < STARTS; i++) {
  if (app) {
    app.proc.kill('SIGTERM');
    if (app.proc.exitCode === null) await new Promise((resolve) => app.proc.once('exit', resolve));
  }
  const last = i === STARTS - 1;
  const t0 = performance.now();
  app = spawnNode('server/start.js', appEnv, last && PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []);
  await waitFor(`${BASE}/healthz`, app.proc, app.output);
  starts.push({ ms: Math.round(performance.now() - t0), cpuMs: procCpuMs(app.proc.pid!) });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const startMs = median(starts.map((s) => s.ms));
const startCpuMs = median(starts.map((s) => s.cpuMs));
const pid = app.proc.pid!;
const loadBefore = os.loadavg()[0];
let rssMax = 0;
const rssTimer = setInterval(() => {
  rssMax = Math.max(rssMax, procStatus(pid, 'VmRSS'));
}, 200);

const stopAll = () => {
  clearInterval(rssTimer);
  for (const p of [app.proc, bare.proc]) if (p.exitCode === null) p.kill('SIGTERM');
};
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

try {
  // ---------------------------------------------------------------- sign in
  const signIn = (login: string) => signInAs(BASE, login);
  const as = {} as Record<Role, Session>;
  for (const role of ROLES) as[role] = await signIn(role);
  // the members of the check-in burst share one CSRF pair (the token is bound to the cookie, not the user)
  const shared = as.member;
  const memberCookie = (i: number) => `_csrf=${shared.jar.get('_csrf')}; taahil_session=${memberTokens[i]}`;

  // ---------------------------------------------------------------- targets
  const month = (() => {
    const p = zonedParts(new Date(), 'Asia/Damascus');
    return `${p.year}-${String(p.month).padStart(2, '0')}`;
  })();
  interface Target {
    name: string;
    role: Role | 'bare' | 'members' | 'signed out';
    /** the status every answer must have (200 unless said) */
    status?: number;
    method: 'GET' | 'POST';
    path: string;
    /** the issue's goal: p99 at most this many ms */
    p99Goal?: number;
    /** the issue's goal: at least this share of the bare route's requests/s */
    ratioGoal?: number;
    /** POST: the page whose form is submitted */
    formPage?: string;
    burst?: boolean;
    /** POST: each request changes one member's mark from what the page showed (the roster save that writes) */
    changeOne?: boolean;
  }
  const F = fixture;
  const rosterSave: Target = {
    name: 'roster (300) save',
    role: 'trainer',
    method: 'POST',
    path: `/sessions/${F.rosterSessionId}/attendance`,
    formPage: `/sessions/${F.rosterSessionId}/attendance`,
    p99Goal: 30,
  };
  const allTargets: Target[] = [
    // What any page of the app costs before its own work, for reading the ratios below: every
    // hook (cookies, security headers, sign-in check) answering with a redirect to sign-in, and
    // the smallest signed-in page (the session, a CSRF token, the layout around a short form).
    { name: 'floor: redirect to sign-in', role: 'signed out', method: 'GET', path: '/activities', status: 302 },
    { name: 'floor: smallest page', role: 'member', method: 'GET', path: '/account' },
    { name: 'catalogue', role: 'member', method: 'GET', path: '/activities', p99Goal: 50, ratioGoal: 0.15 },
    {
      name: 'activity page',
      role: 'member',
      method: 'GET',
      path: `/activities/${F.rosterActivityId}`,
      p99Goal: 50,
      ratioGoal: 0.15,
    },
    {
      name: 'roster (300) GET',
      role: 'trainer',
      method: 'GET',
      path: `/sessions/${F.rosterSessionId}/attendance`,
      p99Goal: 50,
    },
    rosterSave,
    {
      // what a trainer's correction sends: the whole form, one mark changed (and the one changed
      // by the request before put back), so every save writes, with its history, counters, audit
      // line and follow-up (an absence may raise an alert); the row above re-sends the page as
      // it is (a second tap on Save, an offline copy sent again), which writes nothing
      ...rosterSave,
      name: 'roster (300) save, marks changed',
      changeOne: true,
    },
    {
      name: 'member search',
      role: 'office',
      method: 'GET',
      path: `/members?q=${encodeURIComponent(F.searchQuery)}`,
      p99Goal: 50,
    },
    {
      name: 'member search (city)',
      role: 'coordinator',
      method: 'GET',
      path: `/members?q=${encodeURIComponent(F.searchQuery)}`,
      p99Goal: 50,
    },
    { name: 'member record', role: 'office', method: 'GET', path: `/members/${F.recordMemberId}/record`, p99Goal: 50 },
    {
      name: 'check-in burst (1,500)',
      role: 'members',
      method: 'POST',
      path: `/sessions/${F.checkinSessionId}/check-in`,
      formPage: `/sessions/${F.checkinSessionId}/check-in`,
      p99Goal: 50,
      burst: true,
    },
    ...ROLES.map(
      (role): Target => ({
        name: `dashboard ${role}`,
        role,
        method: 'GET',
        path: '/',
        p99Goal: 50,
        ratioGoal: role === 'member' ? 0.15 : undefined,
      }),
    ),
    {
      name: 'monthly report (all)',
      role: 'office',
      method: 'GET',
      path: `/reports/monthly?month=${month}`,
      p99Goal: 200,
    },
  ];
  // --only catalogue,smallest: the targets whose name contains any of the comma-separated words
  const only = args.only?.split(',').filter(Boolean);
  const targets = allTargets.filter((t) => !only || only.some((w) => t.name.includes(w)));

  interface Row {
    name: string;
    role: string;
    method: string;
    path: string;
    state: 'ok' | 'missing' | 'error';
    note?: string;
    rps?: number;
    p50?: number;
    p99?: number;
    max?: number;
    requests?: number;
    ratio?: number;
    non2xx?: number;
    bad?: number;
    statusCodes?: Record<string, number>;
    /** the server's CPU time per request (ms): comparable across runs on a busy machine */
    cpuMsPerReq?: number;
    /** bare route's CPU per request / this target's */
    cpuRatio?: number;
    p99Goal?: number;
    ratioGoal?: number;
    pass?: boolean;
  }

  let cpuMark = 0;
  const cannon = async (opts: Record<string, unknown>) => {
    cpuMark = procCpuMs(pid);
    return autocannon({ url: BASE, connections: CONNECTIONS, duration: DURATION, timeout: 10, ...opts });
  };
  /** the server's CPU time per request over the last run, in ms */
  const cpuPerReq = (r: CannonResult, proc = pid) =>
    Math.round(((procCpuMs(proc) - cpuMark) / Math.max(1, r.requests.total)) * 100) / 100;
  const measure = async (opts: Record<string, unknown>, ok: (s: number) => boolean) => {
    const r = await cannon(opts);
    return { ...summarise(r, ok), cpuMsPerReq: cpuPerReq(r) };
  };
  const statusOf = (r: CannonResult) =>
    Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)]));
  const summarise = (r: CannonResult, okStatus: (s: number) => boolean) => {
    const codes = statusOf(r);
    const bad = Object.entries(codes)
      .filter(([s]) => !okStatus(Number(s)))
      .reduce((a, [, n]) => a + n, 0);
    return {
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      requests: r.requests.total,
      non2xx: r.non2xx,
      bad: bad + r.errors + r.timeouts,
      statusCodes: codes,
    };
  };

  /**
   * n requests within 10 seconds over the connections. autocannon's rate limit lets each
   * connection send its share of a second back to back, then wait for the next second, so the
   * server is saturated for part of every second and idle for the rest.
   */
  const burstPattern = (n: number) => ({ amount: n, overallRate: Math.ceil(n / 10), timeout: 10 });
  /**
   * The burst's pattern on the bare route: what p99 this machine gives a server with nothing to
   * do under it (the client's and the virtual CPUs' delays after each idle part of a second).
   */
  const bareBurstRun = async (n: number) =>
    summarise(
      await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: CONNECTIONS, ...burstPattern(n) }),
      (s) => s === 200,
    );

  // the ceiling, measured before and after the app's pages; their mean is the reference
  const bareRun = async () => {
    const cpu0 = procCpuMs(bare.proc.pid!);
    const r = await autocannon({
      url: `http://127.0.0.1:${barePort}/`,
      connections: CONNECTIONS,
      duration: DURATION,
      timeout: 10,
    });
    const cpuMsPerReq = Math.round(((procCpuMs(bare.proc.pid!) - cpu0) / Math.max(1, r.requests.total)) * 1000) / 1000;
    return { ...summarise(r, (s) => s === 200), cpuMsPerReq };
  };
  await autocannon({ url: `http://127.0.0.1:${barePort}/`, connections: CONNECTIONS, duration: 1 });
  const bareBefore = await bareRun();
  console.log(`bare route: ${bareBefore.rps} req/s`);

  const rows: Row[] = [];
  let burst: Record<string, unknown> | null = null;
  let bareBurst: ReturnType<typeof summarise> | null = null;
  for (const t of targets) {
    const row: Row = {
      name: t.name,
      role: t.role,
      method: t.method,
      path: t.path,
      state: 'ok',
      p99Goal: t.p99Goal,
      ratioGoal: t.ratioGoal,
    };
    rows.push(row);
    const who = t.role === 'members' || t.role === 'signed out' ? null : as[t.role as Role];
    const cookie = who ? who.cookie : t.role === 'signed out' ? '' : memberCookie(0);
    const status = t.status ?? 200;
    // probe: a missing page is skipped; a redirect to sign-in is an error of the bench
    const probe = await fetch(`${BASE}${t.formPage ?? t.path}`, { redirect: 'manual', headers: { cookie } });
    const probeBody = await probe.text();
    if (probe.status === 404) {
      row.state = 'missing';
      console.log(`${t.name}: missing (404)`);
      continue;
    }
    if (probe.status !== status && (probe.headers.get('location') ?? '').startsWith('/login')) {
      row.state = 'error';
      row.note = 'redirected to sign-in';
      continue;
    }
    if (probe.status >= 400) {
      row.state = 'error';
      row.note = `probe answered ${probe.status}`;
      console.log(`${t.name}: probe answered ${probe.status}`);
      continue;
    }
    try {
      if (t.method === 'GET') {
        const headers = { cookie, accept: 'text/html' };
        await cannon({ duration: 1, requests: [{ method: 'GET', path: t.path, headers }] });
        Object.assign(
          row,
          await measure({ requests: [{ method: 'GET', path: t.path, headers }] }, (s) => s === status),
        );
      } else {
        const form = formBody(probeBody, t.formPage!, t.path);
        if (!form) {
          row.state = 'missing';
          row.note = `no form posting to ${t.path}`;
          console.log(`${t.name}: missing (no form posting to ${t.path})`);
          continue;
        }
        const ok = (s: number) => s >= 200 && s < 400;
        if (!t.burst) {
          const headers = { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
          const body = form.toString();
          const first = await fetch(`${BASE}${t.path}`, { method: 'POST', redirect: 'manual', headers, body });
          if (!ok(first.status) || (first.headers.get('location') ?? '').startsWith('/login')) {
            row.state = 'error';
            row.note = `save answered ${first.status}: ${(await first.text())
              .replace(/<[^>]+>/g, ' ')
              .replace(/\s+/g, ' ')
              .slice(0, 200)}`;
            console.log(`${t.name}: ${row.note}`);
            continue;
          }
          if (!t.changeOne) {
            Object.assign(row, await measure({ requests: [{ method: 'POST', path: t.path, headers, body }] }, ok));
          } else {
            const marks = [...form.keys()].filter((k) => /^s_\d+$/.test(k));
            const statuses: readonly string[] = ATTENDANCE_STATUSES;
            let sent = 0;
            const changed = () => {
              const i = sent++;
              const key = marks[i % marks.length];
              const was = Math.max(0, statuses.indexOf(form.get(key) ?? ''));
              const f = new URLSearchParams(form);
              f.set(key, statuses[(was + 1 + Math.floor(i / marks.length)) % statuses.length]);
              return f.toString();
            };
            const history = () => {
              const check = new Database(DB, { readonly: true });
              const n = (
                check
                  .prepare('select count(*) as n from attendance_events where session_id = ?')
                  .get(F.rosterSessionId) as { n: number }
              ).n;
              check.close();
              return n;
            };
            const before = history();
            Object.assign(
              row,
              await measure(
                {
                  requests: [
                    {
                      method: 'POST',
                      path: t.path,
                      headers,
                      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: changed() }),
                    },
                  ],
                },
                ok,
              ),
            );
            row.note = `${history() - before} marks changed by ${row.requests} saves of ${marks.length} members`;
          }
        } else {
          // 1,500 members, each checking in once, spread over 10 seconds
          for (const [k, v] of form) if (!v && /code/i.test(k)) form.set(k, F.checkinCode);
          form.set('_csrf', shared.csrf);
          const body = form.toString();
          const n = memberTokens.length;
          // the same pattern on the bare route first, just before: the ceiling for this p99
          bareBurst = await bareBurstRun(n);
          let next = 0;
          const result = await cannon({
            ...burstPattern(n),
            requests: [
              {
                method: 'POST',
                path: t.path,
                setupRequest: (req: Record<string, unknown>) => {
                  const i = next++ % n;
                  return {
                    ...req,
                    headers: {
                      cookie: memberCookie(i),
                      'content-type': 'application/x-www-form-urlencoded',
                      accept: 'text/html',
                    },
                    body,
                  };
                },
              },
            ],
          });
          Object.assign(row, summarise(result, ok), { cpuMsPerReq: cpuPerReq(result) });
          const check = new Database(DB, { readonly: true });
          const marks = check
            .prepare('select count(*) as n, count(distinct member_id) as members from attendance where session_id = ?')
            .get(F.checkinSessionId) as { n: number; members: number };
          check.close();
          burst = {
            sent: n,
            answered: result.requests.total,
            seconds: result.duration,
            attendanceRows: marks.n,
            distinctMembers: marks.members,
            lostOrDoubled: marks.n !== n || marks.members !== n,
          };
          row.note = `${marks.n} rows for ${n} check-ins${marks.n === n && marks.members === n ? '' : ' (LOST OR DOUBLED)'}`;
        }
      }
    } catch (err) {
      row.state = 'error';
      row.note = String(err);
    }
    console.log(
      `${t.name}: ${row.state === 'ok' ? `${row.rps} req/s, p99 ${row.p99} ms${row.bad ? `, ${row.bad} bad` : ''}${row.note ? ` (${row.note})` : ''}` : row.note}`,
    );
  }

  const bareAfter = await bareRun();
  const ceiling = Math.round((bareBefore.rps + bareAfter.rps) / 2);
  const bareCpu = (bareBefore.cpuMsPerReq + bareAfter.cpuMsPerReq) / 2;
  for (const row of rows) {
    if (row.state !== 'ok' || row.rps === undefined) continue;
    row.ratio = Math.round((row.rps / ceiling) * 1000) / 1000;
    if (!row.requests) row.note = `no request finished within ${DURATION} s (each takes longer)`;
    if (row.cpuMsPerReq) row.cpuRatio = Math.round((bareCpu / row.cpuMsPerReq) * 1000) / 1000;
    row.pass =
      (row.requests ?? 0) > 0 &&
      (row.p99Goal === undefined || row.p99! <= row.p99Goal) &&
      (row.ratioGoal === undefined || row.ratio >= row.ratioGoal) &&
      row.bad === 0 &&
      !(burst && row.name.startsWith('check-in') && burst.lostOrDoubled);
  }
  const peakRss = Math.round(Math.max(procStatus(pid, 'VmHWM'), rssMax));

  // ---------------------------------------------------------------- report
  const table: string[][] = [
    ['target', 'role', 'req/s', 'p50 ms', 'p99 ms', 'vs bare', 'cpu ms/req', 'non-2xx', 'bad', 'goal'],
    [
      'bare Fastify route (ceiling)',
      '-',
      String(ceiling),
      String(bareBefore.p50),
      String(bareBefore.p99),
      '100 %',
      bareCpu.toFixed(3),
      '0',
      '0',
      '',
    ],
  ];
  for (const r of rows) {
    if (r.name.startsWith('check-in') && bareBurst)
      table.push([
        "bare route, the burst's pattern (ceiling)",
        '-',
        String(bareBurst.rps),
        String(bareBurst.p50),
        String(bareBurst.p99),
        '',
        '',
        '0',
        String(bareBurst.bad),
        '',
      ]);
    if (r.state !== 'ok') {
      table.push([r.name, r.role, r.state, '', '', '', '', '', '', r.note ?? '']);
      continue;
    }
    const goal = [r.p99Goal ? `p99≤${r.p99Goal}` : '', r.ratioGoal ? `≥${r.ratioGoal * 100}%` : '']
      .filter(Boolean)
      .join(' ');
    table.push([
      r.name,
      r.role,
      String(r.rps),
      String(r.p50),
      String(r.p99),
      `${(r.ratio! * 100).toFixed(1)} %`,
      String(r.cpuMsPerReq),
      String(r.non2xx),
      String(r.bad),
      `${goal} ${r.pass ? 'ok' : 'MISSED'}`,
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  // the same table in Markdown, for the README
  const markdown = [
    `| ${table[0].join(' | ')} |`,
    `| ${table[0].map((_, j) => (j >= 2 && j <= 8 ? '---:' : '---')).join(' | ')} |`,
    ...table.slice(1).map((row) => `| ${row.map((c) => c.replace(/\|/g, '/')).join(' | ')} |`),
  ].join('\n');
  fs.writeFileSync(path.join(os.tmpdir(), 'taahil-bench-table.md'), `${markdown}\n`);
  console.log('');
  for (const [i, row] of table.entries()) {
    console.log(row.map((c, j) => (j >= 2 && j <= 8 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
  console.log(
    `load average while measuring: ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
  );
  console.log(`server peak RSS: ${peakRss} MB (goal < 300 MB)${peakRss < 300 ? '' : ' MISSED'}`);
  console.log(
    `start on the existing ${Math.round(dbBytes / 1e6)} MB file: ${startMs} ms median of ${starts.map((s) => s.ms).join(', ')} (goal < 1000 ms)${startMs < 1000 ? '' : ' MISSED'}; CPU ${startCpuMs} ms; one-off build after a change of the sources: ${buildMs} ms`,
  );
  if (burst) console.log(`check-in burst: ${JSON.stringify(burst)}`);
  if (bareBurst)
    console.log(
      `the burst's pattern on the bare route: p50 ${bareBurst.p50} ms, p99 ${bareBurst.p99} ms, max ${bareBurst.max} ms`,
    );
  const missing = rows.filter((r) => r.state === 'missing').map((r) => r.name);
  if (missing.length) console.log(`missing (404, not built yet): ${missing.join(', ')}`);

  const stamp = new Date().toISOString().slice(0, 16).replace(':', '-');
  const outDir = path.resolve(args.out!);
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `${stamp}Z.json`);
  fs.writeFileSync(
    outFile,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: {
          cpus: os.cpus().length,
          cpu: os.cpus()[0]?.model,
          node: process.version,
          memMb: Math.round(os.totalmem() / 1e6),
        },
        settings: { connections: CONNECTIONS, durationS: DURATION },
        db: {
          file: path.relative(ROOT, DB),
          mb: Math.round(dbBytes / 1e6),
          counts,
          seed: fixture.seed,
          generatedFor: fixture.generatedFor,
        },
        startMs,
        startCpuMs,
        starts,
        buildMs,
        loadAverage: { before: loadBefore, after: os.loadavg()[0] },
        peakRssMb: peakRss,
        bare: { ceiling, before: bareBefore, after: bareAfter, burst: bareBurst },
        targets: rows,
        burst,
        missing,
        markdown,
        commit: gitHead(),
      },
      null,
      2,
    )}\n`,
  );
  console.log(
    `results: ${path.relative(ROOT, outFile)} (Markdown table: ${path.join(os.tmpdir(), 'taahil-bench-table.md')})`,
  );
} finally {
  stopAll();
  // the app writes its CPU profile when it exits
  if (app.proc.exitCode === null) await new Promise((resolve) => app.proc.once('exit', resolve));
  if (PROFILE_DIR) console.log(`CPU profile of the app: ${PROFILE_DIR}`);
}

function gitHead(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
