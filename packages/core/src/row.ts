import type { ModelRef } from './ref.js';

// The tag is a registered symbol so that it survives two copies of @cereal/core in one process.
const TAG: unique symbol = Symbol.for('@cereal/core.ref') as never;
// Rows that cannot take a property (frozen by their loader) are tagged here instead.
const frozenRows = new WeakMap<object, ModelRef>();

/**
 * Tags a row as loaded for `ref`, with a non-enumerable property: JSON, spreading and
 * `Object.keys` do not see it; encoding the row writes the ref again.
 */
export function tagRow(row: object, ref: ModelRef): void {
  if (Object.isExtensible(row) && Reflect.defineProperty(row, TAG, { value: ref, enumerable: false, writable: false, configurable: true })) return;
  frozenRows.set(row, ref); // a frozen row, or a Proxy that refuses the property
}

/**
 * The ref of a row that hydrate returned; undefined for any other value.
 *
 * @param row - a row from a hydrated value
 * @returns the ModelRef it was loaded for
 */
export function refOf(row: object): ModelRef | undefined {
  if (row === null || typeof row !== 'object') return undefined;
  const tag = (row as { [TAG]?: ModelRef })[TAG];
  if (tag !== undefined) return tag;
  // The common path costs one property read; the WeakMap is read only for rows without the tag.
  return frozenRows.get(row);
}
