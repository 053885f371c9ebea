/**
 * The printed sign-in sheet in Chromium: it passes the page checks (axe, direction), prints
 * without the site's frame, and every cell's QR code (an inline SVG that uses the patterns drawn
 * once on the page) is drawn at its 12 mm and reads back, as printed, to its own session and
 * member with the scan page's decoder.
 */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { readCode } from '../../server/cards/codes.ts';
import { makeActivity, makeEnrolledMembers, makeSession } from '../attendance/factories.ts';
import { jsQR } from '../qr.ts';
import { checkPage, HAVE_CHROMIUM, type Harness, signIn, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  if (HAVE_CHROMIUM) h = await startHarness('sheet');
});
afterAll(async () => {
  await h?.close();
});

describe.skipIf(!HAVE_CHROMIUM)('the printed sign-in sheet in Chromium', () => {
  it('prints every cell as a 12 mm QR code that reads back to its session and member', {
    timeout: 120_000,
  }, async () => {
    const unit = h.t.db.select().from(s.units).all()[0];
    const a = makeActivity(h.t.db, { organisingUnitId: unit.id, title: 'دورة كشف التوقيع' });
    const sessions = [-3, -2, -1].map((d) => makeSession(h.t.db, a.id, { startMin: d * 7 * 24 * 60 }));
    const members = makeEnrolledMembers(h.t.db, a.id, unit.id, 24);
    await signIn(h, 'office');
    await h.page.goto(`${h.url}/activities/${a.id}/sign-in-sheet`);
    await checkPage(h.page, 'sign-in-sheet', { lang: 'ar' });

    await h.page.emulateMedia({ media: 'print' });
    const layout = await h.page.evaluate(() => {
      const cells = Array.from(document.querySelectorAll('svg.cell-qr'));
      const sizes = cells.map((c) => c.getBoundingClientRect()).map((r) => [r.width, r.height]);
      return {
        cells: cells.length,
        sizes: [...new Set(sizes.map(([w, hh]) => `${Math.round(w)}x${Math.round(hh)}`))],
        topbar: getComputedStyle(document.querySelector('.topbar')!).display,
      };
    });
    expect(layout.cells).toBe(members.length * sessions.length);
    // 12 mm at 96 px an inch
    expect(layout.sizes).toEqual(['45x45']);
    expect(layout.topbar).toBe('none');

    // the first, a middle and the last row, every column, photographed as drawn for print
    // (enlarged four times: the screen's 1.7 pixels a module are far fewer than a printer's dots)
    await h.page.evaluate(() => {
      document.documentElement.style.zoom = '4';
    });
    const rows = h.page.locator('table.sheet-grid tbody tr');
    const secret = h.t.app.appSecret;
    const enrolled = new Set(members.map((m) => m.id));
    const read = new Set<string>();
    for (const r of [0, 11, members.length - 1]) {
      for (let k = 0; k < sessions.length; k++) {
        const shot = PNG.sync.read(await rows.nth(r).locator('svg.cell-qr').nth(k).screenshot());
        const found = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height, {
          inversionAttempts: 'dontInvert',
        });
        expect(found, `row ${r}, column ${k}`).not.toBeNull();
        const code = readCode(secret, found!.data);
        expect(code).toMatchObject({ kind: 'sheet', valid: true, sessionId: sessions[k].id });
        if (code.kind === 'sheet') expect(enrolled.has(code.memberId)).toBe(true);
        read.add(found!.data);
      }
    }
    expect(read.size).toBe(3 * sessions.length);

    const pdf = await h.page.pdf({ format: 'A4', landscape: true, preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // the codes are drawn as vectors, not pictures a printer would smooth
    expect(pdf.includes('/Subtype /Image')).toBe(false);
  });
});
