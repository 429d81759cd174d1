/**
 * What a Drizzle database sends, for the testkit's `watch`: statements and their bound values as
 * Drizzle's logger sees them, rows as the driver returns them (each kit counts them at its driver).
 */
import type { Logger } from 'drizzle-orm';
import type { Traffic } from '@cereal/testkit';

/** Traffic, with each statement's text: this package's suite checks what Drizzle built. */
export interface Seen extends Traffic {
  sql: string[];
}

/** Where one database's traffic goes while a watch is on. */
export interface Watch {
  seen: Seen | undefined;
}

const WATCHES = new WeakMap<object, Watch>();

/** A new Watch, and the logger that feeds it (give it to `drizzle(client, { logger })`). */
export function newWatch(): [Watch, Logger] {
  const watch: Watch = { seen: undefined };
  const logger: Logger = {
    logQuery(query, params) {
      if (watch.seen === undefined) return;
      watch.seen.statements++;
      watch.seen.sql.push(query);
      // PostgreSQL's `= any($1)` binds the keys as one array: its elements are the values bound.
      for (const value of params) watch.seen.bindings.push(...(Array.isArray(value) ? value : [value]));
    },
  };
  return [watch, logger];
}

/** Counts rows the driver returned, while a watch is on. */
export function received(watch: Watch, rows: unknown): void {
  if (watch.seen !== undefined && Array.isArray(rows)) watch.seen.rows += rows.length;
}

/** Ties `db` to its watch. */
export function watched<Db extends object>(db: Db, watch: Watch): Db {
  WATCHES.set(db, watch);
  return db;
}

/** Watches the statements `db` runs during `fn`. */
export async function watch<T>(db: object, fn: () => Promise<T>): Promise<[T, Seen]> {
  const w = WATCHES.get(db);
  if (w === undefined) throw new Error('this database is not watched: open it through the target');
  const seen: Seen = { statements: 0, bindings: [], rows: 0, sql: [] };
  w.seen = seen;
  try {
    return [await fn(), seen];
  } finally {
    w.seen = undefined;
  }
}
