import { checkType, malformed, untransform, type Custom } from './_types.js';

/**
 * Applies a payload's superjson metadata to its parsed JSON, in place, in time linear in the
 * JSON and the metadata; superjson's own deserialize is not used for reading.
 *
 * superjson finds each annotated path from the root, and reaches the n-th member of a Set or
 * Map by iterating to it: a megabyte of sibling paths under one Set took 2.9 s, 4.7 MB 46 s,
 * and an error halfway left the Set half converted. It is also lenient: an annotation for a
 * path the payload does not have adds that path. Here every annotation is first placed in a
 * tree that mirrors the JSON (each path must exist; each type must be one this format writes;
 * each value must have that type's shape; refs are counted), and only then applied, children
 * before their parent, so a Set's or Map's members are converted while it is still an array.
 * Anything wrong is `MALFORMED` before a single value is converted.
 */
export function applyMeta(json: unknown, meta: unknown, countRefs: (refs: number) => void, custom: Custom): unknown {
  if (meta === undefined) return json;
  const m = meta as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    // The format never writes referential equalities (no format keeps object identity), and
    // resolving them through a Map costs superjson time quadratic in its size.
    if (key === 'referentialEqualities') malformed('a cereal payload carries no referential equalities');
    if (key !== 'values' && key !== 'v') malformed(`unknown metadata field \`${key}\``);
  }
  if (m.v !== 1) malformed('metadata version must be 1');
  const box = { root: json };
  if (m.values === undefined) return json;
  const root: Slot = { holder: box, key: 'root', type: undefined, children: undefined };
  place(m.values, root, { countRefs, custom }, []);
  refuseRefsInErrors(root, false);
  apply(root, custom);
  return box.root;
}

/** A place in the JSON that the metadata names: its container and key, and what applies there. */
interface Slot {
  readonly holder: Record<string, unknown> | unknown[];
  readonly key: string;
  type: unknown;
  children: Map<string, Slot> | undefined;
}

const where = (path: readonly string[]): string => (path.length === 0 ? 'the root' : `\`${path.join('.').slice(0, 80)}\``);

/** superjson's path syntax: segments joined with `.`, where `\.` and `\\` escape. */
function parsePath(path: string): string[] {
  const segments: string[] = [];
  let segment = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      const next = path[++i];
      if (next !== '\\' && next !== '.') malformed(`invalid metadata path \`${path.slice(0, 80)}\``);
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

/** The slot of `key` inside `slot`'s value, which must exist: own keys of objects, indexes of arrays. */
function child(slot: Slot, key: string, path: readonly string[]): Slot {
  const existing = slot.children?.get(key);
  if (existing !== undefined) return existing;
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') malformed(`metadata path through \`${key}\``);
  const node: unknown = (slot.holder as Record<string, unknown>)[slot.key];
  const exists = Array.isArray(node)
    ? /^(0|[1-9]\d*)$/.test(key) && Number(key) < node.length
    : node !== null && typeof node === 'object' && Object.hasOwn(node, key);
  if (!exists) malformed(`metadata names ${where(path)}, which the payload does not have`);
  const next: Slot = { holder: node as Slot['holder'], key, type: undefined, children: undefined };
  (slot.children ??= new Map()).set(key, next);
  return next;
}

/** Places superjson's annotation tree, `[type, children?]` at a node or `{ path: tree }`, under `slot`. */
function place(tree: unknown, slot: Slot, ctx: { countRefs: (refs: number) => void; custom: Custom }, path: readonly string[]): void {
  let children = tree;
  if (Array.isArray(tree)) {
    if (tree.length < 1 || tree.length > 2) malformed('an annotation is [type, children?]');
    if (slot.type !== undefined) malformed(`two annotations for ${where(path)}`);
    slot.type = tree[0] ?? null;
    checkType(slot.type, (slot.holder as Record<string, unknown>)[slot.key], () => where(path), ctx.countRefs, ctx.custom);
    if (tree.length === 1) return;
    children = tree[1];
  }
  if (children === null || typeof children !== 'object' || Array.isArray(children)) malformed('annotations must be an object of paths');
  for (const [key, subtree] of Object.entries(children)) {
    let target = slot;
    const full = [...path];
    for (const segment of parsePath(key)) {
      full.push(segment);
      target = child(target, segment, full);
    }
    place(subtree, target, ctx, full);
  }
}

const isRefType = (type: unknown): boolean => Array.isArray(type) && type[0] === 'custom' && (type[1] === 'ref' || type[1] === 'refs' || type[1] === 'pin');

/**
 * hydrate leaves class instances alone, so a ref inside an Error (its `cause`) would come back
 * as a ModelRef, unloaded and unchecked: refused, here and when encoding (format.ts).
 */
function refuseRefsInErrors(slot: Slot, underError: boolean): void {
  if (underError && isRefType(slot.type)) malformed('a ref inside an Error is never loaded; carry it beside the Error');
  if (slot.children !== undefined) for (const next of slot.children.values()) refuseRefsInErrors(next, underError || slot.type === 'Error');
}

/** True when superjson's annotation tree `tree` puts a ref under an Error, at any depth. */
export function hasRefInError(tree: unknown, underError = false): boolean {
  if (Array.isArray(tree)) {
    if (underError && isRefType(tree[0])) return true;
    return tree[1] !== undefined && hasRefInError(tree[1], underError || tree[0] === 'Error');
  }
  if (tree === null || typeof tree !== 'object') return false;
  return Object.values(tree).some((sub) => hasRefInError(sub, underError));
}

/** Converts the annotated values, children first; depth is bounded by the JSON's, checked before parsing. */
function apply(slot: Slot, custom: Custom): void {
  if (slot.children !== undefined) for (const next of slot.children.values()) apply(next, custom);
  if (slot.type === undefined) return;
  const holder = slot.holder as Record<string, unknown>;
  holder[slot.key] = untransform(slot.type, holder[slot.key], custom);
}
