/**
 * `npm run backup` against a running server that keeps writing: the copy is consistent
 * (integrity ok, every write acknowledged before the backup started is in it), carries the
 * uploads folder, and a fresh server started on the copy (the documented restore) serves the data.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { HttpClient, ROOT, type RunningServer, startServer, tempDir } from './server.ts';

const run = promisify(execFile);
const running: RunningServer[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop('SIGKILL');
});

it('backs up a running server and restores onto a fresh one', { timeout: 180_000 }, async () => {
  const dir = tempDir('backup');
  const db = path.join(dir, 'taahil.sqlite');
  const uploads = path.join(dir, 'uploads');
  fs.mkdirSync(path.join(uploads, 'ab'), { recursive: true });
  fs.writeFileSync(path.join(uploads, 'ab', 'abcdef.pdf'), '%PDF-1.4 test upload');
  const server = await startServer({ db });
  running.push(server);
  const office = new HttpClient(server.url);
  await office.login('office');
  await office.get('/admin/users/new');
  const created = await office.post('/admin/users', { username: 'before-backup', displayName: 'قبل النسخ' });
  expect(created.status).toBe(200);

  // keep writing while the backup runs
  let stop = false;
  let k = 0;
  const statuses: number[] = [];
  const writer = (async () => {
    while (!stop) {
      const res = await office.post('/admin/users', { username: `during-${k++}`, displayName: 'أثناء النسخ' });
      statuses.push(res.status);
    }
  })().catch((err) => statuses.push(String(err) as any));
  const out = path.join(dir, 'backups', 'one');
  const { stdout } = await run('npm', ['run', '--silent', 'backup', '--', '--out', out], {
    cwd: ROOT,
    env: { ...process.env, TAAHIL_DB: db, TAAHIL_UPLOADS: uploads, NODE_ENV: 'production' },
  });
  stop = true;
  await writer;
  expect(statuses.filter((st) => st !== 200)).toEqual([]);
  expect(stdout).toContain('integrity ok');
  expect(k).toBeGreaterThan(0);

  const copy = path.join(out, 'taahil.sqlite');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'backup.json'), 'utf8'));
  expect(manifest.counts.users).toBeGreaterThan(6);
  expect(fs.existsSync(`${copy}-wal`)).toBe(false);
  const sqlite = new Database(copy, { readonly: true });
  expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(sqlite.pragma('journal_mode', { simple: true })).toBe('delete');
  expect(sqlite.prepare("select count(*) as n from users where username = 'before-backup'").get()).toEqual({ n: 1 });
  sqlite.close();
  expect(fs.readFileSync(path.join(out, 'uploads', 'ab', 'abcdef.pdf'), 'utf8')).toBe('%PDF-1.4 test upload');

  // a second backup into the same folder is refused rather than overwriting
  await expect(
    run('npm', ['run', '--silent', 'backup', '--', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, TAAHIL_DB: db, TAAHIL_UPLOADS: uploads },
    }),
  ).rejects.toThrow(/already exists/);

  // restore: a fresh server on the copy (its uploads folder sits beside it)
  const restored = await startServer({ db: copy, env: { TAAHIL_UPLOADS: path.join(out, 'uploads') } });
  running.push(restored);
  const health = await fetch(`${restored.url}/healthz`);
  expect(health.status).toBe(200);
  expect(((await health.json()) as { status: string }).status).toBe('ok');
  const c = new HttpClient(restored.url);
  await c.login('office');
  const list = await c.get('/admin/users?q=before-backup');
  expect(list.body).toContain('before-backup');
  expect(restored.logs().filter((l) => l.level >= 50)).toEqual([]);
});
