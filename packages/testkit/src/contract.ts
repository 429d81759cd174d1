import { CerealError, ModelRef, type Format, type PrimaryKey } from '@cereal/core';

/**
 * A format written to the Format contract alone, as someone outside this project would write
 * one: it knows ModelRef and nothing else of cereal (no `lists`, no helpers from
 * `@cereal/core/format`). JSON text; a ref is `{"$ref": [model, key]}`, a bigint key
 * `{"$bigint": "digits"}`. It throws if it is ever handed anything but plain data and refs.
 */
export function contractFormat(): Format<string> {
  const write = (_key: string, value: unknown): unknown => {
    if (value instanceof ModelRef) return { $ref: [value.model, value.pk] };
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) !== Object.prototype) {
      throw new TypeError(`contractFormat writes plain data and refs only, got a ${value.constructor?.name ?? 'value'}`);
    }
    return value;
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
    encode: (value) => JSON.stringify(value, write),
    decode(wire) {
      if (typeof wire !== 'string') throw new CerealError('MALFORMED', '[contract] a payload is text');
      return JSON.parse(wire, read) as unknown;
    },
  };
}
