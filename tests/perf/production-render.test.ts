/**
 * In production templates are compiled once and where each template name leads is worked out
 * once (server/app.ts templateEngine): the same pages, on the same data, must come out exactly
 * as they do when every template is read and resolved again (tests), includes and all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { tempDir } from '../faults/server.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { activity, enrol, session } from '../reports/factories.ts';

let dir: string;
let plain: TestApp;
let production: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let activityId: number;
beforeAll(async () => {
  dir = tempDir('prod-render');
  const file = path.join(dir, 'taahil.sqlite');
  plain = await createTestApp({}, file);
  production = await createTestApp({ NODE_ENV: 'production' }, file);
  org = await makeOrg(plain.db);
  const a = activity(plain.db, { organisingUnitId: org.units.centre.id, status: 'running', title: 'دورة العرض' });
  session(plain.db, a.id, new Date(Date.now() + 3 * 86_400_000));
  enrol(plain.db, a.id, org.member.id, 'approved');
  activityId = a.id;
});
afterAll(async () => {
  await production.close();
  await plain.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** what differs between two answers by design: the CSRF token, the request id */
const normal = (html: string) =>
  html
    .replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""')
    .replace(/_csrf=[\w-]+/g, '_csrf=')
    .replace(/: [a-z0-9]{12}</g, ': ID<');

describe('production rendering', () => {
  for (const who of ['member', 'office', 'trainer'] as const) {
    it(`gives the ${who} the same pages as rendering each template afresh`, async () => {
      const a = new Client(plain.app);
      const b = new Client(production.app);
      await a.login(who);
      await b.login(who);
      for (const url of ['/', '/activities', `/activities/${activityId}`, '/account', '/calendar', '/no-such-page']) {
        const [x, y] = [await a.get(url), await b.get(url)];
        expect(y.status, url).toBe(x.status);
        expect(normal(y.body), url).toBe(normal(x.body));
        expect(y.body.length, url).toBeGreaterThan(500);
      }
    });
  }
});
