/**
 * How a loader package puts its loader under the conformance suites, on one database. The suites
 * create their tables and rows with Knex (`fixtures`), whatever the loader under test is built
 * on; the target opens that loader's own handle (a Knex instance, a Kysely, a Drizzle database).
 */
import type { Knex } from 'knex';
import type { Loader } from '@cereal/core';

/** One table of the suites, as a loader of any package is configured for it. */
export interface TableSpec {
  table: string;
  /** The key column, or the key columns of a composite key. @default 'id' */
  primaryKey?: string | readonly string[];
  /** Columns to select; the key columns are added. Default: every column. */
  columns?: readonly string[];
  /** Keys per statement. Default: the loader's own, from its driver's parameter limit. */
  chunkSize?: number;
  /** The version column: `updated_at`, `lock_version`. */
  version?: string;
}

/** What a replica-aware loader map reports after each load (the loader packages' ServedEvent). */
export interface Served {
  readonly model: string;
  readonly replica: number;
  readonly primary: number;
  readonly again: number;
}

/** A loader under test: a Loader, and `prepare` where it reads its table before loading. */
export type TestedLoader = Loader<Record<string, unknown>> & { prepare?(): Promise<void>; readonly chunkSize: number };

/** What the database saw during a call: statements, their bound values, rows returned. */
export interface Traffic {
  statements: number;
  bindings: unknown[];
  rows: number;
}

/** Options for a second handle on the database: a pool of one, another port, a short timeout. */
export interface OpenOptions {
  /** Most connections in the handle's pool. */
  poolSize?: number;
  /** Another port: nothing (refused) or a server that never answers. */
  port?: number;
  /** How long to wait for a connection before failing the load. */
  acquireTimeoutMs?: number;
}

export interface LoaderTarget<Db = unknown> {
  /** Shown in suite names: `knex/sqlite`, `kysely/postgres`. */
  name: string;
  /** A new Knex instance on the database under test, for the suite's own tables and rows. */
  fixtures(): Knex;
  /** The handle loaders are built on, over the same database as `fixtures` (it may be `fixtures` itself). */
  open(fixtures: Knex, options?: OpenOptions): Db;
  /** Closes what `open` opened (never `fixtures`). */
  close(db: Db, fixtures: Knex): Promise<void>;
  /** The loader under test over one table, on `db` or on a transaction `rollback` handed out. */
  loader(db: Db, spec: TableSpec): TestedLoader;
  /**
   * Runs `fn` in a transaction of `db` and rolls it back; `insert` writes a row through it, and
   * loaders built on `trx` see its writes.
   */
  rollback(db: Db, fn: (trx: Db, insert: (table: string, row: Record<string, unknown>) => Promise<void>) => Promise<void>): Promise<void>;
  /**
   * The package's loader map over a primary and a replica (`xLoaders({ primary, replica,
   * onServed }, specs)`), for the replica suite (testReplicas).
   */
  replicaLoaders?(primary: Db, replica: Db, specs: Record<string, TableSpec>, onServed?: (event: Served) => void): Record<string, TestedLoader & { readonly served?: { readonly replica: number; readonly primary: number } }>;
  /** Watches the statements `db` runs during `fn`. */
  watch<T>(db: Db, fn: () => Promise<T>): Promise<[T, Traffic]>;
  /** The schema unqualified table names resolve to (`main`, `public`, the MySQL database). */
  schema: string;
  /**
   * What a load's error says when no connection came within `acquireTimeoutMs` (1500 in the
   * suite): the wait, where the loader can know it (Knex's `acquireConnectionTimeout`).
   * @default /1500 ms/
   */
  timeoutMessage?: RegExp;
}

/** What a database server adds: its connections can be found and killed. */
export interface ServerTarget<Db = unknown> extends LoaderTarget<Db> {
  /** The server's id of the connection `db` runs on (open it with a pool of one). */
  connectionId(db: Db): Promise<number>;
  /** Kills that connection from the suite's fixtures connection, as an administrator would. */
  kill(fixtures: Knex, id: number): Promise<void>;
  /** The id of the connection a transaction handed out by `rollback` runs on. */
  transactionId(trx: Db): Promise<number>;
}

/** `loaders` once each has read its table: watching a load then sees its key statements only. */
export async function prepared<L extends Record<string, TestedLoader>>(loaders: L): Promise<L> {
  for (const loader of Object.values(loaders)) await loader.prepare?.();
  return loaders;
}

/** Fails instead of hanging: rejects when `promise` has not settled after `ms`. */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: it hangs`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A database the afterCommit suites run on (afterCommitDatabases gives them). */
export interface AfterCommitDatabase {
  /** Shown in suite names: `sqlite`, `PostgreSQL`, `MariaDB/MySQL`. */
  name: string;
  kind: 'sqlite' | 'postgres' | 'mysql';
  /** The SQLite database file, or the server's URL. */
  url: string;
  /** A new Knex instance on it: the suite's table, and the other connection that looks for rows. */
  fixtures(): Knex;
}

/**
 * How a package puts its afterCommit under the testkit's suite (testAfterCommit), on one
 * database: how its library begins, nests, ends and writes in a transaction. A transaction's
 * `body` is synchronous where the library's transactions are (Drizzle on better-sqlite3): it
 * returns a promise only when one of its steps does (see seq), and its result is the last step's.
 */
export interface AfterCommitTarget<Db = any> {
  database: AfterCommitDatabase;
  /** The package's name in its reports: `knex` for `[cereal] [knex] …`. */
  library: string;
  /** True where the library's transactions run synchronously: the suite never waits inside one. */
  sync?: boolean;
  /** Opens the package's handle on the database, once the suite's `table` (id, name) exists. */
  open(table: string): Db | Promise<Db>;
  close(db: Db): Promise<void>;
  /** The package's afterCommit. */
  afterCommit(tx: Db, fn: () => unknown, options?: { onError?: (error: unknown) => void }): void;
  /**
   * Runs `body` in a transaction of `db` begun so that afterCommit sees its end: committed once
   * `body` has returned (or resolved), rolled back when it throws (or rejects), which this throws
   * (or rejects with) in turn. Returns (or resolves to) what `body` does.
   */
  transaction(db: Db, body: (tx: Db) => unknown): unknown;
  /** The same in a savepoint of the transaction `tx`: released, or rolled back to. */
  savepoint(tx: Db, body: (sp: Db) => unknown): unknown;
  /**
   * Rolls back `tx` (a savepoint: to where it began) from inside its body, where the library can
   * (`trx.rollback()`); the suite's explicit rollbacks run only where it is given.
   */
  rollback?(tx: Db): unknown;
  /** Whether `error` is what an explicit rollback throws out of the transaction (Drizzle's). */
  isRollback?(error: unknown): boolean;
  /** Inserts the row `{ id }` into `table` in `tx`; a promise, or nothing where it is synchronous. */
  insert(tx: Db, table: string, id: number): unknown;
  /**
   * Runs `body` in a transaction the library begins without the package's helper, whose end
   * afterCommit cannot see (`db.transaction(…)`); absent where afterCommit sees every transaction (Knex).
   */
  foreign?(db: Db, body: (tx: Db) => unknown): Promise<unknown>;
}
