import { CerealError } from './error.js';
import { ModelRef } from './ref.js';
import { refOf } from './row.js';

/** What a walk does at the nodes it cares about; everything else is copied only where it changes. */
export interface Visitor {
  /** Called for every ModelRef; returns what stands in its place. */
  ref(ref: ModelRef): unknown;
  /** Called for every tagged row (see refOf); without it, tagged rows are left as they are, unwalked. */
  row?(row: object, ref: ModelRef): unknown;
  /** Called for every array once its items are walked; returns what stands in its place. */
  array?(array: unknown[]): unknown;
  /** Called for every Map once its keys and values are walked; returns what stands in its place. */
  map?(map: Map<unknown, unknown>): unknown;
  /** Called for every plain object (not a row, not a class instance) before it is walked. */
  object?(object: object): void;
  /** Called for class instances (Date, Buffer, Error…); without it they are left as they are, unwalked. */
  instance?(value: object): unknown;
  /** Called for functions, symbols and bigints, which a walk may refuse; without it they are left as they are. */
  leaf?(value: unknown): unknown;
  /**
   * Copy a container reached twice only once, and put that one copy in both places. For walks
   * whose visitor returns the same for the same input (hydrate's substitution); a walk that
   * counts what it visits (encode, collect) must see every occurrence.
   */
  readonly shareCopies?: boolean;
}

/**
 * Walks objects, arrays, Maps and Sets to any depth up to `maxDepth` and returns the value with
 * every ModelRef (and tagged row) replaced by what the visitor returns. Copy on write: containers
 * are copied only where something inside them changed, so the input is never mutated and a
 * walk that changes nothing allocates nothing. With `shareCopies`, a container reached twice (a
 * YAML alias, an object the caller shares) is copied once and its copy shared the same way: 99
 * aliases of a list of a million items holding a ref are one copy, not 99. Class instances
 * (Date, Buffer…) are left alone.
 */
export function walk(value: unknown, visitor: Visitor, maxDepth: number): unknown {
  try {
    return visit(value, { v: visitor, maxDepth, copies: undefined }, 0);
  } catch (err) {
    // maxDepth keeps the recursion short; a caller already deep in its own stack can still run out
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new CerealError('LIMIT', 'value nests too deeply to walk; lower `maxDepth`', { cause: err });
    }
    throw err;
  }
}

/** One walk: the visitor, the depth limit, and the copies made so far (only of changed containers). */
interface Walk {
  readonly v: Visitor;
  readonly maxDepth: number;
  copies: Map<object, unknown> | undefined;
}

// Plain functions with the walk passed along (not closures made per walk): the walk is on the
// hot path of every encode and decode.
function visit(node: unknown, w: Walk, depth: number): unknown {
  if (node === null || typeof node !== 'object') {
    const type = typeof node;
    return (type === 'function' || type === 'symbol' || type === 'bigint') && w.v.leaf !== undefined ? w.v.leaf(node) : node;
  }
  if (node instanceof ModelRef) return w.v.ref(node);
  if (depth >= w.maxDepth) {
    throw new CerealError('LIMIT', `value nests deeper than maxDepth ${w.maxDepth} (or is circular); raise \`maxDepth\` if the nesting is real`);
  }
  if (w.v.shareCopies !== true) return visitContainer(node, w, depth + 1);
  const copy = w.copies?.get(node);
  if (copy !== undefined) return copy;
  const next = visitContainer(node, w, depth + 1);
  if (next !== node) (w.copies ??= new Map()).set(node, next);
  return next;
}

function visitContainer(node: object, w: Walk, depth: number): unknown {
  if (Array.isArray(node)) {
    const array = visitArray(node, w, depth);
    return w.v.array === undefined ? array : w.v.array(array);
  }
  const tagged = refOf(node);
  if (tagged !== undefined) return w.v.row === undefined ? node : w.v.row(node, tagged);
  const proto: unknown = Object.getPrototypeOf(node);
  if (proto === Object.prototype || proto === null) {
    w.v.object?.(node);
    return visitObject(node as Record<string, unknown>, proto, w, depth);
  }
  if (node instanceof Map) {
    const map = visitMap(node, w, depth);
    return w.v.map === undefined ? map : w.v.map(map);
  }
  if (node instanceof Set) return visitSet(node, w, depth);
  return w.v.instance === undefined ? node : w.v.instance(node);
}

function visitArray(arr: readonly unknown[], w: Walk, depth: number): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const item = arr[i];
    const next = visit(item, w, depth);
    if (out === undefined && next !== item) out = arr.slice(0, i);
    if (out !== undefined) out.push(next);
  }
  return out ?? (arr as unknown[]);
}

function visitObject(obj: Record<string, unknown>, proto: object | null, w: Walk, depth: number): object {
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const item = obj[k];
    const next = visit(item, w, depth);
    if (out === undefined && next !== item) {
      out = Object.create(proto) as Record<string, unknown>;
      for (let j = 0; j < i; j++) setOwn(out, keys[j]!, obj[keys[j]!]);
    }
    if (out !== undefined) setOwn(out, k, next);
  }
  return out ?? obj;
}

function visitMap(map: Map<unknown, unknown>, w: Walk, depth: number): Map<unknown, unknown> {
  let changed = false;
  const entries: [unknown, unknown][] = [];
  for (const [key, item] of map) {
    const nextKey = visit(key, w, depth);
    const next = visit(item, w, depth);
    if (nextKey !== key || next !== item) changed = true;
    entries.push([nextKey, next]);
  }
  if (!changed) return map;
  const out = new Map(entries);
  // Two keys that stand for one row (two refs to it, or a row and its ref) would leave one value.
  if (out.size < entries.length) throw sharedKey(entries);
  return out;
}

function sharedKey(entries: readonly [unknown, unknown][]): CerealError {
  const seen = new Set<unknown>();
  const key = entries.find(([k]) => seen.size === seen.add(k).size)?.[0];
  const ref = key instanceof ModelRef ? key : key !== null && typeof key === 'object' ? refOf(key) : undefined;
  const what = ref !== undefined ? `the same row \`${ref.key}\`` : 'the same value (null for missing rows)';
  return new CerealError('INVALID_REF', `two keys of a Map stand for ${what}, and a Map keeps one; key the Map by something unique`, ref === undefined ? {} : { refs: [ref] });
}

function visitSet(set: Set<unknown>, w: Walk, depth: number): Set<unknown> {
  let changed = false;
  const members: unknown[] = [];
  for (const member of set) {
    const next = visit(member, w, depth);
    if (next !== member) changed = true;
    members.push(next);
  }
  return changed ? new Set(members) : set;
}

/** Sets an own property; `__proto__` as a key stays data and never reaches the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
