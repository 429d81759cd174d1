/**
 * A row for one more value of a batch (decodeMany, coalesced decodes): the first value that
 * asks for a loaded row gets the object the loader returned, every other one a copy of it, so
 * that one job changing its row, or a JSON column, an array column or a Date in it, changes no
 * other job's. Plain data is copied all the way down: arrays, plain objects, Dates, Maps, Sets,
 * Buffers and typed arrays. Instances of other classes (a Decimal a type parser made, a
 * Drizzle custom type) are shared: cereal cannot know how to copy them.
 */
export function copyRow(row: object): object {
  const copy = Object.create(Object.getPrototypeOf(row) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(row)) {
    const value = (row as Record<string, unknown>)[key];
    put(copy, key, value !== null && typeof value === 'object' ? copyValue(value, 0) : value);
  }
  return copy;
}

/** `target[key] = value` as a data property: an own `__proto__` key (JSON.parse makes them) stays a key, not the prototype. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** Nesting past which a value is copied by structuredClone, whose recursion is native (a deep JSON column). */
const DEEP = 200;

function copyValue(value: object, depth: number): unknown {
  if (depth > DEEP) return deepClone(value);
  if (Array.isArray(value)) return value.map((item: unknown) => (item !== null && typeof item === 'object' ? copyValue(item, depth + 1) : item));
  if (value instanceof Date) return new Date(value.getTime());
  if (Buffer.isBuffer(value)) return Buffer.from(value); // a Buffer's own slice shares its memory
  if (ArrayBuffer.isView(value)) return value instanceof DataView ? new DataView(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength)) : (value as Uint8Array).slice();
  if (value instanceof Map) return new Map(Array.from(value, ([k, v]: [unknown, unknown]) => [k, v !== null && typeof v === 'object' ? copyValue(v, depth + 1) : v]));
  if (value instanceof Set) return new Set(Array.from(value, (v: unknown) => (v !== null && typeof v === 'object' ? copyValue(v, depth + 1) : v)));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // a class instance: shared
  const copy = Object.create(proto as object | null) as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    put(copy, key, item !== null && typeof item === 'object' ? copyValue(item, depth + 1) : item);
  }
  return copy;
}

/** A deep plain-data value copied natively; shared when it holds what structuredClone refuses. */
function deepClone(value: object): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
