import { runServerSuites } from './suites/server.js';

runServerSuites({
  name: 'PostgreSQL',
  variable: 'CEREAL_PG_URL',
  example: 'postgres://postgres@127.0.0.1:5432/test',
  client: 'pg',
  connection: (url) => url,
  connectionId: async (db) => Number((await db.raw('select pg_backend_pid() as id')).rows[0].id),
  kill: async (admin, id) => {
    await admin.raw('select pg_terminate_backend(?)', [id]);
  },
  idOf: (connection) => (connection as { processID: number }).processID,
  schema: () => 'public',
});
