/** PostgreSQL under the suites: Drizzle over node-postgres, a pg Pool per database. */
import knex from 'knex';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { bigint, boolean, customType, date, integer, numeric, pgSchema, pgTable, primaryKey, timestamp, uuid, varchar, type PgColumnBuilderBase } from 'drizzle-orm/pg-core';
import type { Builder, ColumnKit } from './columns.js';
import { captured } from './log.js';
import { rollbackOf, type ServerKit } from './target.js';
import { newWatch, received, watched } from './watch.js';

const b = (builder: unknown): Builder => builder as Builder;
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

export const pgColumns: ColumnKit = {
  integer: (name) => b(integer(name)),
  bigint: (name) => b(bigint(name, { mode: 'number' })),
  bigint64: (name) => b(bigint(name, { mode: 'bigint' })),
  string: (name, length) => b(varchar(name, { length })),
  uuid: (name) => b(uuid(name)),
  boolean: (name) => b(boolean(name)),
  timestamp: (name) => b(timestamp(name, { withTimezone: true, mode: 'date' })),
  dateTime: (name) => b(timestamp(name, { mode: 'date' })),
  date: (name) => b(date(name, { mode: 'date' })),
  binary: (name) => b(bytea(name)),
  decimal: (name, precision, scale) => b(numeric(name, { precision, scale })),
  table(schema, name, columns, key) {
    // Drizzle refuses pgSchema('public'): a table of the default schema is a pgTable.
    const make = (schema === undefined || schema === 'public' ? pgTable : pgSchema(schema).table) as typeof pgTable;
    const built = columns as unknown as Record<string, PgColumnBuilderBase>;
    return key === undefined ? make(name, built) : make(name, built, (t) => [primaryKey({ columns: key.map((c) => t[c]!) as never })]);
  },
};

/** The kit for the server at `url`. */
export function pgKit(url: string): ServerKit {
  return {
    name: 'postgres',
    driver: 'pg',
    columns: pgColumns,
    schema: 'public',
    fixtures: () => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 }, log: captured }),
    open(f, options = {}) {
      const target = new URL(url);
      if (options.port !== undefined) target.port = String(options.port);
      const pool = new pg.Pool({
        connectionString: target.toString(),
        max: options.poolSize ?? 4,
        ...(options.acquireTimeoutMs === undefined ? {} : { connectionTimeoutMillis: options.acquireTimeoutMs }),
        // pg-pool waits for the hook before it hands the new connection out
        onConnect: async (client: pg.ClientBase) => {
          if (options.killNew?.() === true) await f.raw('select pg_terminate_backend(?)', [(client as pg.Client & { processID: number }).processID]);
        },
      } as pg.PoolConfig);
      // A connection killed by a test emits 'error': on the pool while idle (the pool drops it),
      // on the client while Drizzle holds it for a transaction, which Drizzle does not listen to.
      pool.on('error', () => undefined);
      pool.on('connect', (client) => void client.on('error', () => undefined));
      const [watch, logger] = newWatch();
      // Rows as the driver returns them: Drizzle sends every statement outside a transaction through pool.query.
      const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<{ rows: unknown[] }>;
      pool.query = (async (...args: unknown[]) => {
        const result = await query(...args);
        received(watch, result.rows);
        return result;
      }) as typeof pool.query;
      return watched(drizzle(pool, { logger, ...(options.casing === undefined ? {} : { casing: options.casing }), ...(options.cache === undefined ? {} : { cache: options.cache }) }), watch);
    },
    close: async (db) => (db as unknown as { $client: pg.Pool }).$client.end(),
    rollback: rollbackOf,
    connectionId: async (db) => Number(((await (db as { execute(q: unknown): Promise<{ rows: { id: unknown }[] }> }).execute(sql`select pg_backend_pid() as id`)).rows[0]!.id)),
    kill: async (admin, id) => {
      await admin.raw('select pg_terminate_backend(?)', [id]);
    },
  };
}

