/**
 * The Drizzle loader as the testkit's suites take it (LoaderTarget): the testkit creates tables
 * and rows with Knex; the target opens a Drizzle database over the same database and maps each
 * TableSpec to a Drizzle table (columns.ts).
 */
import type { Knex } from 'knex';
import { sql, TransactionRollbackError, type Table } from 'drizzle-orm';
import type { Cache } from 'drizzle-orm/cache/core';
import type { AfterCommitDatabase, AfterCommitTarget, LoaderTarget, OpenOptions, ServerTarget, TableSpec } from '@cereal/testkit';
import { afterCommit, drizzleLoader, drizzleLoaders, transaction, type DrizzleDatabase, type TableFor } from '../../src/index.js';
import { testkitTable, type ColumnKit } from './columns.js';
import { watch } from './watch.js';

/** A Drizzle database of any of the three dialects, as the suites use it. */
export type Db = DrizzleDatabase;

/** The testkit's options for a second database, and this package's. */
export interface Open extends OpenOptions {
  /** Drizzle's `casing` option. */
  casing?: 'snake_case';
  /** Servers: while it says so, each new connection is killed before its first statement. */
  killNew?: () => boolean;
  /** Drizzle's `cache` option (node-postgres and mysql2; better-sqlite3 takes none). */
  cache?: Cache;
}

/** One driver under the suites: how to open a Drizzle database on the fixtures' database, and its columns. */
export interface DrizzleKit {
  /** `sqlite`, `postgres`, `mariadb`: in suite names. */
  name: string;
  /** The driver's name, as `dialectOf` takes it. */
  driver: 'better-sqlite3' | 'pg' | 'mysql2';
  columns: ColumnKit;
  /** The schema unqualified table names resolve to. */
  schema: string;
  /** A Knex on the database, for fixtures. */
  fixtures(): Knex;
  /** A Drizzle database over `fixtures`' database, watched (watch.ts). */
  open(fixtures: Knex, options?: Open): Db;
  close(db: Db): Promise<void>;
  /** Runs `fn` in a transaction and rolls it back; `trx` is what loaders are built on. */
  rollback(db: Db, fn: (trx: Db) => Promise<void>): Promise<void>;
}

/** What a server adds: connections can be found and killed. */
export interface ServerKit extends DrizzleKit {
  connectionId(db: Db): Promise<number>;
  kill(admin: Knex, id: number): Promise<void>;
}

/**
 * The columns each table was created with, seen in the `create table` statements of the
 * fixtures' Knex instances: two suites create tables of one name with other columns.
 */
const created = new Map<string, string>();
function record(query: { sql?: unknown }): void {
  const name = /^create table [`"]([^`"]+)[`"]/i.exec(String(query.sql))?.[1];
  if (name !== undefined) created.set(name, String(query.sql));
}

/** The Drizzle table for a spec: `schema.table` in a schema of its own where the dialect has one. */
export function tableOf(kit: DrizzleKit, spec: string): Table {
  const dot = spec.indexOf('.');
  const name = dot === -1 ? spec : spec.slice(dot + 1);
  const schema = dot === -1 ? undefined : spec.slice(0, dot);
  const ddl = created.get(name);
  return testkitTable(kit.columns, schema, name, (column) => ddl === undefined || ddl.includes(`"${column}"`) || ddl.includes(`\`${column}\``));
}

const ROLLBACK = new Error('rollback');

/** Runs `fn` in a Drizzle transaction of `db` and rolls it back (the pg and mysql2 kits' rollback). */
export async function rollbackOf(db: Db, fn: (trx: Db) => Promise<void>): Promise<void> {
  try {
    await (db as { transaction(fn: (trx: Db) => Promise<void>): Promise<void> }).transaction(async (trx) => {
      await fn(trx);
      throw ROLLBACK;
    });
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
}

/** Inserts a row through Drizzle's query builder. */
export async function insert(db: Db, table: Table, row: Record<string, unknown>): Promise<void> {
  await (db as unknown as { insert(t: Table): { values(row: object): PromiseLike<unknown> } }).insert(table).values(row);
}

/** A TableSpec's loader options: its fields are the testkit's column names. */
const optionsOf = (spec: TableSpec) => ({ primaryKey: spec.primaryKey, columns: spec.columns, chunkSize: spec.chunkSize, version: spec.version });

export function drizzleTarget(kit: DrizzleKit): LoaderTarget<Db> {
  return {
    name: `drizzle/${kit.name}`,
    schema: kit.schema,
    fixtures: () => kit.fixtures().on('query', record),
    open: (f, options) => kit.open(f, options),
    close: (db) => kit.close(db),
    loader: (db, spec: TableSpec) => drizzleLoader(db, tableOf(kit, spec.table) as TableFor<Db>, optionsOf(spec)),
    replicaLoaders: (primary, replica, specs, onServed) =>
      drizzleLoaders(
        onServed === undefined ? { primary, replica } : { primary, replica, onServed },
        Object.fromEntries(Object.entries(specs).map(([model, spec]) => [model, { table: tableOf(kit, spec.table), ...optionsOf(spec) }])) as never,
      ),
    rollback: (db, fn) => kit.rollback(db, (trx) => fn(trx, (table, row) => insert(trx, tableOf(kit, table), row))),
    watch,
    timeoutMessage: /\[drizzle\] no database connection within \w+ \(1500 ms\)/,
  };
}

export function drizzleServerTarget(kit: ServerKit): ServerTarget<Db> {
  return { ...drizzleTarget(kit), connectionId: kit.connectionId, transactionId: kit.connectionId, kill: kit.kill };
}

/**
 * Drizzle's afterCommit as the testkit's suite takes it (AfterCommitTarget): `open()` gives a
 * Drizzle database on the database and what closes it. better-sqlite3 runs transactions
 * synchronously; node-postgres and mysql2 await them.
 */
export function drizzleAfterCommitTarget(database: AfterCommitDatabase, open: () => { db: any; close(): Promise<void> }): AfterCommitTarget<any> {
  const sync = database.kind === 'sqlite';
  const closers = new WeakMap<object, () => Promise<void>>();
  return {
    database,
    library: 'drizzle',
    sync,
    open: () => {
      const { db, close } = open();
      closers.set(db, close);
      return db;
    },
    close: (db) => closers.get(db)!(),
    afterCommit,
    transaction: (db, body) => transaction(db, body),
    savepoint: (tx, body) => transaction(tx, body),
    rollback: (tx) => tx.rollback(),
    isRollback: (error) => error instanceof TransactionRollbackError,
    insert: (tx, table, id) => {
      const statement = sql`insert into ${sql.identifier(table)} (id) values (${id})`;
      return sync ? tx.run(statement) : tx.execute(statement);
    },
    foreign: async (db, body) => db.transaction(body),
  };
}
