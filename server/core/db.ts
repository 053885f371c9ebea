import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../db/schema.ts';
import { ROOT } from './paths.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = path.join(ROOT, 'db/migrations');

/** Opens the SQLite file with WAL, foreign keys and a busy timeout, and applies the committed migrations. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // 16 MB of pages: the OS keeps the file's pages too, and each MB here counts in the server's memory
  sqlite.pragma('cache_size = -16000');
  sqlite.pragma('temp_store = MEMORY');
  cacheStatements(sqlite);
  const db = drizzle(sqlite, { schema }) as Db;
  writeLimitsInline(db);
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

/**
 * Keeps the compiled statements of the connection: the same SQL (every Drizzle query and
 * raw statement goes through `prepare`) is compiled once, not on every request. A statement
 * handed out again is reset to plain object rows (Drizzle switches it to raw rows when it
 * maps them itself). At most `max` statements; the oldest is forgotten first.
 */
function cacheStatements(sqlite: Database.Database, max = 2000) {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const hit = kept.get(source);
    if (hit && !hit.busy) {
      if (hit.reader) hit.raw(false);
      return hit;
    }
    const stmt = prepare(source);
    if (!hit) {
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
      kept.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * Makes Drizzle write a LIMIT given as a number into the SQL text (`limit 20`), where it would
 * bind it as a parameter (`limit ?`).
 *
 * Why: this SQLite (3.53) reads a bound LIMIT while it plans a statement, and so marks the
 * statement to be compiled again whenever that parameter is bound. better-sqlite3 binds every
 * parameter on every run, so a statement with `limit ?` was compiled again on every run: 3 µs
 * more for a lookup by key, 20–35 µs more for the member dashboard's joins, each time. With the
 * number in the text it is compiled once and kept (cacheStatements). The numbers are the code's
 * page sizes, so there are few texts. A `sql.placeholder` limit stays a parameter (and is
 * compiled on each run): use `limitClause` or a number instead. Checked by
 * `tests/foundation/statement-recompile.test.ts`.
 */
function writeLimitsInline(db: Db) {
  const dialect = (db as unknown as { dialect: { buildLimit(limit: unknown): SQL | undefined } }).dialect;
  const asParameter = dialect.buildLimit.bind(dialect);
  dialect.buildLimit = (limit) => (isCount(limit) ? sql.raw(` limit ${limit}`) : asParameter(limit));
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/**
 * `limit <n>` for a raw SQL statement, with the number in the text, for the reason given at
 * writeLimitsInline. Throws on anything but a whole number, so nothing else reaches the SQL.
 */
export function limitClause(n: number): string {
  if (!isCount(n)) throw new TypeError(`limit must be a whole number, not ${n}`);
  return `limit ${n}`;
}

/**
 * `exists (subquery)` for a WHERE clause of a query that pages with OFFSET. SQLite 3.51 runs a
 * correlated EXISTS as a join ("EXISTS-to-JOIN") and then counts the OFFSET in joined rows: a
 * row matched twice counted twice, so a page after the first skipped too few rows and showed
 * rows of the page before (an activity with several sessions in the month filter, a member with
 * several words beginning with the typed letter). `limit 1` keeps it a subquery, with the same
 * answer. `tests/foundation/exists-offset.test.ts` shows the difference on this SQLite.
 */
export const existsRow = (subquery: SQL): SQL => sql`exists (${subquery} limit 1)`;

/** Runs fn in one synchronous transaction (better-sqlite3: never await inside). */
export function tx<T>(db: Db, fn: () => T): T {
  return db.$client.transaction(fn).immediate();
}

const builtQueries = new WeakMap<Database.Database, Map<unknown, unknown>>();

/**
 * A Drizzle query built and prepared once per connection, run with `sql.placeholder` values:
 * for the statements every request runs (the session, the viewer's roles), where building the
 * SQL text again each time costs more than running it. `build` must be a module-level
 * function (it is the cache key).
 */
export function prepared<T>(db: Db, build: (db: Db) => T): T {
  let kept = builtQueries.get(db.$client);
  if (!kept) {
    kept = new Map();
    builtQueries.set(db.$client, kept);
  }
  let q = kept.get(build) as T | undefined;
  if (q === undefined) {
    q = build(db);
    kept.set(build, q);
  }
  return q;
}

/**
 * `column = 'value'` with the value written into the SQL text, for a constant of the code
 * compared with a column that a partial index tests (enrolments.status): while planning, this
 * SQLite compares a bound value with the index's condition, and so compiles the statement again
 * on every run (see writeLimitsInline). Only plain lower-case words are accepted.
 */
export function equalsConstant(column: AnyColumn, value: string): SQL {
  if (!/^[a-z_]+$/.test(value)) throw new TypeError(`not a plain constant: ${value}`);
  return sql`${column} = ${sql.raw(`'${value}'`)}`;
}

const byLimit = new WeakMap<object, Map<number, (db: Db) => unknown>>();

/**
 * `prepared` for a query whose LIMIT each caller chooses: one prepared query per number, with
 * the number in its SQL (see writeLimitsInline). `build` must be a module-level function.
 */
export function preparedWithLimit<T>(db: Db, build: (db: Db, limit: number) => T, limit: number): T {
  let builders = byLimit.get(build);
  if (!builders) {
    builders = new Map();
    byLimit.set(build, builders);
  }
  let forLimit = builders.get(limit);
  if (!forLimit) {
    forLimit = (d: Db) => build(d, limit);
    builders.set(limit, forLimit);
  }
  return prepared(db, forLimit as (db: Db) => T);
}

/**
 * Where the subtree of a materialised path such as "/1/4/" ends, for a range of paths: the path
 * with its last character's successor ("/1/40"). Every path that begins with "/1/4/", and only
 * those, is at least "/1/4/" and less than "/1/40".
 *
 * A range, not `like '/1/4/%'`: this SQLite reads a bound LIKE pattern while it plans, so a
 * statement with `like ?` was compiled again on every run (see writeLimitsInline), and a range
 * can use `units_path_idx`.
 */
export function subtreeEnd(path: string): string {
  if (!path.endsWith('/')) throw new TypeError(`not a unit path: ${path}`);
  return `${path.slice(0, -1)}0`;
}

/**
 * A unit path column within the subtree of `path` (the unit itself and every unit below it),
 * for a Drizzle WHERE: `(column >= '/1/4/' and column < '/1/40')`.
 */
export function inSubtree(column: AnyColumn, path: string): SQL {
  return sql`(${column} >= ${path} and ${column} < ${subtreeEnd(path)})`;
}

/**
 * The same condition for a raw statement: its text `column >= @path and column < @pathEnd`
 * (subtreeSql), its named parameters subtreeParams(path).
 */
export const subtreeSql = (column: string) => `(${column} >= @path and ${column} < @pathEnd)`;
export const subtreeParams = (path: string) => ({ path, pathEnd: subtreeEnd(path) });

/**
 * `+column in (the members of the subtree)` for a raw statement, with subtreeParams: a set
 * SQLite builds once per run from members_unit_idx (the unary + stops it from probing an index
 * once per member of the set instead), so each row is checked in memory, its member never read.
 */
export const subtreeMembers = (column: string) =>
  `+${column} in (select m.id from members m where m.unit_id in (select id from units where ${subtreeSql('path')}))`;

/**
 * A raw statement in its two forms, from one text: for a subtree, where `members(column)` adds
 * `and` the column in the subtree's member set (subtreeMembers, with subtreeParams), and for the
 * whole organisation, where it adds nothing: every member counts, and no set is built.
 */
export function forSubtreeOrAll(
  build: (members: (column: string) => string) => string,
): [subtree: string, all: string] {
  return [build((column) => `and ${subtreeMembers(column)}`), build(() => '')];
}
