/** MariaDB (or MySQL) under the suites: Drizzle over mysql2, a mysql2 pool per database. */
import knex from 'knex';
import mysql from 'mysql2';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import { bigint, binary, boolean, char, date, datetime, decimal, int, mysqlSchema, mysqlTable, primaryKey, timestamp, varchar, type MySqlColumnBuilderBase } from 'drizzle-orm/mysql-core';
import type { Builder, ColumnKit } from './columns.js';
import { captured } from './log.js';
import { rollbackOf, type ServerKit } from './target.js';
import { newWatch, received, watched } from './watch.js';

const b = (builder: unknown): Builder => builder as Builder;

export const mysqlColumns: ColumnKit = {
  integer: (name) => b(int(name)),
  bigint: (name) => b(bigint(name, { mode: 'number' })),
  bigint64: (name) => b(bigint(name, { mode: 'bigint' })),
  string: (name, length) => b(varchar(name, { length })),
  uuid: (name) => b(char(name, { length: 36 })), // Knex's uuid on MySQL and MariaDB
  boolean: (name) => b(boolean(name)),
  timestamp: (name) => b(timestamp(name, { mode: 'date' })),
  dateTime: (name) => b(datetime(name, { mode: 'date' })),
  date: (name) => b(date(name, { mode: 'date' })),
  binary: (name, length) => b(binary(name, { length })),
  decimal: (name, precision, scale) => b(decimal(name, { precision, scale })),
  table(schema, name, columns, key) {
    const make = (schema === undefined ? mysqlTable : mysqlSchema(schema).table) as typeof mysqlTable;
    const built = columns as unknown as Record<string, MySqlColumnBuilderBase>;
    return key === undefined ? make(name, built) : make(name, built, (t) => [primaryKey({ columns: key.map((c) => t[c]!) as never })]);
  },
};

/** The kit for the server at `url`. */
export function mysqlKit(url: string): ServerKit {
  return {
    name: 'mariadb',
    driver: 'mysql2',
    columns: mysqlColumns,
    schema: decodeURIComponent(new URL(url).pathname.slice(1)),
    fixtures: () => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 }, log: captured }),
    open(_f, options = {}) {
      const target = new URL(url);
      if (options.port !== undefined) target.port = String(options.port);
      const pool = mysql.createPool({ uri: target.toString(), connectionLimit: options.poolSize ?? 4, connectTimeout: options.acquireTimeoutMs ?? 5000 });
      // mysql2 runs what is queued on a new connection before the statement it was created for
      pool.on('connection', (connection) => {
        if (options.killNew?.() === true) connection.query(`kill ${Number(connection.threadId)}`, () => undefined);
      });
      const [watch, logger] = newWatch();
      // Rows as the driver returns them: Drizzle's promise wrapper sends every statement outside a transaction through pool.query.
      const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
      pool.query = ((...args: unknown[]) => {
        const done = args.pop() as (err: unknown, rows: unknown, fields: unknown) => void;
        return query(...args, (err: unknown, rows: unknown, fields: unknown) => {
          received(watch, rows);
          done(err, rows, fields);
        });
      }) as typeof pool.query;
      return watched(drizzle(pool, { logger, ...(options.casing === undefined ? {} : { casing: options.casing }), ...(options.cache === undefined ? {} : { cache: options.cache }) }), watch);
    },
    close: (db) => (db as unknown as { $client: mysql.Pool }).$client.promise().end(),
    rollback: rollbackOf,
    connectionId: async (db) => Number(((await (db as { execute(q: unknown): Promise<[{ id: unknown }[]]> }).execute(sql`select connection_id() as id`))[0][0]!.id)),
    kill: async (admin, id) => {
      await admin.raw(`kill ${Number(id)}`);
    },
  };
}
