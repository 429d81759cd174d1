/**
 * The Kysely loader as the testkit's suites take it (LoaderTarget): the suites make their tables
 * with Knex (`fixtures`), and loaders are built on a Kysely over the same database.
 */
import type { Knex } from 'knex';
import { Kysely, type Dialect, type KyselyPlugin } from 'kysely';
import type { LoaderTarget, OpenOptions, ServerTarget, Traffic } from '@cereal/testkit';
import { kyselyLoader, kyselyLoaders } from '../../src/index.js';

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
        seen.bindings.push(...event.query.parameters);
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
