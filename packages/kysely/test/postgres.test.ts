import pg from 'pg';
import { PostgresDialect } from 'kysely';
import { keep, runServerSuites } from './suites/server.js';

runServerSuites({
  name: 'PostgreSQL',
  variable: 'CEREAL_PG_URL',
  example: 'postgres://postgres@127.0.0.1:5432/test',
  client: 'pg',
  connection: (url) => url,
  dialect: (url, { poolSize, acquireTimeoutMs }, { clientErrors = true, ...hooks }) => {
    // connectionTimeoutMillis bounds the wait for a connection (0, pg's default, waits forever)
    const pool = new pg.Pool({ connectionString: url, max: poolSize ?? 4, connectionTimeoutMillis: acquireTimeoutMs ?? 10_000 });
    pool.on('error', keep); // an idle client lost: pg-pool drops it, and says so here
    if (clientErrors) pool.on('connect', (client) => void client.on('error', keep));
    return new PostgresDialect({ pool, ...hooks });
  },
  sleep: '(select true from pg_sleep(0.3))',
  idQuery: 'select pg_backend_pid() as id',
  kill: async (admin, id) => {
    await admin.raw('select pg_terminate_backend(?)', [id]);
  },
  schema: () => 'public',
  timeoutMessage: /no database connection within the pg Pool's connectionTimeoutMillis/,
  splitsWide: false,
});
