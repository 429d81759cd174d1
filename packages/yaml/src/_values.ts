import { CerealError } from '@cereal/core';
import type { ScalarTag } from 'yaml';

// Tags for values beyond YAML's core schema: undefined, bytes, and what YAML cannot carry.

/**
 * `!undefined`: yaml drops a property whose value is undefined and writes `null` for one in an
 * array, a Map or a Set; msgpack and JSON keep undefined, so YAML does too.
 */
export const undefinedTag = {
  tag: '!undefined',
  identify: (value: unknown) => value === undefined,
  resolve: () => undefined as never,
  stringify: () => '',
} satisfies ScalarTag;

/** Values YAML has no tag for, which yaml would otherwise write as plain mappings or sequences. */
function unsupported(value: unknown): string | undefined {
  if (value instanceof Error) return 'an Error';
  if (value instanceof RegExp) return 'a RegExp';
  if (value instanceof URL) return 'a URL';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array)) return `a ${value.constructor.name}`;
  return undefined;
}

/**
 * Makes encoding such a value `MALFORMED`, instead of a silent change: yaml writes an Error or
 * a RegExp as an empty mapping and an Int16Array as a mapping of indexes. (Uint8Array and
 * Buffer are written as `!!binary` and read back as a Buffer.)
 */
export const unsupportedTag = {
  tag: '!cereal-unsupported',
  identify: (value: unknown) => unsupported(value) !== undefined,
  createNode: (_schema: unknown, value: unknown) => {
    throw new CerealError('MALFORMED', `[yaml] cannot write ${unsupported(value)}; YAML has no tag for it (msgpack or JSON carry it)`);
  },
  resolve: (_text, onError) => (onError('!cereal-unsupported is never written'), null) as never,
} satisfies ScalarTag;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * `!!binary`, base64: Uint8Array and Buffer, read back as a Buffer. Replaces yaml's own tag,
 * which reads `!!binary "!!!!"` as an empty Buffer, skipping what is not base64.
 */
export const binaryTag = {
  tag: 'tag:yaml.org,2002:binary',
  identify: (value: unknown) => value instanceof Uint8Array,
  resolve(text, onError) {
    const base64 = text.replace(/\s+/g, '');
    if (!BASE64.test(base64) || base64.length % 4 !== 0) return (onError('!!binary must be base64'), null) as never;
    return Buffer.from(base64, 'base64');
  },
  stringify: ({ value }) => {
    const bytes = value as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  },
} satisfies ScalarTag;
