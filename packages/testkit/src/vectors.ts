/**
 * The wire-format test vectors (`docs/vectors/<format>.json`, specified in docs/wire-format.md):
 * payloads another implementation must read as cereal does. `testVectors(format, file)` runs
 * one file against a format: every valid payload decodes to its expected value (refs compared
 * by model and canonical key), every canonical one is what cereal's encoder writes for that
 * value byte for byte, and every hostile payload fails with its CerealError code before any
 * loader runs.
 */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, isRef, ref, type CerealErrorCode, type DecodeOptions, type Format, type Key, type PrimaryKey, type Version } from '@cereal/core';
import { canonicalKey } from '@cereal/core/format';
import { memoryLoader } from './fixtures.js';

/** A value in the vectors' typed JSON notation (docs/wire-format.md, "Value notation"). */
export type Notation = null | boolean | number | string | Notation[] | { [key: string]: Notation };

/** A payload every reader must accept, and the value it stands for. */
export interface ValidVector {
  name: string;
  /** Hex of the bytes (`"payload": "hex"` files) or the text itself (`"payload": "text"`). */
  payload: string;
  value: Notation;
  /** True when cereal's encoder writes exactly this payload for `value`. */
  canonical?: boolean;
}

/** A payload every reader must refuse, with the error code, under the file's loaders. */
export interface HostileVector {
  name: string;
  payload: string;
  error: CerealErrorCode;
  /** Decode options for this payload, where it needs a lower limit than the defaults. */
  limits?: Pick<DecodeOptions, 'maxRefs' | 'maxDepth' | 'maxBytes'>;
}

/** One vector file. */
export interface VectorFile {
  format: string;
  payload: 'hex' | 'text';
  valid: ValidVector[];
  hostile: HostileVector[];
}

const CODES: readonly string[] = ['MISSING_ROW', 'UNKNOWN_MODEL', 'INVALID_REF', 'MALFORMED', 'LIMIT', 'LOAD_FAILED', 'INVALID_OPTION', 'STALE'];
const LIMITS: readonly string[] = ['maxRefs', 'maxDepth', 'maxBytes'];
// Uint8Array is `$bytes`, not a `$typed` array.
const TYPED = ['Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'] as const;
type TypedName = (typeof TYPED)[number];
const isTypedName = (name: unknown): name is TypedName => TYPED.includes(name as TypedName);
const HEX = /^(?:[0-9a-f]{2})*$/;
const DIGITS = /^-?\d+$/;
const NUMBERS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

const isPlain = (n: Notation): n is { [key: string]: Notation } => n !== null && typeof n === 'object' && !Array.isArray(n);

// defineProperty keeps a `__proto__` key as data instead of setting the prototype.
const setOwn = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
};

function keyOf(n: Notation): PrimaryKey {
  if (Array.isArray(n)) return n.map((part) => keyOf(part) as Key);
  if (typeof n === 'number' || typeof n === 'string') return n;
  if (isPlain(n) && typeof n.$bigint === 'string' && DIGITS.test(n.$bigint)) return BigInt(n.$bigint);
  throw new Error(`not a key in the notation: ${JSON.stringify(n)}`);
}

/**
 * The JavaScript value a notation stands for. Throws on anything the notation does not define,
 * so a typo in a vector file fails loudly instead of comparing as a plain object.
 */
