/**
 * afterCommit as @cereal/knex, @cereal/kysely, @cereal/drizzle and @cereal/prisma share it: the
 * callbacks of each transaction and savepoint (a CommitScope), handed to the scope around on a
 * release and dropped on a rollback, run after the outermost commit one at a time in registration
 * order, each awaited, a failure reported to its `onError`. What a package adds is particular to
 * its library: how it learns that a transaction committed or rolled back, which it tells the
 * scope with `end`, and the checks of its own handles.
 */
import type { CerealError } from '@cereal/core';
import { invalidOption } from './options.js';

/** Options of afterCommit (in @cereal/knex, @cereal/kysely, @cereal/drizzle and @cereal/prisma). */
export interface AfterCommitOptions {
  /**
   * Called with what `fn` threw or rejected with. The transaction has committed by then and stays
   * committed: a failed callback is reported here, never thrown, and the callbacks after it still run.
   * @default logs it with `console.error`
   */
  onError?: (error: unknown) => void;
}

/**
 * The callbacks registered on one transaction or savepoint, until it ends. A package makes one
 * per transaction it sees begin ({@link AfterCommits.scope}), with the scope of the transaction
 * around for a savepoint, and ends it when it sees how the transaction ended.
 */
export interface CommitScope {
  /** The scope of the transaction around a savepoint; undefined for the outermost. */
  readonly outer: CommitScope | undefined;
  /** Whether `end` has been called: a scope that has ended takes no more callbacks. */
  readonly ended: boolean;
  /**
   * Ends the scope; only the first call counts. Committed (for a savepoint, released), its
   * callbacks run when it is the outermost, and otherwise go to the scope around: to wait for its
   * commit while it is open, on to the next one out when it has committed, dropped when it has
   * rolled back. Rolled back, they are dropped.
   */
  end(committed: boolean): void;
  /**
   * Ends the scope as `result` settles: committed when it resolves (a transaction's promise
   * resolves once COMMIT has succeeded), rolled back when it rejects; committed at once when it
   * is no promise (a synchronous transaction that returned).
   */
  endWith(result: unknown): void;
}

interface Callback {
  fn: () => unknown;
  onError: (error: unknown) => void;
  /** When it was registered, among all callbacks: they run in this order. */
  order: number;
}

let registered = 0;

/** `null`, `string`, `an array`, `an object`, `a Date`, `an Error`: what a value of the wrong kind is, in a message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  if (Array.isArray(value)) return 'an array';
  let name: unknown;
  try {
    name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  } catch {
    // a Proxy whose getPrototypeOf trap throws: any object
  }
  if (typeof name !== 'string' || name === 'Object' || !/^[A-Za-z_$][\w$]{0,40}$/.test(name)) return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** Runs callbacks one after the other in registration order, each awaited; failures go to their onError. */
async function runAll(library: string, callbacks: Callback[]): Promise<void> {
  for (const { fn, onError } of callbacks.sort((a, b) => a.order - b.order)) {
    try {
      await fn();
    } catch (error) {
      try {
        onError(error);
      } catch (failure) {
        console.error(`[cereal] [${library}] an afterCommit onError threw`, failure, 'while reporting', error);
      }
    }
  }
}

class Scope implements CommitScope {
  callbacks: Callback[] = [];
  #ended: 'committed' | 'rolled back' | undefined;

