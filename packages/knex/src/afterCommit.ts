import type { Knex } from 'knex';
import { AfterCommits, invalidOption, type AfterCommitOptions, type CommitScope } from '@cereal/sql';

export type { AfterCommitOptions };

const commits = new AfterCommits('knex', 'trx', (value) => (value === null ? 'null' : typeof value));
const scopes = new WeakMap<Knex.Transaction, CommitScope>();

/**
 * Starts watching `trx` (and the transactions around it) on its first callback. Knex emits no
 * commit or rollback event, and `trx.executionPromise` alone cannot tell them apart: it resolves
 * on a commit (a savepoint's release) but also on an explicit `trx.rollback()` without an error
 * (`doNotRejectOnRollback`, the default), and rejects only on a rollback with an error or a
 * failed COMMIT. Every way a Knex transaction ends goes through the transactor's own `commit` or
 * `rollback` property (the container's result calls `transactor.commit(value)` or
 * `transactor.rollback(error)`; `await knex.transaction()` leaves the call to you), and only the
 * first call counts (a transaction that has ended refuses the next). So the first of the two is
 * recorded, and the transaction committed when that was `commit` and executionPromise resolved.
 */
function scopeOf(trx: Knex.Transaction): CommitScope {
  const known = scopes.get(trx);
  if (known !== undefined) return known;
  if (typeof trx.executionPromise?.then !== 'function' || typeof trx.commit !== 'function' || typeof trx.rollback !== 'function') {
    throw invalidOption('knex', 'afterCommit(trx, fn): `trx` is a transaction without `executionPromise`, `commit` and `rollback`: Knex 3 transactions have them');
  }
  const scope = commits.scope(trx.parentTransaction === undefined ? undefined : scopeOf(trx.parentTransaction));
  scopes.set(trx, scope);
  let asked: 'commit' | 'rollback' | undefined;
  const commit = trx.commit as (...args: unknown[]) => unknown;
  const rollback = trx.rollback as (...args: unknown[]) => unknown;
  // Never throws: the container's `.then(commit).catch(rollback)` would take a throw for a failure.
  trx.commit = ((...args: unknown[]) => {
    asked ??= 'commit';
    return commit(...args);
  }) as typeof trx.commit;
  trx.rollback = ((...args: unknown[]) => {
    asked ??= 'rollback';
    return rollback(...args);
  }) as typeof trx.rollback;
  trx.executionPromise.then(
    () => scope.end(asked === 'commit'),
    () => scope.end(false),
  );
  return scope;
}

const isKnex = (value: unknown): value is Knex =>
  typeof value === 'function' && typeof (value as Knex).transaction === 'function' && typeof (value as Knex).client === 'object';

/**
 * Runs `fn` once the outermost transaction around `trx` has committed, and never if it rolls
 * back (an error, or `trx.rollback()`), so that a job queued in `fn` can read what the
 * transaction wrote: `afterCommit(trx, () => queue.add('welcome', toJobData(cereal, value)))`.
 *
 * - In a nested transaction (a savepoint), `fn` waits for the outermost commit: a released
 *   savepoint whose outer transaction rolls back runs nothing, and a savepoint rolled back
 *   drops the callbacks registered on it even when the outer transaction commits.
 * - After the commit, the callbacks of a transaction run one at a time in the order they were
 *   registered, each awaited before the next starts (a callback that never settles holds back
 *   those after it). One that throws or rejects is reported to its `onError` and the next runs;
 *   the transaction's own promise has resolved either way.
 * - With a Knex instance that is not a transaction, `fn` runs at once, before afterCommit returns.
 *
 * @param trx - a Knex transaction (`knex.transaction(async (trx) => …)`, `await knex.transaction()`,
 *   `trx.transaction(…)`), or a Knex instance
 * @param fn - what to run after the commit; may be async
 * @param options - see {@link AfterCommitOptions}
 * @throws CerealError `INVALID_OPTION` when `trx` is not Knex, `fn` not a function, or the
 *   transaction has already committed or rolled back
 * @example await db.transaction(async (trx) => {
 *   await trx('users').insert({ id: 42, name: 'Ada' });
 *   afterCommit(trx, () => queue.add('welcome', toJobData(cereal, { user: ref('users', 42) })));
 * });
 */
export function afterCommit(trx: Knex, fn: () => unknown, options?: AfterCommitOptions): void {
  if (!isKnex(trx)) throw invalidOption('knex', `afterCommit(trx, fn): \`trx\` must be a Knex instance or transaction; got ${trx === null ? 'null' : typeof trx}`);
  commits.register(fn, options, () => {
    if (trx.isTransaction !== true) return undefined;
    const transaction = trx as Knex.Transaction;
    if (transaction.isCompleted()) throw commits.ended();
    return scopeOf(transaction);
  });
}
