import { CerealError, describe } from './error.js';
import type { Format } from './format.js';
import { hydrateManyWith, hydrateWith, type Settled } from './hydrate.js';
import { Coalescer, coalesceSettings, type CoalesceOption } from './coalesce.js';
import { loaderOf, tooManyRefs, unknownModel } from './_checks.js';
import type { Loader, Loaders } from './loader.js';
import type { Encodable, Hydrated, MissingMode, Payload, Ref, RowOf, WireOf } from './types.js';
import { positive, resolveOptions, type Limits } from './_options.js';
import type { DecodeOptions } from './options.js';
import { refList } from './list.js';
import { matchKey } from './key.js';
import { ModelRef } from './ref.js';
import { walk } from './walk.js';
import { checkVersion, type Version } from './version.js';
import { checkSize, wireError } from './wire.js';
import { telemetryFor, type Telemetry, type Trace } from './telemetry.js';

/** What a missing row becomes in Hydrated, for a `missing` option. */
export type MissingOf<D extends MissingMode> = D extends 'null' ? null : D extends 'keep' ? ModelRef : never;

/**
 * A format and a loader map joined: encode values with refs, decode them to fresh rows. `L` is
 * the loader map's type: it decides the row types `decode` returns. `D` is the serializer's
 * `missing` option, for what a missing row becomes.
 */
export interface Serializer<Wire extends Uint8Array | string = Uint8Array | string, L extends Loaders = Loaders, D extends MissingMode = MissingMode> {
  /** The format's name: `msgpack`, `json` or `yaml`. */
  readonly format: string;
  /**
   * @param value - a value of the job type `T` (inferred, or named: `encode<Job>(…)`), where a
   *   `Ref<M>` position also takes a row of `M` that hydrate returned (it becomes its ref again)
   * @returns the wire form, carrying `T` in its type for `decode`
   * @throws CerealError `UNKNOWN_MODEL` for a ref to a model outside the loader map, `LIMIT`,
   *   `MALFORMED` when the format cannot write a value
   */
  encode<T = unknown>(value: Encodable<T, L>): Payload<Wire, T>;
  /**
   * @param wire - the wire form; may be hostile. A payload `encode` returned carries its type;
   *   for bytes from a queue, name it: `decode<Job>(bytes)` (everything is still checked at run time)
   * @param options - overrides the serializer's options for this call
   * @returns the value with every ref replaced by its fresh row
   */
  decode<T = unknown>(wire: Payload<Wire, T>, options: DecodeOptions & { missing: 'null' }): Promise<Hydrated<T, L, null>>;
  decode<T = unknown>(wire: Payload<Wire, T>, options: DecodeOptions & { missing: 'keep' }): Promise<Hydrated<T, L, ModelRef>>;
  decode<T = unknown>(wire: Payload<Wire, T>, options: DecodeOptions & { missing: 'throw' }): Promise<Hydrated<T, L>>;
  decode<T = unknown>(wire: Payload<Wire, T>, options?: DecodeOptions & { missing?: undefined }): Promise<Hydrated<T, L, MissingOf<D>>>;
  /** Options whose `missing` is not a literal: a missing row may be any of what the modes give. */
  decode<T = unknown>(wire: Payload<Wire, T>, options?: DecodeOptions): Promise<Hydrated<T, L, MissingOf<D> | null | ModelRef>>;
  /**
   * Decodes many payloads together (the jobs of one batch): one `load` per model for all of them,
   * and a result per payload, as Promise.allSettled gives it. A payload's own failure (malformed,
   * a missing row, an unknown model) fails that payload only; a model whose load fails fails the
   * payloads that refer to it. Each payload gets its own row objects.
   * @param wires - the payloads; each may be hostile and is limited as `decode` limits one
   * @param options - overrides the serializer's options for every payload
   */
  decodeMany<T = unknown>(wires: readonly Payload<Wire, T>[], options: DecodeOptions & { missing: 'null' }): Promise<Settled<Hydrated<T, L, null>>[]>;
  decodeMany<T = unknown>(wires: readonly Payload<Wire, T>[], options: DecodeOptions & { missing: 'keep' }): Promise<Settled<Hydrated<T, L, ModelRef>>[]>;
  decodeMany<T = unknown>(wires: readonly Payload<Wire, T>[], options: DecodeOptions & { missing: 'throw' }): Promise<Settled<Hydrated<T, L>>[]>;
  decodeMany<T = unknown>(wires: readonly Payload<Wire, T>[], options?: DecodeOptions & { missing?: undefined }): Promise<Settled<Hydrated<T, L, MissingOf<D>>>[]>;
  decodeMany<T = unknown>(wires: readonly Payload<Wire, T>[], options?: DecodeOptions): Promise<Settled<Hydrated<T, L, MissingOf<D> | null | ModelRef>>[]>;
  /**
   * @param model - a model of the loader map
   * @param row - a row of that model; its key is taken with the loader's `keyOf`
   * @returns a ref to that row, pinned to the row's version when the model's loader reads one
   * @throws CerealError `UNKNOWN_MODEL`, or `INVALID_REF` when the row has no usable key (or version)
   */
  ref<M extends keyof L & string>(model: M, row: RowOf<L[M]>): Ref<M>;
}

