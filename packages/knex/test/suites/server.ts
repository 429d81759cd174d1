/**
 * What a database server adds to the loader suite: scale, key types the server is strict or
 * lenient about, isolation, and faults (a killed connection, a server that is down or hangs).
 * `testServer(target)` runs after `testLoader(target)` in each server's test file.
 */
import { createServer, type Server } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { createSerializer, hydrate, ref, type ModelRef } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoader, knexLoaders, type KnexLoader } from '../../src/index.js';
import { countQueries, rejects, testLoader, type LoaderTarget } from './loader.js';

export interface ServerTarget extends LoaderTarget {
  /** A Knex instance with `options` merged into its config (pool size, timeouts, another port). */
  connectWith(options: Partial<Knex.Config> & { port?: number }): Knex;
  /** The server's id of the connection `db` runs on (its pool must hold one connection). */
  connectionId(db: Knex): Promise<number>;
  /** Kills that connection from another one, as an administrator or the server would. */
  kill(admin: Knex, id: number): Promise<void>;
}

/** Fails instead of hanging: rejects when `promise` has not settled after `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: it hangs`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

export function testServer(target: ServerTarget): void {
  type Ctx = { db: Knex; t: Record<'users' | 'orders' | 'codes' | 'ids', string> };
  const Server = suite<Ctx>(`testServer(${target.name})`, {} as never);
  const prefix = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8)}_s`;

  Server.before(async (ctx) => {
    ctx.db = target.connect();
    ctx.t = { users: `${prefix}_users`, orders: `${prefix}_orders`, codes: `${prefix}_codes`, ids: `${prefix}_ids` };
    const { db, t } = ctx;
    await db.schema.createTable(t.users, (tb) => {
      tb.integer('id').primary();
      tb.string('name', 32);
    });
    await db.schema.createTable(t.orders, (tb) => {
      tb.integer('tenant_id');
      tb.integer('id');
      tb.integer('total');
      tb.primary(['tenant_id', 'id']);
    });
    await db.schema.createTable(t.codes, (tb) => {
      tb.string('code', 40).primary();
      tb.integer('n');
    });
    await db.schema.createTable(t.ids, (tb) => {
      tb.uuid('id').primary();
      tb.string('label', 16);
    });
    await db.batchInsert(t.users, Array.from({ length: 50_000 }, (_, i) => ({ id: i + 1, name: `u${i + 1}` })), 5000);
    await db.batchInsert(t.orders, Array.from({ length: 30_000 }, (_, i) => ({ tenant_id: 1 + (i % 3), id: i + 1, total: i })), 5000);
    await db.batchInsert(t.codes, Array.from({ length: 20_000 }, (_, i) => ({ code: i === 0 ? 'ABC' : `code-${i}`, n: i })), 5000);
    await db(t.ids).insert({ id: '6f1c0a52-3b0e-4a47-9d8a-0c5f3f0e8a11', label: 'one' });
  });

  Server.after(async ({ db, t }) => {
    for (const table of Object.values(t)) await db.schema.dropTableIfExists(table);
    await db.destroy();
  });

  const loadersOf = (db: Knex, t: Ctx['t']) =>
    knexLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] }, codes: { table: t.codes, primaryKey: 'code' }, ids: t.ids });

  Server('100 000 refs over three models hydrate correctly, in ⌈n / chunk⌉ statements per model', async ({ db, t }) => {
    const loaders = loadersOf(db, t);
    for (const loader of Object.values(loaders)) await (loader as KnexLoader).prepare();
    const users = Array.from({ length: 50_000 }, (_, i) => ref('users', i + 1));
    const orders = Array.from({ length: 30_000 }, (_, i) => ref('orders', [1 + (i % 3), i + 1]));
    const codes = Array.from({ length: 20_000 }, (_, i) => ref('codes', i === 0 ? 'ABC' : `code-${i}`));
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const wire = cereal.encode({ users, orders, codes });
    const [out, queries] = await countQueries(db, () => cereal.decode(wire));
    const value = out as Record<'users' | 'orders' | 'codes', Record<string, unknown>[]>;
    const chunks = (n: number, model: string) => Math.ceil(n / (loaders[model] as KnexLoader).chunkSize);
    assert.is(queries, chunks(50_000, 'users') + chunks(30_000, 'orders') + chunks(20_000, 'codes'));
    assert.is(value.users.length, 50_000);
    assert.ok(value.users.every((row, i) => row.name === `u${i + 1}`));
    assert.ok(value.orders.every((row, i) => Number(row.id) === i + 1 && Number(row.tenant_id) === 1 + (i % 3)));
    assert.ok(value.codes.every((row, i) => Number(row.n) === i));
  });

  Server('a text key matches exactly: a ref to `abc` never gets the row `ABC`', async ({ db, t }) => {
    const codes = knexLoader(db, { table: t.codes, primaryKey: 'code' });
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
    const bad: ModelRef[] = [ref('ids', 'not-a-uuid'), ref('users', 'abc'), ref('users', 2n ** 40n), ref('codes', 'nul\u0000byte')];
    const err = await rejects(() => hydrate([...bad, ref('users', 1)], loaders));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key).sort(), bad.map((r) => r.key).sort());
  });

  Server('a key the server cannot read as its column type (a date) fails for good, never as a retryable load', async ({ db, t }) => {
    const table = `${t.ids}_dates`;
    await db.schema.createTable(table, (tb) => {
      tb.date('day').primary();
      tb.string('label', 16);
    });
    try {
      await db(table).insert({ day: '2026-11-27', label: 'today' });
      const days = knexLoader(db, { table, primaryKey: 'day' });
      const err = await rejects(() => hydrate([ref('days', 'not a date')], { days }));
      assert.ok(err.code === 'MISSING_ROW' || err.code === 'INVALID_REF', err.message);
      assert.is(err.retryable, false);
    } finally {
      await db.schema.dropTableIfExists(table);
    }
  });

  Server('an open transaction\'s writes are seen through it and not through another connection', async ({ db, t }) => {
    const rollback = new Error('rollback');
    await db.transaction(async (trx) => {
      await trx(t.users).insert({ id: 90_001, name: 'pending' });
      const inside = await hydrate([ref('users', 90_001)], { users: knexLoader(trx, { table: t.users }) });
      assert.is((inside[0] as unknown as { name: string }).name, 'pending');
      const outside = await rejects(() => hydrate([ref('users', 90_001)], { users: knexLoader(db, { table: t.users }) }));
      assert.is(outside.code, 'MISSING_ROW');
      throw rollback;
    }).catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
  });

  Server('a connection killed between two decodes: the next decode succeeds', async ({ t }) => {
    const db = target.connectWith({ pool: { min: 1, max: 1 } });
    const admin = target.connect();
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: loadersOf(db, t) });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      assert.is(((await cereal.decode(wire)) as { name: string }[])[0]?.name, 'u1');
      const id = await target.connectionId(db);
      await target.kill(admin, id);
      const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
      assert.is(again[1]?.name, 'u2');
      assert.is.not(await target.connectionId(db), id);
    } finally {
      await admin.destroy();
      await db.destroy();
    }
  });

  Server('a connection killed inside a transaction is LOAD_FAILED and retryable, never MISSING_ROW', async ({ db, t }) => {
    const admin = target.connect();
    try {
      let failure: { code?: string; retryable?: boolean } | undefined;
      await db.transaction(async (trx) => {
        await target.kill(admin, await target.connectionId(trx));
        failure = await rejects(() => within(20_000, hydrate([ref('users', 1)], { users: knexLoader(trx, { table: t.users }) })));
      }).catch(() => undefined); // the transaction itself cannot commit on a dead connection
      assert.is(failure?.code, 'LOAD_FAILED');
      assert.is(failure?.retryable, true);
    } finally {
      await admin.destroy();
    }
  });

  Server('a server that refuses connections is LOAD_FAILED, retryable, with the driver error, promptly', async ({ t }) => {
    const db = target.connectWith({ port: 1, acquireConnectionTimeout: 5000 });
    try {
      const err = await within(15_000, rejects(() => hydrate([ref('users', 1)], loadersOf(db, t))));
      assert.is(err.code, 'LOAD_FAILED');
      assert.is(err.retryable, true);
      assert.instance(err.cause, Error);
    } finally {
      await db.destroy();
    }
  });

  Server('a server that accepts and never answers is LOAD_FAILED after the acquire timeout, not a hang', async ({ t }) => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const db = target.connectWith({ port, acquireConnectionTimeout: 1500 });
    try {
      const err = await within(15_000, rejects(() => hydrate([ref('users', 1)], loadersOf(db, t))));
      assert.is(err.code, 'LOAD_FAILED');
      assert.is(err.retryable, true);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await db.destroy().catch(() => undefined);
    }
  });

  Server.run();
}

/** A database server reached through an environment variable, as its test file describes it. */
export interface ServerSpec {
  name: string;
  /** The variable holding its URL, e.g. `CEREAL_PG_URL`, and an example value. */
  variable: string;
  example: string;
  client: string;
  /** Knex's `connection` for a URL. */
  connection(url: string): Knex.Config['connection'];
  connectionId: ServerTarget['connectionId'];
  kill: ServerTarget['kill'];
}

/** Runs testLoader and testServer against the server when its variable is set; says so loudly when not. */
export function runServerSuites(spec: ServerSpec): void {
  const url = process.env[spec.variable];
  if (url === undefined || url === '') {
    console.log(`\n  !! SKIPPED: the ${spec.name} suites did not run. Set ${spec.variable}=${spec.example} to run them.\n`);
    return;
  }
  const connectWith = ({ port, ...options }: Partial<Knex.Config> & { port?: number } = {}): Knex => {
    const target = new URL(url);
    if (port !== undefined) target.port = String(port);
    return knex({ client: spec.client, connection: spec.connection(target.toString()), pool: { min: 0, max: 4 }, ...options });
  };
  const target: ServerTarget = { name: spec.name, connect: () => connectWith(), connectWith, connectionId: spec.connectionId, kill: spec.kill };
  testLoader(target);
  testServer(target);
}
