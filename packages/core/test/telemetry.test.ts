import { AsyncLocalStorage } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { context, metrics, trace, ROOT_CONTEXT, SpanStatusCode, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { CerealError, createSerializer, ref } from '../src/index.js';
import { defineFormat } from '../src/format/index.js';
import { memoryFormat, memoryLoader, rejects, type MemoryLoader } from '@cereal/testkit';

/** A context manager over AsyncLocalStorage (what @opentelemetry/context-async-hooks does), so active spans follow awaits. */
class StorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
let reader: PeriodicExportingMetricReader;
let tracerProvider: BasicTracerProvider;
let meterProvider: MeterProvider;

const users = () => memoryLoader(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` })));
const posts = () => memoryLoader([{ id: 1, title: 'hello' }]);

const named = (name: string): ReadableSpan[] => spans.getFinishedSpans().filter((s) => s.name === name);
const one = (name: string): ReadableSpan => {
  const found = named(name);
  assert.is(found.length, 1, `one ${name} span, got ${found.length}`);
  return found[0]!;
};
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
const loadsOf = (decode: ReadableSpan): ReadableSpan[] => named('cereal.load').filter((s) => parentOf(s) === idOf(decode));
const byModel = (loads: ReadableSpan[]): Record<string, ReadableSpan['attributes']> => Object.fromEntries(loads.map((s) => [s.attributes['cereal.model'], s.attributes]));

/** Metric data points by instrument name, since the last call (delta temporality). */
async function collect(): Promise<Map<string, DataPoint<unknown>[]>> {
  await reader.forceFlush();
  const out = new Map<string, DataPoint<unknown>[]>();
  for (const resource of metricExporter.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      if (scope.scope.name !== '@cereal/core') continue;
      for (const metric of scope.metrics) out.set(metric.descriptor.name, [...(out.get(metric.descriptor.name) ?? []), ...(metric.dataPoints as DataPoint<unknown>[])]);
    }
  }
  metricExporter.reset();
  return out;
}
/** The sum of a counter's points whose attributes include `where`. */
const sum = (points: DataPoint<unknown>[] | undefined, where: Record<string, unknown> = {}): number =>
  (points ?? []).filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + (p.value as number), 0);

const Telemetry = suite('telemetry: OpenTelemetry spans and metrics of decodes');

Telemetry.before(() => {
  tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new StorageContextManager());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
});

Telemetry.before.each(async () => {
  await collect(); // drop what an earlier test recorded
  spans.reset();
});

Telemetry.after(async () => {
  // other suites of the run decode without an SDK, as an application without one does
  trace.disable();
  metrics.disable();
  context.disable();
  await tracerProvider.shutdown();
  await meterProvider.shutdown();
});

Telemetry('a decode: one cereal.decode span (a child of the active span) with its counts, a cereal.load child per model, active while the loader runs', async () => {
  const u = users();
  const p = posts();
  const active: (string | undefined)[] = [];
  const load = u.load.bind(u);
  u.load = (pks, ctx) => {
    active.push((trace.getActiveSpan() as unknown as ReadableSpan | undefined)?.name);
    return load(pks, ctx);
  };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p } });
  const wire = cereal.encode({ a: ref('users', 1), b: ref('users', 1), c: [ref('users', 2), ref('users', 3)], p: ref('posts', 1), q: ref('posts', 1) });
  await trace.getTracer('test').startActiveSpan('job', async (job) => {
    await cereal.decode(wire);
    job.end();
  });
  const decode = one('cereal.decode');
  assert.is(parentOf(decode), idOf(one('job')), 'the decode span is a child of the span active at decode');
  assert.equal(decode.attributes, {
    'cereal.format': 'memory',
    'cereal.coalesced': false,
    'cereal.bytes': Buffer.byteLength(wire),
    'cereal.refs': 6,
    'cereal.models': 2,
    'cereal.keys': 4,
    'cereal.statements': 2,
    'cereal.rows.missing': 0,
  });
  assert.is(decode.status.code, SpanStatusCode.UNSET);
  assert.is(decode.instrumentationScope.name, '@cereal/core');
  assert.is(decode.instrumentationScope.version, '0.1.0');
  const loads = loadsOf(decode);
  assert.is(loads.length, 2, 'one load span per model, children of the decode');
  assert.equal(byModel(loads), {
    users: { 'cereal.model': 'users', 'cereal.keys': 3, 'cereal.rows': 3 },
    posts: { 'cereal.model': 'posts', 'cereal.keys': 1, 'cereal.rows': 1 },
  });
  assert.equal(active, ['cereal.load'], "the loader runs with its load span active (a driver's spans nest under it)");
});

Telemetry('MISSING_ROW: the decode span is failed, with the code, the exception and the rows missing', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users(), posts: posts() } });
  const err = await rejects(() => cereal.decode(cereal.encode({ a: ref('users', 1), b: [ref('users', 98), ref('users', 99), ref('users', 99)], p: ref('posts', 7) })));
  assert.is(err.code, 'MISSING_ROW');
  const decode = one('cereal.decode');
  assert.is(decode.status.code, SpanStatusCode.ERROR);
  assert.is(decode.status.message, err.message);
  assert.is(decode.attributes['cereal.error.code'], 'MISSING_ROW');
  assert.is(decode.attributes['cereal.rows.missing'], 3, 'unique keys missing: users:98, users:99, posts:7');
  assert.is(decode.attributes['cereal.refs'], 5);
  assert.is(decode.attributes['cereal.keys'], 4);
  const exception = decode.events.find((e) => e.name === 'exception');
  assert.ok(exception, 'the exception is recorded');
  assert.is(exception.attributes?.['exception.message'], err.message);
  assert.is(exception.attributes?.['exception.type'], 'MISSING_ROW', "the SDK names an exception's type by its `code`");
  const loads = byModel(loadsOf(decode));
  assert.is(loads.users?.['cereal.rows'], 1, 'users returned one row of three');
  assert.is(loads.posts?.['cereal.rows'], 0);
  for (const load of loadsOf(decode)) assert.is(load.status.code, SpanStatusCode.UNSET, 'the loads themselves succeeded');
});

Telemetry('a load that fails: its load span and the decode span are failed, LOAD_FAILED; a malformed payload fails before any load', async () => {
  const u = users();
  const p = posts();
  p.fail = new Error('connection reset');
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p } });
  assert.is((await rejects(() => cereal.decode(cereal.encode([ref('users', 1), ref('posts', 1)])))).code, 'LOAD_FAILED');
  const decode = one('cereal.decode');
  assert.is(decode.attributes['cereal.error.code'], 'LOAD_FAILED');
  const loads = loadsOf(decode);
  const failed = loads.find((s) => s.attributes['cereal.model'] === 'posts')!;
  assert.is(failed.status.code, SpanStatusCode.ERROR);
  assert.is(failed.status.message, 'connection reset');
  assert.is(failed.attributes['cereal.error.code'], 'LOAD_FAILED');
  assert.is(failed.attributes['cereal.rows'], undefined);
  assert.is(loads.find((s) => s.attributes['cereal.model'] === 'users')!.status.code, SpanStatusCode.UNSET);

  spans.reset();
  assert.is((await rejects(() => cereal.decode('not a payload'))).code, 'MALFORMED');
  const malformed = one('cereal.decode');
  assert.is(malformed.attributes['cereal.error.code'], 'MALFORMED');
  assert.is(malformed.attributes['cereal.statements'], 0);
  assert.is(named('cereal.load').length, 0);
});

Telemetry("coalesced decodes: each its own span and counts with the batch's statements and size; the batch's loads under the first decode, linked to the others", async () => {
  const u = users();
  const p = posts();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p }, coalesce: true });
  const wires: string[] = [cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: [ref('users', 1), ref('users', 2)] }), cereal.encode({ u: ref('users', 3), p: ref('posts', 1), missing: ref('users', 99) })];
  const results = await Promise.allSettled(wires.map((w) => cereal.decode(w)));
  assert.equal(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
  assert.is(u.calls.length, 1);
  const decodes = named('cereal.decode');
  assert.is(decodes.length, 3);
  // spans end in the order their decodes settle: match them by their own counts
  const [first, second, third] = [1, 2, 3].map((refs) => decodes.find((s) => s.attributes['cereal.refs'] === refs)!);
  for (const span of [first!, second!, third!]) {
    assert.is(span.attributes['cereal.coalesced'], true);
    assert.is(span.attributes['cereal.batch.decodes'], 3);
    assert.is(span.attributes['cereal.statements'], 2, "the batch's loads: one per model");
  }
  assert.equal([first!, second!, third!].map((s) => [s.attributes['cereal.models'], s.attributes['cereal.keys'], s.attributes['cereal.rows.missing']]), [[1, 1, 0], [1, 2, 0], [2, 3, 1]]);
  assert.is(third!.attributes['cereal.error.code'], 'MISSING_ROW');
  assert.is(second!.status.code, SpanStatusCode.UNSET);
  const loads = named('cereal.load');
  assert.is(loads.length, 2, 'one load span per model for the batch');
  assert.equal(byModel(loads), {
    users: { 'cereal.model': 'users', 'cereal.keys': 4, 'cereal.rows': 3 },
    posts: { 'cereal.model': 'posts', 'cereal.keys': 1, 'cereal.rows': 1 },
  });
  for (const load of loads) {
    assert.is(parentOf(load), idOf(first!), 'a child of the decode that opened the batch');
    assert.equal(load.links.map((l) => l.context.spanId).sort(), [idOf(second!), idOf(third!)].sort(), 'linked to the other decodes');
  }
});

Telemetry("decodeMany: one cereal.decodeMany span with payloads and failures, the batch's models and keys, one load span per model", async () => {
  const u = users();
  const p = posts();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p } });
  const wires = [cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: [ref('users', 2), ref('users', 1)], p: ref('posts', 1) }), 'not a payload', cereal.encode({ u: ref('users', 99) })];
  const out = await cereal.decodeMany(wires);
  assert.equal(out.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'rejected']);
  assert.is(named('cereal.decode').length, 0);
  const many = one('cereal.decodeMany');
  assert.equal(many.attributes, {
    'cereal.format': 'memory',
    'cereal.coalesced': false,
    'cereal.bytes': wires.reduce((n, w) => n + Buffer.byteLength(w), 0),
    'cereal.payloads': 4,
    'cereal.payloads.failed': 2,
    'cereal.refs': 5,
    'cereal.models': 2,
    'cereal.keys': 4,
    'cereal.statements': 2,
    'cereal.rows.missing': 1,
  });
  assert.is(many.status.code, SpanStatusCode.UNSET, "a payload's failure is that payload's, not the call's");
  assert.equal(byModel(loadsOf(many)), {
    users: { 'cereal.model': 'users', 'cereal.keys': 3, 'cereal.rows': 2 },
    posts: { 'cereal.model': 'posts', 'cereal.keys': 1, 'cereal.rows': 1 },
  });
});

Telemetry('metrics: cereal.decode.duration by format, operation, outcome and coalesced; cereal.refs; cereal.loads and cereal.rows.missing by model', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users(), posts: posts() } });
  await cereal.decode(cereal.encode([ref('users', 1), ref('users', 1), ref('posts', 1)]));
  await cereal.decode(cereal.encode({ nothing: true }));
  await rejects(() => cereal.decode(cereal.encode([ref('users', 2), ref('users', 98), ref('users', 99)])));
  await rejects(() => cereal.decode('not a payload'));
  await cereal.decodeMany([cereal.encode(ref('users', 3))]);
  const coalesced = createSerializer({ format: memoryFormat(), loaders: { users: users() }, coalesce: { window: 0 } });
  await Promise.all([coalesced.decode(coalesced.encode(ref('users', 1))), coalesced.decode(coalesced.encode(ref('users', 2)))]);

  const got = await collect();
  const duration = (got.get('cereal.decode.duration') ?? []) as DataPoint<Histogram>[];
  const count = (where: Record<string, unknown>) =>
    duration.filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + p.value.count, 0);
  assert.is(count({ 'cereal.operation': 'decode', 'cereal.outcome': 'ok', 'cereal.coalesced': false, 'cereal.format': 'memory' }), 2);
  assert.is(count({ 'cereal.operation': 'decode', 'cereal.outcome': 'MISSING_ROW' }), 1);
  assert.is(count({ 'cereal.operation': 'decode', 'cereal.outcome': 'MALFORMED' }), 1);
  assert.is(count({ 'cereal.operation': 'decodeMany', 'cereal.outcome': 'ok' }), 1);
  assert.is(count({ 'cereal.operation': 'decode', 'cereal.outcome': 'ok', 'cereal.coalesced': true }), 2);
  assert.is(duration.length, 5, 'one series per attribute set');
  assert.ok(duration.every((p) => p.value.sum! >= 0 && p.value.buckets.boundaries.includes(1)), 'millisecond buckets');
  assert.is(sum(got.get('cereal.refs'), { 'cereal.format': 'memory' }), 3 + 3 + 1 + 2);
  assert.is(sum(got.get('cereal.loads'), { 'cereal.model': 'users' }), 4, 'one per decode that loaded users, one per decodeMany, one for the coalesced batch');
  assert.is(sum(got.get('cereal.loads'), { 'cereal.model': 'posts' }), 1);
  assert.is(sum(got.get('cereal.rows.missing'), { 'cereal.model': 'users' }), 2);
  assert.is(sum(got.get('cereal.rows.missing')), 2);
});

Telemetry('telemetry: false emits no span and no metric; decodes are as they are with it', async () => {
  const loaders = (): { users: MemoryLoader } => ({ users: users() });
  const off = createSerializer({ format: memoryFormat(), loaders: loaders(), telemetry: false, coalesce: true });
  const offMany = createSerializer({ format: memoryFormat(), loaders: loaders(), telemetry: false });
  assert.equal(await off.decode(off.encode({ u: ref('users', 1) })), { u: { id: 1, name: 'user 1' } });
  await rejects(() => off.decode(off.encode(ref('users', 99))));
  assert.equal((await offMany.decodeMany([offMany.encode(ref('users', 2))])).map((r) => r.status), ['fulfilled']);
  assert.is(spans.getFinishedSpans().length, 0);
  assert.is((await collect()).size, 0);
  assert.throws(
    () => createSerializer({ format: memoryFormat(), loaders: loaders(), telemetry: 'off' as never }),
    (err: unknown) => err instanceof CerealError && err.code === 'INVALID_OPTION',
  );
});

Telemetry('a tracer provider registered after the serializer was made is used (the global providers are looked up per decode)', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users() } });
  await cereal.decode(cereal.encode(ref('users', 1)));
  assert.is(named('cereal.decode').length, 1);
  trace.disable();
  await cereal.decode(cereal.encode(ref('users', 1)));
  assert.is(named('cereal.decode').length, 1, 'no provider: nothing recorded');
  const later = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(later)] });
  trace.setGlobalTracerProvider(provider);
  await cereal.decode(cereal.encode(ref('users', 1)));
  assert.equal(later.getFinishedSpans().map((s) => s.name).sort(), ['cereal.decode', 'cereal.load']);
  trace.disable();
  trace.setGlobalTracerProvider(tracerProvider);
  await provider.shutdown();
});

Telemetry('the instruments carry their units and descriptions; cereal.bytes counts a text payload in UTF-8 bytes; `telemetry` takes false or nothing', async () => {
  const text = defineFormat<string>({ name: 'text', wire: 'text', encode: () => '€é', decode: () => ({ u: ref('users', 1) }) });
  const cereal = createSerializer({ format: text, loaders: { users: users() } });
  await cereal.decode(cereal.encode({}));
  assert.is(one('cereal.decode').attributes['cereal.bytes'], 5, '€ is 3 bytes, é 2');
  await reader.forceFlush();
  const descriptors = new Map<string, { unit: string; description: string }>();
  for (const resource of metricExporter.getMetrics()) for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) descriptors.set(metric.descriptor.name, metric.descriptor);
  metricExporter.reset();
  assert.equal(descriptors.get('cereal.decode.duration'), { ...descriptors.get('cereal.decode.duration')!, unit: 'ms' });
  assert.match(descriptors.get('cereal.decode.duration')!.description, 'How long a decode took');
  assert.is(descriptors.get('cereal.refs')?.unit, '{ref}');
  assert.is(descriptors.get('cereal.loads')?.unit, '{statement}');
  createSerializer({ format: memoryFormat(), loaders: {}, telemetry: true as never }); // on, as when left out
  for (const bad of ['off', 0, null]) {
    const err = await rejects(() => createSerializer({ format: memoryFormat(), loaders: {}, telemetry: bad as never }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, '`telemetry` must be false (to emit no spans or metrics) or left out');
  }
});

Telemetry('telemetry that throws (a span processor, a tracer, a span, a meter) never changes a decode: the same values and CerealErrors, coalesced too', async () => {
  const boom = (what: string) => () => {
    throw new Error(`${what} boom`);
  };
  const processor = (hook: 'onStart' | 'onEnd') => ({ onStart: () => undefined, onEnd: () => undefined, forceFlush: async () => undefined, shutdown: async () => undefined, [hook]: boom(hook) });
  const brokenSpan = () => {
    const span = tracerProvider.getTracer('x').startSpan('x');
    return Object.assign(span, { spanContext: boom('spanContext'), setAttributes: boom('setAttributes'), end: boom('end') });
  };
  const setups: [string, () => () => void][] = [
    ['a processor whose onStart throws', () => swapTracer(new BasicTracerProvider({ spanProcessors: [processor('onStart')] }))],
    ['a processor whose onEnd throws', () => swapTracer(new BasicTracerProvider({ spanProcessors: [processor('onEnd')] }))],
    ['a tracer whose startSpan throws', () => swapTracer({ getTracer: () => ({ startSpan: boom('startSpan'), startActiveSpan: boom('startActiveSpan') }) } as never)],
    ['spans whose methods throw', () => swapTracer({ getTracer: () => ({ startSpan: brokenSpan, startActiveSpan: boom('startActiveSpan') }) } as never)],
    ['a meter provider that throws', () => swapMeter({ getMeter: boom('getMeter') } as never)],
    ['a context manager whose active() throws', () => swapContext({ active: boom('active') })],
    ['a context manager whose with() drops what fn returns', () => swapContext({ with: ((_ctx: unknown, fn: () => unknown) => void fn()) as never })],
    ['a context manager whose with() throws after running fn', () => swapContext({ with: ((_ctx: unknown, fn: () => unknown) => { fn(); throw new Error('with boom'); }) as never })],
    ['counters that throw', () => swapMeter({ getMeter: () => ({ createHistogram: () => ({ record: boom('record') }), createCounter: () => ({ add: boom('add') }) }) } as never)],
  ];
  for (const [what, install] of setups) {
    const restore = install();
    try {
      for (const coalesce of [false, true]) {
        const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users(), posts: posts() }, coalesce });
        const ok = await Promise.all([cereal.decode(cereal.encode({ u: ref('users', 1), p: ref('posts', 1) })), cereal.decode(cereal.encode([ref('users', 2)]))]);
        assert.equal(ok, [{ u: { id: 1, name: 'user 1' }, p: { id: 1, title: 'hello' } }, [{ id: 2, name: 'user 2' }]], `${what}, coalesce ${coalesce}`);
        assert.is((await rejects(() => cereal.decode(cereal.encode(ref('users', 99))))).code, 'MISSING_ROW', what);
        assert.is((await rejects(() => cereal.decode('no such payload' as never))).code, 'MALFORMED', what);
        const many = await cereal.decodeMany([cereal.encode(ref('users', 3)), 'bad' as never]);
        assert.equal(many.map((r) => r.status), ['fulfilled', 'rejected'], what);
      }
    } finally {
      restore();
    }
  }
});

Telemetry("the spans' scope is @cereal/core at its package version; every instrument has its unit and description", async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users() } });
  await rejects(() => cereal.decode(cereal.encode([ref('users', 1), ref('users', 99)])));
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  assert.equal(one('cereal.decode').instrumentationScope, { ...one('cereal.decode').instrumentationScope, name: '@cereal/core', version });
  await reader.forceFlush();
  const descriptors = new Map<string, { unit: string; description: string }>();
  for (const resource of metricExporter.getMetrics()) for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) descriptors.set(metric.descriptor.name, metric.descriptor);
  metricExporter.reset();
  const described = (name: string) => ({ unit: descriptors.get(name)?.unit, description: descriptors.get(name)?.description });
  assert.equal(described('cereal.refs'), { unit: '{ref}', description: 'Refs decoded (every occurrence)' });
  assert.equal(described('cereal.loads'), { unit: '{statement}', description: 'Loads issued (a statement each for a SQL loader), by model' });
  assert.equal(described('cereal.rows.missing'), { unit: '{row}', description: 'Refs whose row was missing when decoded, by model' });
  assert.equal(described('cereal.decode.duration'), { unit: 'ms', description: 'How long a decode took: parsing, loading and substituting rows' });
});

Telemetry('cereal.refs has no point for a decode without refs; the duration recorded lies within the call that made it', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users() } });
  const wire = cereal.encode({ nothing: true });
  const started = performance.now();
  await cereal.decode(wire);
  const took = performance.now() - started;
  const got = await collect();
  assert.is(got.get('cereal.refs'), undefined);
  const duration = (got.get('cereal.decode.duration') ?? []) as DataPoint<Histogram>[];
  assert.is(duration.length, 1);
  assert.ok(duration[0]!.value.sum! >= 0 && duration[0]!.value.sum! <= took, `recorded ${duration[0]!.value.sum} ms, the call took ${took} ms`);
});

Telemetry('a coalesced batch of two: the loads are linked to the other decode', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users() }, coalesce: { window: 0 } });
  await Promise.all([cereal.decode(cereal.encode(ref('users', 1))), cereal.decode(cereal.encode(ref('users', 2)))]);
  const decodes = named('cereal.decode');
  assert.is(decodes.length, 2);
  const load = one('cereal.load');
  const parent = decodes.find((d) => idOf(d) === parentOf(load));
  const other = decodes.find((d) => d !== parent);
  assert.ok(parent !== undefined && other !== undefined, 'the load is a child of one of the two decodes');
  assert.equal(load.links.map((l) => l.context.spanId), [idOf(other!)]);
  spans.reset();
  await cereal.decode(cereal.encode(ref('users', 3)));
  assert.equal(one('cereal.load').links, [], 'a batch of one links nothing');
});

Telemetry('a payload that is no text or bytes is MALFORMED with telemetry on, alone and in a batch', async () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users() } });
  assert.is((await rejects(() => cereal.decode(5 as never))).code, 'MALFORMED');
  const wire = cereal.encode(ref('users', 1));
  const many = await cereal.decodeMany([5 as never, wire]);
  assert.equal(many.map((r) => r.status), ['rejected', 'fulfilled']);
  assert.is(one('cereal.decodeMany').attributes['cereal.bytes'], Buffer.byteLength(wire), 'what is no payload counts no bytes');
});

Telemetry('a context manager whose with() throws before running the load: the load runs anyway, and its rows come back', async () => {
  const restore = swapContext({ with: (() => { throw new Error('with boom'); }) as never });
  try {
    const u = users();
    const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u } });
    assert.equal(await cereal.decode(cereal.encode({ u: ref('users', 4) })), { u: { id: 4, name: 'user 4' } });
    assert.is(u.calls.length, 1);
  } finally {
    restore();
  }
});

/** Registers `provider` as the global tracer provider; returns what puts the suite's back. */
function swapTracer(provider: Parameters<typeof trace.setGlobalTracerProvider>[0]): () => void {
  trace.disable();
  trace.setGlobalTracerProvider(provider);
  return () => {
    trace.disable();
    trace.setGlobalTracerProvider(tracerProvider);
  };
}

/** Registers a context manager that behaves as the suite's but for `override`; returns what puts the suite's back. */
function swapContext(override: Partial<ContextManager>): () => void {
  const base = new StorageContextManager();
  const manager: ContextManager = {
    active: () => base.active(),
    with: (ctx, fn, thisArg, ...args) => base.with(ctx, fn, thisArg, ...args),
    bind: (ctx, target) => base.bind(ctx, target),
    enable() {
      return this;
    },
    disable() {
      return this;
    },
    ...override,
  };
  context.disable();
  context.setGlobalContextManager(manager);
  return () => {
    context.disable();
    context.setGlobalContextManager(new StorageContextManager());
  };
}

/** Registers `provider` as the global meter provider; returns what puts the suite's back. */
function swapMeter(provider: Parameters<typeof metrics.setGlobalMeterProvider>[0]): () => void {
  metrics.disable();
  metrics.setGlobalMeterProvider(provider);
  return () => {
    metrics.disable();
    metrics.setGlobalMeterProvider(meterProvider);
  };
}

// A process where @opentelemetry/api cannot be resolved (as when it is not installed): every
// require of it fails, counted. Core must load, decode, fail as usual, and try the API once.
const core = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const withoutApi = `
import Module from 'node:module';
let attempts = 0;
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    attempts++;
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};
const { createSerializer, ref, CerealError } = await import(${JSON.stringify(new URL(`file://${core}`).href)});
const store = new Map();
const format = { name: 'memory', encode: (v) => { const id = 'm' + store.size; store.set(id, v); return id; }, decode: (w) => { if (!store.has(w)) throw new SyntaxError('no such payload'); return store.get(w); } };
const rows = new Map([[1, { id: 1 }], [2, { id: 2 }]]);
const users = { keyOf: (r) => r.id, load: async (pks) => pks.map((pk) => rows.get(pk)).filter(Boolean) };
const report = { imported: attempts };
const off = createSerializer({ format, loaders: { users }, telemetry: false });
report.afterOff = attempts;
const cereal = createSerializer({ format, loaders: { users } });
const coalesced = createSerializer({ format, loaders: { users }, coalesce: { window: 0 } });
report.afterOn = attempts;
report.decoded = await cereal.decode(cereal.encode({ a: ref('users', 1), b: [ref('users', 2)] }));
report.off = await off.decode(off.encode(ref('users', 2)));
report.coalesced = await Promise.all([coalesced.decode(coalesced.encode(ref('users', 1))), coalesced.decode(coalesced.encode(ref('users', 2)))]);
report.many = (await cereal.decodeMany([cereal.encode(ref('users', 1)), 'bad'])).map((r) => r.status);
try { await cereal.decode(cereal.encode(ref('users', 3))); } catch (e) { report.missing = e instanceof CerealError ? e.code : String(e); }
report.attempts = attempts;
report.apiGlobal = Object.getOwnPropertySymbols(globalThis).some((s) => String(s).includes('opentelemetry'));
console.log(JSON.stringify(report));
`;

Telemetry('without @opentelemetry/api (it cannot be resolved): core imports, decodes and fails as usual, having tried to load it once', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', withoutApi], { encoding: 'utf8', cwd: fileURLToPath(new URL('../../..', import.meta.url)), timeout: 60_000 });
  assert.is(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  assert.equal(report, {
    imported: 0, // importing core does not load the API
    afterOff: 0, // a serializer with telemetry: false does not either
    afterOn: 1, // the first other serializer tries, once; the next uses the cached answer
    decoded: { a: { id: 1 }, b: [{ id: 2 }] },
    off: { id: 2 },
    coalesced: [{ id: 1 }, { id: 2 }],
    many: ['fulfilled', 'rejected'],
    missing: 'MISSING_ROW',
    attempts: 1,
    apiGlobal: false, // nothing of OpenTelemetry was set up in the process
  });
});

Telemetry.run();
