import { createPool } from 'mysql2';
import { MysqlDialect } from 'kysely';
import { runServerSuites } from './suites/server.js';

runServerSuites({
  name: 'MariaDB/MySQL',
  variable: 'CEREAL_MYSQL_URL',
  example: 'mysql://root@127.0.0.1:3306/test',
  client: 'mysql2',
  // mysql2 takes a URL as `uri`; connectTimeout bounds the wait on a server that never answers
  connection: (url) => ({ uri: url, connectTimeout: 5000 }) as never,
  dialect: (url, { poolSize, acquireTimeoutMs }, { clientErrors: _, ...hooks }) =>
    new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: poolSize ?? 4, connectTimeout: acquireTimeoutMs ?? 5000 }), ...hooks }),
  sleep: 'sleep(0.3) = 0',
  idQuery: 'select connection_id() as id',
  kill: async (admin, id) => {
    await admin.raw(`kill ${Number(id)}`);
  },
  schema: (url) => decodeURIComponent(new URL(url).pathname.slice(1)),
  timeoutMessage: /no database connection within mysql2's connectTimeout/,
  splitsWide: true,
});
