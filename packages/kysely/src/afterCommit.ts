import { ControlledTransactionBuilder, TransactionBuilder, type ControlledTransaction, type Kysely, type Transaction } from 'kysely';
import { AfterCommits, describeValue as what, invalidOption, type AfterCommitOptions, type CommitScope } from '@cereal/sql';

export type { AfterCommitOptions };

/**
 * The scopes of one transaction that {@link transaction} or {@link startTransaction} started:
 * the transaction's own, and one per savepoint still open, the newest last, where a callback is
 * registered. Every Kysely object of the transaction shares it: the transaction, its
 * `withPlugin`, `withSchema`… copies, and the objects that savepoint commands return, since a
 * savepoint is a point in the transaction, not another one.
 */
interface Pending {
  root: CommitScope;
  savepoints: { name: unknown; scope: CommitScope }[];
}

const commits = new AfterCommits('kysely', 'trx');
const pending = new WeakMap<object, Pending>();

const begun = (): Pending => ({ root: commits.scope(), savepoints: [] });
const newest = (state: Pending): CommitScope => state.savepoints.at(-1)?.scope ?? state.root;

/** Ends the savepoints from the `from`-th on, the newest first: released into the one around, or rolled back. */
function endSavepoints(state: Pending, from: number, committed: boolean): void {
  for (const { scope } of state.savepoints.splice(from).reverse()) scope.end(committed);
}

/** Ends the transaction: a COMMIT with savepoints open commits them too, a ROLLBACK drops them. */
function end(state: Pending, committed: boolean): void {
  endSavepoints(state, 0, committed);
  state.root.end(committed);
}

/** Where the newest open savepoint named `name` is, as SQL finds it (the last one of that name); -1 if none. */
function savepointOf(state: Pending, name: unknown): number {
  for (let i = state.savepoints.length - 1; i >= 0; i--) if (state.savepoints[i]!.name === name) return i;
  return -1;
}

type Method = (...args: unknown[]) => unknown;
type Command = { execute(): Promise<unknown> };

/** Makes `trx[name]` return its Command with `then(ok, result)` run once the command has run. */
function observe(trx: object, name: string, then: (ok: boolean, args: unknown[], result: unknown) => void): void {
  const methods = trx as Record<string, Method>;
  const original = methods[name];
  if (typeof original !== 'function') return;
  methods[name] = function (this: unknown, ...args: unknown[]) {
    const command = original.apply(this, args) as Command;
    const execute = command.execute;
    command.execute = () =>
      execute.call(command).then(
        (result) => {
          then(true, args, result);
          return result;
        },
        (error: unknown) => {
          then(false, args, undefined);
          throw error;
        },
      );
    return command;
  };
}

const isControlled = (trx: object): trx is ControlledTransaction<any> => typeof (trx as ControlledTransaction<any>).isCommitted === 'boolean';

/**
 * Ties `trx` to `state`, and every Kysely object it makes. Kysely has no commit hook, and its
 * transaction's state is private (a controlled transaction shows `isCommitted` and
 * `isRolledBack`, but says nothing when they change): the end of a transaction can only be seen
 * by what ends it. For `transaction()`, that is Kysely's `execute()`, which resolves once COMMIT
 * has succeeded; for `startTransaction()`, the controlled transaction's own commands, each
 * observed here on the objects this package handed out, from the start, so no command is missed.
 */
function track<T extends Transaction<any>>(trx: T, state: Pending): T {
  pending.set(trx, state);
  const methods = trx as unknown as Record<string, Method>;
  for (const name of ['withPlugin', 'withoutPlugins', 'withSchema', 'withTables']) {
    const original = methods[name];
    if (typeof original === 'function') methods[name] = function (this: unknown, ...args: unknown[]) {
      return track(original.apply(this, args) as T, state);
    };
  }
  if (!isControlled(trx)) return trx;
  // After commit or rollback, whatever their outcome, Kysely's own state says how it ended; a
  // commit that failed and left the transaction open waits for the rollback that must follow.
  const ended = (): void => {
    if (trx.isCommitted) end(state, true);
    else if (trx.isRolledBack) end(state, false);
  };
  observe(trx, 'commit', ended);
  observe(trx, 'rollback', ended);
  observe(trx, 'savepoint', (ok, [name], next) => {
    if (!ok) return;
    state.savepoints.push({ name, scope: commits.scope(newest(state)) });
    track(next as T, state);
  });
  // ROLLBACK TO keeps the savepoint and undoes what followed it: its callbacks and the newer savepoints'.
  observe(trx, 'rollbackToSavepoint', (ok, [name], next) => {
    if (!ok) return;
    const i = savepointOf(state, name);
    if (i >= 0) {
      endSavepoints(state, i, false);
      state.savepoints.push({ name, scope: commits.scope(newest(state)) });
    }
    track(next as T, state);
  });
  // RELEASE ends the savepoint and the newer ones; what they did now belongs to the one around.
  observe(trx, 'releaseSavepoint', (ok, [name], next) => {
    if (!ok) return;
    const i = savepointOf(state, name);
    if (i >= 0) endSavepoints(state, i, true);
    track(next as T, state);
  });
  return trx;
}

const isKysely = (db: unknown): db is Kysely<any> =>
  typeof db === 'object' && db !== null && typeof (db as Kysely<any>).selectFrom === 'function' && typeof (db as Kysely<any>).getExecutor === 'function';

