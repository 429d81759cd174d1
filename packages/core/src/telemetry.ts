import { createRequire } from 'node:module';
// Types only: erased from the output. The API itself is loaded at run time, when present.
import type * as Otel from '@opentelemetry/api';
import { CerealError } from './error.js';

/**
 * OpenTelemetry spans and metrics of decodes, through `@opentelemetry/api`, an optional peer
 * dependency. Without it every hook is off: a serializer holds no Telemetry, and the decode path
 * checks one `undefined`. With it, spans and instruments come from the global providers, looked
 * up on each decode, so a provider registered after the serializer was made is used.
 *
 * Spans: `cereal.decode` (one per decode) and `cereal.decodeMany` (one per call), each with a
 * `cereal.load` child per `load` it issued (active while the loader runs, so a database
 * driver's spans nest under it). Metrics: `cereal.decode.duration` (ms), `cereal.refs`,
 * `cereal.loads` and `cereal.rows.missing`.
 */

type Api = typeof Otel;

/** The API: loaded on first use; null when it is not installed (or fails to load). */
let api: Api | null | undefined;
/** This package's version, for the tracer's and meter's scope. */
let version: string | undefined;

/** Whether `@opentelemetry/api` was found: the one place that loads it, once, synchronously. */
function loaded(): boolean {
  if (api !== undefined) return api !== null;
  const require = createRequire(import.meta.url);
  try {
    // The API ships CommonJS: require is synchronous, so a serializer knows at once.
    api = require('@opentelemetry/api') as Api;
  } catch {
    api = null;
    return false;
  }
  try {
    const pkg = require('../package.json') as { version?: unknown }; // src/ and dist/ both sit beside it
    if (typeof pkg.version === 'string') version = pkg.version;
  } catch {
    // a bundle without package.json: the scope has no version
  }
  return true;
}

/** The name of the tracer's and meter's scope. */
const SCOPE = '@cereal/core';

/** Histogram buckets for decode durations in ms: a fraction of a millisecond to 10 seconds. */
const DURATION_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

interface Instruments {
  readonly duration: Otel.Histogram;
  readonly refs: Otel.Counter;
  readonly loads: Otel.Counter;
  readonly missing: Otel.Counter;
}

// The tracer and instruments of the global providers, made again only when a provider changes.
let tracerOf: unknown;
let tracer: Otel.Tracer | undefined;
let meterOf: unknown;
let instruments: Instruments | undefined;

function currentTracer(otel: Api): Otel.Tracer {
  const global = otel.trace.getTracerProvider();
  // The global provider is a proxy whose delegate is what was registered: key the cache on that.
  const provider = typeof (global as Partial<Otel.ProxyTracerProvider>).getDelegate === 'function' ? (global as Otel.ProxyTracerProvider).getDelegate() : global;
  if (tracer === undefined || provider !== tracerOf) {
    tracer = provider.getTracer(SCOPE, version);
    tracerOf = provider;
  }
  return tracer;
}

