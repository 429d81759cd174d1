import type { Knex } from 'knex';
import { isConnectionLost, isTooLarge } from '@cereal/sql';

/**
 * Runs a statement once. Outside a transaction the loader takes the connection from the pool
 * itself, to retire it when it is lost: the driver does not always know yet. PostgreSQL reports
 * `pg_terminate_backend` as the statement's error and closes the socket a moment later; Knex
 * marks a connection dead only on that close (`__knex__disposed`), so the pool would hand the
 * same connection to the resend (the shared loader resends; see @cereal/sql's resend.ts).
 */
export async function send<T>(db: Knex, statement: () => Knex.QueryBuilder | Knex.Raw): Promise<T> {
  if ((db as { isTransaction?: boolean }).isTransaction === true) return (await statement()) as T;
  const connection = (await db.client.acquireConnection()) as { __knex__disposed?: unknown };
  try {
    return (await statement().connection(connection)) as T;
  } catch (err) {
    // What Knex does on the close: the pool's validation then destroys the connection. MySQL
    // closes the connection after a statement over max_allowed_packet too.
    if (isConnectionLost(err) || isTooLarge(err)) connection.__knex__disposed ??= err;
    throw err;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
