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
import { countQueries, prepared, rejects, testLoader, watch, type LoaderTarget } from './loader.js';

export interface ServerTarget extends LoaderTarget {
  /** A Knex instance with `options` merged into its config (pool size, timeouts, another port). */
  connectWith(options: Partial<Knex.Config> & { port?: number }): Knex;
  /** The server's id of the connection `db` runs on (its pool must hold one connection). */
  connectionId(db: Knex): Promise<number>;
  /** Kills that connection from another one, as an administrator or the server would. */
  kill(admin: Knex, id: number): Promise<void>;
  /** The server's id of a driver connection, as the pool's `afterCreate` hook receives it. */
  idOf(connection: unknown): number;
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
    knexLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] }, codes: { table: t.codes, primaryKey: 'code' }, ids: t.ids }) as Record<string, KnexLoader>;

  Server('100 000 refs over three models hydrate correctly, in ⌈n / chunk⌉ statements per model', async ({ db, t }) => {
    const loaders = await prepared(loadersOf(db, t));
    const users = Array.from({ length: 50_000 }, (_, i) => ref('users', i + 1));
    const orders = Array.from({ length: 30_000 }, (_, i) => ref('orders', [1 + (i % 3), i + 1]));
    const codes = Array.from({ length: 20_000 }, (_, i) => ref('codes', i === 0 ? 'ABC' : `code-${i}`));
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const wire = cereal.encode({ users, orders, codes });
    const [out, queries] = await countQueries(db, () => cereal.decode(wire));
    const value = out as Record<'users' | 'orders' | 'codes', Record<string, unknown>[]>;
    const chunks = (n: number, model: string) => Math.ceil(n / loaders[model]!.chunkSize);
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

  Server('an integer beyond a 32-bit key column\'s range is missing and never sent', async ({ db, t }) => {
    const loaders = await prepared(loadersOf(db, t));
    const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('users', 2 ** 31), ref('users', -(2 ** 31) - 1), ref('users', 1)], loaders)));
    assert.equal(err.refs?.map((r) => r.pk), [2 ** 31, -(2 ** 31) - 1]);
    assert.equal(seen.bindings, [1]);
  });

  Server('a key column the driver returns as a Date or a Buffer (date, timestamp, binary) is refused by prepare() as INVALID_OPTION naming table, column and type', async ({ db, t }) => {
    const table = `${t.ids}_kinds`;
    await db.schema.createTable(table, (tb) => {
      tb.date('day');
      tb.timestamp('at');
      tb.dateTime('moment');
      tb.binary('bytes', 16);
    });
    try {
      for (const column of ['day', 'at', 'moment', 'bytes']) {
        const loader = knexLoader(db, { table, primaryKey: column });
        const err = await rejects(() => loader.prepare());
        assert.is(err.code, 'INVALID_OPTION', err.message);
        assert.is(err.retryable, false);
        assert.ok(err.message.includes(`table \`${table}\``) && err.message.includes(`\`${column}\` of type `), err.message);
        assert.is((await rejects(() => hydrate([ref('x', '2026-01-01')], { x: loader }))).code, 'INVALID_OPTION');
      }
    } finally {
      await db.schema.dropTableIfExists(table);
    }
  });

  Server('a key the server cannot read as a key column type bound as given (numeric) fails for good, never as a retryable load', async ({ db, t }) => {
    const table = `${t.ids}_numbers`;
    await db.schema.createTable(table, (tb) => {
      tb.decimal('n', 20, 0).primary();
    });
    try {
      await db(table).insert({ n: 42 });
      const numbers = knexLoader(db, { table, primaryKey: 'n' });
      assert.is((await hydrate([ref('numbers', 42)], { numbers })).length, 1);
      const err = await rejects(() => hydrate([ref('numbers', 'not a number')], { numbers }));
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

  Server('a connection killed before each of two decodes: both succeed, and a statement is never sent again on the killed connection', async ({ t }) => {
    const db = target.connectWith({ pool: { min: 1, max: 1 } });
    const admin = target.connect();
    const used: string[] = []; // the pool's id of the connection each statement went out on
    db.on('query', (query: { __knexUid: string }) => void used.push(query.__knexUid));
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: loadersOf(db, t) });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      assert.is(((await cereal.decode(wire)) as { name: string }[])[0]?.name, 'u1');
      for (const round of [1, 2]) {
        const id = await target.connectionId(db);
        const killed = used.at(-1);
        await target.kill(admin, id);
        used.length = 0;
        const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
        assert.is(again[1]?.name, 'u2', `round ${round}`);
        assert.ok(used.filter((uid) => uid === killed).length <= 1, `round ${round}: sent again on the killed connection: ${used}`);
        assert.is.not(await target.connectionId(db), id);
      }
    } finally {
      await admin.destroy();
      await db.destroy();
    }
  });

  Server('a connection killed twice between two decodes (the pooled one, then its replacement): the decode still succeeds', async ({ t }) => {
    const admin = target.connect();
    let armed = false; // kill the next connection the pool creates, before its first statement
    const afterCreate = (connection: unknown, done: (err: unknown, connection: unknown) => void): void => {
      if (!armed) return done(null, connection);
      armed = false;
      target.kill(admin, target.idOf(connection)).then(() => done(null, connection), (err: unknown) => done(err, connection));
    };
    const db = target.connectWith({ pool: { min: 0, max: 1, afterCreate } });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: loadersOf(db, t) });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      await cereal.decode(wire);
      const id = await target.connectionId(db);
      armed = true;
      await target.kill(admin, id);
      const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
      assert.is(again[1]?.name, 'u2');
      assert.is(armed, false, 'the replacement connection was created, and killed');
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
  idOf: ServerTarget['idOf'];
  /** The schema unqualified table names resolve to, for a URL. */
  schema(url: string): string;
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
  const { name, connectionId, kill, idOf } = spec;
  const target: ServerTarget = { name, schema: spec.schema(url), connect: () => connectWith(), connectWith, connectionId, kill, idOf };
  testLoader(target);
  testServer(target);
}
