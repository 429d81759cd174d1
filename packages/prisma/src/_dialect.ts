import type { SqlDialect } from '@cereal/sql';
import type { Adapter } from './_client.js';

/**
 * The dialect of a Prisma client, with Prisma's own limits instead of the driver's: Prisma
 * refuses a statement with more bound values than it allows a provider (SQLite 999, PostgreSQL
 * 32 766, MySQL 65 535, SQL Server 2098: P2029), whatever the driver takes. It splits a long `in`
 * list itself, but never an `OR` of composite keys; the loader's chunks stay under the limit so
 * that one chunk is one statement either way. What Prisma adds to a findMany is taken off:
 * `LIMIT ? OFFSET ?` on SQLite, `OFFSET $n` on PostgreSQL.
 *
 * Composite keys are an `OR` of `(a = ? AND b = ?)`, which the servers plan key by key: 2000 per
 * statement read 30 000 keys fastest on PostgreSQL 15 and MariaDB 10.11; 16 000 cost
 * PostgreSQL 5 times as much per key, MariaDB 50 times.
 */
const BY_PROVIDER: Record<string, Omit<SqlDialect, 'driver'> & { name: string }> = {
  sqlite: { family: 'sqlite', name: 'SQLite', maxParams: 997 },
  postgresql: { family: 'postgres', name: 'PostgreSQL', maxParams: 32765, maxTuples: 2000 },
  postgres: { family: 'postgres', name: 'PostgreSQL', maxParams: 32765, maxTuples: 2000 },
  mysql: { family: 'mysql', name: 'MySQL', maxParams: 65535, maxTuples: 2000 },
  // CockroachDB's catalog is close to PostgreSQL's, but not the same: keys are bound as given.
  cockroachdb: { family: 'other', name: 'CockroachDB', maxParams: 32765, maxTuples: 2000 },
  sqlserver: { family: 'other', name: 'SQL Server', maxParams: 2098 },
};

/**
 * The dialect of a provider (`_activeProvider`, or the adapter's), or undefined for one that is
 * not SQL (MongoDB) or not known.
 */
export function prismaDialect(provider: string | undefined, adapter: Adapter | undefined): SqlDialect | undefined {
  const name = provider ?? adapter?.provider ?? '';
  if (!Object.hasOwn(BY_PROVIDER, name)) return undefined; // own: never `toString` of Object.prototype
  const known = BY_PROVIDER[name]!;
  const { name: label, ...dialect } = known;
  return { ...dialect, driver: `Prisma on ${label}` };
}
