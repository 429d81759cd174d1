import { deepStrictEqual } from 'node:assert/strict';
import { createSerializer, ref, type Loaders } from '@cereal/core';
import type { Knex } from 'knex';
import { bytes, contenders } from './_formats.js';

/** Bytes of one payload sent three ways. */
export interface SizeResult {
  format: string;
  /** What the payload holds: `100 users`, `50 users + 50 orders`. */
  payload: string;
  count: number;
  rows: number;
  refs: number;
  pks: number;
}

/** One payload three ways: the rows themselves, cereal refs, and the bare keys. */
interface Case {
  payload: string;
  count: number;
  rows: unknown;
  refs: unknown;
  pks: unknown;
}

async function usersCase(db: Knex, count: number): Promise<Case> {
  const rows = (await db('users').where('id', '<=', count).orderBy('id')) as { id: number }[];
  return { payload: `${count} user${count === 1 ? '' : 's'}`, count, rows, refs: rows.map((r) => ref('users', r.id)), pks: rows.map((r) => r.id) };
}

async function mixedCase(db: Knex, count: number): Promise<Case> {
  const users = (await db('users').where('id', '<=', count / 2).orderBy('id')) as { id: number }[];
  const orders = (await db('orders').where('id', '<=', count / 2).orderBy('id')) as { shop_id: number; id: number }[];
  return {
    payload: `${count / 2} users + ${count / 2} orders`,
    count,
    rows: { users, orders },
    refs: { users: users.map((r) => ref('users', r.id)), orders: orders.map((o) => ref('orders', [o.shop_id, o.id])) },
    pks: { users: users.map((r) => r.id), orders: orders.map((o) => [o.shop_id, o.id]) },
  };
}

/**
 * Bytes of the same rows sent three ways, with each format library: as full rows, as cereal
 * refs, and as bare primary keys. Every ref payload is first decoded and checked to give
 * exactly the rows.
 */
export async function measureSizes(db: Knex, loaders: Loaders, counts: readonly number[]): Promise<SizeResult[]> {
  const cases: Case[] = [];
  for (const count of counts) cases.push(await usersCase(db, count));
  cases.push(await mixedCase(db, 100));
  const results: SizeResult[] = [];
  for (const { name, format, plain } of contenders) {
    const cereal = createSerializer({ format, loaders });
    for (const c of cases) {
      const wire = cereal.encode(c.refs);
      deepStrictEqual(await cereal.decode(wire), c.rows, `${name}: the ref payload of ${c.payload} must decode to the same rows`);
      results.push({ format: name, payload: c.payload, count: c.count, rows: bytes(plain.encode(c.rows)), refs: bytes(wire), pks: bytes(plain.encode(c.pks)) });
    }
  }
  return results;
}
