import type { Adapter } from './_client.js';
import { adapterCause } from './_errors.js';

// node-postgres' pool: no client within connectionTimeoutMillis (a pool's wait, or a connect).
const PG_TIMEOUT = /timeout exceeded when trying to connect|connection terminated due to connection timeout/i;
// The MariaDB connector's pool: ER_GET_CONNECTION_TIMEOUT, "… from pool after 1500ms".
const MARIADB_TIMEOUT = 45028;

/** The pool setting that ran out, with its value or the wait, or undefined when `err` is no wait for a connection. */
function waited(err: unknown, adapter: Adapter | undefined): string | undefined {
  if (err instanceof Error && PG_TIMEOUT.test(err.message)) {
    const ms = adapter?.config?.connectionTimeoutMillis;
    return `connectionTimeoutMillis${ms === undefined ? '' : ` (${ms} ms)`}`;
  }
  const cause = adapterCause(err);
  if (cause?.kind === 'mysql' && Number(cause.code) === MARIADB_TIMEOUT) {
    // the connector says how long it waited, not its acquireTimeout (which the adapter keeps private)
    const ms = /after (\d+)\s*ms/.exec(String(cause.message ?? cause.originalMessage))?.[1];
    return `acquireTimeout${ms === undefined ? '' : ` (gave up after ${ms} ms)`}`;
  }
  return undefined;
}

/**
 * What a timeout waiting for a connection means, in place of the pool's own words ("timeout
 * exceeded when trying to connect", "pool timeout: failed to retrieve a connection"), which
 * Prisma passes on as they are or as "Database error" P2039. Thrown as a plain Error: hydrate
 * makes it LOAD_FAILED (retryable), with the refs concerned.
 */
export function connectionTimeout(err: unknown, adapter: Adapter | undefined, table: string): Error | undefined {
  const within = waited(err, adapter);
  if (within === undefined) return undefined;
  return new Error(`[prisma] no database connection within ${within} to read table \`${table}\`: the server is down or unreachable, or every pooled connection is busy (in an interactive transaction, build the loaders on its client)`, { cause: err });
}