export function fromNotation(n: Notation): unknown {
  if (n === null || typeof n !== 'object') return n;
  if (Array.isArray(n)) return n.map(fromNotation);
  const keys = Object.keys(n);
  if (!keys.some((k) => k.startsWith('$'))) {
    const out = {};
    for (const k of keys) setOwn(out, k, fromNotation(n[k]!));
    return out;
  }
  if (keys.length !== 1) throw new Error(`a typed notation has one key, got ${keys.join(', ')}`);
  const tag = keys[0]!;
  const arg = n[tag]!;
  const fail = (): never => {
    throw new Error(`invalid ${tag} notation: ${JSON.stringify(arg).slice(0, 80)}`);
  };
  switch (tag) {
    case '$ref':
      if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') return fail();
      return ref(arg[0], keyOf(arg[1]!));
    case '$pin':
      if (!Array.isArray(arg) || arg.length !== 3 || typeof arg[0] !== 'string') return fail();
      return ref(arg[0], keyOf(arg[1]!), fromNotation(arg[2]!) as Version);
    case '$bigint':
      return typeof arg === 'string' && DIGITS.test(arg) ? BigInt(arg) : fail();
    case '$number':
      return typeof arg === 'string' && Object.hasOwn(NUMBERS, arg) ? NUMBERS[arg] : fail();
    case '$date': {
      if (arg === 'invalid') return new Date(NaN);
      const date = typeof arg === 'string' ? new Date(arg) : new Date(NaN);
      // Only toISOString's own spelling, so that each Date has exactly one notation.
      return !Number.isNaN(date.getTime()) && date.toISOString() === arg ? date : fail();
    }
    case '$map':
      if (!Array.isArray(arg) || !arg.every((e) => Array.isArray(e) && e.length === 2)) return fail();
      return new Map((arg as Notation[][]).map(([k, v]) => [fromNotation(k!), fromNotation(v!)]));
    case '$set':
      return Array.isArray(arg) ? new Set(arg.map(fromNotation)) : fail();
    case '$undefined':
      return arg === true ? undefined : fail();
    case '$bytes':
      return typeof arg === 'string' && HEX.test(arg) ? new Uint8Array(Buffer.from(arg, 'hex')) : fail();
    case '$buffer':
      return typeof arg === 'string' && HEX.test(arg) ? Buffer.from(arg, 'hex') : fail();
    case '$regexp':
      return Array.isArray(arg) && typeof arg[0] === 'string' && typeof arg[1] === 'string' ? new RegExp(arg[0], arg[1]) : fail();
    case '$typed': {
      if (!Array.isArray(arg) || !isTypedName(arg[0]) || !Array.isArray(arg[1]) || !arg[1].every((x) => typeof x === 'number')) return fail();
      return new globalThis[arg[0]](arg[1] as number[]);
    }
    case '$object': {
      if (!isPlain(arg)) return fail();
      const out = {};
      for (const k of Object.keys(arg)) setOwn(out, k, fromNotation(arg[k]!));
      return out;
    }
    default:
      throw new Error(`unknown notation ${tag}`);
  }
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

/**
 * A form of a decoded value that deep equality can compare: the notation again, but with refs
 * as model and canonical key (`42`, `42n` and `'42'` are one key) and every class told apart.
 */
export function comparable(value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value === undefined) return { $undefined: true };
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0) ? value : { $number: Object.is(value, -0) ? '-0' : String(value) };
  if (value === null || typeof value !== 'object') {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    throw new Error(`a decoded payload holds a ${typeof value}, which is no data`);
  }
  if (isRef(value)) return value.version === undefined ? { $ref: [value.model, canonicalKey(value.pk)] } : { $pin: [value.model, canonicalKey(value.pk), comparable(value.version)] };
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => comparable(value[i]));
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [comparable(k), comparable(v)]) };
  if (value instanceof Set) return { $set: [...value].map(comparable) };
  if (value instanceof Date) return { $date: Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString() };
  if (value instanceof RegExp) return { $regexp: [value.source, value.flags] };
  if (Buffer.isBuffer(value)) return { $buffer: hex(value) };
  if (value instanceof Uint8Array && value.constructor === Uint8Array) return { $bytes: hex(value) };
  if (ArrayBuffer.isView(value) && isTypedName(value.constructor.name)) {
    // A view whose class is one of TYPED is a typed array of numbers; ArrayBufferView's type does not say so.
    return { $typed: [value.constructor.name, Array.from(value as unknown as ArrayLike<number>)] };
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new Error(`a decoded payload holds an instance of ${(value as object).constructor?.name ?? 'an unknown class'}, which the notation has no form for`);
  }
  const out = {};
  const keys = Object.keys(value);
  for (const k of keys) setOwn(out, k, comparable((value as Record<string, unknown>)[k]));
  return keys.some((k) => k.startsWith('$')) ? { $object: out } : out;
}

/** The models the refs of a notation name, to give the encoder a loader for each. */
function modelsOf(n: Notation, into: Set<string>): Set<string> {
  if (Array.isArray(n)) for (const item of n) modelsOf(item, into);
  else if (isPlain(n)) {
    const named = n.$ref ?? n.$pin;
    if (Array.isArray(named) && typeof named[0] === 'string') into.add(named[0]);
    else for (const k of Object.keys(n)) modelsOf(n[k]!, into);
  }
  return into;
}

