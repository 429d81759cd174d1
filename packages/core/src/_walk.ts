import { CerealError } from './error.js';
import { ModelRef } from './ref.js';
import { refOf } from './row.js';

/** What a walk does at the nodes it cares about; everything else is copied only where it changes. */
export interface Visitor {
  /** Called for every ModelRef; returns what stands in its place. */
  ref(ref: ModelRef): unknown;
  /** Called for every tagged row (see refOf); without it, tagged rows are left as they are, unwalked. */
  row?(row: object, ref: ModelRef): unknown;
}

/**
 * Walks objects, arrays, Maps and Sets to any depth up to `maxDepth` and returns the value with
 * every ModelRef (and tagged row) replaced by what the visitor returns. Copy on write: containers
 * are copied only where something inside them changed, so the input is never mutated and a
 * walk that changes nothing allocates nothing. Class instances (Date, Buffer…) are left alone.
 */
export function walk(value: unknown, visitor: Visitor, maxDepth: number): unknown {
  const visit = (node: unknown, depth: number): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (node instanceof ModelRef) return visitor.ref(node);
    if (depth >= maxDepth) {
      throw new CerealError('LIMIT', `value nests deeper than maxDepth ${maxDepth} (or is circular); raise \`maxDepth\` if the nesting is real`);
    }
    if (Array.isArray(node)) return visitArray(node, depth + 1);
    const tagged = refOf(node);
    if (tagged !== undefined) return visitor.row === undefined ? node : visitor.row(node, tagged);
    const proto: unknown = Object.getPrototypeOf(node);
    if (proto === Object.prototype || proto === null) return visitObject(node as Record<string, unknown>, proto, depth + 1);
    if (node instanceof Map) return visitMap(node, depth + 1);
    if (node instanceof Set) return visitSet(node, depth + 1);
    return node;
  };

  const visitArray = (arr: readonly unknown[], depth: number): unknown[] => {
    let out: unknown[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      const nv = visit(v, depth);
      if (out === undefined && nv !== v) out = arr.slice(0, i);
      if (out !== undefined) out.push(nv);
    }
    return out ?? (arr as unknown[]);
  };

  const visitObject = (obj: Record<string, unknown>, proto: object | null, depth: number): object => {
    let out: Record<string, unknown> | undefined;
    const keys = Object.keys(obj);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = obj[k];
      const nv = visit(v, depth);
      if (out === undefined && nv !== v) {
        out = Object.create(proto) as Record<string, unknown>;
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, obj[keys[j]!]);
      }
      if (out !== undefined) setOwn(out, k, nv);
    }
    return out ?? obj;
  };

  const visitMap = (map: Map<unknown, unknown>, depth: number): Map<unknown, unknown> => {
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [k, v] of map) {
      const nk = visit(k, depth);
      const nv = visit(v, depth);
      if (nk !== k || nv !== v) changed = true;
      entries.push([nk, nv]);
    }
    return changed ? new Map(entries) : map;
  };

  const visitSet = (set: Set<unknown>, depth: number): Set<unknown> => {
    let changed = false;
    const members: unknown[] = [];
    for (const m of set) {
      const nm = visit(m, depth);
      if (nm !== m) changed = true;
      members.push(nm);
    }
    return changed ? new Set(members) : set;
  };

  return visit(value, 0);
}

/** Sets an own property; `__proto__` as a key stays data and never reaches the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
