/**
 * `npm start` runs the server compiled ahead of time (server/start.js): one file in .build/
 * named by a hash of its sources, with V8's code cache beside it. These tests prove that the
 * compiled server is the one of the current sources, that any change to a source gives another
 * file, that the compiled server starts and serves pages, styles, scripts and sign-in from its
 * own location, and that a damaged code cache costs a slower start, never a failed one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUILD_DIR, buildInputs, compile, ensureBuilt, ROOT, sourceDigest } from '../../server/start.js';
import { HttpClient, type RunningServer, startServer, tempDir } from '../faults/server.ts';

const running: RunningServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
});

describe('the compiled server', () => {
  it('is named by the digest of the current sources, and a changed, added or removed source changes the digest', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-digest-'));
    const write = (f: string, body: string) => {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), body);
    };
    write('server/start.js', '// start');
    write('server/core/a.ts', 'export const a = 1;');
    write('db/schema.ts', 'export const s = 1;');
    write('package-lock.json', '{}');
    write('server/i18n/ar/a.json', '{}');
    expect(buildInputs(root)).toEqual(['db/schema.ts', 'package-lock.json', 'server/core/a.ts', 'server/start.js']);
    const first = sourceDigest(root);
    const seen = new Set([first]);
    const changed = (step: () => void) => {
      step();
      const d = sourceDigest(root);
      expect(seen.has(d)).toBe(false);
      seen.add(d);
    };
    changed(() => write('server/core/a.ts', 'export const a = 2;'));
    changed(() => write('server/feature/routes.ts', 'export const feature = {};'));
    changed(() => fs.renameSync(path.join(root, 'server/feature'), path.join(root, 'server/other')));
    changed(() => fs.rmSync(path.join(root, 'db/schema.ts')));
    changed(() => write('package-lock.json', '{"lockfileVersion":3}'));
    // the same sources give the same file again (a restart does not rebuild)
    fs.rmSync(path.join(root, 'server/other'), { recursive: true });
    write('server/core/a.ts', 'export const a = 1;');
    write('db/schema.ts', 'export const s = 1;');
    write('package-lock.json', '{}');
    expect(sourceDigest(root)).toBe(first);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is made only of files the digest covers', async () => {
    const out = path.join(tempDir('compile'), 'server.js');
    const bundled = await compile(out);
    const inputs = new Set(buildInputs());
    const project = bundled.filter((f) => !f.includes('node_modules/'));
    expect(project).toContain('server/main.ts');
    expect(project).toContain('server/health/routes.ts');
    expect(project).toContain('db/demo.ts');
    expect(project.filter((f) => !inputs.has(f))).toEqual([]);
  });

  it('starts from .build/ and serves pages, the stylesheet, scripts and sign-in', async () => {
    const { file } = await ensureBuilt();
    expect(path.relative(ROOT, file)).toBe(path.join(BUILD_DIR, `server-${sourceDigest()}.cjs`));
    const server = await startServer({ db: path.join(tempDir('start'), 'taahil.sqlite') });
    running.push(server);
    expect(server.lines.join('\n')).not.toContain('Compiled the server');
    // V8's code for the next start, kept once the app listens
    expect(fs.existsSync(file.replace(/\.cjs$/, '.v8cache'))).toBe(true);
    const c = new HttpClient(server.url);
    const login = await c.get('/login');
    expect(login.status).toBe(200);
    expect(login.body).toContain('تسجيل الدخول');
    const css = /href="(\/assets\/taahil\.css\?v=\w+)"/.exec(login.body)![1];
    const cssRes = await fetch(server.url + css);
    expect(cssRes.status).toBe(200);
    expect(await cssRes.text()).toContain('/* app.css */');
    const js = /src="(\/static\/js\/[^"]+)"/.exec(login.body)![1];
    expect((await fetch(server.url + js)).status).toBe(200);
    await c.login('admin');
    const home = await c.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('أهلاً');
  });

  it('starts with a damaged code cache, and writes a good one again', async () => {
    const { file } = await ensureBuilt();
    const cache = file.replace(/\.cjs$/, '.v8cache');
    fs.writeFileSync(cache, 'not a code cache');
    const server = await startServer({ db: path.join(tempDir('start'), 'taahil.sqlite'), env: { TAAHIL_DEMO: 'off' } });
    running.push(server);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
  });
});
