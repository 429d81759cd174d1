/**
 * The loader suite's keys: bound as their column's type, one key is one row on every database;
 * what a loader reads about its table, and what it refuses.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, hydrate, ref } from '@cereal/core';
import { rejects } from './fixtures.js';
import { prepared, type LoaderTarget } from './target.js';
import { useTables, type TablesContext } from './tables.js';

/** Keys are bound as their column's type: one key is one row on every database. */
export function testKeys<Db>(target: LoaderTarget<Db>): void {
  const Keys = suite<TablesContext<Db>>(`testLoader(${target.name}): keys`, {} as never);
  useTables(Keys, target, 'k');
  const load = (db: Db, spec: Parameters<typeof target.loader>[1]) => target.loader(db, spec);

  Keys('a number, a bigint and a text key name the same text key: 42, 42n and \'42\' all find the row \'42\'', async ({ db, t }) => {
    const codes = { codes: load(db, { table: t.codes, primaryKey: 'code' }) };
    for (const pk of [42, 42n, '42']) {
      const [row] = (await hydrate([ref('codes', pk)], codes)) as unknown as { label: string }[];
      assert.is(row?.label, 'digits', `${typeof pk} ${String(pk)}`);
    }
  });

  Keys('a text key column gets every key part as text, a bigint beyond 2^53 or 2^64 as its decimal digits', async ({ db, t }) => {
    const codes = await prepared({ codes: load(db, { table: t.codes, primaryKey: 'code' }) });
    const [[wide, huge], seen] = await target.watch(db, () => hydrate([ref('codes', 2n ** 62n + 1n), ref('codes', 2n ** 65n)], codes));
    assert.equal([wide, huge].map((row) => (row as unknown as { label: string }).label), ['wide', 'huge']);
    assert.ok(seen.bindings.every((value) => typeof value === 'string'), String(seen.bindings));
  });

  Keys('a number key on a text key column never matches other text: ref(codes, 0) is missing and reads no row', async ({ db, t }) => {
    const codes = await prepared({ codes: load(db, { table: t.codes, primaryKey: 'code' }) });
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('codes', 0)], codes)));
    assert.is(err.code, 'MISSING_ROW');
    assert.is(seen.rows, 0);
  });

  Keys('on an integer key column, text that is not a canonical integer names no row and is never sent', async ({ db, t }) => {
    const users = await prepared({ users: load(db, { table: t.users }) });
    const bad = ['abc', '042', '1e3', '0x10', ' 1', '1 ', '+1', '-0', '1.0', ''];
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('users', '2'), ...bad.map((pk) => ref('users', pk))], users)));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.pk), bad);
    assert.equal(seen.bindings.map(String), ['2']); // bound as its column's type; a number or a bigint alike
  });

  Keys('integers no integer key column can hold are missing and never sent', async ({ db, t }) => {
    const users = await prepared({ users: load(db, { table: t.users }) });
    const bad = [2n ** 63n, -(2n ** 63n) - 1n, String(2n ** 64n)];
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('users', 1), ...bad.map((pk) => ref('users', pk))], users)));
    assert.equal(err.refs?.map((r) => r.pk), bad);
    assert.equal(seen.bindings.map(String), ['1']);
  });

  Keys('each part of a composite key is bound as its own column\'s type', async ({ db, t }) => {
    const pairs = await prepared({ pairs: load(db, { table: t.pairs, primaryKey: ['tenant_id', 'code'] }) });
    const [rows] = (await hydrate([[ref('pairs', ['7', 42]), ref('pairs', [8n, 'abc'])]], pairs)) as unknown as { label: string }[][];
    assert.equal(rows?.map((row) => row.label), ['seven', 'eight']);
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('pairs', ['x', '42']), ref('pairs', [7, 0])], pairs)));
    assert.equal(err.refs?.map((r) => r.key), ['pairs:x,42', 'pairs:7,0']);
    assert.equal(seen.bindings.map((b) => `${typeof b === 'string' ? 'text' : 'integer'} ${String(b)}`), ['integer 7', 'text 0']);
  });

  Keys('a schema-qualified table (`schema.table`) has its key types read too: a bad key is missing, not a failed load', async ({ db, t }) => {
    const users = { users: load(db, { table: `${target.schema}.${t.users}` }) };
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 'abc'), ref('users', 2n ** 63n)], users));
    assert.is(err.code, 'MISSING_ROW', err.message);
    assert.equal(err.refs?.map((r) => r.key), ['users:abc', `users:${2n ** 63n}`]);
  });

  Keys('a table that does not exist is INVALID_OPTION naming it, with no key statement', async ({ db, t }) => {
    const table = `${t.users}_nope`;
    const nope = load(db, { table });
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('nope', 1)], { nope })));
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.retryable, false);
    assert.ok(err.message.includes(`table \`${table}\``), err.message);
    assert.ok(seen.bindings.every((value) => value !== 1), 'no statement asked for the key');
  });

  Keys('a key column the table does not have is INVALID_OPTION naming the table and the column', async ({ db, t }) => {
    const err = await rejects(() => hydrate([ref('users', 1)], { users: load(db, { table: t.users, primaryKey: 'uid' }) }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.ok(err.message.includes(`table \`${t.users}\``) && err.message.includes('`uid`'), err.message);
  });

  Keys('a key column named in another case than the table spells it (`ID` for `id`) loads, or is INVALID_OPTION naming the table: never rows without a usable key', async ({ db, t }) => {
    const outcome = await Promise.resolve()
      .then(() => hydrate([ref('users', 1)], { users: load(db, { table: t.users, primaryKey: 'ID' }) }))
      .catch((err: unknown) => err);
    if (outcome instanceof CerealError) {
      assert.is(outcome.code, 'INVALID_OPTION', outcome.message);
      assert.ok(outcome.message.includes(`\`${t.users}\``), outcome.message);
    } else {
      assert.is((outcome as { name?: unknown }[])[0]?.name, 'Ada'); // a database that ignores the case of column names
    }
  });

  Keys.run();
}
