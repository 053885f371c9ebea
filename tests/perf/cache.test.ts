/**
 * The dashboards' overview and the monthly report are kept while the data is unchanged
 * (server/core/cache.ts): a write anywhere, or a minute passing, computes them again, so a
 * page never shows figures older than the data.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as s from '../../db/schema.ts';
import { cachedById, DataCache } from '../../server/core/cache.ts';
import { openDatabase, tx } from '../../server/core/db.ts';
import { makeMember, makeOrg } from '../factories.ts';
import { tempDir } from '../faults/server.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { activity, enrol, mark, session } from '../reports/factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterAll(() => t.close());

describe('DataCache', () => {
  it('computes again after a write, after the time limit, and per key', () => {
    const cache = new DataCache(t.db.$client, 1000);
    let runs = 0;
    const compute = () => ++runs;
    expect(cache.get('a', compute, 0)).toBe(1);
    expect(cache.get('a', compute, 10)).toBe(1);
    expect(cache.get('b', compute, 10)).toBe(2);
    t.db.insert(s.settings).values({ key: 'cache.test', value: '1' }).run();
    expect(cache.get('a', compute, 20)).toBe(3);
    expect(cache.get('a', compute, 30)).toBe(3);
    expect(cache.get('a', compute, 1030)).toBe(4);
  });
});

describe('DataCache and another process', () => {
  it('computes again after a commit on another connection, from the next turn of the event loop', async () => {
    const dir = tempDir('cache');
    const file = path.join(dir, 'data.sqlite');
    const mine = openDatabase(file);
    const other = new Database(file);
    try {
      const cache = new DataCache(mine.$client, 60_000);
      let runs = 0;
      const compute = () => ++runs;
      expect(cache.get('a', compute)).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(cache.get('a', compute)).toBe(1);
      other.prepare("insert into settings (key, value) values ('cache.other', '1')").run();
      await new Promise((resolve) => setImmediate(resolve));
      expect(cache.get('a', compute)).toBe(2);
      expect(cache.get('a', compute)).toBe(2);
    } finally {
      other.close();
      mine.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DataCache.getMany', () => {
  it('computes only the keys not kept, all of them in one call, and again after a write', () => {
    const cache = new DataCache(t.db.$client, 1000);
    const calls: number[][] = [];
    const compute = (missing: number[]) => {
      calls.push(missing);
      return new Map(missing.map((k) => [k, k * 10]));
    };
    expect([...cache.getMany([1, 2, 2, 3], compute, 0)]).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
    ]);
    expect([...cache.getMany([3, 4, 1], compute, 10)]).toEqual([
      [3, 30],
      [1, 10],
      [4, 40],
    ]);
    expect(calls).toEqual([[1, 2, 3], [4]]);
    // what get() kept under the same key is the same entry
    expect(cache.get('4', () => -1, 20)).toBe(40);
    t.db.insert(s.settings).values({ key: 'cache.many', value: '1' }).run();
    cache.getMany([1, 4], compute, 30);
    expect(calls.at(-1)).toEqual([1, 4]);
    // inside a transaction: computed, not kept
    tx(t.db, () => cache.getMany([9], compute, 40));
    cache.getMany([9], compute, 50);
    expect(calls.slice(-2)).toEqual([[9], [9]]);
  });
});

describe('what a transaction reads', () => {
  it('is neither served from nor kept in the cache, so a rolled-back write is never shown', () => {
    const cache = new DataCache(t.db.$client);
    const read = () =>
      t.db
        .select()
        .from(s.settings)
        .all()
        .find((r) => r.key === 'cache.rollback')?.value ?? null;
    expect(cache.get('k', read)).toBeNull();
    expect(() =>
      tx(t.db, () => {
        t.db.insert(s.settings).values({ key: 'cache.rollback', value: 'uncommitted' }).run();
        expect(cache.get('k', read)).toBe('uncommitted');
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(cache.get('k', read)).toBeNull();
  });
});

describe('rows cached by id', () => {
  it('are shared frozen, so one reader cannot change what the next one sees', () => {
    const row = cachedById(t.db, 'test.row', 1, () => ({ title: 'دورة', unit: { path: '/1/' } }));
    expect(() => {
      (row as { title: string }).title = 'x';
    }).toThrow(TypeError);
    expect(() => {
      row.unit.path = '/2/';
    }).toThrow(TypeError);
    expect(cachedById(t.db, 'test.row', 1, () => ({ title: 'other', unit: { path: '' } })).title).toBe('دورة');
  });

  it('an edited activity shows its new title on its page at once', async () => {
    const office = new Client(t.app);
    await office.login('office');
    const a = activity(t.db, { organisingUnitId: org.units.centre.id, status: 'open', title: 'العنوان الأول' });
    expect((await office.get(`/activities/${a.id}`)).body).toContain('العنوان الأول');
    t.db.update(s.activities).set({ title: 'العنوان الثاني' }).where(eq(s.activities.id, a.id)).run();
    const body = (await office.get(`/activities/${a.id}`)).body;
    expect(body).toContain('العنوان الثاني');
    expect(body).not.toContain('العنوان الأول');
  });
});

describe('the office dashboard', () => {
  it('shows a new nomination on the next request', async () => {
    const office = new Client(t.app);
    await office.login('office');
    const waiting = async () =>
      Number(
        /<span class="stat-value">(\d+)<\/span> <span class="stat-label">ترشيحات بانتظار القرار/.exec(
          (await office.get('/')).body,
        )?.[1],
      );
    const before = await waiting();
    expect(before).toBeGreaterThanOrEqual(0);
    expect(await waiting()).toBe(before);
    const a = activity(t.db, { organisingUnitId: org.units.centre.id, status: 'open', title: 'دورة الاختبار' });
    const m = makeMember(t.db, { unitId: org.units.raqqa.id });
    enrol(t.db, a.id, m.id, 'nominated', 'nomination');
    expect(await waiting()).toBe(before + 1);
  });
});

describe("an activity's sessions, shared by its members' pages", () => {
  it("show a new and a cancelled session in a member's progress on the next request", async () => {
    const member = new Client(t.app);
    await member.login('member');
    const a = activity(t.db, { organisingUnitId: org.units.centre.id, status: 'running', title: 'دورة الجلسات' });
    const day = 86_400_000;
    for (const d of [3, 2]) session(t.db, a.id, new Date(Date.now() - d * day));
    session(t.db, a.id, new Date(Date.now() + 5 * day));
    enrol(t.db, a.id, org.member.id, 'approved');
    const line = async () => {
      const html = (await member.get('/')).body;
      // the dashboard's "my progress" table: held / planned
      const table = html.slice(html.indexOf('id="completion-dash-h"'));
      const m = /دورة الجلسات<\/a>.*?<\/td>\s*<td class="num">(\d+) \/ (\d+)<\/td>/s.exec(table);
      return m ? `${m[1]}/${m[2]}` : null;
    };
    expect(await line()).toBe('2/3');
    expect(await line()).toBe('2/3');
    const added = session(t.db, a.id, new Date(Date.now() - day));
    expect(await line()).toBe('3/4');
    t.db.update(s.sessions).set({ status: 'cancelled' }).where(eq(s.sessions.id, added.id)).run();
    expect(await line()).toBe('2/3');
  });
});

describe("an activity's enrolled count, shared by its trainers' pages", () => {
  it("follows a new enrolment on the trainer's dashboard at once", async () => {
    const trainer = new Client(t.app);
    await trainer.login('trainer');
    const a = activity(t.db, { organisingUnitId: org.units.centre.id, status: 'running', title: 'حلقة العد' });
    const past = session(t.db, a.id, new Date(Date.now() - 2 * 86_400_000), { trainerUserId: org.users.trainer.id });
    const first = makeMember(t.db, { unitId: org.units.raqqa.id });
    enrol(t.db, a.id, first.id, 'approved');
    mark(t.db, past.id, first.id, 'present');
    const line = async () => {
      const html = (await trainer.get('/')).body;
      const m = new RegExp(`/sessions/${past.id}/attendance"[^]*?سُجّل (\\d+) من (\\d+)`).exec(html);
      return m ? `${m[1]}/${m[2]}` : 'all marked';
    };
    expect(await line()).toBe('all marked');
    expect(await line()).toBe('all marked');
    enrol(t.db, a.id, makeMember(t.db, { unitId: org.units.raqqa.id }).id, 'approved');
    expect(await line()).toBe('1/2');
  });
});
