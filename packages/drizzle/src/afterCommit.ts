import { is } from './_is.js';
import { MySqlDatabase, MySqlTransaction } from 'drizzle-orm/mysql-core';
import { PgDatabase, PgTransaction } from 'drizzle-orm/pg-core';
import { BaseSQLiteDatabase, SQLiteTransaction } from 'drizzle-orm/sqlite-core';
import { AfterCommits, describeValue as what, invalidOption, type AfterCommitOptions, type CommitScope } from '@cereal/sql';
import type { DrizzleDatabase } from './rows.js';

export type { AfterCommitOptions };

/** A Drizzle database or transaction, as far as transactions go: the type arguments of the helper. */
interface Transactional {
  transaction(fn: (tx: any) => any, config?: any): any;
}

/** The transaction `db.transaction` gives its callback. */
export type TransactionOf<Db extends Transactional> = Parameters<Parameters<Db['transaction']>[0]>[0];

const commits = new AfterCommits('drizzle', 'tx');
/** The scope of each transaction {@link transaction} started. */
const scopes = new WeakMap<object, CommitScope>();

const isDrizzle = (db: unknown): db is DrizzleDatabase => is(db, BaseSQLiteDatabase) || is(db, PgDatabase) || is(db, MySqlDatabase);
const isTransaction = (db: unknown): boolean => is(db, SQLiteTransaction) || is(db, PgTransaction) || is(db, MySqlTransaction);

/**
 * `db.transaction(fn, config)`, with its outcome seen, so that {@link afterCommit} can be used on
 * `tx`. Drizzle has no commit hook, but the promise `db.transaction` returns resolves only once
 * COMMIT has succeeded (rejects on a rollback, `tx.rollback()` included), and better-sqlite3's
 * synchronous transactions return only once committed: whoever calls `db.transaction` knows how
 * it ended, and nobody else does. So the transaction must be started here.
 *
 * For a nested transaction (a savepoint), call it with the outer transaction,
 * `transaction(tx, async (sp) => …)`: the savepoint's callbacks then wait for the outer commit,
 * and are dropped if the savepoint rolls back.
 *
 * @param db - a Drizzle database (better-sqlite3, node-postgres, mysql2…), or a transaction this
 *   function started, for a savepoint
 * @param fn - the transaction's work, as `db.transaction` takes it (synchronous on better-sqlite3)
 * @param config - `db.transaction`'s config (isolation level, access mode, SQLite's behavior)
 * @returns what `db.transaction` returns: a promise, or the result of a synchronous transaction
 * @throws CerealError `INVALID_OPTION` for anything but a Drizzle database, a transaction started
 *   otherwise, or a `fn` that is not a function
 * @example await transaction(db, async (tx) => {
 *   await tx.insert(users).values({ id: 42, name: 'Ada' });
 *   afterCommit(tx, () => queue.add('welcome', toJobData(cereal, { user: ref('users', 42) })));
 * });
 */
export function transaction<Db extends Transactional, R>(db: Db, fn: (tx: TransactionOf<Db>) => R, config?: Parameters<Db['transaction']>[1]): R {
  if (!isDrizzle(db)) throw invalidOption('drizzle', `transaction(db, fn): \`db\` must be a Drizzle database or transaction; got ${what(db)}`);
  commits.checkFunction('transaction(db, fn)', 'fn', fn);
  const scope = commits.nested(scopes.get(db), isTransaction(db), 'transaction(db, …)');
  let result: R;
  try {
    result = db.transaction((tx: TransactionOf<Db>) => {
      scopes.set(tx as object, scope);
      return fn(tx);
    }, config) as R;
  } catch (error) {
    scope.end(false); // better-sqlite3: the synchronous transaction rolled back
    throw error;
  }
  scope.endWith(result); // a promise, or better-sqlite3's result: returned, so committed
  return result;
}

/**
 * Runs `fn` once the outermost transaction around `tx` has committed, and never if it rolls
 * back (an error, or `tx.rollback()`), so that a job queued in `fn` can read what the
 * transaction wrote: `afterCommit(tx, () => queue.add('welcome', toJobData(cereal, value)))`.
 *
 * Drizzle says nothing when a transaction commits, so `tx` must come from {@link transaction}
 * (`transaction(db, async (tx) => …)`, and `transaction(tx, …)` for a savepoint); a transaction
 * of `db.transaction(…)` called directly is `INVALID_OPTION`, since its callbacks could never run.
 *
 * - In a savepoint, `fn` waits for the outermost commit: a released savepoint whose outer
 *   transaction rolls back runs nothing, and a savepoint rolled back drops the callbacks
 *   registered on it even when the outer transaction commits.
 * - After the commit, the callbacks of a transaction run one at a time in the order they were
 *   registered, each awaited before the next starts (a callback that never settles holds back
 *   those after it). One that throws or rejects is reported to its `onError` and the next runs;
 *   the transaction's own result is unaffected. On better-sqlite3 the first starts before
 *   `transaction()` returns.
 * - With a Drizzle database that is not a transaction, `fn` runs at once, before afterCommit returns.
 *
 * @param tx - a transaction of {@link transaction}, or a Drizzle database
 * @param fn - what to run after the commit; may be async
 * @param options - see {@link AfterCommitOptions}
 * @throws CerealError `INVALID_OPTION` when `tx` is not Drizzle or is a transaction started
 *   otherwise, `fn` is not a function, or the transaction has already committed or rolled back
 */
export function afterCommit(tx: DrizzleDatabase, fn: () => unknown, options?: AfterCommitOptions): void {
  if (!isDrizzle(tx)) throw invalidOption('drizzle', `afterCommit(tx, fn): \`tx\` must be a Drizzle database or transaction; got ${what(tx)}`);
  commits.register(fn, options, () => {
    if (!isTransaction(tx)) return undefined;
    const scope = scopes.get(tx);
    if (scope !== undefined) return scope;
    throw invalidOption('drizzle', 'afterCommit(tx, fn): Drizzle tells nobody when this transaction commits, so `fn` could never run: start it with transaction(db, (tx) => …) from @cereal/drizzle (fn async on node-postgres and mysql2, synchronous on better-sqlite3) instead of db.transaction(…), and a nested one with transaction(tx, …)');
  });
}