  constructor(
    private readonly library: string,
    readonly outer: Scope | undefined,
  ) {}

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  end(committed: boolean): void {
    if (this.#ended !== undefined) return;
    const { callbacks } = this;
    this.callbacks = [];
    this.#ended = committed ? 'committed' : 'rolled back';
    if (committed) this.#release(callbacks);
  }

  endWith(result: unknown): void {
    if (typeof (result as { then?: unknown } | null)?.then !== 'function') this.end(true);
    else (result as PromiseLike<unknown>).then(() => this.end(true), () => this.end(false));
  }

  /** Hands committed callbacks to the transaction around: run past the outermost, dropped by a rollback. */
  #release(callbacks: Callback[]): void {
    const to = this.outer;
    if (to === undefined) void runAll(this.library, callbacks);
    // one push per callback: push(...callbacks) overflows the stack past ~120 000 of them
    else if (to.#ended === undefined) for (const callback of callbacks) to.callbacks.push(callback);
    else if (to.#ended === 'committed') to.#release(callbacks);
  }
}

/**
 * The afterCommit of one package: `new AfterCommits('knex', 'trx')` names the library in its
 * errors and reports, and the transaction as the package's afterCommit calls it.
 */
export class AfterCommits {
  readonly #logError: (error: unknown) => void;

  /**
   * @param library - the package's name in messages: `[cereal] [knex] …`
   * @param param - the name of afterCommit's first parameter in messages: `trx`, `tx`
   * @param describe - how a `fn` of the wrong kind is described
   */
  constructor(
    readonly library: string,
    readonly param: string,
    private readonly describe: (value: unknown) => string = describeValue,
  ) {
    this.#logError = (error) =>
      console.error(`[cereal] [${library}] an afterCommit callback failed after its transaction committed (the commit stands; pass \`onError\` to handle such failures):`, error);
  }

  /** A new scope, for a transaction that has begun: a savepoint's in `outer`, the outermost's without. */
  scope(outer?: CommitScope): CommitScope {
    return new Scope(this.library, outer as Scope | undefined);
  }

  /**
   * The scope of a transaction a package's `transaction(db, fn)` is about to begin on `db`: a
   * savepoint's in `outer`, the scope of the transaction `db` is, which the helper gave out.
   * @param isTransaction - whether `db` is a transaction (then it must have a scope)
   * @param begin - how the outermost is begun: `transaction(db, …)`
   * @throws CerealError `INVALID_OPTION` for a transaction the helper did not begin, or one that has ended
   */
  nested(outer: CommitScope | undefined, isTransaction: boolean, begin: string): CommitScope {
    if (outer === undefined && isTransaction) {
      throw invalidOption(this.library, `transaction(tx, fn): \`tx\` is a transaction that transaction() of @cereal/${this.library} did not start, so its commit cannot be seen: start the outer one with ${begin} too`);
    }
    if (outer?.ended) throw invalidOption(this.library, 'transaction(tx, fn): `tx` has already committed or rolled back');
    return this.scope(outer);
  }

  /** @throws CerealError `INVALID_OPTION` unless `value` is a function: `${call}: \`${name}\` must be a function` */
  checkFunction(call: string, name: string, value: unknown): void {
    if (typeof value !== 'function') throw invalidOption(this.library, `${call}: \`${name}\` must be a function; got ${this.describe(value)}`);
  }

  /** The error of afterCommit on a transaction that has ended. */
  ended(): CerealError {
    return invalidOption(this.library, `afterCommit(${this.param}, fn): the transaction has already committed or rolled back (a savepoint: been released or rolled back); register callbacks while it is open, or on the transaction around it`);
  }

  /**
   * afterCommit's shared part: checks `fn` and `options`, then registers `fn` on the scope
   * `scopeOf` gives, or runs it at once when that is undefined (a handle that is no transaction).
   * `scopeOf` runs after the checks, and throws the package's errors for its handle.
   * @throws CerealError `INVALID_OPTION` for a `fn` or an `onError` that is not a function, or a scope that has ended
   */
  register(fn: unknown, options: AfterCommitOptions | undefined, scopeOf: () => CommitScope | undefined): void {
    this.checkFunction(`afterCommit(${this.param}, fn)`, 'fn', fn);
    const onError = options?.onError ?? this.#logError;
    if (typeof onError !== 'function') throw invalidOption(this.library, `afterCommit(${this.param}, fn, { onError }): \`onError\` must be a function`);
    const callback: Callback = { fn: fn as () => unknown, onError, order: registered++ };
    const scope = scopeOf() as Scope | undefined;
    if (scope === undefined) void runAll(this.library, [callback]);
    else if (scope.ended) throw this.ended();
    else scope.callbacks.push(callback);
  }
}