function currentInstruments(otel: Api): Instruments {
  const provider = otel.metrics.getMeterProvider();
  if (instruments === undefined || provider !== meterOf) {
    const meter = provider.getMeter(SCOPE, version);
    instruments = {
      duration: meter.createHistogram('cereal.decode.duration', {
        unit: 'ms',
        description: 'How long a decode took: parsing, loading and substituting rows',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      refs: meter.createCounter('cereal.refs', { unit: '{ref}', description: 'Refs decoded (every occurrence)' }),
      loads: meter.createCounter('cereal.loads', { unit: '{statement}', description: 'Loads issued (a statement each for a SQL loader), by model' }),
      missing: meter.createCounter('cereal.rows.missing', { unit: '{row}', description: 'Refs whose row was missing when decoded, by model' }),
    };
    meterOf = provider;
  }
  return instruments;
}

type Operation = 'decode' | 'decodeMany';

// The interfaces hydrate and the serializer see: no OpenTelemetry type in them, so the
// declarations core ships (hydrate.d.ts names Trace) never need @opentelemetry/api.

/** A serializer's telemetry. */
export interface Telemetry {
  /** A span for one decode (or one decodeMany call), a child of the active context. */
  start(operation: Operation): Trace;
}

/**
 * One decode's span and counts (or one decodeMany call's, summed over its payloads). Hydrate
 * reports what it collects, loads and finds missing; `end` sets the span's attributes and
 * records the metrics.
 */
export interface Trace {
  /** Ref occurrences. */
  refs: number;
  /** Models referred to, and unique keys among their refs. */
  models: number;
  keys: number;
  /** Loads issued: this decode's, or, coalesced, its batch's. */
  statements: number;
  /** decodeMany: payloads, and how many of them failed. */
  payloads: number;
  failed: number;
  /** Counts one payload's bytes (only while the span records: a string's UTF-8 length costs a pass over it). */
  read(wire: unknown): void;
  /** Runs one `load`, in a `cereal.load` span when the decode's span records. */
  load<R>(model: string, keys: number, run: () => Promise<R>): Promise<R>;
  /** Counts `rows` missing rows of `model`. */
  missed(model: string, rows: number): void;
  /** Makes this decode, the first of a coalesced batch, the parent of the batch's loads, linked to the others. */
  lead(batch: readonly (Trace | undefined)[]): void;
  /** A coalesced decode: its batch's size and the loads the batch issued. */
  batched(first: Trace, decodes: number): void;
  /** Ends the span (failed when `err` is given) and records the metrics. */
  end(err?: unknown): void;
}

/**
 * The telemetry of one serializer: its format, whether it coalesces, and the attribute sets it
 * reuses on every decode.
 *
 * @param option - the serializer's `telemetry` option: `false` turns it off
 * @returns undefined when off, or when `@opentelemetry/api` is not installed
 */
export function telemetryFor(option: unknown, format: string, coalesced: boolean): Telemetry | undefined {
  if (option !== undefined && option !== true && option !== false) {
    throw new CerealError('INVALID_OPTION', '`telemetry` must be false (to emit no spans or metrics) or left out');
  }
  if (option === false || !loaded()) return undefined;
  return new SerializerTelemetry(api!, format, coalesced);
}

class SerializerTelemetry implements Telemetry {
  readonly api: Api;
  readonly format: string;
  readonly coalesced: boolean;
  /** Start options of the decode spans (the SDK copies attributes; the object is shared). */
  readonly startOptions: Otel.SpanOptions;
  /** Metric attributes, made once: the format; the ok outcome of each operation. */
  readonly formatAttributes: Otel.Attributes;
  readonly #ok: Record<Operation, Otel.Attributes>;
  readonly #models = new Map<string, Otel.Attributes>();

  constructor(otel: Api, format: string, coalesced: boolean) {
    this.api = otel;
    this.format = format;
    this.coalesced = coalesced;
    this.startOptions = { attributes: { 'cereal.format': format, 'cereal.coalesced': coalesced } };
    this.formatAttributes = { 'cereal.format': format };
    this.#ok = { decode: this.#attributes('decode', 'ok'), decodeMany: this.#attributes('decodeMany', 'ok') };
  }

  start(operation: Operation): Trace {
    return new DecodeTrace(this, operation);
  }

  /** The attributes of `cereal.decode.duration` for an outcome: `ok` or an error code. */
  outcome(operation: Operation, outcome: string): Otel.Attributes {
    return outcome === 'ok' ? this.#ok[operation] : this.#attributes(operation, outcome);
  }

  #attributes(operation: Operation, outcome: string): Otel.Attributes {
    return { 'cereal.format': this.format, 'cereal.operation': operation, 'cereal.outcome': outcome, 'cereal.coalesced': this.coalesced };
  }

  /** `{ cereal.model }`, made once per model. */
  model(model: string): Otel.Attributes {
    let attributes = this.#models.get(model);
    if (attributes === undefined) this.#models.set(model, (attributes = { 'cereal.model': model }));
    return attributes;
  }
}

/** UTF-8 bytes of a payload; undefined for what is not one (a hostile wire the read refuses). */
export function payloadBytes(wire: unknown): number | undefined {
  if (typeof wire === 'string') return Buffer.byteLength(wire, 'utf8');
  return wire instanceof Uint8Array ? wire.byteLength : undefined;
}

/**
 * Runs telemetry work whose failure is dropped: a span processor, tracer, meter or exporter
 * that throws (the SDK's and the application's code) never changes a decode's outcome.
 */
function quietly(work: () => void): void {
  try {
    work();
  } catch {
    // telemetry is an observer: the decode goes on as it would without it
  }
}

/** The code of what failed: a CerealError's, else UNKNOWN. */
const codeOf = (err: unknown): string => (err instanceof CerealError ? err.code : 'UNKNOWN');

/** Marks a span failed: the exception, status ERROR, `cereal.error.code`. */
function fail(span: Otel.Span, otel: Api, err: unknown, code: string): void {
  if (!span.isRecording()) return;
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  span.setAttribute('cereal.error.code', code);
}

class DecodeTrace implements Trace {
  readonly #t: SerializerTelemetry;
  readonly #operation: Operation;
  readonly #span: Otel.Span;
  /** The context the decode started in (its parent), and the decode span's (made at the first load). */
  readonly #parent: Otel.Context;
  #context: Otel.Context | undefined;
  readonly #start = performance.now();
  /** For a batch's loads: links to the other decodes of the batch. */
  #links: Otel.Link[] | undefined;
  refs = 0;
  models = 0;
  keys = 0;
  statements = 0;
  /** Refs whose row was missing. */
  missing = 0;
  /** Coalesced: how many decodes its batch held. */
  batch = 0;
  payloads = 0;
  failed = 0;
  /** Payload bytes (decodeMany: all of them), when the span records. */
  bytes = 0;

  constructor(t: SerializerTelemetry, operation: Operation) {
    this.#t = t;
    this.#operation = operation;
    let parent: Otel.Context = t.api.ROOT_CONTEXT;
    let span: Otel.Span;
    try {
      parent = t.api.context.active();
      span = currentTracer(t.api).startSpan(`cereal.${operation}`, t.startOptions, parent);
    } catch {
      span = t.api.trace.wrapSpanContext(t.api.INVALID_SPAN_CONTEXT); // records nothing
    }
    this.#parent = parent;
    this.#span = span;
  }

  /** True when the decode's span records; false when it does not, or cannot say. */
  #recording(): boolean {
    try {
      return this.#span.isRecording();
    } catch {
      return false;
    }
  }

  /** Counts one payload's bytes (only while the span records: a string's UTF-8 length costs a pass over it). */
  read(wire: unknown): void {
    if (this.#recording()) this.bytes += payloadBytes(wire) ?? 0;
  }

  /**
   * Runs one `load` as a `cereal.load` span, a child of this decode's, active while the loader
   * runs. Coalesced, the batch's loads run here on the trace of the decode that opened the
   * batch, linked to the others (see `lead`). When the decode's span does not
   * record (no SDK registered, or sampled out) the load gets no span: its child would not
   * record either, and the context work would cost more than the rest of the telemetry.
   */
  load<R>(model: string, keys: number, run: () => Promise<R>): Promise<R> {
    this.statements++;
    quietly(() => currentInstruments(this.#t.api).loads.add(1, this.#t.model(model)));
    return this.#recording() ? this.#spanned(model, keys, run) : run();
  }

  async #spanned<R>(model: string, keys: number, run: () => Promise<R>): Promise<R> {
    const { api: otel } = this.#t;
    let span: Otel.Span;
    let context: Otel.Context;
    try {
      const parent = (this.#context ??= otel.trace.setSpan(this.#parent, this.#span));
      const options: Otel.SpanOptions = { attributes: { 'cereal.model': model, 'cereal.keys': keys } };
      if (this.#links !== undefined) options.links = this.#links;
      span = currentTracer(otel).startSpan('cereal.load', options, parent);
      context = otel.trace.setSpan(parent, span);
    } catch {
      return run(); // no span: the load runs as it would without telemetry
    }
    // The load's own promise, not what the context manager returns (one that drops or replaces
    // it must not change the rows, nor leave the load's rejection unheard).
    let ran = false;
    let loading: Promise<R> | undefined;
    try {
      otel.context.with(context, () => {
        ran = true;
        loading = (async () => run())(); // a loader that throws at once: a rejection, as without telemetry
        return loading;
      });
    } catch {
      // the context manager failed, before or after it ran the load
    }
    let rows: R;
    try {
      rows = await (ran ? loading! : run());
    } catch (err) {
      quietly(() => fail(span, otel, err, err instanceof CerealError ? err.code : 'LOAD_FAILED')); // hydrate makes anything else LOAD_FAILED
      quietly(() => span.end());
      throw err;
    }
    quietly(() => {
      if (span.isRecording()) span.setAttribute('cereal.rows', Array.isArray(rows) ? rows.length : 0);
    });
    quietly(() => span.end());
    return rows;
  }

  /** Counts `rows` missing rows of `model`. */
  missed(model: string, rows: number): void {
    this.missing += rows;
    quietly(() => currentInstruments(this.#t.api).missing.add(rows, this.#t.model(model)));
  }

  /**
   * Makes this decode, the first of a coalesced batch, the parent of the batch's loads, with a
   * link to each other decode's span: a trace shows the statements under the decode that opened
   * the batch, and every other decode is one link away.
   */
  lead(batch: readonly (Trace | undefined)[]): void {
    if (batch.length < 2 || !this.#recording()) return;
    const links: Otel.Link[] = [];
    quietly(() => {
      for (const other of batch) if (other instanceof DecodeTrace && other !== this) links.push({ context: other.#span.spanContext() });
      this.#links = links;
    });
  }

  /** A coalesced decode: its batch's size and the loads the batch issued. */
  batched(first: Trace, decodes: number): void {
    this.batch = decodes;
    this.statements = first.statements;
  }

  /** Ends the span (failed when `err` is given) and records the metrics. */
  end(err?: unknown): void {
    const code = err === undefined ? 'ok' : codeOf(err);
    quietly(() => this.#record(code));
    quietly(() => this.#describe(err, code));
    quietly(() => this.#span.end());
  }

  /** The decode's metrics. */
  #record(code: string): void {
    const t = this.#t;
    const metrics = currentInstruments(t.api);
    if (this.refs > 0) metrics.refs.add(this.refs, t.formatAttributes);
    metrics.duration.record(performance.now() - this.#start, t.outcome(this.#operation, code));
  }

  /** The span's attributes, and its failure. */
  #describe(err: unknown, code: string): void {
    const span = this.#span;
    if (!span.isRecording()) return;
    span.setAttributes({
      'cereal.refs': this.refs,
      'cereal.models': this.models,
      'cereal.keys': this.keys,
      'cereal.statements': this.statements,
      'cereal.rows.missing': this.missing,
      'cereal.bytes': this.bytes,
    });
    if (this.batch > 0) span.setAttribute('cereal.batch.decodes', this.batch);
    if (this.#operation === 'decodeMany') span.setAttributes({ 'cereal.payloads': this.payloads, 'cereal.payloads.failed': this.failed });
    if (err !== undefined) fail(span, this.#t.api, err, code);
  }
}
