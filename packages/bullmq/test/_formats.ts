/**
 * Formats of their own, as an extension author makes them with defineFormat: the envelope must
 * carry any format by its wire type, not only the three it knows by name.
 */
import { isRef, ref, type Format, type PrimaryKey } from '@cereal/core';
import { defineFormat } from '@cereal/core/format';

/** Refs as `{"$ref": [model, pk]}`, in plain objects and arrays (all these tests need). */
const plain = (value: unknown): unknown => {
  if (isRef(value)) return { $ref: [value.model, value.pk] };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
};

const parse = (text: string, countRefs: (n: number) => void): unknown =>
  JSON.parse(text, (_key, value: unknown) => {
    const r = (value as { $ref?: [string, PrimaryKey] } | null)?.$ref;
    if (!Array.isArray(r)) return value;
    countRefs(1);
    return ref(r[0], r[1]);
  });

/** A bytes format: that JSON as UTF-8 bytes. */
export function utf8Format(): Format<Uint8Array> {
  return defineFormat<Uint8Array>({
    name: 'utf8',
    wire: 'bytes',
    encode: (value) => new TextEncoder().encode(JSON.stringify(plain(value))),
    decode: (bytes, { countRefs }) => parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), countRefs),
  });
}

/**
 * A text format: that JSON after `prefix`. With no prefix the text is JSON (and is embedded in
 * the envelope); with one it is not.
 */
export function taggedFormat(name: string, prefix = ''): Format<string> {
  return defineFormat<string>({
    name,
    wire: 'text',
    encode: (value) => prefix + JSON.stringify(plain(value)),
    decode(text, { countRefs }) {
      if (!text.startsWith(prefix)) throw new SyntaxError(`expected ${prefix}`);
      return parse(text.slice(prefix.length), countRefs);
    },
  });
}

/** A text format whose wire is the value, a string, exactly: to put chosen text in an envelope. */
export function rawFormat(): Format<string> {
  return defineFormat<string>({
    name: 'raw',
    wire: 'text',
    encode: (value) => {
      if (typeof value !== 'string') throw new TypeError('raw writes strings');
      return value;
    },
    decode: (text) => text,
  });
}
