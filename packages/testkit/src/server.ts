/**
 * What a database server adds to the loader suite: scale, key types the server is strict or
 * lenient about, isolation, and faults (a killed connection, a server that is down or hangs).
 * `testServer(target)` runs after `testLoader(target)` in each server's test file.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref, type ModelRef } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects } from './fixtures.js';
import { createOrders, useTables, type TablesContext } from './tables.js';
import { prepared, type ServerTarget, type TestedLoader } from './target.js';

type Tables = Record<'users' | 'orders' | 'codes' | 'ids', string>;

async function createServerTables(f: Knex, t: Tables): Promise<void> {
  await f.schema.createTable(t.users, (tb) => {
    tb.integer('id').primary();
    tb.string('name', 32);
  });
  await createOrders(f, t.orders);
  await f.schema.createTable(t.codes, (tb) => {
    tb.string('code', 40).primary();
    tb.integer('n');
  });
  await f.schema.createTable(t.ids, (tb) => {
    tb.uuid('id').primary();
    tb.string('label', 16);
  });
  await f.batchInsert(t.users, Array.from({ length: 50_000 }, (_, i) => ({ id: i + 1, name: `u${i + 1}` })), 5000);
  await f.batchInsert(t.orders, Array.from({ length: 30_000 }, (_, i) => ({ tenant_id: 1 + (i % 3), id: i + 1, total: i })), 5000);
  await f.batchInsert(t.codes, Array.from({ length: 20_000 }, (_, i) => ({ code: i === 0 ? 'ABC' : `code-${i}`, n: i })), 5000);
  await f(t.ids).insert({ id: '6f1c0a52-3b0e-4a47-9d8a-0c5f3f0e8a11', label: 'one' });
}

export function testServer<Db>(target: ServerTarget<Db>): void {
  const Server = suite<TablesContext<Db, Tables>>(`testServer(${target.name})`, {} as never);

  useTables(Server, target, 's', ['users', 'orders', 'codes', 'ids'], createServerTables);

  const loadersOf = (db: Db, t: Tables): Record<'users' | 'orders' | 'codes' | 'ids', TestedLoader> => ({
    users: target.loader(db, { table: t.users }),
    orders: target.loader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }),
    codes: target.loader(db, { table: t.codes, primaryKey: 'code' }),
    ids: target.loader(db, { table: t.ids }),
  });

  Server('100 000 refs over three models hydrate correctly, each model in few statements', async ({ db, t }) => {
    const loaders = await prepared(loadersOf(db, t));
    const users = Array.from({ length: 50_000 }, (_, i) => ref('users', i + 1));
    const orders = Array.from({ length: 30_000 }, (_, i) => ref('orders', [1 + (i % 3), i + 1]));
    const codes = Array.from({ length: 20_000 }, (_, i) => ref('codes', i === 0 ? 'ABC' : `code-${i}`));
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const [out, seen] = await target.watch(db, () => cereal.decode(cereal.encode({ users, orders, codes })));
    const value = out as Record<'users' | 'orders' | 'codes', Record<string, unknown>[]>;
    // Chunked under the server's parameter limits: 100 000 keys never take 100 000 statements.
    assert.ok(seen.statements >= 3 && seen.statements <= 30, `${seen.statements} statements`);
    assert.is(value.users.length, 50_000);
    assert.ok(value.users.every((row, i) => row.name === `u${i + 1}`));
    assert.ok(value.orders.every((row, i) => Number(row.id) === i + 1 && Number(row.tenant_id) === 1 + (i % 3)));
    assert.ok(value.codes.every((row, i) => Number(row.n) === i));
  });

  Server('a text key matches exactly: a ref to `abc` never gets the row `ABC`', async ({ db, t }) => {
    const { codes } = loadersOf(db, t);
    const err = await rejects(() => hydrate([ref('codes', 'abc'), ref('codes', 'ABC '), ref('codes', 'ABC')], { codes }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['codes:abc', 'codes:ABC ']);
    const out = await hydrate([ref('codes', 'ABC')], { codes });
    assert.is(Number((out[0] as unknown as { n: number }).n), 0);
  });

  Server('uuid keys load; a key that cannot exist is missing, not a failed statement', async ({ db, t }) => {
    const loaders = loadersOf(db, t);
    const out = await hydrate([ref('ids', '6f1c0a52-3b0e-4a47-9d8a-0c5f3f0e8a11')], loaders);
    assert.is((out[0] as unknown as { label: string }).label, 'one');
    // a uuid with one brace: PostgreSQL refuses it (the whole statement), where it names no row
    const bad: ModelRef[] = [ref('ids', 'not-a-uuid'), ref('ids', '{6f1c0a52-3b0e-4a47-9d8a-0c5f3f0e8a11'), ref('ids', '6f1c0a52-3b0e-4a47-9d8a-0c5f3f0e8a11}'), ref('users', 'abc'), ref('users', 2n ** 40n), ref('codes', 'nul\u0000byte')];
    const err = await rejects(() => hydrate([...bad, ref('users', 1)], loaders));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key).sort(), bad.map((r) => r.key).sort());
  });

  Server('an integer beyond a 32-bit key column\'s range is missing and never sent', async ({ db, t }) => {
    const loaders = await prepared(loadersOf(db, t));
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('users', 2 ** 31), ref('users', -(2 ** 31) - 1), ref('users', 1)], loaders)));
    assert.equal(err.refs?.map((r) => r.pk), [2 ** 31, -(2 ** 31) - 1]);
    assert.equal(seen.bindings.map(String), ['1']);
  });

  Server('a key column the driver returns as a Date or a Buffer (date, timestamp, binary) is INVALID_OPTION naming table, column and type', async ({ f, db, t }) => {
    const table = `${t.ids}_kinds`;
    await f.schema.createTable(table, (tb) => {
      tb.date('day');
      tb.timestamp('at');
      tb.dateTime('moment');
      tb.binary('bytes', 16);
    });
    try {
      for (const column of ['day', 'at', 'moment', 'bytes']) {
        const err = await rejects(() => hydrate([ref('x', '2026-01-01')], { x: target.loader(db, { table, primaryKey: column }) }));
        assert.is(err.code, 'INVALID_OPTION', err.message);
        assert.is(err.retryable, false);
        assert.ok(err.message.includes(`table \`${table}\``) && err.message.includes(`\`${column}\` of type `), err.message);
      }
    } finally {
      await f.schema.dropTableIfExists(table);
    }
  });

  Server('a key the server cannot read as a key column type bound as given (numeric) fails for good, never as a retryable load', async ({ f, db, t }) => {
    const table = `${t.ids}_numbers`;
    await f.schema.createTable(table, (tb) => {
      tb.decimal('n', 20, 0).primary();
    });
    try {
      await f(table).insert({ n: 42 });
      const numbers = target.loader(db, { table, primaryKey: 'n' });
      assert.is((await hydrate([ref('numbers', 42)], { numbers })).length, 1);
      const err = await rejects(() => hydrate([ref('numbers', 'not a number')], { numbers }));
      assert.ok(err.code === 'MISSING_ROW' || err.code === 'INVALID_REF', err.message);
      assert.is(err.retryable, false);
    } finally {
      await f.schema.dropTableIfExists(table);
    }
  });

  Server('two refs the server finds equal, sent in different statements, get their row once, never "two rows for one key"', async ({ db, t }) => {
    // `abc` and `ABC` under a case-insensitive collation (MariaDB's default), a statement each
    const codes = target.loader(db, { table: t.codes, primaryKey: 'code', chunkSize: 1 });
    const err = await rejects(() => hydrate([ref('codes', 'abc'), ref('codes', 'ABC')], { codes }));
    assert.is(err.code, 'MISSING_ROW', err.message);
    assert.equal(err.refs?.map((r) => r.key), ['codes:abc']);
  });

  Server('a numeric key and its wide twin (the plain and the exact statement) get their row once', async ({ f, db, t }) => {
    const table = `${t.ids}_numbers`;
    await f.schema.createTable(table, (tb) => {
      tb.decimal('n', 20, 0).primary();
    });
    try {
      await f(table).insert({ n: '9007199254740993' });
      const numbers = target.loader(db, { table, primaryKey: 'n' });
      // '…e0' is no wide key to the loader, but the server reads it as the same number
      const out = await hydrate([ref('numbers', '9007199254740993e0'), ref('numbers', '9007199254740993')], { numbers }, { missing: 'null' });
      assert.is(out[0], null);
      assert.is(String((out[1] as unknown as { n: unknown }).n), '9007199254740993');
    } finally {
      await f.schema.dropTableIfExists(table);
    }
  });

  Server('keys larger together than a statement may be (MySQL\'s max_allowed_packet) load in more statements, never a retryable failure', async ({ db, t }) => {
    const codes = await prepared({ codes: target.loader(db, { table: t.codes, primaryKey: 'code' }) });
    // 17 000 keys of 1 000 characters: 17 MB, more than MariaDB's default 16 MiB packet
    const long = Array.from({ length: 17_000 }, (_, i) => ref('codes', `${String(i).padStart(6, '0')}${"'".repeat(994)}`));
    const [out, seen] = await target.watch(db, () => hydrate([...long, ref('codes', 'ABC')], codes, { missing: 'null' }));
    assert.is(out.filter((row) => row === null).length, long.length);
    assert.is(Number((out.at(-1) as unknown as { n: unknown }).n), 0);
    assert.ok(seen.statements >= 1, `${seen.statements} statements`);
  });

  Server('a key the key column\'s character set cannot hold (latin1, utf8mb3 on MySQL) is missing, never a failed statement', async ({ f, db, t }) => {
    const mysql = /mysql/.test(String(f.client.config.client));
    const charsets = mysql ? ['latin1', 'utf8mb3'] : [undefined];
    for (const charset of charsets) {
      if (charset !== undefined) await f.raw(`alter table ?? modify code varchar(40) character set ${charset} not null`, [t.codes]);
      try {
        const codes = target.loader(db, { table: t.codes, primaryKey: 'code' });
        const out = await hydrate([ref('codes', 'ABC'), ref('codes', '中'), ref('codes', '😀'), ref('codes', ['\ud800'][0]!), ref('codes', 'é')], { codes }, { missing: 'null' });
        assert.is(Number((out[0] as unknown as { n: unknown }).n), 0, charset);
        assert.equal(out.slice(1), [null, null, null, null], charset);
      } finally {
        if (charset !== undefined) await f.raw('alter table ?? modify code varchar(40) character set utf8mb4 not null', [t.codes]);
      }
    }
  });

  Server('an open transaction\'s writes are seen through it and not through another connection', async ({ db, t }) => {
    await target.rollback(db, async (trx, insert) => {
      await insert(t.users, { id: 90_001, name: 'pending' });
      const inside = await hydrate([ref('users', 90_001)], { users: target.loader(trx, { table: t.users }) });
      assert.is((inside[0] as unknown as { name: string }).name, 'pending');
      const outside = await rejects(() => hydrate([ref('users', 90_001)], { users: target.loader(db, { table: t.users }) }));
      assert.is(outside.code, 'MISSING_ROW');
    });
  });

  Server.run();
}
