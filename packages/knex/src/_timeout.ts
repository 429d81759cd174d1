import type { Knex } from 'knex';

/** True for Knex's timeout waiting for a connection from its pool. */
export function isAcquireTimeout(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'KnexTimeoutError' && /acquiring a connection/i.test(String((err as Error).message));
}

/**
 * What a timeout waiting for a connection means, in place of Knex's own message ("The pool is
 * probably full. Are you missing a .transacting(trx) call?"), which points the wrong way when
 * the server is down. Thrown as a plain Error: hydrate makes it LOAD_FAILED (retryable), with
 * the refs concerned.
 */
export function acquireTimeout(db: Knex, table: string, cause: unknown): Error {
  const ms = (db.client as { config?: { acquireConnectionTimeout?: number } }).config?.acquireConnectionTimeout ?? 60_000;
  return new Error(`[knex] no database connection within acquireConnectionTimeout (${ms} ms) to read table \`${table}\`: the server is down or unreachable, or every pooled connection is busy (with SQLite, a transaction holds the only one: build the loaders on the transaction)`, { cause });
}
