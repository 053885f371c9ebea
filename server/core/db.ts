import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../db/schema.ts';
import { escapeLike } from './arabic.ts';
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
 * A unit path column within the subtree of `path` (a materialised path such as "/1/4/": the
 * unit itself and every unit below it), for a Drizzle WHERE: `like '/1/4/%'` with the path's
 * own `%`, `_` and `\\` escaped.
 */
export function inSubtree(column: AnyColumn | SQL, path: string): SQL {
  return sql`${column} like ${`${escapeLike(path)}%`} escape '\\'`;
}
