/**
 * PostgreSQL's fast path (CEREAL_PG_URL): one key column is read with `= any($1)`, the keys
 * bound as one array, whatever their type and however many (node-postgres reads bigint columns
 * as text, so keys beyond 2^53 need no exact path); composite keys are read with
 * `(a, b) in (select * from unnest($1::integer[], $2::text[]))`, an array per key column.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { createSerializer, hydrate, ref, type CerealError } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoaders } from '../src/index.js';

const url = process.env.CEREAL_PG_URL;

if (!url) {
  console.log('\n  !! SKIPPED: the PostgreSQL = any($1) suite did not run. Set CEREAL_PG_URL to run it.\n');
} else {
  const Any = suite<{ db: Knex; t: string }>('knex/PostgreSQL: = any($1)', {} as never);
  Any.before(async (ctx) => {
    ctx.db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
    ctx.t = `cereal_any_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await ctx.db.schema.createTable(`${ctx.t}_n`, (tb) => {
      tb.bigInteger('id').primary();
      tb.string('name');
    });
    await ctx.db.schema.createTable(`${ctx.t}_s`, (tb) => {
      tb.string('code').primary();
    });
    await ctx.db.schema.createTable(`${ctx.t}_u`, (tb) => {
      tb.uuid('id').primary();
    });
    await ctx.db.schema.createTable(`${ctx.t}_c`, (tb) => {
      tb.integer('a');
      tb.integer('b');
      tb.primary(['a', 'b']);
    });
    for (let i = 0; i < 10_000; i += 2000) await ctx.db(`${ctx.t}_n`).insert(Array.from({ length: 2000 }, (_, k) => ({ id: i + k + 1, name: `n${i + k + 1}` })));
    await ctx.db(`${ctx.t}_n`).insert({ id: (2n ** 60n).toString(), name: 'wide' });
    await ctx.db(`${ctx.t}_s`).insert(['a,b', 'say "hi"', '{x}', 'back\\slash', 'NULL', ''].map((code) => ({ code })));
    await ctx.db(`${ctx.t}_u`).insert({ id: '9f1c2d1e-6a4b-4c55-9a10-3b7e2f4d8c01' });
    await ctx.db(`${ctx.t}_c`).insert([{ a: 1, b: 2 }]);
    await ctx.db.schema.createTable(`${ctx.t}_m`, (tb) => {
      tb.bigInteger('shop');
      tb.string('code', 32);
      tb.integer('n');
      tb.primary(['shop', 'code']);
    });
    for (let i = 0; i < 5000; i += 1000) await ctx.db(`${ctx.t}_m`).insert(Array.from({ length: 1000 }, (_, k) => ({ shop: (i + k) % 7, code: `c${i + k}`, n: i + k })));
    await ctx.db(`${ctx.t}_m`).insert(['a,b', 'say "hi"', '{x}', 'back\\slash', 'NULL', '', '(1,2)', 'ü€😀'].map((code, n) => ({ shop: (2n ** 60n).toString(), code, n: -1 - n })));
  });
  Any.after(async ({ db, t }) => {
    for (const s of ['n', 's', 'u', 'c', 'm', 'd', 'e']) await db.schema.dropTableIfExists(`${t}_${s}`);
    await db.raw(`drop domain if exists ${t}_posint; drop type if exists ${t}_mood`);
    await db.destroy();
  });

  const watch = async <T>(db: Knex, fn: () => Promise<T>): Promise<[T, { sql: string; bindings: unknown[] }[]]> => {
    const seen: { sql: string; bindings: unknown[] }[] = [];
    const on = (q: { sql: string; bindings?: unknown[] }) => void seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    db.on('query', on);
    try {
      return [await fn(), seen];
    } finally {
      db.off('query', on);
    }
  };

  Any('10 000 integer keys: one statement, `= any($1)` with one array parameter', async ({ db, t }) => {
    const loaders = knexLoaders(db, { n: `${t}_n` });
    await loaders.n.prepare?.();
    const [rows, seen] = await watch(db, () => hydrate(Array.from({ length: 10_000 }, (_, i) => ref('n', i + 1)), loaders));
    assert.is((rows as { name: string }[])[9999]!.name, 'n10000');
    assert.is(seen.length, 1);
    assert.match(seen[0]!.sql, /"id" = any\(\$1\)$/);
    assert.is(seen[0]!.bindings.length, 1);
    assert.is((seen[0]!.bindings[0] as unknown[]).length, 10_000);
  });

  Any('text keys with commas, quotes, braces, backslashes, NULL and the empty string; uuid keys: each matches its own row', async ({ db, t }) => {
    const loaders = knexLoaders(db, { s: { table: `${t}_s`, primaryKey: 'code' }, u: `${t}_u` });
    const codes = ['a,b', 'say "hi"', '{x}', 'back\\slash', 'NULL', ''];
    const [rows, seen] = await watch(db, () => hydrate([...codes.map((c) => ref('s', c)), ref('u', '9f1c2d1e-6a4b-4c55-9a10-3b7e2f4d8c01')], loaders));
    assert.equal((rows as { code?: string }[]).slice(0, 6).map((r) => r.code), codes);
    const selects = seen.filter((s) => !s.sql.includes('pg_attribute')); // the catalog reads come first
    assert.is(selects.length, 2);
    assert.ok(selects.every((s) => /= any\(\$1\)$/.test(s.sql)), selects.map((s) => s.sql).join('\n'));
  });

  Any('a bigint key beyond 2^53 goes in the array exactly; composite keys go through unnest', async ({ db, t }) => {
    const loaders = knexLoaders(db, { n: `${t}_n`, c: { table: `${t}_c`, primaryKey: ['a', 'b'] } });
    const [rows, seen] = await watch(db, () => hydrate([ref('c', [1, 2]), ref('n', 2n ** 60n), ref('n', 5)], loaders));
    assert.is((rows as { name?: string }[])[1]!.name, 'wide');
    assert.equal((rows as { a?: number; b?: number }[])[0], { a: 1, b: 2 });
    const composite = seen.find((s) => s.sql.includes('"a"') && !s.sql.includes('pg_attribute'));
    assert.match(composite!.sql, /\("a", "b"\) in \(select \* from unnest\(\$1::integer\[\], \$2::integer\[\]\)\)$/);
    assert.equal(composite!.bindings, [[1], [2]]);
    assert.ok(seen.some((s) => /"id" = any\(\$1\)$/.test(s.sql) && (s.bindings[0] as unknown[]).some((k) => String(k) === String(2n ** 60n))), 'the wide key, exact, in the array');
  });

  Any('composite keys: 5000 of them in 3 statements of two array parameters; text parts of every kind, a bigint part beyond 2^53, missing keys', async ({ db, t }) => {
    const loaders = knexLoaders(db, { m: { table: `${t}_m`, primaryKey: ['shop', 'code'] } });
    await loaders.m.prepare?.();
    const keys = Array.from({ length: 5000 }, (_, i) => ref('m', [(i % 7), `c${i}`]));
    const [rows, seen] = await watch(db, () => hydrate(keys, loaders));
    assert.equal((rows as { n: number }[]).map((r) => r.n), keys.map((_, i) => i));
    assert.is(seen.length, 3); // chunks of 2000 (the chunk size a list of row values needs; unnest keeps it)
    for (const s of seen) {
      assert.match(s.sql, /\("shop", "code"\) in \(select \* from unnest\(\$1::bigint\[\], \$2::character varying\[\]\)\)$/);
      assert.is(s.bindings.length, 2);
    }
    const codes = ['a,b', 'say "hi"', '{x}', 'back\\slash', 'NULL', '', '(1,2)', 'ü€😀'];
    const odd = await hydrate([...codes.map((code) => ref('m', [2n ** 60n, code])), ref('m', [2n ** 60n, 'none']), ref('m', [1, 'a,b'])], loaders, { missing: 'null' });
    assert.equal((odd as ({ n: number } | null)[]).map((r) => r?.n ?? null), [...codes.map((_, n) => -1 - n), null, null]);
    assert.is(String((odd as { shop: unknown }[])[0]!.shop), String(2n ** 60n));
  });

  Any('composite keys on a domain with a check and on an enum: a key the check or the enum refuses names no row, or fails only its own decode', async ({ db, t }) => {
    await db.raw(`create domain ${t}_posint as integer check (value > 0); create type ${t}_mood as enum ('happy', 'sad')`);
    await db.raw(`create table ${t}_d (a ${t}_posint, b text, primary key (a, b)); insert into ${t}_d values (1, 'x'), (2, 'y')`);
    await db.raw(`create table ${t}_e (m ${t}_mood, n integer, primary key (m, n)); insert into ${t}_e values ('happy', 1), ('sad', 2)`);
    const loaders = knexLoaders(db, { d: { table: `${t}_d`, primaryKey: ['a', 'b'] }, e: { table: `${t}_e`, primaryKey: ['m', 'n'] } });
    const [rows, seen] = await watch(db, () => hydrate([ref('d', [1, 'x']), ref('d', [-1, 'x']), ref('d', [2, 'y'])], loaders, { missing: 'null' }));
    assert.equal((rows as ({ b: string } | null)[]).map((r) => r?.b ?? null), ['x', null, 'y']);
    assert.match(seen.find((s) => s.sql.includes('unnest'))!.sql, /unnest\(\$1::integer\[\], \$2::text\[\]\)/, 'cast to the domain\'s base type');
    const cereal = createSerializer({ format: msgpackFormat(), loaders, coalesce: { window: 50 } });
    const results = await Promise.allSettled([['happy', 1], ['angry', 1], ['sad', 2]].map((pk) => cereal.decode(cereal.encode({ e: ref('e', pk as [string, number]) }))));
    assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((results[0] as PromiseFulfilledResult<{ e: unknown }>).value.e, { m: 'happy', n: 1 });
    const err = (results[1] as PromiseRejectedResult).reason as CerealError;
    assert.is(err.code, 'INVALID_REF');
    assert.equal(err.refs?.map((r) => r.key), ['e:angry,1']);
  });

  Any.run();
}
