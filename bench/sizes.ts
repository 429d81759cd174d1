import { deepStrictEqual } from 'node:assert/strict';
import { createSerializer, ref, type Serializer } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import type { Knex } from 'knex';
import { Packr } from 'msgpackr';

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
 * primary keys, each in the same msgpack encoding. Validates that the ref payload decodes to
 * exactly the rows before any size is taken.
 */
export async function measureSizes(db: Knex, counts: readonly number[]): Promise<SizeResult[]> {
  const cereal: Serializer<Uint8Array> = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) });
  const plain = new Packr({ useRecords: false, variableMapSize: true });
  const results: SizeResult[] = [];
  for (const count of counts) {
    const rows = (await db('users').where('id', '<=', count).orderBy('id')) as Record<string, unknown>[];
    const ids = rows.map((r) => r.id as number);
    const refWire = cereal.encode(ids.map((id) => ref('users', id)));
    deepStrictEqual(await cereal.decode(refWire), rows, 'ref payload must decode to the same rows');
    results.push({
      format: 'msgpack',
      count,
      rows: plain.pack(rows).length,
      refs: refWire.length,
      pks: plain.pack(ids).length,
    });
  }
  return results;
}
