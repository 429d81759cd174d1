import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex from 'knex';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { testLoader } from '@cereal/testkit';
import { loadClients } from './suites/clients.js';
import { testGenerated } from './suites/generated.js';
import { testPrisma } from './suites/prisma.js';
import { prismaTarget } from './suites/target.js';

// One database file for the run: Knex writes the fixtures, each Prisma client opens it too.
const file = join(tmpdir(), `cereal-prisma-${process.pid}.db`);
process.on('exit', () => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
});

await loadClients('sqlite');

const target = prismaTarget('sqlite', {
  provider: 'sqlite',
  fixtures: () => knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { afterCreate: (db: { pragma(s: string): void }, done: () => void) => (db.pragma('journal_mode = WAL'), done()) } }),
  pool: () => ({ adapter: () => new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 }), end: async () => undefined }),
}, 'main');

testLoader(target);
testPrisma(target);
testGenerated();