/** Options of {@link createSerializer}: a format, loaders, and default decode options. */
export type SerializerOptions<F extends Format, L extends Loaders, D extends MissingMode = 'throw'> = {
  /** The wire format, e.g. `msgpackFormat()`, or one chosen at run time. */
  format: F;
  /** Loaders by model name. */
  loaders: L;
  /** What a missing row becomes; see HydrateOptions. @default 'throw' */
  missing?: D;
  /**
   * `refs-only`: encoding an object that has the key of a model of the loader map but is not a
   * row hydrate returned (a copy made with `{ ...row }` or structuredClone, which would be
   * written in full, every column) is `INVALID_REF`. Copies of rows lose the tag that makes a
   * row travel as its ref.
   * @default 'any'
   */
  rows?: 'any' | 'refs-only';
  /**
   * Merges the loads of decodes that start within one window (the jobs a worker runs at the same
   * time) into one `load` per model, keys deduplicated; each decode still gets its own result:
   * its own row objects, its own `MISSING_ROW`, the failure of a load it needed and no other's.
   * `true`: a window of 2 ms; `{ window }`: milliseconds, 0 for the current I/O turn only
   * (setImmediate); `maxBatch` hydrates a batch at once when it holds that many decodes
   * (default 1000). Decodes with different hydrate options (`missing`, `consistency`, `maxRefs`,
   * `maxDepth`) are batched apart. Each decode waits up to the window for others: off by default.
   * `decodeMany` is not coalesced (it is one batch already).
   * @default false
   */
  coalesce?: CoalesceOption;
  /**
   * OpenTelemetry: when `@opentelemetry/api` is installed, every decode is a `cereal.decode`
   * span (a `cereal.decodeMany` span per decodeMany call) with a `cereal.load` child per load,
   * and records the `cereal.decode.duration`, `cereal.refs`, `cereal.loads` and
   * `cereal.rows.missing` metrics, through the global tracer and meter providers (nothing is
   * recorded until an SDK registers them). `false` turns it off for this serializer. Without
   * the API there is nothing to turn off.
   * @default on when `@opentelemetry/api` is installed
   */
  telemetry?: false;
} & Omit<DecodeOptions, 'missing'>;

/**
 * Joins a format and a loader map.
 *
 * @example
 * const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) })
 * const wire = cereal.encode({ user: ref('users', 42) })
 * const { user } = await cereal.decode(wire)   // the users row as it is now
 */
