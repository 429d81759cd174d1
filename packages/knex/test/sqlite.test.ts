import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { hydrate, ref } from '@cereal/core';
import { knexLoader } from '../src/index.js';
import { rejects, testLoader, testReplicas } from '@cereal/testkit';
import { testKnex } from './suites/knex.js';
import { knexTarget } from './suites/target.js';

const connect = (): Knex => knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });

const target = knexTarget('sqlite', connect, 'main');
testLoader(target);
testKnex(target);
testReplicas(target);

// ---

const Sqlite = suite<{ db: Knex }>('knexLoader(sqlite)', {} as never);

Sqlite.before(async (ctx) => {
  ctx.db = connect();
  await ctx.db.schema.createTable('wide', (t) => {
    t.bigInteger('id').primary();
    t.integer('small');
    t.bigInteger('huge');
  });
  await ctx.db('wide').insert([{ id: 2n ** 62n, small: 7, huge: 2n ** 60n + 1n }, { id: 2n ** 62n + 1n, small: 8, huge: 3 }]);
  await ctx.db.schema.createTable('pair', (t) => {
    t.bigInteger('a');
    t.integer('b');
    t.string('c');
    t.primary(['a', 'b']);
  });
  await ctx.db('pair').insert({ a: 2n ** 62n + 1n, b: 1, c: 'x' });
});

Sqlite.after(({ db }) => db.destroy());

Sqlite('takes up to 32766 parameters per statement, less room for the scope', ({ db }) => {
  assert.is(knexLoader(db, { table: 'wide' }).chunkSize, 32666);
  assert.is(knexLoader(db, { table: 'wide', primaryKey: ['a', 'b'] }).chunkSize, 16333);
});

Sqlite('wide keys come back as exact bigints, other integer columns as numbers when they fit', async ({ db }) => {
  const [a, b] = (await hydrate([ref('wide', 2n ** 62n), ref('wide', 2n ** 62n + 1n)], { wide: knexLoader(db, { table: 'wide' }) })) as unknown as Record<string, unknown>[];
  assert.is(a!.id, 2n ** 62n);
  assert.is(b!.id, 2n ** 62n + 1n);
  assert.is(a!.small, 7);
  assert.is(a!.huge, 2n ** 60n + 1n);
  assert.is(b!.huge, 3);
});

Sqlite('without exact statements, better-sqlite3 would have rounded the key (the reason they exist)', async ({ db }) => {
  const [row] = await db('wide').where('small', 8);
  assert.is(row.id, 2 ** 62); // the driver's default: 2^62 + 1 read as a double
});

Sqlite('on the exact path only values beyond 2^53 stay bigints, key parts included', async ({ db }) => {
  const [row] = (await hydrate([ref('pair', [2n ** 62n + 1n, 1])], { pair: knexLoader(db, { table: 'pair', primaryKey: ['a', 'b'] }) })) as unknown as Record<string, unknown>[];
  assert.equal(row, { a: 2n ** 62n + 1n, b: 1, c: 'x' });
});

Sqlite('keys no integer column can hold, or text that reads as one, are missing rows, never a failed load', async ({ db }) => {
  const wide = { wide: knexLoader(db, { table: 'wide' }) };
  for (const pk of [2n ** 64n, -(2n ** 70n), ` +${2n ** 62n + 1n}`, `${2n ** 62n + 1n}.0`, `+${2n ** 62n}`]) {
    const err = await rejects(() => hydrate([ref('wide', pk), ref('wide', 2n ** 62n)], wide));
    assert.is(err.code, 'MISSING_ROW', `${String(pk)}: ${err.message}`);
    assert.equal(err.refs?.map((r) => r.pk), [pk]);
  }
});

Sqlite('key columns bind by SQLite affinity: a declared type with INT takes integer keys, one with CHAR, CLOB or TEXT text keys, others as given', async ({ db }) => {
  await db.raw('create table affinity (i "UNSIGNED BIG INT", c "NATIVE CHARACTER(70)", l CLOB, n DECIMAL(10,0))');
  await db('affinity').insert({ i: 42, c: '42', l: '42', n: 42 });
  try {
    for (const column of ['i', 'c', 'l', 'n']) {
      const loaders = { affinity: knexLoader(db, { table: 'affinity', primaryKey: column }) };
      for (const pk of [42, 42n, '42']) assert.is((await hydrate([ref('affinity', pk)], loaders)).length, 1, `${column}: ${typeof pk}`);
    }
    const err = await rejects(() => hydrate([ref('affinity', '042'), ref('affinity', ' 42')], { affinity: knexLoader(db, { table: 'affinity', primaryKey: 'i' }) }));
    assert.is(err.refs?.length, 2);
  } finally {
    await db.schema.dropTableIfExists('affinity');
  }
});

Sqlite.run();
