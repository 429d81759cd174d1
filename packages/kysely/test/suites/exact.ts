/**
 * Keys beyond 2^53. better-sqlite3 and mysql2 read integers as doubles, rounding those keys:
 * the loader reads them in statements of their own that also select the key columns as text,
 * and returns them as exact bigints. node-postgres reads int8 as text: exact already, as it is.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Kysely } from 'kysely';
import { hydrate, ref } from '@cereal/core';
import { prepared, useTables, type LoaderTarget, type TablesContext } from '@cereal/testkit';
import { kyselyLoader } from '../../src/index.js';
import { watch } from './target.js';

const A = 2n ** 62n;
const B = 2n ** 62n + 1n;
const NEGATIVE = -(2n ** 62n) - 3n;

type Tables = Record<'wide' | 'pair' | 'codes', string>;

/** @param splits - whether the driver rounds integers beyond 2^53 (SQLite, MySQL), or reads them as text (PostgreSQL) */
export function testExact(target: LoaderTarget<Kysely<any>>, splits: boolean): void {
  const Exact = suite<TablesContext<Kysely<any>, Tables>>(`kyselyLoader(${target.name}): keys beyond 2^53`, {} as never);
  useTables(Exact, target, 'e', ['wide', 'pair', 'codes'], async (f, t) => {
    await f.schema.createTable(t.wide, (tb) => {
      tb.bigInteger('id').primary();
      tb.integer('small');
    });
    await f(t.wide).insert([{ id: A, small: 7 }, { id: B, small: 8 }, { id: NEGATIVE, small: 9 }, { id: 5, small: 10 }]);
    await f.schema.createTable(t.pair, (tb) => {
      tb.bigInteger('a');
      tb.integer('b');
      tb.string('c', 8);
      tb.primary(['a', 'b']);
    });
    await f(t.pair).insert({ a: B, b: 1, c: 'x' });
    await f.schema.createTable(t.codes, (tb) => {
      tb.string('code', 40).primary();
      tb.string('label', 8);
    });
    await f(t.codes).insert({ code: String(B), label: 'wide' });
  });

  // As the driver returns a bigint column: exact bigints beyond 2^53 and numbers within it, or text.
  const expected = (v: bigint): unknown => (!splits ? String(v) : v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v));

  Exact(splits ? 'keys beyond 2^53 come back as exact bigints, in statements of their own; other keys as numbers' : 'keys beyond 2^53 come back as the driver reads int8, exact text, in one statement', async ({ db, t }) => {
    const wide = await prepared({ wide: kyselyLoader(db, { table: t.wide }) });
    const [rows, seen] = await watch(db, () => hydrate([ref('wide', A), ref('wide', String(B)), ref('wide', NEGATIVE), ref('wide', 5)], wide));
    const out = rows as unknown as Record<string, unknown>[];
    assert.equal(out.map((row) => row.id), [A, B, NEGATIVE, 5n].map(expected));
    assert.equal(out.map((row) => row.small), [7, 8, 9, 10]);
    assert.equal(Object.keys(out[0]!).sort(), ['id', 'small'], 'the text copies of the key never reach the row');
    assert.is(seen.statements, splits ? 2 : 1);
  });

  Exact('each part of a composite key comes back as exactly', async ({ db, t }) => {
    const [row] = (await hydrate([ref('pair', [B, 1])], { pair: kyselyLoader(db, { table: t.pair, primaryKey: ['a', 'b'] }) })) as unknown as Record<string, unknown>[];
    assert.equal(row, { a: expected(B), b: 1, c: 'x' });
  });

  Exact('a text key column holding digits beyond 2^53 stays text', async ({ db, t }) => {
    const [row] = (await hydrate([ref('codes', B)], { codes: kyselyLoader(db, { table: t.codes, primaryKey: 'code' }) })) as unknown as Record<string, unknown>[];
    assert.equal(row, { code: String(B), label: 'wide' });
  });

  if (splits) {
    Exact('without those statements the driver would have rounded the key (the reason they exist)', async ({ db, t }) => {
      const row = await db.selectFrom(t.wide).selectAll().where('small', '=', 8).executeTakeFirstOrThrow();
      assert.is(row.id, Number(B)); // 2^62 + 1 read as a double: 2^62
      assert.is.not(BigInt(row.id), B);
    });
  }

  Exact.run();
}