export function createSerializer<F extends Format, L extends Loaders, D extends MissingMode = 'throw'>(options: SerializerOptions<F, L, D>): Serializer<WireOf<F>, L, D> {
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
  if (options.rows !== undefined && options.rows !== 'any' && options.rows !== 'refs-only') {
    throw new CerealError('INVALID_OPTION', `\`rows\` must be 'any' or 'refs-only', got ${describe(options.rows, 40)}`);
  }
  const settings = coalesceSettings(options.coalesce);
  const coalescer = settings === undefined ? undefined : new Coalescer(loaders, settings);
  // undefined when off or when @opentelemetry/api is not installed: then decodes run as they would without it
  const telemetry = telemetryFor(options.telemetry, format.name, coalescer !== undefined);
  const decode = async (wire: Uint8Array | string, callOptions: DecodeOptions | undefined, trace?: Trace): Promise<unknown> => {
    const callLimits = callOptions === undefined ? limits : resolveOptions(callOptions, limits);
    trace?.read(wire);
    const value = read(format, wire, callLimits);
    if (coalescer !== undefined) return coalescer.hydrate(value, callLimits, trace);
    return hydrateWith(value, loaders, callLimits, trace);
  };
  const decodeMany = async (wires: readonly (Uint8Array | string)[], callOptions: DecodeOptions | undefined, trace?: Trace): Promise<Settled<unknown>[]> => {
    const callLimits = callOptions === undefined ? limits : resolveOptions(callOptions, limits);
    if (!Array.isArray(wires)) throw new CerealError('INVALID_OPTION', `decodeMany takes an array of payloads, got ${describe(wires, 40)}`);
    if (trace !== undefined) trace.payloads = wires.length;
    const out: Settled<unknown>[] = new Array(wires.length);
    const values: unknown[] = [];
    const at: number[] = [];
    let since = performance.now();
    for (let i = 0; i < wires.length; i++) {
      // Parsing a batch is synchronous work: between payloads, let the event loop run once it
      // has held it a while (a batch of megabyte payloads would stall timers for seconds).
      if (performance.now() - since > 20) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        since = performance.now();
      }
      trace?.read(wires[i]);
      try {
        values.push(read(format, wires[i], callLimits));
        at.push(i);
      } catch (err) {
        out[i] = { status: 'rejected', reason: err as CerealError };
      }
    }
    const hydrated = await hydrateManyWith(values, loaders, callLimits, trace);
    for (let j = 0; j < at.length; j++) out[at[j]!] = hydrated[j]!;
    if (trace !== undefined) for (const result of out) if (result.status === 'rejected') trace.failed++;
    return out;
  };
  const serializer = {
    format: format.name,
    encode: encoder(format, loaders, limits, options.rows === 'refs-only'),
    decode: (wire: Uint8Array | string, callOptions?: DecodeOptions): Promise<unknown> =>
      telemetry === undefined ? decode(wire, callOptions) : traced(telemetry, 'decode', (trace) => decode(wire, callOptions, trace)),
    decodeMany: (wires: readonly (Uint8Array | string)[], callOptions?: DecodeOptions): Promise<Settled<unknown>[]> =>
      telemetry === undefined ? decodeMany(wires, callOptions) : traced(telemetry, 'decodeMany', (trace) => decodeMany(wires, callOptions, trace)),
    ref: (model: string, row: object) => refOfRow(loaders, model, row),
  };
  // The typed surface (Encodable, Payload, Hydrated) is a view of what the runtime checks: the
  // type tests (test/types.check.ts) hold it to the behaviour.
  return serializer as unknown as Serializer<WireOf<F>, L, D>;
}

/** `run` in a span of its own: ended when it settles, failed when it rejects. */
async function traced<T>(telemetry: Telemetry, operation: 'decode' | 'decodeMany', run: (trace: Trace) => Promise<T>): Promise<T> {
  const trace = telemetry.start(operation);
  let out: T;
  try {
    out = await run(trace);
  } catch (err) {
    trace.end(err);
    throw err;
  }
  trace.end();
  return out;
}

