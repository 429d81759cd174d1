import { deepStrictEqual } from 'node:assert/strict';
import { createSerializer, ref } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import type { Knex } from 'knex';
import { bytes, contenders } from './_formats.js';

/** One row of the size table. */
export interface SizeResult {
  format: string;
  count: number;
  rows: number;
  refs: number;
  pks: number;
}

/**
 * Bytes of the same `count` users sent three ways: as full rows, as cereal refs, and as bare
 * primary keys, each with the same format library. Validates that each ref payload decodes to
 * exactly the rows before any size is taken.
 */
export async function measureSizes(db: Knex, counts: readonly number[]): Promise<SizeResult[]> {
  const loaders = knexLoaders(db, { users: 'users' });
  const results: SizeResult[] = [];
  for (const { name, format, plain } of contenders) {
    const cereal = createSerializer({ format, loaders });
    for (const count of counts) {
      const rows = (await db('users').where('id', '<=', count).orderBy('id')) as Record<string, unknown>[];
      const ids = rows.map((r) => r.id as number);
      const refWire = cereal.encode(ids.map((id) => ref('users', id)));
      deepStrictEqual(await cereal.decode(refWire), rows, `${name}: the ref payload must decode to the same rows`);
      results.push({ format: name, count, rows: bytes(plain(rows)), refs: bytes(refWire), pks: bytes(plain(ids)) });
    }
  }
  return results;
}
