import { CerealError, type Serializer } from '@cereal/core';
import { describe } from '@cereal/core/format';
import type { Via } from './via.js';

/**
 * Checks the serializer a producer writes with (`send`, `publish`).
 *
 * @throws CerealError `INVALID_OPTION` for anything but a serializer (createSerializer(…))
 */
export function checkSerializer(serializer: unknown, via: Via): asserts serializer is Serializer<Uint8Array | string> {
  const s = serializer as Partial<Serializer<Uint8Array | string>> | null;
  if (s === null || typeof s !== 'object' || typeof s.encode !== 'function' || typeof s.format !== 'string') {
    throw new CerealError('INVALID_OPTION', `[${via.label}] \`serializer\` must be a serializer (createSerializer({ format, loaders })), got ${describe(serializer, 40)}`);
  }
}