/**
 * `db.transaction().execute(fn)`, with the transaction's commit seen, so that {@link afterCommit}
 * can be used on `trx`: its callbacks run once `execute()` has resolved, after the COMMIT, and
 * never when it rejects. Copies of `trx` (`trx.withSchema('app')`…) take callbacks too.
 *
 * @param db - a Kysely instance, or a TransactionBuilder (`db.transaction().setIsolationLevel('serializable')`)
 * @param fn - the transaction's work, as `execute` takes it
 * @returns what `execute` returns
 * @throws CerealError `INVALID_OPTION` for a `db` that is already a transaction (Kysely nests
 *   none: use {@link startTransaction} and savepoints), or anything else that is not Kysely
 * @example await transaction(db, async (trx) => {
 *   await trx.insertInto('users').values({ id: 42, name: 'Ada' }).execute();
 *   afterCommit(trx, () => queue.add('welcome', toJobData(cereal, { user: ref('users', 42) })));
 * });
 */
export function transaction<DB, T>(db: Kysely<DB> | TransactionBuilder<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  let builder: TransactionBuilder<DB>;
  if (db instanceof TransactionBuilder) builder = db;
  else if (isKysely(db) && db.isTransaction) throw invalidOption('kysely', 'transaction(db, fn): `db` is already a transaction, and Kysely nests none: for savepoints, start the transaction with startTransaction(db) and use trx.savepoint(name)');
  else if (isKysely(db)) builder = db.transaction();
  else throw invalidOption('kysely', `transaction(db, fn): \`db\` must be a Kysely instance or db.transaction(); got ${what(db)}`);
  commits.checkFunction('transaction(db, fn)', 'fn', fn);
  const state = begun();
  const done = builder.execute((trx) => fn(track(trx, state)));
  done.then(
    () => end(state, true),
    () => end(state, false),
  );
  return done;
}

/**
 * `db.startTransaction().execute()`, with the controlled transaction's commands seen, so that
 * {@link afterCommit} can be used on it: callbacks run after `trx.commit().execute()`, never after
 * `trx.rollback().execute()` (nor after a commit the database turned into a rollback). Savepoints
 * work as in SQL: callbacks registered while a savepoint is the newest open one (through any
 * object of the transaction) are dropped by `rollbackToSavepoint` to it, and after
 * `releaseSavepoint` wait for the commit. Objects the transaction returns (`trx.savepoint(…)`'s,
 * `trx.withSchema(…)`) take callbacks too.
 *
 * @param db - a Kysely instance, or a ControlledTransactionBuilder (`db.startTransaction().setIsolationLevel(…)`)
 * @returns the controlled transaction, as `execute()` returns it
 * @throws CerealError `INVALID_OPTION` for a `db` that is a transaction, or anything else that is not Kysely
 */
export function startTransaction<DB>(db: Kysely<DB> | ControlledTransactionBuilder<DB>): Promise<ControlledTransaction<DB>> {
  let builder: ControlledTransactionBuilder<DB>;
  if (db instanceof ControlledTransactionBuilder) builder = db;
  else if (isKysely(db) && db.isTransaction) throw invalidOption('kysely', 'startTransaction(db): `db` is already a transaction: use trx.savepoint(name) for a nested one');
  else if (isKysely(db)) builder = db.startTransaction();
  else throw invalidOption('kysely', `startTransaction(db): \`db\` must be a Kysely instance or db.startTransaction(); got ${what(db)}`);
  return builder.execute().then((trx) => track(trx, begun()));
}

/**
 * Runs `fn` once the transaction `trx` belongs to has committed, and never if it rolls back, so
 * that a job queued in `fn` can read what the transaction wrote:
 * `afterCommit(trx, () => queue.add('welcome', toJobData(cereal, value)))`.
 *
 * Kysely says nothing when a transaction commits, so `trx` must come from {@link transaction} or
 * {@link startTransaction}, which see it; a transaction of `db.transaction().execute(…)` or
 * `db.startTransaction()` called directly is `INVALID_OPTION`, since its callbacks could never
 * run. In a savepoint, `fn` waits for the commit of the whole transaction, and is dropped if the
 * savepoint is rolled back to (see startTransaction).
 *
 * - After the commit, the callbacks of a transaction run one at a time in the order they were
 *   registered, each awaited before the next starts (a callback that never settles holds back
 *   those after it). One that throws or rejects is reported to its `onError` and the next runs;
 *   the transaction's own promise has resolved either way.
 * - With a Kysely instance that is not a transaction, `fn` runs at once, before afterCommit returns.
 *
 * @param trx - a transaction of {@link transaction} or {@link startTransaction}, or a Kysely instance
 * @param fn - what to run after the commit; may be async
 * @param options - see {@link AfterCommitOptions}
 * @throws CerealError `INVALID_OPTION` when `trx` is not Kysely or is a transaction started
 *   otherwise, `fn` is not a function, or the transaction has already committed or rolled back
 */
export function afterCommit(trx: Kysely<any>, fn: () => unknown, options?: AfterCommitOptions): void {
  if (!isKysely(trx)) throw invalidOption('kysely', `afterCommit(trx, fn): \`trx\` must be a Kysely instance or transaction; got ${what(trx)}`);
  commits.register(fn, options, () => {
    if (!trx.isTransaction) return undefined;
    const state = pending.get(trx);
    if (state !== undefined) return newest(state);
    throw invalidOption('kysely', 'afterCommit(trx, fn): Kysely tells nobody when this transaction commits, so `fn` could never run: start it with transaction(db, async (trx) => …) or startTransaction(db) from @cereal/kysely instead of db.transaction().execute(…) or db.startTransaction()');
  });
}
