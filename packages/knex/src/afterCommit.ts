import type { Knex } from 'knex';
import { invalidOption } from '@cereal/sql';

/** Options of {@link afterCommit}. */
export interface AfterCommitOptions {
  /**
   * Called with what `fn` threw or rejected with. The transaction has committed by then and stays
   * committed: a failed callback is reported here, never thrown, and the callbacks after it still run.
   * @default logs it with `console.error`
   */
  onError?: (error: unknown) => void;
}

interface Callback {
  fn: () => unknown;
  onError: (error: unknown) => void;
  /** When it was registered, among all callbacks: they run in this order. */
  order: number;
}

/** The callbacks registered on one transaction or savepoint, and how it ended. */
interface Pending {
  callbacks: Callback[];
  /** `committed`, for a savepoint, is released: its callbacks then wait for the one around it. */
  ended?: 'committed' | 'rolled back';
  /** The transaction around a savepoint; undefined for the outermost. */
  outer: Pending | undefined;
}

const pending = new WeakMap<Knex.Transaction, Pending>();
let registered = 0;

const logError = (error: unknown): void =>
  console.error('[cereal] [knex] an afterCommit callback failed after its transaction committed (the commit stands; pass `onError` to handle such failures):', error);

/** Runs callbacks one after the other in registration order, each awaited; failures go to their onError. */
async function runAll(callbacks: Callback[]): Promise<void> {
  for (const { fn, onError } of callbacks.sort((a, b) => a.order - b.order)) {
    try {
      await fn();
    } catch (error) {
      try {
        onError(error);
      } catch (failure) {
        console.error('[cereal] [knex] an afterCommit onError threw', failure, 'while reporting', error);
      }
    }
  }
}

/** Hands released callbacks to the transaction around: run past the outermost, dropped by a rollback. */
function deliver(to: Pending | undefined, callbacks: Callback[]): void {
  if (to === undefined) void runAll(callbacks);
  else if (to.ended === undefined) to.callbacks.push(...callbacks);
  else if (to.ended === 'committed') deliver(to.outer, callbacks);
}

function settle(state: Pending, committed: boolean): void {
  const { callbacks } = state;
  state.callbacks = [];
  state.ended = committed ? 'committed' : 'rolled back';
  if (committed) deliver(state.outer, callbacks);
}

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
function pendingOf(trx: Knex.Transaction): Pending {
  const known = pending.get(trx);
  if (known !== undefined) return known;
  if (typeof trx.executionPromise?.then !== 'function' || typeof trx.commit !== 'function' || typeof trx.rollback !== 'function') {
    throw invalidOption('knex', 'afterCommit(trx, fn): `trx` is a transaction without `executionPromise`, `commit` and `rollback`: Knex 3 transactions have them');
  }
  const state: Pending = { callbacks: [], outer: trx.parentTransaction === undefined ? undefined : pendingOf(trx.parentTransaction) };
  pending.set(trx, state);
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
    () => settle(state, asked === 'commit'),
    () => settle(state, false),
  );
  return state;
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
  if (typeof fn !== 'function') throw invalidOption('knex', `afterCommit(trx, fn): \`fn\` must be a function; got ${fn === null ? 'null' : typeof fn}`);
  const onError = options?.onError ?? logError;
  if (typeof onError !== 'function') throw invalidOption('knex', 'afterCommit(trx, fn, { onError }): `onError` must be a function');
  const callback: Callback = { fn, onError, order: registered++ };
  if (trx.isTransaction !== true) {
    void runAll([callback]);
    return;
  }
  const transaction = trx as Knex.Transaction;
  if (transaction.isCompleted()) throw invalidOption('knex', 'afterCommit(trx, fn): the transaction has already committed or rolled back; register callbacks while it is open');
  pendingOf(transaction).callbacks.push(callback);
}