/** Checks the file's shape, so that a misspelt field fails here and not as a silent pass. */
function checkFile(file: VectorFile, format: string): void {
  assert.is(file.format, format, 'the vector file names another format');
  assert.ok(file.payload === 'hex' || file.payload === 'text', '`payload` is "hex" or "text"');
  assert.ok(Array.isArray(file.valid) && file.valid.length > 0, 'the file has valid vectors');
  assert.ok(Array.isArray(file.hostile) && file.hostile.length > 0, 'the file has hostile vectors');
  const names = new Set<string>();
  for (const v of [...file.valid, ...file.hostile]) {
    assert.type(v.name, 'string');
    assert.ok(!names.has(v.name), `two vectors are named ${v.name}`);
    names.add(v.name);
    assert.type(v.payload, 'string', v.name);
    if (file.payload === 'hex') assert.ok(HEX.test(v.payload), `${v.name}: the payload is not lowercase hex`);
  }
  for (const v of file.valid) {
    assert.ok(Object.keys(v).every((k) => ['name', 'payload', 'value', 'canonical'].includes(k)), `${v.name}: unknown field`);
    assert.ok(v.canonical === undefined || typeof v.canonical === 'boolean', `${v.name}: canonical is a boolean`);
    assert.ok(Object.hasOwn(v, 'value'), `${v.name}: no value`);
    fromNotation(v.value); // throws on a notation the file gets wrong
  }
  for (const v of file.hostile) {
    assert.ok(Object.keys(v).every((k) => ['name', 'payload', 'error', 'limits'].includes(k)), `${v.name}: unknown field`);
    assert.ok(CODES.includes(v.error), `${v.name}: unknown error code ${v.error}`);
    assert.ok(v.limits === undefined || Object.keys(v.limits).every((k) => LIMITS.includes(k)), `${v.name}: unknown limit`);
  }
}

/**
 * Runs a vector file against a format.
 *
 * @param format - the format the file is for, with default options
 * @param file - the file, e.g. `new URL('../../../docs/vectors/msgpack.json', import.meta.url)`
 */
export function testVectors<Wire extends Uint8Array | string>(format: Format<Wire>, file: URL | string): void {
  const vectors = JSON.parse(readFileSync(file, 'utf8')) as VectorFile;
  // The file says which wire its payloads are: Buffers (what a queue hands a worker) or text.
  const wireOf = (payload: string): Wire => (vectors.payload === 'hex' ? Buffer.from(payload, 'hex') : payload) as Wire;
  const payloadOf = (wire: Wire): string => (typeof wire === 'string' ? wire : hex(wire));
  const Vectors = suite(`wire-format vectors (${format.name})`);

  Vectors('the vector file is well formed', () => checkFile(vectors, format.name));

  // The whole writer: serializer.encode gathers arrays of refs to one model into lists, as it
  // does for every payload an application sends. It needs a loader for each model it writes.
  const models = new Set<string>();
  for (const v of vectors.valid) modelsOf(v.value, models);
  const writer = createSerializer({ format, loaders: Object.fromEntries([...models].map((m) => [m, memoryLoader([])])) });

  for (const v of vectors.valid) {
    Vectors(`reads ${v.name}`, () => {
      assert.equal(comparable(format.decode(wireOf(v.payload))), comparable(fromNotation(v.value)));
    });
    if (v.canonical === true) {
      Vectors(`writes ${v.name} byte for byte`, () => {
        assert.is(payloadOf(writer.encode(fromNotation(v.value))), v.payload);
      });
    }
  }

  for (const v of vectors.hostile) {
    Vectors(`refuses ${v.name}: ${v.error}`, async () => {
      const users = memoryLoader([{ id: 1, name: 'Ada' }]);
      const orders = memoryLoader([{ id: [7, 1001], total: 5 }], { arity: 2 });
      const reader = createSerializer({ format, loaders: { users, orders } });
      let error: unknown;
      try {
        await reader.decode(wireOf(v.payload), v.limits);
      } catch (err) {
        error = err;
      }
      assert.instance(error, CerealError, `expected ${v.error}, got ${error === undefined ? 'a value' : String(error)}`);
      assert.is((error as CerealError).code, v.error, (error as Error).message);
      assert.equal([...users.calls, ...orders.calls], [], 'no loader may run for a payload that fails');
    });
  }

  Vectors.run();
}
