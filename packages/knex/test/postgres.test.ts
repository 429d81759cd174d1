import knex, { type Knex } from 'knex';
import { testLoader } from './suites/loader.js';
import { testServer } from './suites/server.js';

const url = process.env.CEREAL_PG_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the PostgreSQL suites did not run. Set CEREAL_PG_URL=postgres://postgres@127.0.0.1:5432/test to run them.\n');
} else {
  const connectWith = ({ port, ...options }: Partial<Knex.Config> & { port?: number } = {}): Knex => {
    const connection = new URL(url);
    if (port !== undefined) connection.port = String(port);
    return knex({ client: 'pg', connection: connection.toString(), pool: { min: 0, max: 4 }, ...options });
  };
  const target = {
    name: 'postgres',
    connect: () => connectWith(),
    connectWith,
    connectionId: async (db: Knex) => Number((await db.raw('select pg_backend_pid() as id')).rows[0].id),
    kill: async (admin: Knex, id: number) => {
      await admin.raw('select pg_terminate_backend(?)', [id]);
    },
  };
  testLoader(target);
  testServer(target);
}
