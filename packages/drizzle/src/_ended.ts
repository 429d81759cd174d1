import { invalidOption } from '@cereal/sql';

/** A pooled connection as node-postgres and mysql2 hand one out: it goes back with `release()`. */
interface Pooled {
  release(...args: unknown[]): unknown;
}

// How many times each pooled connection has gone back to its pool since a loader watched it.
const releases = new WeakMap<object, number>();

/**
 * Watches the pooled connection a Drizzle transaction runs on, and says whether that transaction
 * still holds it. Drizzle gives a transaction a connection of the pool and releases it at the
 * commit or rollback; a loader built on the transaction and used afterwards would otherwise run
 * on whatever connection the driver hands it, or on that same connection checked out by another
 * unit of work (reading *its* uncommitted writes: wrong rows). So the connection's `release` is
 * wrapped, once per checkout, to count its returns. A transaction on a single client (no pool)
 * has nothing to watch: its connection is never another's.
 *
 * @returns a check that throws `INVALID_OPTION` once the transaction has ended
 */
export function transactionGuard(tx: unknown, label: string): () => void {
  const client = (tx as { session?: { client?: unknown } }).session?.client;
  if (client === null || typeof client !== 'object' || typeof (client as Partial<Pooled>).release !== 'function') return () => {};
  const pooled = client as Pooled;
  watch(pooled);
  const seen = releases.get(pooled);
  return () => {
    // node-postgres also replaces `release` at every checkout: a connection checked out again
    // without our wrapper has been released since
    if (releases.get(pooled) !== seen || !(WATCHED in pooled.release)) {
      throw invalidOption('drizzle', `table \`${label}\`: the transaction this loader was built on has ended (committed or rolled back); build loaders inside each transaction, or on the database`);
    }
  };
}

const WATCHED = Symbol('cereal watches this release');

function watch(pooled: Pooled): void {
  if (WATCHED in pooled.release) return;
  const release = pooled.release;
  releases.set(pooled, releases.get(pooled) ?? 0);
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    releases.set(pooled, (releases.get(pooled) ?? 0) + 1);
    pooled.release = release; // this checkout is over: the pool's own release again
    return release.apply(this, args);
  };
  Object.defineProperty(wrapped, WATCHED, { value: true });
  pooled.release = wrapped;
}
