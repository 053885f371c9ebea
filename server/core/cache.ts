import type Database from 'better-sqlite3';
import type { Db } from './db.ts';

interface Entry {
  version: string;
  at: number;
  value: unknown;
}

/**
 * The version of a database's data: `total_changes()` (a write on this connection, 0.1 µs) and
 * `PRAGMA data_version` (a commit by another process, which costs a microsecond on a WAL file).
 * The second is read once per turn of the event loop and reused until the next: within a turn
 * no other process's commit can be told apart from one made just after it, and every write of
 * this process shows in the first. A page asks the caches dozens of times.
 */
class DataVersion {
  private changes: Database.Statement;
  private dataVersion: Database.Statement;
  private seen: unknown;

  constructor(sqlite: Database.Database) {
    this.changes = sqlite.prepare('select total_changes()').pluck();
    this.dataVersion = sqlite.prepare('pragma data_version').pluck();
  }

  get(): string {
    return this.seen === undefined ? this.fresh() : `${this.seen}:${this.changes.get()}`;
  }

  /** the version read now; what the caches compare with from here on in this turn */
  fresh(): string {
    if (this.seen === undefined)
      setImmediate(() => {
        this.seen = undefined;
      });
    this.seen = this.dataVersion.get();
    return `${this.seen}:${this.changes.get()}`;
  }
}

/**
 * The data's version read now (not once per turn): taken before a plan made without the write
 * lock and again inside the transaction, equal values mean nothing was written in between, by
 * this process or another, so the plan still holds. The caches compare with it from then on,
 * so what the plan reads from them is of this version too.
 */
export function dataVersionNow(sqlite: Database.Database): string {
  return dataVersionOf(sqlite).fresh();
}

const versions = new WeakMap<Database.Database, DataVersion>();
function dataVersionOf(sqlite: Database.Database): DataVersion {
  let v = versions.get(sqlite);
  if (!v) {
    v = new DataVersion(sqlite);
    versions.set(sqlite, v);
  }
  return v;
}

/**
 * Figures that are costly to compute from the whole organisation (the dashboards' overview,
 * the monthly report) and change only when the data does. An entry is used again while the
 * database is unchanged — no write on this connection (`total_changes()`) and no commit by
 * another process (`PRAGMA data_version`, see DataVersion) — and for at most `ttlMs`, so what
 * depends on the clock (sessions that have started) follows within that time. One cache per database.
 */
export class DataCache {
  private entries = new Map<string, Entry>();
  private data: DataVersion;

  constructor(
    private sqlite: Database.Database,
    private ttlMs = 60_000,
    private max = 500,
  ) {
    this.data = dataVersionOf(sqlite);
  }

  private version(): string {
    return this.data.get();
  }

  private fresh(key: string, version: string, now: number): Entry | undefined {
    const hit = this.entries.get(key);
    return hit && hit.version === version && now - hit.at < this.ttlMs ? hit : undefined;
  }

