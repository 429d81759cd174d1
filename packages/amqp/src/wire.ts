import { CerealError, type Serializer } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { AMQP } from './wording.js';

/**
 * A serializer's wire as a message body: bytes as they are (no copy), text as its UTF-8 bytes.
 */
export function bodyOf(wire: Uint8Array | string): Buffer {
  return typeof wire === 'string' ? Buffer.from(wire, 'utf8') : Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength);
}

const wireTypes = new WeakMap<object, 'bytes' | 'text'>();

/**
 * Whether `serializer` reads bytes or text. A body is bytes either way, and a serializer does not
 * say which its format reads, so it is asked once: what it writes for `null` (every format writes
 * null) is its wire type.
 *
 * @throws CerealError `INVALID_OPTION` when the serializer cannot encode null
 */
export function wireTypeOf(serializer: Serializer<Uint8Array | string>): 'bytes' | 'text' {
  const known = wireTypes.get(serializer);
  if (known !== undefined) return known;
  let probe: unknown;
  try {
    probe = serializer.encode(null);
  } catch (cause) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] cannot tell whether format \`${serializer.format}\` reads bytes or text: encoding null failed: ${describe(cause, 200)}`, { cause });
  }
  const type = typeof probe === 'string' ? 'text' : 'bytes';
  wireTypes.set(serializer, type);
  return type;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A body as the wire `type`: the bytes, or their text. Text that is not UTF-8 is `MALFORMED`.
 * `maxBytes`, when given, is checked before the text is built: a body bigger than the worker
 * reads is refused without decoding it.
 */
export function wireOfBody(body: Buffer, type: 'bytes' | 'text', format: string, maxBytes: number | undefined): Uint8Array | string {
  if (maxBytes !== undefined && body.length > maxBytes) {
    throw new CerealError('LIMIT', `[${format}] the payload is ${body.length} bytes, more than maxBytes ${maxBytes}; raise \`maxBytes\` if that is expected`);
  }
  if (type === 'bytes') return body;
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw new CerealError('MALFORMED', `[${AMQP.label}] the body of a \`${format}\` message is not UTF-8 text`, { cause });
  }
}
