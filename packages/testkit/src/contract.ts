import { CerealError, ModelRef, type Format, type PrimaryKey } from '@cereal/core';

/**
 * A format written to the Format contract alone, as someone outside this project would write
 * one: it knows ModelRef and nothing else of cereal (no `lists`, no helpers from
 * `@cereal/core/format`). JSON text; a ref is `{"$ref": [model, key]}`, a bigint key
 * `{"$bigint": "digits"}`. It throws if it is ever handed anything but plain data and refs.
 */
export function contractFormat(): Format<string> {
  // Refs are written before JSON.stringify: a ref's toJSON throws (so that a ref put in JSON by
  // mistake fails loudly), and a replacer would only see a value after its toJSON ran.
  const write = (value: unknown): unknown => {
    if (value instanceof ModelRef) return { $ref: [value.model, write(value.pk)] };
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (Array.isArray(value)) return value.map(write);
    if (value === null || typeof value !== 'object') return value;
    if (Object.getPrototypeOf(value) !== Object.prototype) {
      throw new TypeError(`contractFormat writes plain data and refs only, got a ${value.constructor?.name ?? 'value'}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, write(v)]));
  };
  const read = (_key: string, value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const { $ref, $bigint } = value as { $ref?: unknown; $bigint?: unknown };
    if (typeof $bigint === 'string') return BigInt($bigint);
    if (Array.isArray($ref)) return new ModelRef($ref[0] as string, $ref[1] as PrimaryKey);
    return value;
  };
  return {
    name: 'contract',
    encode: (value) => JSON.stringify(write(value)),
    decode(wire) {
      if (typeof wire !== 'string') throw new CerealError('MALFORMED', '[contract] a payload is text');
      return JSON.parse(wire, read) as unknown;
    },
  };
}
