import type { ModelRef } from './ref.js';

// Rows hydrate returned, and the ref each was loaded for. A WeakMap, not a property on the row:
// defining a property on every row (even a non-enumerable symbol) moved V8's rows to slow
// dictionary mode, and reading the row's columns afterwards cost about 8× (measured on 10 000
// 15-column rows). The map is process-wide, under a registered symbol, so that rows tagged by
// one copy of @cereal/core are known to another copy in the same process: the one piece of
// process-wide state core keeps.
const KEY = Symbol.for('@cereal/core.rows');
const existing = (globalThis as Record<symbol, unknown>)[KEY];
const tags: WeakMap<object, ModelRef> = existing instanceof WeakMap ? (existing as WeakMap<object, ModelRef>) : new WeakMap<object, ModelRef>();
if (existing !== tags) Object.defineProperty(globalThis, KEY, { value: tags, writable: false, enumerable: false, configurable: false });

/**
 * Tags a row as loaded for `ref`: nothing on the row changes (JSON, spreading, `Object.keys`,
 * frozen rows and Proxies are as they were); encoding the row writes the ref again. A copy of
 * the row is not tagged.
 */
export function tagRow(row: object, ref: ModelRef): void {
  tags.set(row, ref);
}

/**
 * The ref of a row that hydrate returned; undefined for any other value.
 *
 * @param row - a row from a hydrated value
 * @returns the ModelRef it was loaded for
 */
export function refOf(row: object): ModelRef | undefined {
  return tags.get(row); // a WeakMap answers undefined for null, a primitive or a function: never throws
}
