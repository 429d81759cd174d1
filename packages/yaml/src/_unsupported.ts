import { CerealError } from '@cereal/core';
import type { ScalarTag } from 'yaml';

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
