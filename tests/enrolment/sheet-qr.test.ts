/**
 * The QR codes of the printed sign-in sheet (server/enrolments/sheet-qr.ts): the encoder gives
 * exactly the symbol the `qrcode` library gives for the same text and mask, the symbols read
 * back with jsQR (the scan page's decoder), and the sheet page draws each cell's own code, once
 * a cell, in a few hundred bytes, with the shared patterns drawn once.
 */
import QRCode from 'qrcode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sheetCode } from '../../server/cards/codes.ts';
import { MASK, qrFunctionPaths, qrModules, qrSide, sheetCellQr } from '../../server/enrolments/sheet-qr.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { jsQR } from '../qr.ts';
import { makeActivity, makeEnrolment, makeSession } from './factories.ts';

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
/** a repeatable text of this length (a little generator, so a failure names its text) */
function textOf(length: number, seed: number): string {
  let x = seed * 7919 + length * 104729 + 1;
  let s = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += CHARS[x % CHARS.length];
  }
  return s;
}

/** black-on-white pixels of a module grid (1 = dark), `scale` pixels a module, RGBA as jsQR reads them */
function pixels(grid: Uint8Array, side: number, scale = 4) {
  const w = side * scale;
  const data = new Uint8ClampedArray(w * w * 4);
  for (let y = 0; y < w; y++)
    for (let x = 0; x < w; x++) {
      const v = grid[Math.floor(y / scale) * side + Math.floor(x / scale)] ? 0 : 255;
      data.set([v, v, v, 255], (y * w + x) * 4);
    }
  return { data, w };
}

/** the modules a path of the sheet's form ("M1 1.5h7m1 0h1m-8 1h2") paints onto a grid of `side` */
function paint(grid: Uint8Array, side: number, d: string) {
  let x = 0;
  let y = 0;
  const steps = [...d.matchAll(/([Mmh])(-?\d+(?:\.5)?)(?: (-?\d+(?:\.5)?))?/g)];
  expect(steps.map((m) => m[0]).join('')).toBe(d); // nothing in the path this reader skipped
  for (const [, cmd, a, b] of steps) {
    if (cmd === 'M') [x, y] = [Number(a), Number(b)];
    else if (cmd === 'm') [x, y] = [x + Number(a), y + Number(b)];
    else {
      for (let k = 0; k < Number(a); k++) grid[Math.floor(y) * side + x + k] = 1;
      x += Number(a);
    }
  }
}