  private keep(key: string, value: unknown, version: string, now: number) {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { version, at: now, value });
  }

  get<T>(key: string, compute: () => T, now = Date.now()): T {
    return this.lookup(key, null, compute, now);
  }

  /**
   * `get` for a value that depends only on what `version` counts, not on every write: kept
   * while the caller's version is the same, for at most `ttlMs`. The caller reads the version
   * before computing, so what is computed is at least as new as the version it is kept under.
   */
  getAt<T>(key: string, version: string, compute: () => T, now = Date.now()): T {
    return this.lookup(key, version, compute, now);
  }

  /** the caller's version, or (null) the data's, read for the look-up and again after computing */
  private lookup<T>(key: string, version: string | null, compute: () => T, now: number): T {
    // inside a transaction what is read may be rolled back: neither use nor keep an entry
    if (this.sqlite.inTransaction) return compute();
    const hit = this.fresh(key, version ?? this.version(), now);
    if (hit) return hit.value as T;
    const value = compute();
    // computing may not write, but if it did, the entry belongs to the version after it
    this.keep(key, value, version ?? this.version(), now);
    return value;
  }

  /**
   * Keeps a value that the caller has just made true, such as what a write left, as of
   * `version`: read inside that write's transaction as its last statement (a commit does not
   * change the version this connection reads, and no other writer can come in between). Called
   * inside an outer transaction, which may still roll the write back, it keeps nothing.
   */
  put(key: string, value: unknown, version: string, now = Date.now()) {
    if (this.sqlite.inTransaction) return;
    this.keep(key, value, version, now);
  }

  /**
   * Several entries at once (one per activity of a page, say): those not kept are computed
   * together by `compute(missing)`, in one query rather than one each, which must return a
   * value for every key it is given.
   */
  getMany<K extends string | number, T>(
    keys: readonly K[],
    compute: (missing: K[]) => Map<K, T>,
    now = Date.now(),
  ): Map<K, T> {
    if (this.sqlite.inTransaction) return compute([...new Set(keys)]);
    const version = this.version();
    const out = new Map<K, T>();
    const missing: K[] = [];
    for (const k of new Set(keys)) {
      const hit = this.fresh(String(k), version, now);
      if (hit) out.set(k, hit.value as T);
      else missing.push(k);
    }
    if (missing.length === 0) return out;
    const computed = compute(missing);
    const after = this.version();
    for (const k of missing) {
      const value = computed.get(k) as T;
      out.set(k, value);
      this.keep(String(k), value, after, now);
    }
    return out;
  }
}

const caches = new WeakMap<Database.Database, Map<string, DataCache>>();

/**
 * A cache of a database (created on first use): the shared one, or a named one with its own
 * size limit, for large values that should not push the shared entries out (rendered rosters).
 */
export function dataCache(db: Db, name = 'shared', max = 500, ttlMs = 60_000): DataCache {
  let named = caches.get(db.$client);
  if (!named) {
    named = new Map();
    caches.set(db.$client, named);
  }
  let cache = named.get(name);
  if (!cache) {
    cache = new DataCache(db.$client, ttlMs, max);
    named.set(name, cache);
  }
  return cache;
}

/**
 * A period is settled once it ended more than two days ago: its figures change only through
 * the writes that migration 0006's triggers count in `data_stamps.settled` (a mark, session,
 * completion or certificate dated before then; units, councils, a member's unit, gender or
 * birth year), and the triggers' 172800 s must stay equal to this.
 */
export const SETTLED_AFTER_MS = 2 * 86_400_000;

/**
 * Figures of a period ending at `periodEnd` (ms), computed once and kept while no write counted
 * by `data_stamps.settled` is made, by this process or another (for at most an hour), however
 * many other writes there are: last month's report is not drawn again after each check-in.
 * A period not yet settled, by the caller's clock or the real one, is computed every time.
 */
export function settled<T>(db: Db, key: string, periodEnd: number, compute: () => T, now = Date.now()): T {
  if (periodEnd > Math.min(now, Date.now()) - SETTLED_AFTER_MS) return compute();
  // the connection keeps the compiled statement (cacheStatements in core/db.ts)
  const n = db.$client.prepare(`select n from data_stamps where name = 'settled'`).pluck().get() as number | undefined;
  if (n === undefined) return compute();
  return dataCache(db, 'settled', 300, 3_600_000).getAt(key, `settled:${n}`, compute);
}

/** Freezes a value and everything inside it, so a shared cached value cannot be changed by one reader. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    // a Map or Set itself stays changeable (freezing does not reach its entries); its values are frozen
    const inner = value instanceof Map || value instanceof Set ? value.values() : Object.values(value);
    for (const v of inner) deepFreeze(v);
  }
  return value;
}

/**
 * A row (or a small object built from rows) read by id, kept in the database's cache until
 * the data changes: the same activity is read by several features' panels on one page.
 * The value is frozen because every request shares it.
 */
export function cachedById<T>(db: Db, kind: string, id: number, load: () => T): T {
  return dataCache(db).get(`${kind}|${id}`, () => deepFreeze(load()));
}
