import type { CompiledQuery, DatabaseConnection, Kysely, QueryResult } from 'kysely';
import { isConnectionLost } from '@cereal/sql';

type Row = Record<string, unknown>;

/**
 * Connections a statement found lost (see @cereal/sql's faults.ts), until the pool drops them.
 * The pool does not know yet: PostgreSQL reports `pg_terminate_backend` as the statement's
 * error (57P01) and closes the socket a moment later, Kysely releases the client with no error
 * (`release(false)`: it discards a client only when a rollback failed), and pg-pool takes a
 * client back while `_queryable` is still true. The shared loader's resend follows at once, and
 * pg-pool hands out its most recently released client: the dead one. Sent on it, the statement
 * fails again; worse, the socket's close then arrives while the client is checked out, where
 * pg-pool listens for no `error` and the process dies of the unhandled event. Kysely gives no
 * way to release with an error (the pg client is private to its connection), so the loader
 * keeps the connection out of use instead: handed back, it is released untouched, which puts it
 * back among the idle clients where the close is heard and the pool drops it, and the statement
 * waits for another. Connections are Kysely's own objects, one per driver connection (Kysely's
 * drivers keep them in a WeakMap), so the same object means the same connection.
 */
const lost = new WeakSet<DatabaseConnection>();

/** Pauses between tries while only a lost connection is handed out: 1.2 s in all, then it is tried. */
const PAUSES_MS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 400, 400];

const LOST = Symbol('lost connection');

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a compiled statement once, on a connection that no earlier statement found lost, and
 * returns its rows: `restore` sees each row as the driver returned it, then the Kysely's plugins
 * transform the result (CamelCasePlugin…), as Kysely's own `execute` would (`plugins` false: not).
 * In a transaction the connection is the transaction's: it is used as it is.
 */
export async function send(db: Kysely<any>, query: CompiledQuery, options: { inTransaction: boolean; plugins: boolean; restore?: (row: Row) => void }): Promise<Row[]> {
  const executor = db.getExecutor();
  for (let tries = 0; ; tries++) {
    const result = await executor.provideConnection(async (connection): Promise<QueryResult<unknown> | typeof LOST> => {
      if (!options.inTransaction && lost.has(connection)) {
        if (tries < PAUSES_MS.length) return LOST; // released untouched: no statement, no wait while held
        lost.delete(connection); // no close came, and the pool still holds it: it may be alive after all
      }
      try {
        return await connection.executeQuery(query);
      } catch (err) {
        if (!options.inTransaction && isConnectionLost(err)) lost.add(connection);
        throw err;
      }
    });
    if (result === LOST) {
      await pause(PAUSES_MS[tries]!);
      continue;
    }
    if (options.restore !== undefined) for (const row of result.rows as Row[]) options.restore(row);
    let out = result;
    if (options.plugins) for (const plugin of executor.plugins) out = await plugin.transformResult({ result: out as QueryResult<Row>, queryId: query.queryId });
    return out.rows as Row[];
  }
}
