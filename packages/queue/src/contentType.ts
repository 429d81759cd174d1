import { CerealError } from '@cereal/core';
import type { Via } from './via.js';

/**
 * The content type of a message whose body is a format's wire, as it is (no envelope):
 * `application/x-cereal+msgpack`, `application/x-cereal+json`, `application/x-cereal+yaml`, and
 * `application/x-cereal+<name>` for a format of your own. The wire version is in the
 * `x-cereal` header beside it.
 */
export function contentTypeOf(format: string, via: Via): string {
  if (!FORMAT_NAME.test(format)) {
    throw new CerealError('INVALID_OPTION', `[${via.label}] a format's name goes into the content type, so it must be letters, digits and !#$&^_.+- (at most 64); got \`${format.slice(0, 64)}\``);
  }
  return `${CONTENT_TYPE_PREFIX}${format}`;
}

/** What every cereal content type starts with. */
export const CONTENT_TYPE_PREFIX = 'application/x-cereal+';

/** A media subtype's characters (RFC 6838 restricted-name), which a format's name must be. */
const FORMAT_NAME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;

/**
 * The format a cereal content type names: `application/x-cereal+msgpack` → `msgpack`.
 * Parameters (`; charset=utf-8`) are ignored; `application/x-cereal+` is matched without regard
 * to case, the format's name as it is.
 *
 * @throws CerealError `MALFORMED` for a missing content type or one that is not cereal's,
 *   naming what was found and what is read
 */
export function formatOfContentType(contentType: unknown, via: Via): string {
  const shown = typeof contentType === 'string' ? `\`${contentType.slice(0, 64)}\`` : contentType === undefined ? 'no content type' : contentType === null ? 'null' : typeof contentType === 'object' ? 'an object' : `a ${typeof contentType}`;
  if (typeof contentType === 'string') {
    const type = contentType.split(';', 1)[0]!.trim();
    if (type.slice(0, CONTENT_TYPE_PREFIX.length).toLowerCase() === CONTENT_TYPE_PREFIX) {
      const format = type.slice(CONTENT_TYPE_PREFIX.length);
      if (FORMAT_NAME.test(format)) return format;
    }
  }
  throw new CerealError('MALFORMED', `[${via.label}] ${via.what} has ${shown}, not a cereal content type (${CONTENT_TYPE_PREFIX}<format>); publish it with ${via.writer}`);
}
