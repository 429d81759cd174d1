import type { Knex } from 'knex';
import type { PrimaryKey } from '@cereal/core';
import { mysqlColumns, pgColumns, sqliteColumns, type ColumnReader } from './_columns.js';

/** What the loader needs to know about the database behind a Knex instance. */
export interface Dialect {
  /** Driver name as Knex reports it (`better-sqlite3`, `pg`, `mysql2`…). */
  readonly driver: string;
  /** Most bound parameters one statement may carry. */
  readonly maxParams: number;
  /** Most keys of a composite key per statement, where the server cannot take maxParams of them. */
  readonly maxTuples?: number;
  /**
   * Makes a query return integers above 2^53 exactly, for chunks whose keys need it; undefined
   * when the driver never rounds keys (PostgreSQL returns bigint columns as strings).
   */
  exact?(query: Knex.QueryBuilder): Knex.QueryBuilder;
  /** Puts a row from an `exact` query back in the driver's usual shape, but for values beyond 2^53. */
  normalize?(row: Record<string, unknown>): void;
  /** Reads a table's column types, to bind each key part as its column's type; undefined: bound as given. */
  readonly columns?: ColumnReader;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const isSafeBigint = (v: bigint): boolean => v <= MAX_SAFE && v >= -MAX_SAFE;

/** better-sqlite3 returns every integer as a (lossy) number unless a statement asks for bigints. */
const betterSqlite: Dialect = {
  driver: 'better-sqlite3',
  maxParams: 32766, // SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32, which better-sqlite3 12 bundles
  columns: sqliteColumns,
  exact: (query) => query.options({ safeIntegers: true }),
  normalize(row) {
    // safeIntegers turns every integer column into a bigint; only values beyond 2^53 need one.
    for (const column in row) {
      const v = row[column];
      if (typeof v === 'bigint' && isSafeBigint(v)) row[column] = Number(v);
    }
  },
};

const BY_DRIVER: Record<string, Dialect> = {
  'better-sqlite3': betterSqlite,
  sqlite3: { driver: 'sqlite3', maxParams: 999, columns: sqliteColumns },
  // node-postgres returns bigint columns as strings: exact already.
  // PostgreSQL expands `(a, b) IN ((…), …)` recursively: 10 000 pairs exceed its default
  // max_stack_depth ("stack depth limit exceeded"), 5 000 do not.
  pg: { driver: 'pg', maxParams: 65535, maxTuples: 2000, columns: pgColumns },
  // mysql2 rounds BIGINT values above 2^53 unless asked; with supportBigNumbers it returns those
  // (and only those) as strings, every other number as usual.
  mysql2: { driver: 'mysql2', maxParams: 65535, columns: mysqlColumns, exact: (query) => query.options({ supportBigNumbers: true }) },
  mysql: { driver: 'mysql', maxParams: 65535, columns: mysqlColumns },
  mssql: { driver: 'mssql', maxParams: 2100 },
};

/** The dialect of a Knex instance or transaction; unknown drivers get a conservative default. */
export function dialectOf(db: Knex): Dialect {
  const client = db.client as { driverName?: string; config?: { client?: unknown } };
  const driver = client.driverName ?? String(client.config?.client ?? 'unknown');
  return BY_DRIVER[driver] ?? { driver, maxParams: 999 };
}

// Text a database may read as an integer: signs, surrounding spaces, a zero fraction.
const NUMERIC_TEXT = /^\s*[-+]?(\d{1,40})(?:\.0*)?\s*$/;

/**
 * True when a key has a part that a double cannot hold exactly: a bigint beyond 2^53, or text
 * the database would read as such an integer (`'9007199254740993'`, `' +9007199254740993.0'`).
 */
export function isWide(pk: PrimaryKey): boolean {
  if (Array.isArray(pk)) return pk.some((part) => isWide(part as PrimaryKey));
  if (typeof pk === 'bigint') return !isSafeBigint(pk);
  if (typeof pk !== 'string' || pk.length < 16) return false;
  const digits = NUMERIC_TEXT.exec(pk)?.[1];
  return digits !== undefined && !isSafeBigint(BigInt(digits));
}
