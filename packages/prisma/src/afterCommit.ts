import { AfterCommits, describeValue as what, invalidOption, type AfterCommitOptions, type CommitScope } from '@cereal/sql';

export type { AfterCommitOptions };

/** A Prisma client, or an interactive transaction's: what has `$transaction(fn, options)`. */
export interface PrismaTransactional {
  $transaction(fn: (tx: any) => Promise<any>, options?: any): Promise<any>;
}

/** The client `$transaction` gives its callback: the client without `$connect`, `$on`, `$extends`… */
export type TransactionClientOf<Client extends PrismaTransactional> = Parameters<Parameters<Client['$transaction']>[0]>[0];

const commits = new AfterCommits('prisma', 'tx');
/** The scope of each transaction {@link transaction} started, by the client it gave out. */
const scopes = new WeakMap<object, CommitScope>();

const isClient = (value: unknown): value is PrismaTransactional =>
  (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PrismaTransactional).$transaction === 'function';
/**
 * An interactive transaction's client: Prisma leaves out `$connect`, `$disconnect`, `$on`, `$use`
 * and `$extends` (`ITXClientDenyList`), which every client, extended or not, has.
 */
const isTransaction = (client: PrismaTransactional): boolean => typeof (client as { $connect?: unknown }).$connect !== 'function';

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
  commits.checkFunction('transaction(prisma, fn)', 'fn', fn);
  const scope = commits.nested(scopes.get(prisma), isTransaction(prisma), 'transaction(prisma, …)');
  const done = prisma.$transaction((tx: TransactionClientOf<Client>) => {
    scopes.set(tx as object, scope);
    return fn(tx);
  }, options) as Promise<R>;
  scope.endWith(done);
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
  commits.register(fn, options, () => {
    const scope = scopes.get(tx);
    if (scope !== undefined || !isTransaction(tx)) return scope;
    throw invalidOption('prisma', 'afterCommit(tx, fn): Prisma tells nobody when this transaction commits, so `fn` could never run: start it with transaction(prisma, async (tx) => …) from @cereal/prisma instead of prisma.$transaction(…), and a nested one with transaction(tx, …)');
  });
}
