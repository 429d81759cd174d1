import { CerealError, describe } from './error.js';
import type { Format, WireLimits } from './format.js';
import { checkWire, parseDepth, refCounter, wireError } from './wire.js';

/** What a format's own decode gets, besides the wire: the limits as a format applies them. */
export interface DecodeContext {
  /** The structural depth the format may parse (twice maxDepth and its envelope). */
  readonly maxDepth: number;
  /** Counts refs about to be built; throws `LIMIT` past maxRefs, before they exist. */
  readonly countRefs: (refs: number) => void;
}

/** A format as its author writes it: the codec alone; defineFormat adds the checks. */
export interface FormatSpec<Wire extends Uint8Array | string> {
  readonly name: string;
  /** `bytes` (a Uint8Array or Buffer) or `text` (a string). */
  readonly wire: Wire extends string ? 'text' : 'bytes';
  /** See Format.lists. @default false */
  readonly lists?: boolean;
  /** See Format.maxBytes. @default 16 * 1024 * 1024 */
  readonly maxBytes?: number;
  encode(value: unknown): Wire;
  decode(wire: Wire, context: DecodeContext): unknown;
}

/**
 * Builds a Format from its codec, with the duties every format shares: decode checks the wire's
 * type, hands the codec the parse depth and a ref counter, and turns whatever the codec's library
 * throws into a CerealError (`MALFORMED`, a stack overflow `LIMIT`); encode turns a library
 * failure into `MALFORMED`. A CerealError the codec throws passes through as it is.
 *
 * @param spec - the format's name, wire type, flags and codec
 * @returns a Format for createSerializer
 * @example defineFormat({ name: 'cbor', wire: 'bytes', encode: (v) => …, decode: (bytes, { maxDepth, countRefs }) => … })
 */
export function defineFormat<Wire extends Uint8Array | string>(spec: FormatSpec<Wire>): Format<Wire> {
  const { name } = spec;
  return {
    name,
    ...(spec.lists === undefined ? {} : { lists: spec.lists }),
    ...(spec.maxBytes === undefined ? {} : { maxBytes: spec.maxBytes }),
    encode(value) {
      try {
        return spec.encode(value);
      } catch (cause) {
        if (cause instanceof CerealError) throw cause;
        if (cause instanceof RangeError && /call stack/i.test(cause.message)) {
          throw new CerealError('LIMIT', `[${name}] the value nests too deeply to write; lower its nesting or \`maxDepth\``, { cause });
        }
        throw new CerealError('MALFORMED', `[${name}] cannot encode the value: ${describe(cause)}`, { cause });
      }
    },
    decode(wire, limits?: WireLimits) {
      checkWire(name, wire, spec.wire === 'text' ? 'string' : 'bytes');
      try {
        return spec.decode(wire, { maxDepth: parseDepth(limits), countRefs: refCounter(name, limits) });
      } catch (cause) {
        throw wireError(name, cause);
      }
    },
  };
}
