import knex from 'knex';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { runServerSuites } from './suites/server.js';

await runServerSuites({
  name: 'PostgreSQL',
  variable: 'CEREAL_PG_URL',
  example: 'postgres://postgres@127.0.0.1:5432/test',
  provider: 'postgresql',
  fixtures: (url) => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } }),
  // One pg.Pool per handle, shared by its clients; connectionTimeoutMillis bounds the wait for a connection.
  pool: (url, { poolSize, acquireTimeoutMs }) => {
    const pool = new pg.Pool({ connectionString: url.toString(), max: poolSize ?? 4, connectionTimeoutMillis: acquireTimeoutMs ?? 10_000 });
    return { adapter: () => new PrismaPg(pool), end: () => pool.end() };
  },
  connectionIdSql: 'select pg_backend_pid() as id',
  kill: async (admin, id) => {
    await admin.raw('select pg_terminate_backend(?)', [id]);
  },
  timeoutMessage: /\[prisma\] no database connection within connectionTimeoutMillis \(1500 ms\) to read table/,
  schema: () => 'public',
});
