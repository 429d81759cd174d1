import { runServerSuites } from './suites/server.js';

runServerSuites({
  name: 'MariaDB/MySQL',
  variable: 'CEREAL_MYSQL_URL',
  example: 'mysql://root@127.0.0.1:3306/test',
  client: 'mysql2',
  // mysql2 takes a URL as `uri`; connectTimeout bounds the wait on a server that never answers
  connection: (url) => ({ uri: url, connectTimeout: 5000 }) as never,
  connectionId: async (db) => Number((await db.raw('select connection_id() as id'))[0][0].id),
  kill: async (admin, id) => {
    await admin.raw(`kill ${Number(id)}`);
  },
  idOf: (connection) => (connection as { threadId: number }).threadId,
  schema: (url) => decodeURIComponent(new URL(url).pathname.slice(1)),
});
