/**
 * Crashes and shutdowns of the real server process (as `npm start` runs it, on a temporary SQLite file):
 * SIGKILL in the middle of a stream of writes loses nothing that was acknowledged and leaves a
 * sound database; SIGTERM lets the requests in flight finish and exits 0.
 */
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type RunningServer, startServer, tempDir } from './server.ts';

const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});
async function start(db: string, env?: Record<string, string>) {
  const s = await startServer({ db, env });
  running.push(s);
  return s;
}
const errorLines = (s: RunningServer) => s.logs().filter((l) => l.level >= 50);

describe('SIGKILL during a stream of writes', () => {
  it('keeps every acknowledged write and an intact database', { timeout: 180_000 }, async () => {
    const db = path.join(tempDir('kill'), 'taahil.sqlite');
    const server = await start(db);
    const office = new HttpClient(server.url);
    await office.login('office');
    await office.get('/admin/users/new');

    const acknowledged: string[] = [];
    const unexpected: string[] = [];
    let n = 0;
    let killed = false;
    const writer = async (w: number) => {
      while (!killed) {
        const username = `crash-${w}-${n++}`;
        try {
          const res = await office.post('/admin/users', {
            username,
            displayName: `كتابة ${username}`,
            roleTrainer: 'on',
          });
          if (res.status >= 200 && res.status < 300) acknowledged.push(username);
          else unexpected.push(`${username}: ${res.status}`);
        } catch (err) {
          // only the kill may cut a request off
          if (!killed) unexpected.push(`${username}: ${String(err)}`);
          return;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    // let a good number of writes land, then pull the plug without warning
    while (acknowledged.length < 60 && unexpected.length === 0) await new Promise((r) => setTimeout(r, 20));
    killed = true;
    server.proc.kill('SIGKILL');
    const exit = await server.exited;
    await Promise.all(writers);
    expect(unexpected).toEqual([]);
    expect(exit.signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(60);

    // the file as the crash left it (opening it replays the WAL, like the next start would)
    const sqlite = new Database(db);
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(sqlite.pragma('foreign_key_check')).toEqual([]);
    const stored = new Set(
      (sqlite.prepare("select username from users where username like 'crash-%'").all() as { username: string }[]).map(
        (r) => r.username,
      ),
    );
    sqlite.close();
    expect(acknowledged.filter((u) => !stored.has(u))).toEqual([]);

    // and the app starts again on it and shows the data
    const again = await start(db);
    const health = await fetch(`${again.url}/healthz`);
    expect(health.status).toBe(200);
    const c = new HttpClient(again.url);
    await c.login('office');
    const list = await c.get(`/admin/users?q=${acknowledged[0]}`);
    expect(list.status).toBe(200);
    expect(list.body).toContain(acknowledged[0]);
    expect(errorLines(again)).toEqual([]);
  });
});

/** A POST whose body arrives in two halves, so the request is surely in flight when we signal. */
function slowPost(base: string, client: HttpClient, pathname: string, form: Record<string, string>) {
  const body = Buffer.from(new URLSearchParams({ _csrf: client.csrf ?? '', ...form }).toString());
  const u = new URL(base + pathname);
  let sendRest: () => void = () => {};
  const done = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: 'POST',
        headers: {
          accept: 'text/html',
          cookie: client.cookieHeader(),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': body.length,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half));
    sendRest = () => req.end(body.subarray(half));
  });
  return { done, sendRest: () => sendRest() };
}

describe('SIGTERM during load', () => {
  it('finishes the requests in flight, then exits 0', { timeout: 180_000 }, async () => {
    const db = path.join(tempDir('term'), 'taahil.sqlite');
    const server = await start(db);
    const office = new HttpClient(server.url);
    await office.login('office');
    await office.get('/admin/users/new');

    // background load: reads and writes on several connections
    let stop = false;
    const statuses: number[] = [];
    let i = 0;
    const worker = async () => {
      while (!stop) {
        try {
          const k = i++;
          const res =
            k % 3 === 0
              ? await office.post('/admin/users', { username: `load-${k}`, displayName: `حمل ${k}` })
              : await office.get(k % 3 === 1 ? '/admin/users' : '/');
          statuses.push(res.status);
        } catch {
          return; // the server stopped accepting connections: expected after the signal
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    while (statuses.length < 30) await new Promise((r) => setTimeout(r, 20));

    // three writes whose bodies are still on their way when the signal comes
    const inflight = [1, 2, 3].map((k) =>
      slowPost(server.url, office, `/admin/users?inflight=${k}`, {
        username: `inflight-${k}`,
        displayName: `أثناء الإغلاق ${k}`,
      }),
    );
    // in flight = the server has read their headers (it logs "incoming request" then waits for the body)
    const arrived = () =>
      server.logs().filter((l) => l.msg === 'incoming request' && /inflight=/.test(String((l.req as any)?.url))).length;
    const deadline = Date.now() + 15_000;
    while (arrived() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(arrived()).toBe(3);
    server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.proc.exitCode).toBeNull(); // still waiting for them
    for (const p of inflight) p.sendRest();
    const answers = await Promise.all(inflight.map((p) => p.done));
    const exit = await server.exited;
    stop = true;
    await Promise.allSettled(workers);

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(exit).toEqual({ code: 0, signal: null });
    // requests before the signal succeeded; after it, the only refusal allowed is "closing" (503)
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s < 400).length).toBeGreaterThanOrEqual(30);
    expect(errorLines(server)).toEqual([]);
    expect(server.logs().some((l) => l.msg === 'shutting down: finishing requests in flight')).toBe(true);

    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    const saved = sqlite.prepare("select count(*) as n from users where username like 'inflight-%'").get() as {
      n: number;
    };
    sqlite.close();
    expect(saved.n).toBe(3);
  });
});
