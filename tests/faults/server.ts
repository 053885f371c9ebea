/**
 * Runs the real server exactly as `npm start` does (server/start.js: the compiled server, built
 * first when the sources changed) as a child process on a temporary SQLite file, listening on
 * 127.0.0.1 on a free port, and collects its JSON log lines.
 * Used by the fault, load and backup tests. A small fetch-based client keeps cookies and the CSRF token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix: string) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `taahil-${prefix}-`));
}

export interface RunningServer {
  url: string;
  proc: ChildProcess;
  /** every line the server printed (stdout + stderr) */
  lines: string[];
  /** parsed pino log lines */
  logs: () => { level: number; msg?: string; [k: string]: unknown }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer(opts: { db: string; env?: Record<string, string> }): Promise<RunningServer> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(ROOT, 'server/start.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      TAAHIL_DB: opts.db,
      TAAHIL_UPLOADS: path.join(path.dirname(opts.db), 'uploads'),
      TAAHIL_DEMO: 'on',
      TAAHIL_LOGIN_MAX_PER_MINUTE: '1000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let partial = '';
  const onData = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line) lines.push(line);
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  // ready when /healthz answers
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`server exited before listening:\n${lines.join('\n')}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start:\n${lines.join('\n')}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const logs = () =>
    lines.flatMap((l) => {
      if (!l.startsWith('{')) return [];
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  return {
    url,
    proc,
    lines,
    logs,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** A browser-like HTTP client over fetch: cookie jar, CSRF token from the last page, no redirects followed. */
export class HttpClient {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(readonly base: string) {}

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, url: string, form?: Record<string, string>, signal?: AbortSignal) {
    const headers: Record<string, string> = { accept: 'text/html' };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body: string | undefined;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const res = await fetch(this.base + url, { method, headers, body, redirect: 'manual', signal });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || attrs.some((a) => /max-age=0|expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return { status: res.status, body: text, location: res.headers.get('location') };
  }

  get(url: string) {
    return this.request('GET', url);
  }

  post(url: string, form: Record<string, string> = {}, signal?: AbortSignal) {
    return this.request('POST', url, { _csrf: this.csrf ?? '', ...form }, signal);
  }

  async login(login: string, password = 'taahil-demo') {
    await this.get('/login');
    const res = await this.post('/login', { login, password });
    if (res.status !== 303) throw new Error(`login ${login} failed: ${res.status}`);
    return res;
  }
}
