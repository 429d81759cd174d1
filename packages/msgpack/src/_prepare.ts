import { CerealError } from '@cereal/core';
import { MapBox } from './extension.js';

/**
 * Returns `value` ready for msgpackr: every Map replaced by a MapBox, copying only the
 * containers on the way; a value without Maps comes back as it is. Refs and RefLists are
 * class instances and are not entered. Depth is bounded by core's encode walk, which runs first.
 */
export function prepare(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, v] of value) entries.push(prepare(k), prepare(v));
    return new MapBox(entries);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const nv = prepare(v);
      if (out === undefined && nv !== v) out = value.slice(0, i);
      if (out !== undefined) out.push(nv);
    }
    return out ?? value;
  }
  if (value instanceof Set) {
    const before = [...value];
    const after = before.map(prepare);
    return after.some((m, i) => m !== before[i]) ? new Set(after) : value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    // msgpackr would write extension 0x65, which decoding refuses (see _scan.ts).
    if (value instanceof Error) throw new CerealError('MALFORMED', `[msgpack] cannot write an Error (${value.name}); send its message as a string`);
    return value;
  }
  let out: Record<string, unknown> | undefined;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const v = obj[keys[i]!];
    const nv = prepare(v);
    if (out === undefined && nv !== v) {
      out = {};
      for (let j = 0; j < i; j++) define(out, keys[j]!, obj[keys[j]!]);
    }
    if (out !== undefined) define(out, keys[i]!, nv);
  }
  return out ?? value;
}

// defineProperty keeps a `__proto__` key as data instead of setting the prototype.
const define = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};
