import { strictEqual } from 'node:assert/strict';
import { hydrate, ref, type Loaders, type ModelRef } from '@cereal/core';
import type { KnexLoader } from '@cereal/knex';
import type { Knex } from 'knex';
import { floorLoader, type FloorTable } from './_floor.js';
import { collectGarbage, timeSideBySide } from './_time.js';

/** Hydrating `refs` refs spread over three models. */
export interface ScaleResult {
  refs: number;
  median: number;
  /** The floor at the same size: better-sqlite3 running the same chunked statements. */
  floor: number;
  /** Microseconds per ref. */
  perRef: number;
  /** Heap still held by the hydrated value, after garbage collection, in MB. */
  retainedMB: number;
  /** Heap growth from before hydrate to its return, garbage included (no forced collection), in MB. */
  grossMB: number;
}

/** 40% users, 30% orders (composite keys), 30% products (text keys). */
export function scaleValue(total: number): { users: ModelRef[]; orders: ModelRef[]; products: ModelRef[] } {
  const users = Math.round(total * 0.4);
  const orders = Math.round(total * 0.3);
  const products = total - users - orders;
  return {
    users: Array.from({ length: users }, (_, i) => ref('users', i + 1)),
    orders: Array.from({ length: orders }, (_, i) => ref('orders', [1 + ((i + 1) % 4), i + 1])),
    products: Array.from({ length: products }, (_, i) => ref('products', `sku-${String(i + 1).padStart(6, '0')}`)),
  };
}

const MB = 1024 * 1024;

/** Time and memory of hydrating each total, to show how they grow. */
export async function measureScale(db: Knex, loaders: Loaders, totals: readonly number[], runs: number): Promise<ScaleResult[]> {
  const load = await floorLoader(db);
  const spec = (model: string): FloorTable => {
    const loader = loaders[model] as KnexLoader;
    return { table: loader.table, columns: loader.primaryKey, chunk: loader.chunkSize };
  };
  const results: ScaleResult[] = [];
  for (const total of totals) {
    const value = scaleValue(total);
    const options = { maxRefs: Math.max(total, 100_000) };
    const check = await hydrate(value, loaders, options);
    strictEqual(check.users.length + check.orders.length + check.products.length, total, 'every ref must hydrate');
    strictEqual((check.products.at(-1) as unknown as { sku: string }).sku, value.products.at(-1)!.pk, 'rows must match their refs');

    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const held = await hydrate(value, loaders, options);
    const grossMB = (process.memoryUsage().heapUsed - heapBefore) / MB;
    collectGarbage();
    const retainedMB = (process.memoryUsage().heapUsed - heapBefore) / MB;
    strictEqual(held.users.length, value.users.length);

    const floor = () => [value.users, value.orders, value.products].map((refs) => load(spec(refs[0]!.model), refs.map((r) => r.pk)));
    strictEqual(floor().reduce((n, rows) => n + rows.length, 0), total, 'the floor must find every row');
    const [t, f] = await timeSideBySide([() => hydrate(value, loaders, options), floor], { runs, warmup: 1 });
    results.push({ refs: total, median: t!.median, floor: f!.median, perRef: (t!.median * 1000) / total, retainedMB, grossMB });
  }
  return results;
}
