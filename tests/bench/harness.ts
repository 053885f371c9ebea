/**
 * What the benchmark (run.ts) and the page sweep (sweep.ts) share: starting processes on free
 * ports, waiting for them to answer, reading a process's CPU time and memory from /proc, and
 * signing in through the login form the way a browser does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../faults/server.ts';
import { formBody } from './forms.ts';

// the same as the fault tests' server harness
export { freePort, ROOT } from '../faults/server.ts';
/** the password of every login of the generated organisation */
export const PASSWORD = 'taahil-demo';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The environment the benchmark and the sweep start the app with: production, on the large file, quiet logs. */
export function benchAppEnv(db: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    TAAHIL_DEMO: 'off',
    TAAHIL_DB: db,
    TAAHIL_UPLOADS: path.join(os.tmpdir(), 'taahil-bench-uploads'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
  };
}

/** Runs a file of the project with Node, keeping the last 200 chunks of its output (for errors). */
export function spawnNode(
  file: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): { proc: ChildProcess; output: string[] } {
  const output: string[] = [];
  const proc = spawn(process.execPath, [...nodeArgs, path.join(ROOT, file)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (b: Buffer) => {
    output.push(b.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output };
}

export async function waitFor(url: string, proc: ChildProcess, output: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${output.join('')}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not answer ${url}:\n${output.join('')}`);
    await sleep(10);
  }
}

/** CPU time (user + system) a process has used so far, in ms: steadier than wall time on a busy machine. */
export function procCpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks of 10 ms
  } catch {
    return 0;
  }
}

export function procStatus(pid: number, key: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Cookies from Set-Cookie headers into a jar. */
export function absorb(jar: Map<string, string>, res: Response) {
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0];
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}
export const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

export interface Session {
  cookie: string;
  jar: Map<string, string>;
  csrf: string;
}

/** Signs in through /login as a browser does (the form's CSRF token, then the cookies it sets). */
export async function signInAs(base: string, login: string, password = PASSWORD): Promise<Session> {
  const jar = new Map<string, string>();
  const page = await fetch(`${base}/login`, { redirect: 'manual' });
  absorb(jar, page);
  const html = await page.text();
  const csrf = formBody(html, '/login', '/login')?.get('_csrf') ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ login, password, _csrf: csrf, next: '/' }).toString(),
  });
  absorb(jar, res);
  if (res.status !== 303 || !jar.has('taahil_session')) throw new Error(`could not sign in as ${login}: ${res.status}`);
  return { cookie: cookieHeader(jar), jar, csrf };
}
