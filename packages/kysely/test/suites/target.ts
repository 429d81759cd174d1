/**
 * The Kysely loader as the testkit's suites take it (LoaderTarget): the suites make their tables
 * with Knex (`fixtures`), and loaders are built on a Kysely over the same database.
 */
import type { Knex } from 'knex';
import { Kysely, type ControlledTransaction, type Dialect, type KyselyPlugin } from 'kysely';
import type { AfterCommitDatabase, AfterCommitTarget, LoaderTarget, OpenOptions, ServerTarget, Traffic } from '@cereal/testkit';
import { afterCommit, kyselyLoader, kyselyLoaders, startTransaction } from '../../src/index.js';

/** What `watch` saw: the testkit's Traffic, and the text of each statement. */
export type Seen = Traffic & { sql: string[] };

/** What each watched Kysely reports to: the `watch` calls under way on it. */
const watching = new WeakMap<Kysely<any>, Set<Seen>>();

/**
 * A Kysely on `dialect` whose statements `watch` can see: its log reports each statement (sent,
 * failed or not) with its parameters, and a plugin counts the rows of each result.
 */
export function watchedKysely(dialect: Dialect): Kysely<any> {
  const traffic = new Set<Seen>();
  const rows: KyselyPlugin = {
    transformQuery: ({ node }) => node,
    transformResult: async ({ result }) => {
      for (const seen of traffic) seen.rows += result.rows.length;
      return result;
    },
  };
  const db = new Kysely<any>({
    dialect,
    plugins: [rows],
    log: (event) => {
      for (const seen of traffic) {
        seen.statements++;
        // PostgreSQL's `= any($1)` binds the keys as one array: its elements are the values bound.
        for (const value of event.query.parameters) seen.bindings.push(...(Array.isArray(value) ? value : [value]));
        seen.sql.push(event.query.sql);
      }
    },
  });
  watching.set(db, traffic);
  return db;
}

/** Watches the statements `db` (a watchedKysely) runs during `fn`. */
export async function watch<T>(db: Kysely<any>, fn: () => Promise<T>): Promise<[T, Seen]> {
  const traffic = watching.get(db);
  if (traffic === undefined) throw new Error('watch: not a watchedKysely');
  const seen: Seen = { statements: 0, bindings: [], rows: 0, sql: [] };
  traffic.add(seen);
  try {
    return [await fn(), seen];
  } finally {
    traffic.delete(seen);
  }
}

const ROLLBACK = new Error('rollback');

/** How a test file reaches its database: the fixtures' Knex, and a Kysely beside it. */
export interface KyselySetup {
  name: string;
  /** A new Knex instance on the database under test. */
  fixtures(): Knex;
  /** A new watchedKysely over the same database as `fixtures`, with `options` where they apply. */
  open(fixtures: Knex, options?: OpenOptions): Kysely<any>;
  /** The schema unqualified table names resolve to. */
  schema: string;
  /** What the loader's error says when no connection came in time. */
  timeoutMessage?: RegExp;
}

export function kyselyTarget(setup: KyselySetup): LoaderTarget<Kysely<any>> {
  return {
    name: `kysely/${setup.name}`,
    schema: setup.schema,
    fixtures: setup.fixtures,
    open: setup.open,
    close: (db) => db.destroy(),
    loader: (db, spec) => kyselyLoader(db, spec as never),
    replicaLoaders: (primary, replica, specs, onServed) => kyselyLoaders(onServed === undefined ? { primary, replica } : { primary, replica, onServed }, specs as never),
    rollback: (db, fn) =>
      db
        .transaction()
        .execute(async (trx) => {
          await fn(trx, async (table, row) => void (await trx.insertInto(table).values(row).execute()));
          throw ROLLBACK;
        })
        .catch((err: unknown) => {
          if (err !== ROLLBACK) throw err;
        }),
    watch,
    ...(setup.timeoutMessage === undefined ? {} : { timeoutMessage: setup.timeoutMessage }),
  };
}

/** What a server's test file says about it: how to find and kill a connection. */
export interface ServerAccess {
  connectionId(db: Kysely<any>): Promise<number>;
  kill(admin: Knex, id: number): Promise<void>;
}

export function kyselyServerTarget(target: LoaderTarget<Kysely<any>>, access: ServerAccess): ServerTarget<Kysely<any>> {
  return { ...target, connectionId: access.connectionId, transactionId: access.connectionId, kill: access.kill };
}

/** The name of each savepoint kyselyAfterCommitTarget began, by the object Kysely gave for it. */
const savepoints = new WeakMap<object, string>();
let savepointsBegun = 0;

/**
 * Kysely's afterCommit as the testkit's suite takes it (AfterCommitTarget), on a Kysely over
 * `dialect()`. Kysely nests no `transaction()`: the suite's transactions are startTransaction's
 * controlled ones, committed or rolled back by hand, with named savepoints (rolled back to, then
 * released). transaction() has its own tests.
 */
export function kyselyAfterCommitTarget(database: AfterCommitDatabase, dialect: () => Dialect): AfterCommitTarget<Kysely<any>> {
  /** The transaction, with a savepoint of any name open as far as the types go: the names are the target's. */
  const controlled = (trx: Kysely<any>): ControlledTransaction<any, [string]> => trx as ControlledTransaction<any, [string]>;
  return {
    database,
    library: 'kysely',
    open: () => new Kysely<any>({ dialect: dialect() }),
    close: (db) => db.destroy(),
    afterCommit,
    transaction: async (db, body) => {
      const trx = await startTransaction(db);
      try {
        const result = await body(trx);
        if (!trx.isRolledBack) await trx.commit().execute();
        return result;
      } catch (error) {
        // SQLite: an open transaction holds Kysely's only connection, and the next tests would wait forever.
        if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute();
        throw error;
      }
    },
    savepoint: async (trx, body) => {
      const name = `sp${++savepointsBegun}`;
      const sp = await controlled(trx).savepoint(name).execute();
      savepoints.set(sp, name);
      try {
        const result = await body(sp);
        await sp.releaseSavepoint(name).execute();
        return result;
      } catch (error) {
        await (await sp.rollbackToSavepoint(name).execute()).releaseSavepoint(name).execute();
        throw error;
      }
    },
    rollback: (trx) => {
      const name = savepoints.get(trx);
      return name === undefined ? controlled(trx).rollback().execute() : controlled(trx).rollbackToSavepoint(name).execute();
    },
    insert: (trx, table, id) => trx.insertInto(table).values({ id }).execute(),
    foreign: (db, body) => db.transaction().execute(async (trx) => body(trx)),
  };
}
