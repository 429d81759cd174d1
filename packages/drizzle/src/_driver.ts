import { entityKind, type SQL } from 'drizzle-orm';
import { is } from './_is.js';
import { MySqlTransaction } from 'drizzle-orm/mysql-core';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { SQLiteTransaction } from 'drizzle-orm/sqlite-core';
import { dialectOf, invalidOption, type SqlDialect } from '@cereal/sql';

type Row = Record<string, unknown>;

/** What the loader needs from a Drizzle database or transaction, whatever its driver. */
export interface Driver {
  readonly dialect: SqlDialect;
  readonly inTransaction: boolean;
  /** Runs a raw statement (the catalog's) through Drizzle and returns its rows as objects. */
  rows(query: SQL): Promise<Row[]>;
}

interface Raw {
  all(query: SQL): Row[] | Promise<Row[]>;
  execute(query: SQL): Promise<unknown>;
}

/**
 * The drivers whose Drizzle sessions the loader knows, by the session's entity kind (Drizzle's
 * own tag, stable across copies of drizzle-orm; the driver modules themselves are not imported,
 * they import their driver), and how each returns a raw statement's rows.
 */
const SESSIONS: Record<string, { driver: string; rows(db: Raw, query: SQL): Promise<Row[]> }> = {
  BetterSQLiteSession: { driver: 'better-sqlite3', rows: async (db, query) => db.all(query) },
  NodePgSession: { driver: 'pg', rows: async (db, query) => ((await db.execute(query)) as { rows: Row[] }).rows },
  MySql2Session: { driver: 'mysql2', rows: async (db, query) => ((await db.execute(query)) as [Row[]])[0] },
};

/** The entity kinds of `value`'s class and its ancestors: `['NodePgSession', 'PgSession']`. */
function kindsOf(value: unknown): string[] {
  const kinds: string[] = [];
  if (value === null || typeof value !== 'object') return kinds;
  for (let cls = (value as object).constructor as unknown; typeof cls === 'function'; cls = Object.getPrototypeOf(cls)) {
    if (Object.prototype.hasOwnProperty.call(cls, entityKind)) kinds.push(String((cls as unknown as Record<symbol, unknown>)[entityKind]));
  }
  return kinds;
}

/**
 * The driver behind a Drizzle database or transaction (better-sqlite3, node-postgres, mysql2).
 * @throws CerealError `INVALID_OPTION` for anything else, naming what it is
 */
export function driverOf(db: unknown): Driver {
  const session = (db as { session?: unknown } | null)?.session;
  const known = kindsOf(session).map((kind) => SESSIONS[kind]).find((s) => s !== undefined);
  if (known === undefined) {
    const what = kindsOf(db)[0] ?? (db === null ? 'null' : typeof db);
    throw invalidOption('drizzle', `\`db\` must be a Drizzle database or transaction of drizzle-orm/better-sqlite3, drizzle-orm/node-postgres or drizzle-orm/mysql2; got ${what}`);
  }
  return {
    dialect: dialectOf(known.driver),
    inTransaction: is(db, SQLiteTransaction) || is(db, PgTransaction) || is(db, MySqlTransaction),
    rows: (query) => known.rows(db as Raw, query),
  };
}