/** One payload through its format, under the limits: the value with ModelRefs, or a CerealError. */
function read(format: Format, wire: unknown, limits: Limits): unknown {
  if (typeof wire === 'string' || wire instanceof Uint8Array) checkSize(format.name, wire, limits.maxBytes);
  try {
    return format.decode(wire as Uint8Array | string, { maxDepth: limits.maxDepth, maxRefs: limits.maxRefs });
  } catch (cause) {
    throw wireError(format.name, cause); // a CerealError the format threw passes as it is
  }
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
function encoder(format: Format, loaders: Loaders, limits: Limits, refsOnly: boolean): (value: unknown) => Uint8Array | string {
  let lastKnown: string | undefined; // refs of one list share their model: check it once
  let arity: number | undefined; // the key parts of lastKnown's loader, when it says
  const counted = (r: ModelRef, count: number): ModelRef => {
    if (count > limits.maxRefs) throw tooManyRefs(limits.maxRefs);
    if (r.model !== lastKnown) {
      if (!Object.hasOwn(loaders, r.model)) throw unknownModel([r.model], loaders, [r]);
      lastKnown = r.model;
      arity = loaders[r.model]?.arity;
    }
    // A key of the wrong shape would fail only in the worker: refused where it is written.
    if (arity !== undefined && (Array.isArray(r.pk) ? r.pk.length : 1) !== arity) {
      throw new CerealError('INVALID_REF', `model \`${r.model}\` has a key of ${arity} part${arity === 1 ? '' : 's'}; \`${r.key}\` does not`, { refs: [r] });
    }
    return r;
  };
  const lists = format.lists === true ? (array: unknown[]): unknown => refList(array) ?? array : undefined;
  return (value) => {
    let count = 0;
    const refs = walk(value, {
      ref: (r) => counted(r, ++count),
      row: (row, r) => counted(repin(loaders, row, r), ++count),
      ...(lists === undefined ? {} : { array: lists }),
      leaf: (leaf) => checkLeaf(format.name, leaf),
      instance: foreignRef,
      ...(refsOnly ? { object: (object: object) => refuseCopies(loaders, object) } : {}),
    }, limits.maxDepth);
    try {
      return format.encode(refs);
    } catch (cause) {
      if (cause instanceof CerealError) throw cause;
      throw new CerealError('MALFORMED', `[${format.name}] cannot encode the value: ${describe(cause)}`, { cause });
    }
  };
}

/**
 * A hydrated row on its way back to the wire: pinned to the version it has now when its model's
 * loader reads versions (the row may have been loaded under an older pin, or none), else its ref
 * as it was.
 */
function repin(loaders: Loaders, row: object, r: ModelRef): ModelRef {
  const loader = Object.hasOwn(loaders, r.model) ? loaders[r.model] : undefined;
  if (typeof loader?.versionOf !== 'function') return r;
  const version = versionOf(loader, r.model, row);
  return version === r.version ? r : new ModelRef(r.model, r.pk, version);
}

/** A row's version through its loader, for a ref made from the row: what the loader cannot read is INVALID_REF. */
function versionOf(loader: Loader<object>, model: string, row: object): Version | undefined {
  let version: unknown;
  try {
    version = loader.versionOf!(row);
  } catch (cause) {
    throw new CerealError('INVALID_REF', `the row has no usable version for model \`${model}\``, { cause });
  }
  // undefined: the row was read without its version (`returning('id')`); a ref made from it
  // would go unpinned and lose the guarantee the version column is there for
  if (version === undefined) {
    throw new CerealError('INVALID_REF', `the row of model \`${model}\` has no version: its loader reads one (\`version\`), so make refs from rows that carry it (select or return that column too, e.g. \`returning('*')\`), or ref('${model}', key) for an unpinned ref`);
  }
  if (version === null) return undefined; // a row whose version column is null: unpinned
  checkVersion(version, `the row of model \`${model}\``);
  return version;
}

/**
 * A ModelRef of another copy of @cereal/core (two versions installed) is not one to this copy:
 * it would be written as an object, or fail in JSON.stringify with a message that points the
 * wrong way. Named for what it is.
 */
function foreignRef(value: object): unknown {
  if (value.constructor?.name === 'ModelRef' && 'model' in value && 'pk' in value) {
    throw new CerealError('INVALID_REF', 'a ref made by another copy of @cereal/core: install one copy (`npm ls @cereal/core`, then `npm dedupe`)');
  }
  return value;
}

/**
 * Under `rows: 'refs-only'`: an object that has the key of a model of the map, but is not a row
 * hydrate returned, is a copy of a row (`{ ...row }`, structuredClone), which would be written
 * in full. (A row hydrate returned never gets here: the walk hands it to `row` first.)
 */
function refuseCopies(loaders: Loaders, object: object): void {
  for (const model of Object.keys(loaders)) {
    let pk: unknown;
    try {
      pk = loaders[model]!.keyOf(object);
    } catch {
      continue; // not a row of this model
    }
    if (matchKey(pk) === undefined) continue;
    throw new CerealError('INVALID_REF', `an object with the key of model \`${model}\` is not a row hydrate returned (a copy loses the tag that makes a row travel as its ref), and would be written in full; pass the row itself or ref('${model}', key), or leave \`rows\` at 'any'`);
  }
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
  const loader = loaderOf(loaders, model);
  return new ModelRef(model, pk as never, typeof loader.versionOf === 'function' ? versionOf(loader, model, row) : undefined);
}
