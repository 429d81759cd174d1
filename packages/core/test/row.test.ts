/**
 * Rows hydrate returned are known as rows process-wide: by this copy of @cereal/core and by any
 * other copy loaded in the same process (two versions installed side by side).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hydrate, ref, refOf } from '../src/index.js';

const Rows = suite('rows: tagged process-wide');

Rows('a second copy of the module knows the rows the first tagged, and the shared table cannot be replaced', async () => {
  const [row] = (await hydrate([ref('users', 7)], { users: { load: async () => [{ id: 7 }], keyOf: (r: { id: number }) => r.id } })) as object[];
  const other = (await import(`../src/row.js?copy=${Date.now()}`)) as typeof import('../src/row.js');
  assert.is.not(other.refOf, refOf, 'a separate module instance');
  assert.is(other.refOf(row!)?.key, 'users:7');
  const key = Symbol.for('@cereal/core.rows');
  const table = (globalThis as Record<symbol, unknown>)[key];
  assert.instance(table, WeakMap);
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, key)!;
  assert.equal([descriptor.writable, descriptor.enumerable, descriptor.configurable], [false, false, false]);
  assert.not.ok(Object.keys(globalThis).some((k) => k.includes('cereal')));
});

Rows('refOf: undefined for anything hydrate did not return, a copy of a row included', async () => {
  const [row] = (await hydrate([ref('users', 7)], { users: { load: async () => [{ id: 7 }], keyOf: (r: { id: number }) => r.id } })) as object[];
  for (const value of [null, undefined, 42, 'users:7', { id: 7 }, { ...row }, structuredClone(row)]) assert.is(refOf(value as object), undefined);
  assert.is(refOf(row!)?.key, 'users:7');
});

Rows.run();
