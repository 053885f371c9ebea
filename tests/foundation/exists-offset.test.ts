/**
 * A page after the first must hold the rows after the first page, whatever the number of
 * matches of an EXISTS condition per row. SQLite 3.51 runs a correlated EXISTS as a join and
 * then counts an OFFSET in joined rows (a row matched four times counted four times), so the
 * catalogue's month filter and a member search showed again rows of the pages before.
 * `existsRow` (server/core/db.ts) keeps the subquery a subquery; the catalogue and the member
 * search use it (tests/activities/activities.test.ts, tests/organisation/member-search.test.ts).
 */
import Database from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { describe, expect, it } from 'vitest';
import { existsRow } from '../../server/core/db.ts';

describe('EXISTS in a paged query', () => {
  const sqlite = new Database(':memory:');
  const db = drizzle(sqlite);
  sqlite.exec(`
    create table people (id integer primary key, name text not null);
    create index people_name on people (name);
    create table words (person_id integer not null, token text not null);
    create index words_person on words (person_id, token);`);
  const addPerson = sqlite.prepare('insert into people (name) values (?)');
  const addWord = sqlite.prepare('insert into words (person_id, token) values (?, ?)');
  sqlite.transaction(() => {
    for (let i = 0; i < 300; i++) {
      const id = Number(addPerson.run(`name ${String(i).padStart(3, '0')}`).lastInsertRowid);
      // a third have no matching word, the others one to four
      const matches = i % 3 === 0 ? 0 : 1 + (i % 4);
      for (let w = 0; w < matches; w++) addWord.run(id, `m${w}`);
      addWord.run(id, 'other');
    }
  })();
  const matching = sql`select 1 from words where words.person_id = people.id and words.token >= 'm' and words.token < 'n'`;
  const page = (condition: SQL, offset: number) =>
    db
      .all<{ id: number }>(sql`select id from people where ${condition} order by name, id limit 10 offset ${offset}`)
      .map((r) => r.id);
  const all = db
    .all<{ id: number }>(sql`select id from people where ${existsRow(matching)} order by name, id`)
    .map((r) => r.id);

  it('gives every row once, page after page, with existsRow', () => {
    expect(all).toHaveLength(200);
    const paged: number[] = [];
    for (let offset = 0; offset < 200; offset += 10) paged.push(...page(existsRow(matching), offset));
    expect(paged).toEqual(all);
  });

  it('runs the subquery per row, not as the join that miscounts (a plain EXISTS does on this SQLite)', () => {
    const planOf = (condition: SQL) =>
      db
        .all<{ detail: string }>(
          sql`explain query plan select id from people where ${condition} order by name, id limit 10 offset 10`,
        )
        .map((r) => r.detail)
        .join(' | ');
    expect(planOf(existsRow(matching))).toMatch(/CORRELATED SCALAR SUBQUERY/);
    expect(planOf(existsRow(matching))).not.toMatch(/SEARCH words EXISTS/);
    // for the record: what a plain EXISTS gives here (when it pages right, existsRow can go)
    const plain: number[] = [];
    for (let offset = 0; offset < 200; offset += 10) plain.push(...page(sql`exists (${matching})`, offset));
    const version = sqlite.prepare('select sqlite_version()').pluck().get() as string;
    console.info(
      `SQLite ${version}: a plain EXISTS is planned as "${planOf(sql`exists (${matching})`)}" and pages ${plain.join() === all.join() ? 'right' : 'wrong'}`,
    );
  });
});
