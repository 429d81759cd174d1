import { CerealError, describe } from './error.js';
import type { Format } from './format.js';
import { hydrateWith } from './hydrate.js';
import { loaderOf, tooManyRefs, unknownModel } from './_checks.js';
import type { Loaders } from './loader.js';
import { positive, resolveOptions, type Limits } from './_options.js';
import type { DecodeOptions } from './options.js';
import { refList } from './list.js';
import { ModelRef } from './ref.js';
import { walk } from './walk.js';
import { checkSize, wireError } from './wire.js';

/** A format and a loader map joined: encode values with refs, decode them to fresh rows. */
export interface Serializer<Wire> {
  /** The format's name: `msgpack`, `json` or `yaml`. */
  readonly format: string;
  /**
   * @param value - a value holding refs and rows that hydrate returned (they become refs again)
   * @returns the wire form
   * @throws CerealError `UNKNOWN_MODEL` for a ref to a model outside the loader map, `LIMIT`,
   *   `MALFORMED` when the format cannot write a value
   */
  encode(value: unknown): Wire;
  /**
   * @param wire - the wire form; may be hostile
   * @param options - overrides the serializer's options for this call
   * @returns the value with every ref replaced by its fresh row
   */
  decode(wire: Wire, options?: DecodeOptions): Promise<unknown>;
  /**
   * @param model - a model of the loader map
   * @param row - any row of that model; its key is taken with the loader's `keyOf`
   * @returns a ref to that row
   * @throws CerealError `UNKNOWN_MODEL`, or `INVALID_REF` when the row has no usable key
   */
  ref(model: string, row: object): ModelRef;
}

/** Options of {@link createSerializer}: a format, loaders, and default decode options. */
export type SerializerOptions<Wire extends Uint8Array | string> = {
  /** The wire format, e.g. `msgpackFormat()`. */
  format: Format<Wire>;
  /** Loaders by model name. */
  loaders: Loaders;
} & DecodeOptions;

/**
 * Joins a format and a loader map.
 *
 * @example
 * const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) })
 * const wire = cereal.encode({ user: ref('users', 42) })
 * const { user } = await cereal.decode(wire)   // the users row as it is now
 */
export function createSerializer<Wire extends Uint8Array | string>(options: SerializerOptions<Wire>): Serializer<Wire> {
  if (options === null || typeof options !== 'object') {
    throw new CerealError('INVALID_OPTION', 'createSerializer takes { format, loaders }, e.g. createSerializer({ format: msgpackFormat(), loaders })');
  }
  const { format, loaders } = options;
  checkFormat(format);
  if (loaders === null || typeof loaders !== 'object') {
    throw new CerealError('INVALID_OPTION', '`loaders` must be an object of loaders by model name, e.g. knexLoaders(db, { users: \'users\' })');
  }
  for (const model of Object.keys(loaders)) loaderOf(loaders, model);
  const limits: Limits = resolveOptions({ ...options, maxBytes: options.maxBytes ?? format.maxBytes });
  return {
    format: format.name,
    encode: encoder(format, loaders, limits),
    async decode(wire, callOptions) {
      const callLimits = callOptions === undefined ? limits : resolveOptions(callOptions, limits);
      if (typeof wire === 'string' || wire instanceof Uint8Array) checkSize(format.name, wire, callLimits.maxBytes);
      let value: unknown;
      try {
        value = format.decode(wire, { maxDepth: callLimits.maxDepth, maxRefs: callLimits.maxRefs });
      } catch (cause) {
        throw wireError(format.name, cause); // a CerealError the format threw passes as it is
      }
      return hydrateWith(value, loaders, callLimits);
    },
    ref: (model, row) => refOfRow(loaders, model, row),
  };
}

function checkFormat(format: Format<Uint8Array | string>): void {
  if (format === null || typeof format !== 'object' || typeof format.encode !== 'function' || typeof format.decode !== 'function') {
    throw new CerealError('INVALID_OPTION', '`format` must be a Format such as msgpackFormat()');
  }
  if (format.maxBytes !== undefined) positive('format.maxBytes', format.maxBytes);
}

/**
 * serializer.encode: one walk turns rows into refs, counts refs against maxRefs, checks their
 * models, and, for a format that takes lists, gathers arrays of refs to one model into RefLists.
 */
function encoder<Wire extends Uint8Array | string>(format: Format<Wire>, loaders: Loaders, limits: Limits): (value: unknown) => Wire {
  let lastKnown: string | undefined; // refs of one list share their model: check it once
  const counted = (r: ModelRef, count: number): ModelRef => {
    if (count > limits.maxRefs) throw tooManyRefs(limits.maxRefs);
    if (r.model !== lastKnown) {
      if (!Object.hasOwn(loaders, r.model)) throw unknownModel([r.model], loaders, [r]);
      lastKnown = r.model;
    }
    return r;
  };
  const lists = format.lists === true ? (array: unknown[]): unknown => refList(array) ?? array : undefined;
  return (value) => {
    let count = 0;
    const refs = walk(value, {
      ref: (r) => counted(r, ++count),
      row: (_row, r) => counted(r, ++count),
      ...(lists === undefined ? {} : { array: lists }),
      leaf: (leaf) => checkLeaf(format.name, leaf),
    }, limits.maxDepth);
    try {
      return format.encode(refs);
    } catch (cause) {
      if (cause instanceof CerealError) throw cause;
      throw new CerealError('MALFORMED', `[${format.name}] cannot encode the value: ${describe(cause)}`, { cause });
    }
  };
}

/** The most digits of a bigint value every format reads back (JSON and YAML read 1000). */
const MAX_BIGINT = 10n ** 1000n;

/** A leaf encode refuses: a function or a symbol (formats would drop it silently), a bigint no format reads back. */
function checkLeaf(format: string, leaf: unknown): unknown {
  if (typeof leaf === 'bigint') {
    if (leaf < MAX_BIGINT && leaf > -MAX_BIGINT) return leaf;
    throw new CerealError('MALFORMED', `[${format}] cannot encode a bigint of more than 1000 digits: no format reads it back`);
  }
  throw new CerealError('MALFORMED', `[${format}] cannot encode a ${typeof leaf}: a payload holds data only`);
}

/** serializer.ref: a ref to `row`, with the key its model's loader reads from it. */
function refOfRow(loaders: Loaders, model: string, row: object): ModelRef {
  if (!Object.hasOwn(loaders, model)) throw unknownModel([model], loaders);
  if (row === null || typeof row !== 'object') {
    throw new CerealError('INVALID_REF', `cannot make a ref of model \`${model}\` from ${row === null ? 'null' : typeof row}; pass a row object`);
  }
  let pk: unknown;
  try {
    pk = loaderOf(loaders, model).keyOf(row);
  } catch (cause) {
    throw new CerealError('INVALID_REF', `the row has no usable key for model \`${model}\``, { cause });
  }
  return new ModelRef(model, pk as never);
}
