/**
 * No address reaches a file it should not: dot-dot segments in every spelling (plain, percent-
 * encoded, double-encoded, backslashes, overlong UTF-8, null bytes) under /static/, /assets/ and the
 * routes that send stored files (materials, apology attachments), and ids that are not ids.
 * Each answer is a 4xx (or a harmless redirect) and shows nothing of the files behind: the
 * project's sources and package.json, the database, the uploads folder's neighbours, /etc/passwd.
 * Checked through app.inject and once more as raw bytes over a real socket, where no client
 * tidies the path first.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeActivity } from '../activities/factories.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';

let t: TestApp;
let dir: string;
let office: Client;
const SECRET = `secret-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-traversal-'));
  fs.mkdirSync(path.join(dir, 'uploads'));
  // a file beside the uploads folder, and the database, that no address may reach
  fs.writeFileSync(path.join(dir, 'secret.txt'), SECRET);
  t = await createTestApp({ TAAHIL_UPLOADS: path.join(dir, 'uploads') }, path.join(dir, 'taahil.sqlite'));
  const org = await makeOrg(t.db);
  makeActivity(t.db, { organisingUnitId: org.units.centre.id });
  office = new Client(t.app);
  await office.login('office');
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** what would show that a file leaked */
const LEAKS = [
  '"name": "taahil"', // package.json
  'sqliteTable(', // db/schema.ts
  'TAAHIL_UPLOADS', // server/config.ts
  'root:x:0:0', // /etc/passwd
  'SQLite format 3', // the database file
  SECRET, // beside the uploads folder
];

const DOTS = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '....'];
const SEPS = ['/', '%2f', '%2F', '%5c', '\\', '%252f', '//'];

/** every combination of a dot-dot spelling and a separator, walking up to the root */
function climbs(prefix: string, target: string): string[] {
  const out: string[] = [];
  for (const d of DOTS)
    for (const s of SEPS) {
      out.push(`${prefix}${d}${s}${target}`);
      out.push(`${prefix}${`${d}${s}`.repeat(8)}${target}`);
    }
  return out;
}

const ADDRESSES = [
  ...climbs('/static/', 'package.json'),
  ...climbs('/static/css/', 'db/schema.ts'),
  ...climbs('/static/', 'etc/passwd'),
  ...climbs('/assets/', 'package.json'),
  '/static/../package.json',
  '/static/css/../../server/config.ts',
  '/static/js/../../db/schema.ts',
  '/static/..;/package.json',
  '/static/%00../package.json',
  '/static/css/app.css%00.json',
  '/static/..%00/package.json',
  '/static/',
  '/static/css/',
  '/static/.',
  '/static/%2e',
  '/static/.git/config',
  '/static/.env',
  '/assets/taahil.css/../../package.json',
  '/assets/../db/schema.ts',
  '/assets/..%2f..%2fpackage.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/db/taahil.sqlite',
  '/taahil.sqlite',
  '/package.json',
  '/server/config.ts',
  '/materials/..%2F..%2Fetc%2Fpasswd',
  '/materials/..%2Fsecret.txt',
  '/materials/1%2F..%2F..%2Fsecret.txt',
  '/materials/../../secret.txt',
  '/materials/%2e%2e',
  '/materials/-1',
  '/materials/0',
  '/materials/1e3',
  '/materials/0x1',
  '/materials/1.0',
  '/materials/99999999999999999999999',
  '/apologies/..%2Fsecret.txt/attachment',
  '/apologies/1%2F..%2F..%2Fsecret.txt/attachment',
  '/apologies/-1/attachment',
  '/certificates/..%2F..%2Fpackage.json',
  '/verify/..%2F..%2Fpackage.json',
  '/verify/%2e%2e%2f%2e%2e%2fpackage.json',
];

function expectNoLeak(url: string, status: number, body: string, type: string) {
  // a 4xx, a redirect, or one of Taahil's own pages (a URL parser may read "/x/%2e%2e" as "/"):
  // never a file
  if (status < 300) expect(`${type} ${/<html[\s>]/i.test(body)}`, url).toMatch(/^text\/html.* true$/);
  expect(status, url).toBeLessThan(500);
  for (const leak of LEAKS) expect(body.includes(leak), `${url} shows ${leak}`).toBe(false);
}

describe('path traversal', () => {
  it('no spelling of ".." reaches a file, signed in or not', async () => {
    const anon = new Client(t.app);
    for (const url of ADDRESSES)
      for (const c of [anon, office]) {
        const res = await c.get(url);
        expectNoLeak(url, res.status, res.body, String(res.headers['content-type']));
        if (res.status >= 300 && res.status < 400) expect(res.location ?? '', url).toMatch(/^\/(?!\/)/);
      }
  });

  it('the real static files are still served (the checks above are not trivially true)', async () => {
    const css = await office.get('/static/css/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    const bundle = await office.get('/assets/taahil.css');
    expect(bundle.status).toBe(200);
  });

  it('raw bytes over a real socket: no tidying client in between', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        let data = '';
        sock.on('data', (d) => {
          data += d.toString('latin1');
        });
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
        sock.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      });
    for (const target of [
      '/static/../package.json',
      '/static/../../../../../../etc/passwd',
      '/static/..\\..\\package.json',
      '/static/%2e%2e/%2e%2e/package.json',
      '/assets/../db/schema.ts',
      '/materials/../../secret.txt',
      '/static/css/../../../secret.txt',
    ]) {
      const response = await raw(target);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      expect(status, target).toBeGreaterThanOrEqual(300);
      expectNoLeak(target, status, response, '');
    }
  });
});
