/**
 * SQLite under the suites: Knex and Drizzle on one database file (each with its own connection:
 * a `:memory:` database is one per connection), Drizzle over better-sqlite3.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import knex, { type Knex } from 'knex';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { blob, integer, numeric, primaryKey, sqliteTable, text, type SQLiteColumnBuilderBase } from 'drizzle-orm/sqlite-core';
import type { Builder, ColumnKit } from './columns.js';
import type { Db, DrizzleKit } from './target.js';
import { newWatch, received, watched } from './watch.js';

const b = (builder: unknown): Builder => builder as Builder;

export const sqliteColumns: ColumnKit = {
  integer: (name) => b(integer(name)),
  bigint: (name) => b(integer(name, { mode: 'number' })),
  string: (name) => b(text(name)),
  uuid: (name) => b(text(name)),
  boolean: (name) => b(integer(name, { mode: 'boolean' })),
  // Knex writes a Date to SQLite as its milliseconds
  timestamp: (name) => b(integer(name, { mode: 'timestamp_ms' })),
  dateTime: (name) => b(integer(name, { mode: 'timestamp' })),
  date: (name) => b(integer(name, { mode: 'timestamp' })),
  binary: (name) => b(blob(name, { mode: 'buffer' })),
  decimal: (name) => b(numeric(name)),
  table(schema, name, columns, key) {
    // Drizzle's SQLite tables have no schema: `main.table` is the table itself.
    if (schema !== undefined && schema !== 'main') throw new Error(`a Drizzle SQLite table has no schema (${schema}.${name})`);
    const built = columns as unknown as Record<string, SQLiteColumnBuilderBase>;
    return key === undefined ? sqliteTable(name, built) : sqliteTable(name, built, (t) => [primaryKey({ columns: key.map((c) => t[c]!) as never })]);
  },
};

const FILES = new WeakMap<Knex, string>();
/** Drizzle databases open on each file: the last one to close removes it. */
const OPEN = new Map<string, number>();

/** The file of a fixtures Knex. */
const fileOf = (f: Knex): string => {
  const file = FILES.get(f);
  if (file === undefined) throw new Error('not a fixtures Knex of the SQLite kit');
  return file;
};

export const sqliteKit: DrizzleKit = {
  name: 'sqlite',
  driver: 'better-sqlite3',
  columns: sqliteColumns,
  schema: 'main',
  fixtures() {
    const file = join(mkdtempSync(join(tmpdir(), 'cereal-drizzle-')), 'test.sqlite');
    const f = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
    FILES.set(f, file);
    return f;
  },
  open(f, options) {
    const file = fileOf(f);
    const client = new Database(file);
    OPEN.set(file, (OPEN.get(file) ?? 0) + 1);
    // Rows as the driver returns them: Drizzle runs every statement with `all`, raw or not.
    const prepare = client.prepare.bind(client);
    const [watch, logger] = newWatch();
    client.prepare = ((source: string) => {
      const statement = prepare(source);
      const all = statement.all.bind(statement);
      statement.all = ((...params: unknown[]) => {
        const rows = all(...params);
        received(watch, rows);
        return rows;
      }) as typeof statement.all;
      return statement;
    }) as typeof client.prepare;
    return watched(drizzle(client, { logger, ...(options?.casing === undefined ? {} : { casing: options.casing }) }), watch);
  },
  async close(db) {
    const client = (db as unknown as { $client: Database.Database }).$client;
    const file = client.name;
    client.close();
    const left = (OPEN.get(file) ?? 1) - 1;
    OPEN.set(file, left);
    if (left === 0) rmSync(join(file, '..'), { recursive: true, force: true }); // the fixtures' Knex keeps its own handle on it

  },
  /**
   * better-sqlite3 runs Drizzle's transactions synchronously and refuses a callback that returns
   * a promise, so no load can run inside `db.transaction`: the transaction is begun and rolled
   * back as statements, and loaders are built on `db`, the transaction's one connection.
   */
  async rollback(db, fn) {
    const raw = db as unknown as { run(query: unknown): unknown };
    raw.run(sql`begin`);
    try {
      await fn(db as Db);
    } finally {
      raw.run(sql`rollback`);
    }
  },
};
