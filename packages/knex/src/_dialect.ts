import type { Knex } from 'knex';
import { dialectOf, isSafeBigint, type SqlDialect } from '@cereal/sql';

/** How Knex asks a driver for exact integers in one statement, where the driver rounds them otherwise. */
export interface Exact {
  /** Makes a query return integers above 2^53 exactly. */
  query(query: Knex.QueryBuilder): Knex.QueryBuilder;
  /** Puts a row from an exact query back in the driver's usual shape, but for values beyond 2^53. */
  normalize?(row: Record<string, unknown>): void;
}

const EXACT: Record<string, Exact> = {
  // better-sqlite3 returns every integer as a (lossy) number unless a statement asks for bigints.
  'better-sqlite3': {
    query: (query) => query.options({ safeIntegers: true }),
    normalize(row) {
      // safeIntegers turns every integer column into a bigint; only values beyond 2^53 need one.
      for (const column in row) {
        const v = row[column];
        if (typeof v === 'bigint' && isSafeBigint(v)) row[column] = Number(v);
      }
    },
  },
  // mysql2 rounds BIGINT values above 2^53 unless asked; with supportBigNumbers it returns those
  // (and only those) as strings, every other number as usual.
  mysql2: { query: (query) => query.options({ supportBigNumbers: true }) },
  // node-postgres returns bigint columns as strings: exact already.
};

/** The dialect of a Knex instance or transaction, and how it reads integers exactly (if it must). */
export function knexDialect(db: Knex): { dialect: SqlDialect; exact: Exact | undefined } {
  const client = db.client as { driverName?: string; config?: { client?: unknown } };
  const driver = client.driverName ?? String(client.config?.client ?? 'unknown');
  return { dialect: dialectOf(driver), exact: EXACT[driver] };
}