/** the symbol drawn by the shared patterns of its version and a cell's path, read back as jsQR reads a photo */
function readDrawn(version: number, d: string): string | null {
  const side = qrSide(version);
  const grid = new Uint8Array(side * side);
  paint(grid, side, qrFunctionPaths().find((p) => p.version === version)!.d);
  paint(grid, side, d);
  const { data, w } = pixels(grid, side);
  return jsQR(data, w, w, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

describe('the sheet QR encoder', () => {
  it("gives every module of qrcode's symbol for the same text, level L and mask, versions 1 to 5", () => {
    let versions = new Set<number>();
    for (let length = 1; length <= 106; length++)
      for (let seed = 0; seed < 3; seed++) {
        const text = textOf(length, seed);
        const mine = qrModules(text);
        const ref = QRCode.create(
          [{ data: text, mode: 'byte' }] as never,
          {
            errorCorrectionLevel: 'L',
            maskPattern: MASK,
          } as never,
        ) as unknown as { version: number; modules: { size: number; data: Uint8Array } };
        expect({ text, version: mine.version, size: mine.size }).toEqual({
          text,
          version: ref.version,
          size: ref.modules.size,
        });
        const differ = [...ref.modules.data].findIndex((v, i) => (v ? 1 : 0) !== mine.modules[i]);
        expect({ text, differ }).toEqual({ text, differ: -1 });
        versions = versions.add(mine.version);
      }
    expect([...versions].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(() => qrModules(textOf(107, 0))).toThrow(/does not fit/);
  });

  it('draws symbols that jsQR reads back, the shared patterns and the own modules together', () => {
    for (const [session, member] of [
      [1, 1],
      [60012, 99999],
      [123456, 1234567],
      [999999999999, 999999999999],
    ]) {
      const q = sheetCellQr('a-secret', session, member);
      expect(q.side).toBe(qrSide(q.version));
      expect(readDrawn(q.version, q.d)).toBe(sheetCode('a-secret', session, member));
    }
    // the largest ids the scan page accepts (12 digits) still fit a small symbol
    expect(sheetCellQr('a-secret', 999999999999, 999999999999).version).toBeLessThanOrEqual(3);
  });
});

describe('the printed sign-in sheet', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof makeOrg>>;
  beforeEach(async () => {
    t = await createTestApp();
    org = await makeOrg(t.db);
  });
  afterEach(() => t.close());

  it("draws each cell's own code (its column's session, its row's member) in under a kilobyte, the shared patterns once", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id });
    // 12 sessions: a first sheet of 10 columns and a second of 2
    const sessions = Array.from({ length: 12 }, (_, i) =>
      makeSession(t.db, { activityId: a.id, startsAt: new Date(Date.UTC(2026, 0, 5 + 7 * i, 14)) }),
    );
    const names = ['باسل العلي', 'أمل الحسن', 'زينة الأحمد'];
    const people = names.map((fullName) => makeMember(t.db, { unitId: org.units.karama.id, fullName }));
    for (const m of people) makeEnrolment(t.db, { activityId: a.id, memberId: m.id });
    const waiting = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'منتظر' });
    makeEnrolment(t.db, { activityId: a.id, memberId: waiting.id, status: 'waitlisted', waitlistSeq: 1 });
    await makeUser(t.db, { username: 'sheetcoord', roles: [{ role: 'coordinator', unitId: org.units.raqqa.id }] });
    const c = new Client(t.app);
    await c.login('sheetcoord');

    const res = await c.get(`/activities/${a.id}/sign-in-sheet`);
    expect(res.status).toBe(200);
    const html = res.body;
    // the patterns every code shares: drawn once on the page, one per version
    expect(html.match(/<svg class="qr-shared"/g)).toHaveLength(1);
    expect(html).not.toContain('data:image');

    const cellRe =
      /<svg class="cell-qr" viewBox="0 0 (\d+) \d+" role="img" aria-label="رمز هذه الخانة"><use href="#qr(\d+)"\/><path d="([^"]+)"\/><\/svg>/g;
    const sheets = html.split('<section class="sheet">').slice(1);
    expect(sheets).toHaveLength(2);
    const seen: string[] = [];
    sheets.forEach((sheet, n) => {
      const columns = sessions.slice(n * 10, n * 10 + 10);
      const rows = sheet.split('<tr><td class="num">').slice(1, 1 + people.length);
      // rows in the roster's order (by name), the waiting member not on the sheet
      expect(rows.map((r) => /<td class="name">([^<]*)</.exec(r)![1])).toEqual([
        'أمل الحسن',
        'باسل العلي',
        'زينة الأحمد',
      ]);
      const byName = new Map(people.map((p) => [p.fullName, p]));
      rows.forEach((row) => {
        const member = byName.get(/<td class="name">([^<]*)</.exec(row)![1])!;
        const cells = [...row.matchAll(cellRe)];
        expect(cells).toHaveLength(columns.length);
        cells.forEach(([, side, version, d], k) => {
          expect(Number(side)).toBe(qrSide(Number(version)));
          expect(html).toContain(`<path id="qr${version}" d="`);
          const read = readDrawn(Number(version), d);
          expect(read).toBe(sheetCode(t.app.appSecret, columns[k].id, member.id));
          seen.push(read!);
        });
      });
    });
    expect(new Set(seen).size).toBe(people.length * sessions.length);
    expect(html).not.toContain('منتظر');

    // a cell costs its code's modules and a short frame, not a kilobyte or more
    const cells = [...html.matchAll(cellRe)].map((m) => m[0]);
    const perCell = cells.reduce((n, s) => n + Buffer.byteLength(s), 0) / cells.length;
    expect(perCell).toBeLessThan(1000);
  });
});
