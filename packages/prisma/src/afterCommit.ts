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

/** The callbacks registered on one transaction or nested transaction of {@link transaction}, and how it ended. */
interface Pending {
  callbacks: Callback[];
  /** `committed`, for a nested transaction, is its savepoint released: its callbacks then wait for the one around it. */
  ended?: 'committed' | 'rolled back';
  /** The transaction around a nested one; undefined for the outermost. */
  outer: Pending | undefined;
}

/** A Prisma client, or an interactive transaction's: what has `$transaction(fn, options)`. */
export interface PrismaTransactional {
  $transaction(fn: (tx: any) => Promise<any>, options?: any): Promise<any>;
}

/** The client `$transaction` gives its callback: the client without `$connect`, `$on`, `$extends`… */
export type TransactionClientOf<Client extends PrismaTransactional> = Parameters<Parameters<Client['$transaction']>[0]>[0];

const pending = new WeakMap<object, Pending>();
let registered = 0;

const logError = (error: unknown): void =>
  console.error('[cereal] [prisma] an afterCommit callback failed after its transaction committed (the commit stands; pass `onError` to handle such failures):', error);

/** Runs callbacks one after the other in registration order, each awaited; failures go to their onError. */
async function runAll(callbacks: Callback[]): Promise<void> {
  for (const { fn, onError } of callbacks.sort((a, b) => a.order - b.order)) {
    try {
      await fn();
    } catch (error) {
      try {
        onError(error);
      } catch (failure) {
        console.error('[cereal] [prisma] an afterCommit onError threw', failure, 'while reporting', error);
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

const isClient = (value: unknown): value is PrismaTransactional =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PrismaTransactional).$transaction === 'function';
/**
 * An interactive transaction's client: Prisma leaves out `$connect`, `$disconnect`, `$on`, `$use`
 * and `$extends` (`ITXClientDenyList`), which every client, extended or not, has.
 */
const isTransaction = (client: PrismaTransactional): boolean => typeof (client as { $connect?: unknown }).$connect !== 'function';
const what = (value: unknown): string => (value === null ? 'null' : typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value);

/**
 * `prisma.$transaction(fn, options)`, an interactive transaction, with its outcome seen, so that
 * {@link afterCommit} can be used on `tx`. Prisma has no commit hook, but the promise
 * `$transaction` returns resolves only once the transaction has committed, and rejects when it
 * rolled back (`fn` threw, a timeout, a failed COMMIT): whoever calls `$transaction` knows how it
 * ended, and nobody else does. So the transaction must be started here.
 *
 * For a nested transaction (Prisma 7 runs it in a savepoint), call it with the outer
 * transaction's client, `transaction(tx, async (inner) => …)`: the inner callbacks then wait for
 * the outer commit, and are dropped if the nested transaction rolls back.
 *
 * @param prisma - a Prisma client (extended or not), or a transaction's client this function gave out
 * @param fn - the transaction's work, as `$transaction` takes it
 * @param options - `$transaction`'s options (`timeout`, `maxWait`, `isolationLevel`)
 * @returns what `$transaction` returns
 * @throws CerealError `INVALID_OPTION` for anything but a Prisma client, a transaction's client
 *   started otherwise, or a `fn` that is not a function
 * @example await transaction(prisma, async (tx) => {
 *   await tx.user.create({ data: { id: 42, name: 'Ada' } });
 *   afterCommit(tx, () => queue.add('welcome', toJobData(cereal, { user: ref('users', 42) })));
 * });
 */
export function transaction<Client extends PrismaTransactional, R>(
  prisma: Client,
  fn: (tx: TransactionClientOf<Client>) => Promise<R>,
  options?: Parameters<Client['$transaction']>[1],
): Promise<R> {
  if (!isClient(prisma)) throw invalidOption('prisma', `transaction(prisma, fn): \`prisma\` must be a Prisma client; got ${what(prisma)}`);
  if (typeof fn !== 'function') throw invalidOption('prisma', `transaction(prisma, fn): \`fn\` must be a function; got ${what(fn)}`);
  const outer = pending.get(prisma);
  if (outer === undefined && isTransaction(prisma)) {
    throw invalidOption('prisma', 'transaction(tx, fn): `tx` is a transaction that transaction() of @cereal/prisma did not start, so its commit cannot be seen: start the outer one with transaction(prisma, …) too');
  }
  if (outer?.ended !== undefined) throw invalidOption('prisma', 'transaction(tx, fn): `tx` has already committed or rolled back');
  const state: Pending = { callbacks: [], outer };
  const done = prisma.$transaction((tx: TransactionClientOf<Client>) => {
    pending.set(tx as object, state);
    return fn(tx);
  }, options) as Promise<R>;
  done.then(
    () => settle(state, true),
    () => settle(state, false),
  );
  return done;
}

/**
 * Runs `fn` once the outermost transaction around `tx` has committed, and never if it rolls
 * back, so that a job queued in `fn` can read what the transaction wrote:
 * `afterCommit(tx, () => queue.add('welcome', toJobData(cereal, value)))`.
 *
 * Prisma says nothing when a transaction commits, so `tx` must come from {@link transaction}
 * (`transaction(prisma, async (tx) => …)`, and `transaction(tx, …)` for a nested one); the client
 * of `prisma.$transaction(…)` called directly is `INVALID_OPTION`, since its callbacks could
 * never run. (Prisma's array form, `$transaction([…])`, gives no client to register on.)
 *
 * - In a nested transaction, `fn` waits for the outermost commit: a nested transaction that
 *   completed inside one that rolls back runs nothing, and one rolled back drops the callbacks
 *   registered on it even when the outer transaction commits.
 * - After the commit, the callbacks of a transaction run one at a time in the order they were
 *   registered, each awaited before the next starts (a callback that never settles holds back
 *   those after it). One that throws or rejects is reported to its `onError` and the next runs;
 *   the transaction's own promise has resolved either way.
 * - With a Prisma client that is not a transaction's, `fn` runs at once, before afterCommit returns.
 *
 * @param tx - a transaction's client of {@link transaction}, or a Prisma client
 * @param fn - what to run after the commit; may be async
 * @param options - see {@link AfterCommitOptions}
 * @throws CerealError `INVALID_OPTION` when `tx` is not a Prisma client or is a transaction's
 *   started otherwise, `fn` is not a function, or the transaction has already committed or rolled back
 */
export function afterCommit(tx: PrismaTransactional, fn: () => unknown, options?: AfterCommitOptions): void {
  if (!isClient(tx)) throw invalidOption('prisma', `afterCommit(tx, fn): \`tx\` must be a Prisma client or a transaction's; got ${what(tx)}`);
  if (typeof fn !== 'function') throw invalidOption('prisma', `afterCommit(tx, fn): \`fn\` must be a function; got ${what(fn)}`);
  const onError = options?.onError ?? logError;
  if (typeof onError !== 'function') throw invalidOption('prisma', 'afterCommit(tx, fn, { onError }): `onError` must be a function');
  const callback: Callback = { fn, onError, order: registered++ };
  const state = pending.get(tx);
  if (state === undefined && !isTransaction(tx)) {
    void runAll([callback]);
    return;
  }
  if (state === undefined) {
    throw invalidOption('prisma', 'afterCommit(tx, fn): Prisma tells nobody when this transaction commits, so `fn` could never run: start it with transaction(prisma, async (tx) => …) from @cereal/prisma instead of prisma.$transaction(…), and a nested one with transaction(tx, …)');
  }
  if (state.ended !== undefined) throw invalidOption('prisma', 'afterCommit(tx, fn): the transaction has already committed or rolled back; register callbacks while it is open');
  state.callbacks.push(callback);
}
