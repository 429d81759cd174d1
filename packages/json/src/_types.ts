import { CerealError } from '@cereal/core';

/** `MALFORMED` for a payload's JSON or metadata. */
export function malformed(message: string): never {
  throw new CerealError('MALFORMED', `[json] ${message}`);
}

/** cereal's custom transformers by name, as the reader applies them. */
export type Custom = Readonly<Record<string, (json: unknown) => unknown>>;

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The types superjson writes for what this format encodes: each value's shape, and how to read it. */
const SIMPLE: Record<string, [shape: (v: unknown) => boolean, read: (v: never) => unknown]> = {
  undefined: [() => true, () => undefined],
  bigint: [(v) => isString(v) && /^-?\d{1,1000}$/.test(v), (v: string) => BigInt(v)],
  Date: [(v) => isString(v) && !Number.isNaN(new Date(v).getTime()), (v: string) => new Date(v)],
  number: [(v) => v === 'NaN' || v === 'Infinity' || v === '-Infinity' || v === '-0', (v: string) => Number(v)],
  set: [Array.isArray, (v: unknown[]) => new Set(v)],
  map: [(v) => Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2), (v: [unknown, unknown][]) => new Map(v)],
  regexp: [(v) => isString(v) && /^\/.*\/[dgimsuvy]*$/s.test(v), (v: string) => new RegExp(v.slice(1, v.lastIndexOf('/')), v.slice(v.lastIndexOf('/') + 1))],
  URL: [isString, (v: string) => new URL(v)],
  Error: [isObject, readError],
};

// As superjson reads an Error: its message, name, stack and cause.
function readError(v: Record<string, unknown>): Error {
  const error = new Error(String(v.message), Object.hasOwn(v, 'cause') ? { cause: v.cause } : undefined);
  if (isString(v.name)) error.name = v.name;
  if (isString(v.stack)) error.stack = v.stack;
  return error;
}

const TYPED_ARRAYS: Record<string, new (items: number[]) => unknown> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
};

const isCustom = (type: unknown, custom: Custom): type is ['custom', string] =>
  Array.isArray(type) && type.length === 2 && type[0] === 'custom' && typeof type[1] === 'string' && Object.hasOwn(custom, type[1]);
const isTyped = (type: unknown): type is ['typed-array', string] =>
  Array.isArray(type) && type.length === 2 && type[0] === 'typed-array' && typeof type[1] === 'string' && Object.hasOwn(TYPED_ARRAYS, type[1]);

/**
 * Checks an annotation before anything is converted: the type must be one this format writes
 * and the value must have its shape. Refs are counted here, before any is built.
 */
export function checkType(type: unknown, value: unknown, where: () => string, countRefs: (refs: number) => void, custom: Custom): void {
  if (typeof type === 'string') {
    if (!Object.hasOwn(SIMPLE, type)) malformed(`unknown type \`${type.slice(0, 40)}\` at ${where()}`);
    if (!SIMPLE[type]![0](value)) malformed(`the value at ${where()} is not a ${type}`);
  } else if (isCustom(type, custom)) {
    // the transformer validates the value itself; only the refs are counted before it runs
    if (type[1] === 'ref' || type[1] === 'pin') countRefs(1);
    else if (type[1] === 'refs') countRefs(Array.isArray(value) && Array.isArray(value[1]) ? value[1].length : 1);
  } else if (isTyped(type)) {
    if (!Array.isArray(value) || !value.every((n) => typeof n === 'number')) malformed(`the value at ${where()} is not a ${type[1]}`);
  } else {
    malformed(`unknown annotation ${JSON.stringify(type)?.slice(0, 60)} at ${where()}`);
  }
}

/** The value an annotation stands for; only called for annotations checkType accepted. */
export function untransform(type: unknown, value: unknown, custom: Custom): unknown {
  if (typeof type === 'string') return SIMPLE[type]![1](value as never);
  if (isCustom(type, custom)) return custom[type[1]]!(value);
  return new TYPED_ARRAYS[(type as [string, string])[1]]!(value as number[]);
}
