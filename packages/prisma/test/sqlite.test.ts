import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { testLoader, testReplicas } from '@cereal/testkit';
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

const fixturesOn = (filename: string): Knex =>
  knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true, pool: { afterCreate: (db: { pragma(s: string): void }, done: () => void) => (db.pragma('journal_mode = WAL'), done()) } });
const adapterOn = (filename: string) => new PrismaBetterSqlite3({ url: `file:${filename}`, timeout: 10_000 });

const target = prismaTarget('sqlite', {
  provider: 'sqlite',
  fixtures: () => fixturesOn(file),
  pool: () => ({ adapter: () => adapterOn(file), end: async () => undefined }),
}, 'main');

testLoader(target);
testPrisma(target);
testGenerated();

// The replica suite seeds the same tables on two databases: a file of its own for each fixtures,
// and each handle's clients on its fixtures' file.
const files: string[] = [];
process.on('exit', () => {
  for (const name of files) for (const suffix of ['', '-wal', '-shm']) rmSync(name + suffix, { force: true });
});
const fileOf = (f: Knex): string => (f.client.config.connection as { filename: string }).filename;
testReplicas(prismaTarget('sqlite', {
  provider: 'sqlite',
  fixtures: () => fixturesOn(files[files.push(join(tmpdir(), `cereal-prisma-${process.pid}-${files.length}.db`)) - 1]!),
  pool: (_options, f) => ({ adapter: () => adapterOn(fileOf(f)), end: async () => undefined }),
}, 'main'));
