/**
 * Every route that takes a file, checked the same way: a file of the wrong type and a file over
 * the limit are refused with a clear message in the user's language (Arabic and English), and
 * nothing is stored (no file in the uploads folder, no row). The list of upload routes is checked
 * against the code: a route handler that reads a multipart file (req.file/parts/files,
 * saveRequestFiles, or a helper of its file that does) and is missing here fails the first test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { makeActivity, makeSession } from '../activities/factories.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { enrol, makeSession as makeSessionAt } from '../followup/factories.ts';
import { Client, createTestApp, type Res, type TestApp, textOf } from '../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MB = 1024 * 1024;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const HTML = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');
const EXE = Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1');
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let uploads: string;
const ar: Record<string, Client> = {};
const en: Record<string, Client> = {};
let memberEnId: number;

beforeAll(async () => {
  uploads = fs.mkdtempSync(path.join(os.tmpdir(), 'taahil-security-uploads-'));
  t = await createTestApp({ TAAHIL_UPLOADS: uploads });
  org = await makeOrg(t.db);
  // the same roles once more, for people who chose English
  const memberEn = makeMember(t.db, { unitId: org.member.unitId, fullName: 'Rana al-Mousa' });
  await makeUser(t.db, { username: 'office.en', roles: [{ role: 'office' }] });
  await makeUser(t.db, { username: 'member.en', roles: [{ role: 'member' }], memberId: memberEn.id });
  t.db
    .update(s.users)
    .set({ locale: 'en' })
    .where(inArray(s.users.username, ['office.en', 'member.en']))
    .run();
  memberEnId = memberEn.id;
  for (const who of ['office', 'member']) {
    ar[who] = new Client(t.app);
    await ar[who].login(who);
    en[who] = new Client(t.app);
    await en[who].login(`${who}.en`);
  }
});
afterAll(async () => {
  await t.close();
  fs.rmSync(uploads, { recursive: true, force: true });
});

/** a multipart form the way a browser sends it: fields, then one file */
async function send(c: Client, url: string, page: string, fields: Record<string, string>, file: [string, Buffer]) {
  await c.get(page);
  const boundary = `----taahil${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  const payload = Buffer.concat([
    Buffer.from(parts.join('')),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file[0]}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    file[1],
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return c.request('POST', `${url}?_csrf=${encodeURIComponent(c.csrf!)}`, {
    payload,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
}

/** what could have been stored: the files in the uploads folder and the rows that point at files or imports */
const stored = () => ({
  files: fs.readdirSync(uploads).sort(),
  materials: t.db.select().from(s.materials).all().length,
  apologies: t.db.select().from(s.apologies).all().length,
  members: t.db.select().from(s.members).all().length,
});

interface UploadRoute {
  route: string;
  who: 'office' | 'member';
  /** the page with the form, the address to post to, and the form's other fields */
  target: () => { page: string; url: string; fields: Record<string, string> };
  wrongType: [string, Buffer][];
  /** the limit this route announces (bytes) */
  limit: number;
  /** the messages (Arabic, English) for a wrong type and for a file too big */
  messages: { type: [RegExp, RegExp]; size: [RegExp, RegExp] };
}

const UPLOAD_ROUTES: UploadRoute[] = [
  {
    route: 'POST /activities/:id/materials',
    who: 'office',
    target: () => {
      const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
      return { page: `/activities/${a.id}`, url: `/activities/${a.id}/materials`, fields: {} };
    },
    wrongType: [
      ['page.html', HTML],
      ['report.pdf', HTML],
      ['photo.png', PDF],
      ['tool.exe', EXE],
      ['tool.pdf', EXE],
    ],
    limit: 10 * MB,
    messages: {
      type: [/هذا النوع من الملفات غير مقبول/, /This kind of file is not accepted/],
      size: [/أكبر من 10 ميغابايت/, /larger than 10 MB/],
    },
  },
  {
    route: 'POST /sessions/:id/materials',
    who: 'office',
    target: () => {
      const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
      const sess = makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.now() + 86_400_000) });
      return { page: `/sessions/${sess.id}`, url: `/sessions/${sess.id}/materials`, fields: {} };
    },
    wrongType: [
      ['slides.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
      ['board.png', HTML],
    ],
    limit: 10 * MB,
    messages: {
      type: [/هذا النوع من الملفات غير مقبول/, /This kind of file is not accepted/],
      size: [/أكبر من 10 ميغابايت/, /larger than 10 MB/],
    },
  },
  {
    route: 'POST /apologies',
    who: 'member',
    target: () => {
      const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
      const sess = makeSessionAt(t.db, a.id, { startMin: 2 * 24 * 60 });
      enrol(t.db, a.id, org.member.id);
      enrol(t.db, a.id, memberEnId);
      return {
        page: '/apologies/new',
        url: '/apologies',
        fields: { sessionId: String(sess.id), reason: 'موعد طبي' },
      };
    },
    wrongType: [
      ['note.html', HTML],
      ['report.pdf', EXE],
      ['scan.jpg', PDF.subarray(0, 4)],
    ],
    limit: 5 * MB,
    messages: {
      type: [/أرفق ملف PDF أو صورة/, /Attach a PDF or an image/],
      size: [/أكبر من 5 ميغابايت/, /larger than 5 MB/],
    },
  },
  {
    route: 'POST /members/import',
    who: 'office',
    target: () => ({ page: '/members/import', url: '/members/import', fields: {} }),
    // an image or a program is either not UTF-8 text or not CSV: both are said plainly
    wrongType: [
      ['members.csv', Buffer.concat([PNG_MAGIC, Buffer.alloc(64)])],
      ['members.csv', EXE],
      ['photo.png', Buffer.from([0x00, 0x01, 0x02, 0x41, 0x2c, 0x42])],
      ['tool.exe', Buffer.from('\x00\x00ELF\x02\x01,\x00', 'latin1')],
    ],
    limit: 10 * MB,
    messages: {
      type: [/ليس ملف CSV مقروءاً|ليس نصاً بترميز UTF-8/, /not a readable CSV file|not UTF-8 text/],
      size: [/أكبر من 10 ميغابايت/, /larger than 10 MB/],
    },
  },
];

/**
 * The POST routes whose handler reads an uploaded file, found in the code: in each server/**
 * routes file, the functions that call the multipart API (directly or through another such
 * function), then every `app.post('<url>'` block that calls one of them.
 */
function uploadRoutesInCode(): string[] {
  const files = fs.readdirSync(path.join(ROOT, 'server'), { recursive: true, encoding: 'utf8' });
  const sources = files
    .filter((f) => f.endsWith('.ts'))
    .map((f) => fs.readFileSync(path.join(ROOT, 'server', f), 'utf8'));
  const callsIn = (text: string) => [...text.matchAll(/(\w+)\s*\(/g)].map((c) => c[1]);
  // every named function (declaration or const arrow) with its body, found by indentation
  const functions: { name: string; body: string }[] = [];
  const decl =
    /^( *)(?:export\s+)?(?:async\s+)?function\s+(\w+)|^( *)(?:export\s+)?const\s+(\w+)\s*(?::[^=]+)?=\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*(?::[^=]+)?=>/;
  for (const src of sources) {
    const lines = src.split('\n');
    for (const [i, line] of lines.entries()) {
      const m = decl.exec(line);
      if (!m) continue;
      const indent = m[1] ?? m[3];
      let end = i;
      if (line.trimEnd().endsWith('{')) while (end < lines.length - 1 && !lines[++end].startsWith(`${indent}}`));
      const body = lines.slice(i, end + 1).join('\n');
      if (!/\bapp\.(post|get)\(/.test(body)) functions.push({ name: m[2] ?? m[4], body });
    }
  }
  // the multipart API, and every function that calls it (or calls such a function), to a fixed point
  const readers = new Set(['file', 'files', 'parts', 'saveRequestFiles']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const f of functions)
      if (!readers.has(f.name) && callsIn(f.body).some((c) => readers.has(c))) {
        readers.add(f.name);
        grew = true;
      }
  }
  const out: string[] = [];
  for (const src of sources)
    for (const block of src.split(/\n(?=\s*app\.(?:get|post|put|patch|delete|route)\()/)) {
      const head = /^\s*app\.(post|put|patch|delete)\(\s*'([^']+)'/.exec(block);
      if (head && callsIn(block).some((c) => readers.has(c))) out.push(`${head[1].toUpperCase()} ${head[2]}`);
    }
  return out.sort();
}

describe('uploads', () => {
  it('lists every route that takes a file', () => {
    const inCode = uploadRoutesInCode();
    expect(inCode.length).toBeGreaterThan(0);
    expect(inCode).toEqual(UPLOAD_ROUTES.map((r) => r.route).sort());
    // and every one of them is a real route of the app
    const served = new Set(t.app.routeList.map((r) => `${r.method} ${r.url}`));
    for (const r of UPLOAD_ROUTES) expect(served.has(r.route), r.route).toBe(true);
  });

  for (const r of UPLOAD_ROUTES) {
    it(`${r.route}: a file of the wrong type is refused, nothing stored`, async () => {
      const { page, url, fields } = r.target();
      const before = stored();
      for (const [i, file] of r.wrongType.entries()) {
        const [c, message] = i % 2 ? [en[r.who], r.messages.type[1]] : [ar[r.who], r.messages.type[0]];
        const res = await send(c, url, page, fields, file);
        expect(res.status, `${file[0]}`).toBe(400);
        expect(textOf(res.body), `${file[0]}`).toMatch(message);
        // the rest of the form is kept
        if (fields.reason) expect(res.body).toContain(fields.reason);
      }
      expect(stored()).toEqual(before);
    });

    it(`${r.route}: a file over ${r.limit / MB} MB is refused with a clear message, nothing stored`, async () => {
      const { page, url, fields } = r.target();
      const before = stored();
      // just over this route's limit, and over the server's hard limit for every upload
      const sizes = [...new Set([r.limit + 1, 10 * MB + 1])];
      for (const [i, size] of sizes.entries()) {
        const content = Buffer.concat([PDF, Buffer.alloc(size - PDF.length, 0x20)]);
        for (const [c, message] of [
          [ar[r.who], r.messages.size[0]],
          [en[r.who], r.messages.size[1]],
        ] as const) {
          const res: Res = await send(c, url, page, fields, [i ? 'huge.pdf' : 'big.pdf', content]);
          expect([400, 413], `${size} bytes`).toContain(res.status);
          expect(textOf(res.body), `${size} bytes`).toMatch(message);
        }
      }
      expect(stored()).toEqual(before);
    });
  }

  it('a second file in the same form is never stored, and nothing breaks', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const c = ar.office;
    await c.get(`/activities/${a.id}`);
    const before = stored();
    const boundary = '----taahiltwo';
    const part = (name: string, content: Buffer) =>
      Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`,
        ),
        content,
        Buffer.from('\r\n'),
      ]);
    const res = await c.request('POST', `/activities/${a.id}/materials?_csrf=${encodeURIComponent(c.csrf!)}`, {
      payload: Buffer.concat([part('one.pdf', PDF), part('two.html', HTML), Buffer.from(`--${boundary}--\r\n`)]),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(res.status).toBeLessThan(500);
    const after = stored();
    // at most the first (valid) file was kept; the second never reaches the disk
    expect(after.files.length - before.files.length).toBeLessThanOrEqual(1);
    const names = t.db
      .select()
      .from(s.materials)
      .all()
      .map((m) => m.filename);
    expect(names).not.toContain('two.html');
  });

  it('a body that only claims to be multipart is a clear 4xx, never a 5xx', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const c = ar.office;
    await c.get(`/activities/${a.id}`);
    const before = stored();
    for (const payload of ['not multipart at all', '--x\r\nbroken', '']) {
      const res = await c.request('POST', `/activities/${a.id}/materials?_csrf=${encodeURIComponent(c.csrf!)}`, {
        payload,
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
      });
      expect(res.status, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(payload)).toBeLessThan(500);
    }
    expect(stored()).toEqual(before);
  });
});
