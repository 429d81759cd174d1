import knex, { type Knex } from 'knex';
import { testLoader } from './suites/loader.js';
import { testServer } from './suites/server.js';

const url = process.env.CEREAL_MYSQL_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the MariaDB/MySQL suites did not run. Set CEREAL_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run them.\n');
} else {
  const connectWith = ({ port, ...options }: Partial<Knex.Config> & { port?: number } = {}): Knex => {
    const connection = new URL(url);
    if (port !== undefined) connection.port = String(port);
    return knex({ client: 'mysql2', connection: { uri: connection.toString(), connectTimeout: 5000 } as never, pool: { min: 0, max: 4 }, ...options });
  };
  const target = {
    name: 'mariadb',
    connect: () => connectWith(),
    connectWith,
    connectionId: async (db: Knex) => Number((await db.raw('select connection_id() as id'))[0][0].id),
    kill: async (admin: Knex, id: number) => {
      await admin.raw(`kill ${Number(id)}`);
    },
  };
  testLoader(target);
  testServer(target);
}
