import knex from 'knex';
import * as mariadb from 'mariadb';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { runServerSuites } from './suites/server.js';

await runServerSuites({
  name: 'MariaDB/MySQL',
  variable: 'CEREAL_MYSQL_URL',
  example: 'mysql://root@127.0.0.1:3306/test',
  provider: 'mysql',
  // mysql2 takes a URL as `uri`
  fixtures: (url) => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 } }),
  // One MariaDB pool per handle, shared by its clients; acquireTimeout bounds the wait for a connection.
  pool: (url, { poolSize, acquireTimeoutMs }) => {
    const pool = mariadb.createPool({
      host: url.hostname,
      port: Number(url.port || 3306),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: decodeURIComponent(url.pathname.slice(1)),
      connectionLimit: poolSize ?? 4,
      acquireTimeout: acquireTimeoutMs ?? 10_000,
      connectTimeout: acquireTimeoutMs ?? 10_000,
    });
    return { adapter: () => new PrismaMariaDb(pool), end: () => pool.end() };
  },
  connectionIdSql: 'select connection_id() as id',
  kill: async (admin, id) => {
    await admin.raw(`kill ${Number(id)}`);
  },
  // the connector tells how long it waited, not its acquireTimeout, which the adapter keeps to itself
  timeoutMessage: /\[prisma\] no database connection within acquireTimeout \(gave up after \d+ ms\) to read table/,
  schema: (url) => decodeURIComponent(new URL(url).pathname.slice(1)),
});
