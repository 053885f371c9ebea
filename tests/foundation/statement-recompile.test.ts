/**
 * Statements must not bind a value that this SQLite reads while it plans: a LIMIT, a LIKE pattern
 * on a unit path, a constant compared with a column that a partial index tests. SQLite marks
 * such a statement to be compiled again whenever that parameter is bound, and better-sqlite3 binds
 * every parameter on every run, so the statement was compiled on every run (server/core/db.ts,
 * writeLimitsInline). The search boxes' `like '%text%'` patterns are the one exception left: what
 * people type cannot go into the SQL text.
 */
import { asc, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo } from '../../db/demo.ts';
import { units } from '../../db/schema.ts';
import { equalsConstant, inSubtree, limitClause, subtreeEnd, subtreeParams, subtreeSql } from '../../server/core/db.ts';
import { makeUnit } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import { queryRecorder } from '../queries.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

describe('values SQLite reads while planning are written into the SQL', () => {
  it('writes a numeric LIMIT into the text and keeps OFFSET and placeholders as parameters', () => {
    const q = t.db.select({ id: units.id }).from(units).orderBy(asc(units.id));
    const limited = q.limit(20).offset(40).toSQL();
    expect(limited.sql).toMatch(/ limit 20 offset \?$/);
    expect(limited.params).toEqual([40]);
    const placeholder = t.db
      .select({ id: units.id })
      .from(units)
      .limit(sql.placeholder('n') as unknown as number)
      .toSQL();
    expect(placeholder.sql).toMatch(/ limit \?$/);
    // a relational query's `limit` goes through the same dialect
    expect(t.db.query.units.findMany({ limit: 3 }).toSQL().sql).toMatch(/ limit 3$/);
  });

  it('gives the same rows with the number in the text', () => {
    for (let i = 0; i < 5; i++) makeUnit(t.db);
    const ids = t.db.select({ id: units.id }).from(units).orderBy(asc(units.id)).limit(2).offset(1).all();
    expect(ids.map((r) => r.id)).toEqual([2, 3]);
  });

  it('writes only whole numbers into a raw LIMIT', () => {
    expect(limitClause(20)).toBe('limit 20');
    expect(limitClause(0)).toBe('limit 0');
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, '5; drop table units' as unknown as number])
      expect(() => limitClause(bad)).toThrow(TypeError);
  });

  it('writes only plain words as constants', () => {
    const q = t.db.select({ id: units.id }).from(units).where(equalsConstant(units.kind, 'city'));
    expect(q.toSQL()).toMatchObject({ sql: expect.stringMatching(/"units"\."kind" = 'city'$/), params: [] });
    const city = makeUnit(t.db, { parentId: makeUnit(t.db, { kind: 'centre' }).id, kind: 'city' });
    expect(q.all()).toEqual([{ id: city.id }]);
    for (const bad of ["city' or 1=1 --", 'City', '']) expect(() => equalsConstant(units.kind, bad)).toThrow(TypeError);
  });
});

describe('a unit subtree as a range of paths', () => {
  it('holds the unit and the units below it, and no unit whose id only begins with the same digits', () => {
    // ids 1..45: "/1/4/" and "/1/40/" .. "/1/45/" are all there, with children of 4 and 40
    const centre = makeUnit(t.db, { kind: 'centre' });
    const made = [centre];
    while (made.length < 45) made.push(makeUnit(t.db, { parentId: centre.id }));
    const four = made.find((u) => u.path === '/1/4/')!;
    const forty = made.find((u) => u.path === '/1/40/')!;
    made.push(makeUnit(t.db, { parentId: four.id }), makeUnit(t.db, { parentId: forty.id }));
    const paths = made.map((u) => u.path);

    for (const root of ['/', '/1/', '/1/4/', '/1/40/', made.at(-2)!.path]) {
      const expected = paths.filter((p) => p.startsWith(root)).sort();
      const drizzle = t.db
        .select({ path: units.path })
        .from(units)
        .where(inSubtree(units.path, root))
        .all()
        .map((r) => r.path)
        .sort();
      const raw = (
        t.db.$client.prepare(`select path from units where ${subtreeSql('path')}`).all(subtreeParams(root)) as {
          path: string;
        }[]
      )
        .map((r) => r.path)
        .sort();
      expect(drizzle, root).toEqual(expected);
      expect(raw, root).toEqual(expected);
    }
    expect(paths.filter((p) => p.startsWith('/1/4/'))).toHaveLength(2);
  });

  it('refuses what is not a unit path', () => {
    expect(subtreeEnd('/1/4/')).toBe('/1/40');
    expect(subtreeEnd('/')).toBe('0');
    expect(() => subtreeEnd('/1/4')).toThrow(TypeError);
  });
});

describe('the statements every role runs', () => {
  it('bind no LIMIT, no unit-path pattern and no enrolment status', async () => {
    const recorder = queryRecorder(t.db);
    let visited = 0;
    const ran = await recorder.captureAsync(async () => {
      const logins = await seedDemo(t.db, { tz: 'Asia/Damascus' });
      // every role walks the links of its pages, up to 80 pages each
      for (const u of logins!.users) {
        const c = new Client(t.app);
        await c.login(u.username, DEMO_PASSWORD);
        const queue = ['/'];
        const done = new Set<string>();
        while (queue.length && done.size < 80) {
          const path = queue.shift()!;
          if (done.has(path)) continue;
          done.add(path);
          const res = await c.get(path);
          expect(res.status, `${u.username} ${path}`).toBeLessThan(500);
          if (!String(res.headers['content-type']).startsWith('text/html')) continue;
          for (const m of res.body.matchAll(/href="(\/[^"#]*)"/g)) {
            const href = m[1]!.replaceAll('&amp;', '&');
            if (!/^\/(static|logout|lang)\b/.test(href) && !done.has(href)) queue.push(href);
          }
        }
        visited += done.size;
      }
    });
    const seen = new Set(ran.map((q) => q.sql));
    expect(visited).toBeGreaterThan(150);
    expect(seen.size).toBeGreaterThan(100);

    const offending = [...seen].filter(
      (s) =>
        /\blimit\s+[?@:$]/i.test(s) ||
        /path"?\s+like\s+[?@:$]/i.test(s) ||
        /"enrolments"\."status" = \?/.test(s) ||
        /\benrolments\.status = [?@:$]/.test(s),
    );
    expect(offending).toEqual([]);
  });
});
