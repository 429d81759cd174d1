/**
 * Faults every loader survives on a database server: killed connections, a server that refuses
 * connections, one that accepts and never answers. `testFaults(target)` in each server's test file.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects } from './fixtures.js';
import { tableNames } from './tables.js';
import { within, type ServerTarget } from './target.js';

/** Faults: killed connections, a server that refuses connections, one that never answers. */
export function testFaults<Db>(target: ServerTarget<Db>): void {
  const Faults = suite<{ f: Knex; t: { users: string } }>(`testServer(${target.name}): faults`, {} as never);
  Faults.before(async (ctx) => {
    ctx.f = target.fixtures();
    ctx.t = tableNames('f', ['users']);
    await ctx.f.schema.createTable(ctx.t.users, (tb) => {
      tb.integer('id').primary();
      tb.string('name', 32);
    });
    await ctx.f(ctx.t.users).insert([{ id: 1, name: 'u1' }, { id: 2, name: 'u2' }]);
  });
  Faults.after(async ({ f, t }) => {
    try {
      await f.schema.dropTableIfExists(t.users);
    } finally {
      await f.destroy();
    }
  });

  Faults('a connection killed before each of two decodes: both succeed', async ({ f, t }) => {
    const db = target.open(f, { poolSize: 1 });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: target.loader(db, { table: t.users }) } });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      assert.is(((await cereal.decode(wire)) as { name: string }[])[0]?.name, 'u1');
      for (const round of [1, 2]) {
        const id = await target.connectionId(db);
        await target.kill(f, id);
        const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
        assert.is(again[1]?.name, 'u2', `round ${round}`);
        assert.is.not(await target.connectionId(db), id);
      }
    } finally {
      await target.close(db, f);
    }
  });

  Faults('a connection killed inside a transaction is LOAD_FAILED and retryable, never MISSING_ROW', async ({ f, t }) => {
    const db = target.open(f);
    try {
      let failure: { code?: string; retryable?: boolean } | undefined;
      await target.rollback(db, async (trx) => {
        await target.kill(f, await target.transactionId(trx));
        failure = await rejects(() => within(20_000, hydrate([ref('users', 1)], { users: target.loader(trx, { table: t.users }) })));
      }).catch(() => undefined); // the transaction itself cannot end on a dead connection
      assert.is(failure?.code, 'LOAD_FAILED');
      assert.is(failure?.retryable, true);
    } finally {
      await target.close(db, f);
    }
  });

  Faults('a server that refuses connections is LOAD_FAILED, retryable, with the driver error, promptly', async ({ f, t }) => {
    const db = target.open(f, { port: 1, acquireTimeoutMs: 5000 });
    try {
      const err = await within(15_000, rejects(() => hydrate([ref('users', 1)], { users: target.loader(db, { table: t.users }) })));
      assert.is(err.code, 'LOAD_FAILED');
      assert.is(err.retryable, true);
      assert.instance(err.cause, Error);
    } finally {
      await target.close(db, f).catch(() => undefined);
    }
  });

  Faults('a server that accepts and never answers is LOAD_FAILED after the acquire timeout, not a hang', async ({ f, t }) => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const db = target.open(f, { port: (silent.address() as { port: number }).port, acquireTimeoutMs: 1500 });
    try {
      const err = await within(15_000, rejects(() => hydrate([ref('users', 1)], { users: target.loader(db, { table: t.users }) })));
      assert.is(err.code, 'LOAD_FAILED');
      assert.is(err.retryable, true);
      assert.match(err.message, target.timeoutMessage ?? /1500 ms/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await target.close(db, f).catch(() => undefined);
    }
  });

  Faults.run();
}
