import type { Db } from '../server/core/db.ts';

export interface RecordedQuery {
  sql: string;
  args: unknown[];
}

/**
 * Records every statement run on a connection (with its parameters) while `capture` runs a
 * function. The connection keeps its prepared statements (server/core/db.ts), so each
 * statement is wrapped once: a statement prepared again is not counted twice.
 */
export function queryRecorder(db: Db) {
  const client = db.$client;
  const prepare = client.prepare.bind(client);
  const wrapped = new WeakSet<object>();
  let recorded: RecordedQuery[] | null = null;
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    const stmt = prepare(sql);
    if (wrapped.has(stmt)) return stmt;
    wrapped.add(stmt);
    const methods = stmt as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const m of ['all', 'get', 'run', 'iterate']) {
      const orig = methods[m].bind(stmt);
      methods[m] = (...args: unknown[]) => {
        recorded?.push({ sql, args });
        return orig(...args);
      };
    }
    return stmt;
  };
  return {
    /** the statements an async `fn` ran, in order (a page request through app.inject) */
    async captureAsync(fn: () => Promise<unknown>): Promise<RecordedQuery[]> {
      recorded = [];
      try {
        await fn();
        return recorded;
      } finally {
        recorded = null;
      }
    },
    /** the statements `fn` ran, in order */
    capture(fn: () => unknown): RecordedQuery[] {
      recorded = [];
      try {
        fn();
        return recorded;
      } finally {
        recorded = null;
      }
    },
  };
}

/** The steps of a statement's EXPLAIN QUERY PLAN, run with the given parameters, e.g. "SEARCH m USING INDEX …". */
export function planSteps(db: Db, sql: string, args: unknown[] = []): string[] {
  return (db.$client.prepare(`explain query plan ${sql}`).all(...(args as never[])) as { detail: string }[]).map(
    (r) => r.detail,
  );
}

/** The plan of a recorded statement, with the parameters it ran with. */
export const planOf = (db: Db, q: RecordedQuery): string[] => planSteps(db, q.sql, q.args);

const NOT_ALIASES = ['where', 'on', 'join', 'left', 'inner', 'cross', 'order', 'group', 'limit', 'using'];

/** The large tables (of `large`) a recorded statement reads in full, by its EXPLAIN QUERY PLAN. */
export function fullScans(db: Db, q: RecordedQuery, large: string[]): string[] {
  const sql = q.sql.replace(/"/g, '');
  const steps = planSteps(db, sql, q.args);
  const alias = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+(\w+)(?:\s+(?:as\s+)?(\w+))?/gi)) {
    alias.set(m[1].toLowerCase(), m[1].toLowerCase());
    const a = m[2]?.toLowerCase();
    if (a && !NOT_ALIASES.includes(a)) alias.set(a, m[1].toLowerCase());
  }
  return steps
    .map((s) => /^SCAN (\w+)/.exec(s)?.[1]?.toLowerCase())
    .filter((n): n is string => !!n)
    .map((n) => alias.get(n) ?? n)
    .filter((table) => large.includes(table))
    .map((table) => `${table} in: ${sql.slice(0, 200)}`);
}
