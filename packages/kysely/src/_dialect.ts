import { MssqlAdapter, MysqlAdapter, PostgresAdapter, SqliteAdapter, type DialectAdapter } from 'kysely';
import { dialectOf, type SqlDialect } from '@cereal/sql';

/**
 * The dialect behind a Kysely instance, by its adapter: Kysely hides the driver, but each of its
 * dialects (and the third-party ones built on them) answers with one of these adapters. The
 * drivers are Kysely's own: better-sqlite3, pg, mysql2; another dialect gets the conservative
 * limits of an unknown driver.
 *
 * `splitsWide` is true where the driver rounds integers beyond 2^53 (better-sqlite3, mysql2):
 * those keys are then read in statements of their own that also select the key columns as text.
 * node-postgres returns int8 as text: exact already.
 */
export function kyselyDialect(adapter: DialectAdapter): { dialect: SqlDialect; splitsWide: boolean } {
  if (adapter instanceof SqliteAdapter) return { dialect: dialectOf('better-sqlite3'), splitsWide: true };
  if (adapter instanceof MysqlAdapter) return { dialect: dialectOf('mysql2'), splitsWide: true };
  if (adapter instanceof PostgresAdapter) return { dialect: dialectOf('pg'), splitsWide: false };
  if (adapter instanceof MssqlAdapter) return { dialect: dialectOf('mssql'), splitsWide: false };
  return { dialect: dialectOf(adapter?.constructor?.name || 'unknown'), splitsWide: false };
}
