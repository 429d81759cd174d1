/**
 * The Knex loader as the testkit's suites take it (LoaderTarget): loaders are built on the
 * suite's own Knex instance, or on a second one for a pool of one, another port, a timeout.
 */
import type { Knex } from 'knex';
import type { AfterCommitDatabase, AfterCommitTarget, LoaderTarget, OpenOptions, ServerTarget, Traffic } from '@cereal/testkit';
import { afterCommit, knexLoader, knexLoaders } from '../../src/index.js';

/** Watches the statements `db` runs during `fn`: Knex's query events. */
export async function watch<T>(db: Knex, fn: () => Promise<T>): Promise<[T, Traffic]> {
  const seen: Traffic = { statements: 0, bindings: [], rows: 0 };
  const sent = (query: { bindings?: unknown[] }): void => {
    seen.statements++;
    // PostgreSQL's `= any($1)` binds the keys as one array: its elements are the values bound.
    for (const value of query.bindings ?? []) seen.bindings.push(...(Array.isArray(value) ? value : [value]));
  };
  const received = (response: unknown): void => void (seen.rows += Array.isArray(response) ? response.length : 0);
  db.on('query', sent).on('query-response', received);
  try {
    return [await fn(), seen];
  } finally {
    db.off('query', sent).off('query-response', received);
  }
}

const ROLLBACK = new Error('rollback');

/**
 * @param connect - a new Knex instance on the database, with `options` for a second handle
 * @param schema - the schema unqualified table names resolve to
 */
export function knexTarget(name: string, connect: (options?: OpenOptions) => Knex, schema: string): LoaderTarget<Knex> {
  return {
    name: `knex/${name}`,
    schema,
    fixtures: () => connect(),
    // The suite's own instance: with SQLite's :memory:, a second instance is another database.
    open: (f, options) => (options === undefined ? f : connect(options)),
    close: async (db, f) => {
      if (db !== f) await db.destroy();
    },
    loader: (db, spec) => knexLoader(db, spec),
    replicaLoaders: (primary, replica, specs, onServed) => knexLoaders(onServed === undefined ? { primary, replica } : { primary, replica, onServed }, specs),
    rollback: (db, fn) =>
      db
        .transaction(async (trx) => {
          await fn(trx, async (table, row) => void (await trx(table).insert(row)));
          throw ROLLBACK;
        })
        .catch((err: unknown) => {
          if (err !== ROLLBACK) throw err;
        }),
    watch,
  };
}

/** What a server's test file says about it: how to find and kill a connection. */
export interface ServerAccess {
  connectionId(db: Knex): Promise<number>;
  kill(admin: Knex, id: number): Promise<void>;
}

export function knexServerTarget(target: LoaderTarget<Knex>, access: ServerAccess): ServerTarget<Knex> {
  return { ...target, connectionId: access.connectionId, transactionId: access.connectionId, kill: access.kill };
}

/** Knex's afterCommit as the testkit's suite takes it (AfterCommitTarget): a second Knex instance on the database. */
export function knexAfterCommitTarget(database: AfterCommitDatabase): AfterCommitTarget<Knex> {
  return {
    database,
    library: 'knex',
    open: () => database.fixtures(),
    close: (db) => db.destroy(),
    afterCommit,
    transaction: (db, body) => db.transaction(async (trx) => body(trx)),
    savepoint: (trx, body) => trx.transaction(async (sp) => body(sp)),
    rollback: (trx) => (trx as Knex.Transaction).rollback(),
    insert: (trx, table, id) => trx(table).insert({ id }),
  };
}
