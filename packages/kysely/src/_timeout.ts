import type { SqlDialect } from '@cereal/sql';

/**
 * True for a driver's timeout waiting for a connection: node-postgres' Pool after its
 * `connectionTimeoutMillis` ("timeout exceeded when trying to connect" while waiting in the
 * pool, "Connection terminated due to connection timeout" when a new connection ran out of
 * it), mysql2's `connectTimeout` or the system's connect timeout (`ETIMEDOUT` on connect).
 */
export function isConnectTimeout(err: unknown): boolean {
  const { code, syscall, message } = (err ?? {}) as { code?: unknown; syscall?: unknown; message?: unknown };
  if (code === 'ETIMEDOUT' && syscall === 'connect') return true;
  return typeof message === 'string' && /^(?:timeout exceeded when trying to connect|Connection terminated due to connection timeout)$/.test(message);
}

// Where the wait is set: the loader cannot read it through Kysely, which hides the pool.
const SETTING: Record<string, string> = {
  pg: "the pg Pool's connectionTimeoutMillis",
  mysql2: "mysql2's connectTimeout",
};

/**
 * What a timeout waiting for a connection means, in place of the driver's terse message. Thrown
 * as a plain Error: hydrate makes it LOAD_FAILED (retryable), with the refs concerned.
 */
export function connectTimeout(dialect: SqlDialect, table: string, cause: unknown): Error {
  const setting = SETTING[dialect.driver] ?? "the driver's connect timeout";
  return new Error(`[kysely] no database connection within ${setting} to read table \`${table}\`: the server is down or unreachable, or every pooled connection is busy`, { cause });
}
