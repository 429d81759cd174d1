/**
 * The loaders on a client as `prisma generate` makes it (test/fixtures, committed), not one the
 * suites build at run time: what an application does, typed end to end.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { createSerializer, hydrate, ref, type Ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects } from '@cereal/testkit';
import { prismaLoader, prismaLoaders } from '../../src/index.js';
import { PrismaClient } from '../fixtures/client/client.js';

interface Context {
  f: Knex;
  prisma: PrismaClient;
}

export function testGenerated(): void {
  const file = join(tmpdir(), `cereal-prisma-generated-${process.pid}.db`);
  const Generated = suite<Context>('prismaLoaders(generated client)', {} as never);

  Generated.before(async (ctx) => {
    ctx.f = knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true });
    await ctx.f.schema.createTable('cereal_fixture_users', (tb) => {
      tb.integer('id').primary();
      tb.string('name');
      tb.string('email').unique();
      tb.timestamp('deleted_at').nullable();
    });
    await ctx.f.schema.createTable('cereal_fixture_order_lines', (tb) => {
      tb.integer('order_id');
      tb.integer('line');
      tb.string('sku');
      tb.primary(['order_id', 'line']);
    });
    await ctx.f('cereal_fixture_users').insert([
      { id: 1, name: 'Ada', email: 'ada@example.com' },
      { id: 2, name: 'Grace', email: 'grace@example.com', deleted_at: new Date('2026-01-01T00:00:00Z') },
    ]);
    await ctx.f('cereal_fixture_order_lines').insert([{ order_id: 7, line: 1, sku: 'tea' }, { order_id: 7, line: 2, sku: 'milk' }]);
    ctx.prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
  });

  Generated.after(async ({ f, prisma }) => {
    await prisma.$disconnect();
    await f.destroy();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  });

  Generated('keys from the schema (@id, @@id with @map), rows as the models, a payload round trip', async ({ prisma }) => {
    const loaders = prismaLoaders(prisma, { users: 'user', lines: 'orderLine' });
    assert.equal(loaders.lines.primaryKey, ['orderId', 'line']);
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const wire = cereal.encode<{ user: Ref<'users'>; line: Ref<'lines'> }>({ user: ref('users', 1), line: ref('lines', [7, 2]) });
    const { user, line } = await cereal.decode(wire);
    assert.equal(user, { id: 1, name: 'Ada', email: 'ada@example.com', deletedAt: null });
    assert.is(line.sku, 'milk');
    assert.is(cereal.encode({ user }).byteLength, cereal.encode({ user: ref('users', 1) }).byteLength, 'a loaded row travels as its ref');
  });

  Generated('a @unique field as the key; a scope of the model', async ({ prisma }) => {
    const byEmail = { users: prismaLoader(prisma, { model: 'user', primaryKey: 'email', scope: { deletedAt: null } }) };
    const [ada] = await hydrate([ref('users', 'ada@example.com')], byEmail);
    assert.is(ada?.name, 'Ada');
    const err = await rejects(() => hydrate([ref('users', 'grace@example.com')], byEmail));
    assert.is(err.code, 'MISSING_ROW');
  });

  Generated('an interactive transaction\'s client sees its own writes', async ({ prisma }) => {
    let seen: string | undefined;
    await prisma
      .$transaction(async (tx) => {
        await tx.user.create({ data: { id: 3, name: 'Edsger', email: 'edsger@example.com' } });
        const [row] = await hydrate([ref('users', 3)], prismaLoaders(tx, { users: 'user' }));
        seen = row?.name;
        throw new Error('rollback');
      })
      .catch((err: Error) => assert.is(err.message, 'rollback'));
    assert.is(seen, 'Edsger');
    assert.is((await rejects(() => hydrate([ref('users', 3)], prismaLoaders(prisma, { users: 'user' })))).code, 'MISSING_ROW');
  });

  Generated.run();
}
