import type { Knex } from 'knex';
import { isConnectionLost } from './_faults.js';

/** Times a statement is sent again after its connection was lost (see _faults.ts). */
const RESENDS = 2;

/**
 * Runs a statement. Outside a transaction, a statement whose connection the server closed is
 * sent again, up to twice, each time on another connection the pool has checked; inside one,
 * the connection is the transaction, so the failure stands (LOAD_FAILED, retryable by the caller).
 *
 * The loader takes the connection from the pool itself, to retire it when it is lost: the
 * driver does not always know yet. PostgreSQL reports `pg_terminate_backend` as the statement's
 * error and closes the socket a moment later; Knex marks a connection dead only on that close
 * (`__knex__disposed`), so the pool would hand the same connection to the resend.
 */
export async function send(db: Knex, statement: () => Knex.QueryBuilder): Promise<unknown> {
  if ((db as { isTransaction?: boolean }).isTransaction === true) return await statement();
  for (let attempt = 0; ; attempt++) {
    const connection = (await db.client.acquireConnection()) as { __knex__disposed?: unknown };
    try {
      return await statement().connection(connection);
    } catch (err) {
      if (!isConnectionLost(err)) throw err;
      // What Knex does on the close: the pool's validation then destroys the connection.
      connection.__knex__disposed ??= err;
      if (attempt >= RESENDS) throw err;
    } finally {
      await db.client.releaseConnection(connection);
    }
  }
}
