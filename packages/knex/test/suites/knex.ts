/**
 * What the Knex loader adds to the testkit's suites, on every database: `knexLoaders`,
 * `chunkSize`, `scope`, `prepare()` and its options.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { prepared, rejects, useTables, type LoaderTarget, type TablesContext } from '@cereal/testkit';
import { knexLoader, knexLoaders, type KnexLoader } from '../../src/index.js';
import { watch } from './target.js';

export function testKnex(target: LoaderTarget<Knex>): void {
  const Knexes = suite<TablesContext<Knex>>(`knexLoader(${target.name})`, {} as never);
  useTables(Knexes, target, 'x');

  Knexes('knexLoaders maps model names to tables: one statement per model', async ({ db, t }) => {
    const loaders = await prepared(knexLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] } }) as Record<string, KnexLoader>);
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const [out, seen] = await watch(db, () => cereal.decode(cereal.encode({ u: ref('users', 2), o: ref('orders', [7, 1001]) })));
    assert.equal([out.u.name, out.o.total], ['Grace', 5]);
    assert.is(seen.statements, 2);
  });

  Knexes('scope hides rows: a soft-deleted row is missing', async ({ db, t }) => {
    const users = knexLoader(db, { table: t.users, scope: (q) => q.whereNull('deleted_at') });
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 3)], { users }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['users:3']);
    const out = await hydrate([ref('users', 1), ref('users', 3)], { users }, { missing: 'null' });
    assert.is(out[1], null);
  });

  Knexes('a scope with orWhere cannot escape the key filter: it reads only the requested keys', async ({ db, t }) => {
    const scope = (q: Knex.QueryBuilder): Knex.QueryBuilder => q.where('visits', '>', 100).orWhere('name', 'Grace').orWhere('name', 'Ada');
    const users = await prepared({ users: knexLoader(db, { table: t.users, scope }) });
    const [out, seen] = await watch(db, () => hydrate([ref('users', 1), ref('users', 3)], users, { missing: 'null' }));
    assert.is((out[0] as unknown as { name: string }).name, 'Ada');
    assert.is(out[1], null);
    assert.is(seen.rows, 1);
  });

  Knexes('a scope that adds anything a where group cannot hold (join, select, order, limit, lock) is INVALID_OPTION naming the table, not dropped', async ({ db, t }) => {
    const scopes: Record<string, (q: Knex.QueryBuilder) => Knex.QueryBuilder> = {
      join: (q) => q.join(t.orders, `${t.orders}.id`, `${t.users}.id`),
      select: (q) => q.select('name'),
      order: (q) => q.orderBy('name'),
      limit: (q) => q.where('visits', '>', 0).limit(1),
      lock: (q) => q.forUpdate(),
      other: (q) => q.clone().whereNull('deleted_at'),
    };
    for (const [what, scope] of Object.entries(scopes)) {
      const err = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: t.users, scope }) }));
      assert.is(err.code, 'INVALID_OPTION', `${what}: ${err.message}`);
      assert.ok(err.message.includes(`table \`${t.users}\``), err.message);
    }
  });

  Knexes('prepare() reads the table once, early: a table that does not exist is INVALID_OPTION there', async ({ db, t }) => {
    const nope = knexLoader(db, { table: `${t.users}_nope` });
    const err = await rejects(() => nope.prepare());
    assert.is(err.code, 'INVALID_OPTION');
    const users = knexLoader(db, { table: t.users });
    await users.prepare();
    const [, seen] = await watch(db, () => users.load([1]));
    assert.is(seen.statements, 1, 'the column types are not read again');
  });

  Knexes('bad options are INVALID_OPTION', async ({ db, t }) => {
    const cases = [
      () => knexLoader({} as never, { table: t.users }),
      () => knexLoader(db, { table: '' }),
      () => knexLoader(db, { table: t.users, primaryKey: [] }),
      () => knexLoader(db, { table: t.users, chunkSize: 0 }),
      () => knexLoader(db, { table: t.users, chunkSize: 1e9 }),
      () => knexLoader(db, { table: t.users, scope: 'deleted_at is null' as never }),
      () => knexLoaders(db, null as never),
    ];
    for (const make of cases) assert.is((await rejects(make)).code, 'INVALID_OPTION');
  });

  Knexes.run();
}
