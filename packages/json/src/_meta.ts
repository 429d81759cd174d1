import { CerealError } from '@cereal/core';

/**
 * Checks a payload's superjson metadata against its JSON before superjson applies it.
 * superjson is lenient with metadata: an annotation for a path that does not exist adds that
 * path (`{"x": ["Date"]}` creates `x: Invalid Date`). Here every annotated path must exist, every
 * type must be one this format writes, and the annotated value must have that type's shape;
 * anything else is `MALFORMED`.
 */
export function checkMeta(json: unknown, meta: unknown, countRefs: (refs: number) => void): void {
  if (meta === undefined) return;
  const m = meta as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    // The format never writes referential equalities (no format keeps object identity), and
    // resolving them through a Map costs superjson time quadratic in its size.
    if (key === 'referentialEqualities') malformed('a cereal payload carries no referential equalities');
    if (key !== 'values' && key !== 'v') malformed(`unknown metadata field \`${key}\``);
  }
  if (m.v !== 1) malformed('metadata version must be 1');
  if (m.values !== undefined) checkTree(json, m.values, [], countRefs);
}

function malformed(message: string): never {
  throw new CerealError('MALFORMED', `[json] ${message}`);
}

/** superjson's path syntax: segments joined with `.`, where `\.` and `\\` escape. */
function parsePath(path: unknown): string[] {
  if (typeof path !== 'string') malformed('a metadata path must be a string');
  const segments: string[] = [];
  let segment = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      const next = path[++i];
      if (next !== '\\' && next !== '.') malformed(`invalid metadata path \`${path}\``);
      segment += next;
    } else if (c === '.') {
      segments.push(segment);
      segment = '';
    } else {
      segment += c;
    }
  }
  segments.push(segment);
  return segments;
}

/** The value at `path`, which must exist: own keys of objects, indexes of arrays. */
function at(json: unknown, path: readonly string[]): unknown {
  let node = json;
  for (const key of path) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') malformed(`metadata path through \`${key}\``);
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key) && Number(key) < node.length) node = node[Number(key)];
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, key)) node = (node as Record<string, unknown>)[key];
    else malformed(`metadata names \`${path.join('.')}\`, which the payload does not have`);
  }
  return node;
}

const isString = (v: unknown): boolean => typeof v === 'string';
const SHAPES: Record<string, (v: unknown) => boolean> = {
  undefined: () => true,
  bigint: (v) => typeof v === 'string' && /^-?\d{1,1000}$/.test(v),
  Date: (v) => typeof v === 'string' && !Number.isNaN(new Date(v).getTime()),
  number: (v) => v === 'NaN' || v === 'Infinity' || v === '-Infinity' || v === '-0',
  set: Array.isArray,
  map: (v) => Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2),
  regexp: (v) => typeof v === 'string' && /^\/.*\/[dgimsuvy]*$/s.test(v),
  URL: isString,
  Error: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
};
const CUSTOM = new Set(['ref', 'refs']);
const TYPED_ARRAYS = new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array']);

function checkType(type: unknown, value: unknown, path: readonly string[], countRefs: (refs: number) => void): void {
  const where = path.length === 0 ? 'the root' : `\`${path.join('.')}\``;
  if (typeof type === 'string') {
    if (!Object.hasOwn(SHAPES, type)) malformed(`unknown type \`${type.slice(0, 40)}\` at ${where}`);
    if (!SHAPES[type]!(value)) malformed(`the value at ${where} is not a ${type}`);
  } else if (Array.isArray(type) && type[0] === 'custom' && CUSTOM.has(type[1] as string) && type.length === 2) {
    // the transformer validates the value itself; here only the refs are counted before it runs
    const keys = type[1] === 'refs' && Array.isArray(value) ? (value[1] as unknown) : undefined;
    countRefs(Array.isArray(keys) ? keys.length : 1);
  } else if (Array.isArray(type) && type[0] === 'typed-array' && TYPED_ARRAYS.has(type[1] as string) && type.length === 2) {
    if (!Array.isArray(value) || !value.every((n) => typeof n === 'number')) malformed(`the value at ${where} is not a ${String(type[1])}`);
  } else {
    malformed(`unknown annotation ${JSON.stringify(type)?.slice(0, 60)} at ${where}`);
  }
}

/** Walks superjson's annotation tree: `[type, children?]` at a node, or `{ path: tree }`. */
function checkTree(json: unknown, tree: unknown, base: readonly string[], countRefs: (refs: number) => void): void {
  if (Array.isArray(tree)) {
    if (tree.length < 1 || tree.length > 2) malformed('an annotation is [type, children?]');
    checkType(tree[0], at(json, base), base, countRefs);
    if (tree.length === 2) checkChildren(json, tree[1], base, countRefs);
  } else {
    checkChildren(json, tree, base, countRefs);
  }
}

function checkChildren(json: unknown, children: unknown, base: readonly string[], countRefs: (refs: number) => void): void {
  if (children === null || typeof children !== 'object' || Array.isArray(children)) malformed('annotations must be an object of paths');
  for (const [path, tree] of Object.entries(children)) checkTree(json, tree, [...base, ...parsePath(path)], countRefs);
}
