import { ModelRef, RefList, fromRefList, type Key, type PrimaryKey } from '@cereal/core';
import { Scalar, YAMLSeq, isScalar, isSeq, type CollectionTag, type Node, type ScalarTag, type Schema } from 'yaml';

/**
 * yaml reports what a tag's resolve passes to `onError` as a `TAG_RESOLVE_FAILED` error and
 * keeps only the message; this prefix tells cereal's failures from yaml's own.
 */
export const INVALID_REF_MARK = 'cereal:INVALID_REF ';

const fail = (onError: (message: string) => void, message: string): null => {
  onError(`${INVALID_REF_MARK}${message}`);
  return null;
};

/** A flow sequence node of `items`: `[a, b]`. */
function flowSeq(schema: Schema, items: Node[]): YAMLSeq {
  const seq = new YAMLSeq(schema);
  seq.flow = true;
  seq.items = items;
  return seq;
}

// Keys are built as nodes by hand so that a bigint key is written as plain digits.
const keyNode = (schema: Schema, pk: PrimaryKey): Node =>
  Array.isArray(pk) ? flowSeq(schema, pk.map((part: Key) => new Scalar(part))) : new Scalar(pk);

/**
 * Reads one key part. An integer beyond 2^53 has already been rounded by yaml's int tag, so it
 * is read again from its source text: exact keys without making every integer a bigint.
 */
function keyPart(node: unknown): unknown {
  if (!isScalar(node)) return node === null ? null : {};
  const { value, source } = node as Scalar & { source?: string };
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return typeof source === 'string' && /^[-+]?\d{1,40}$/.test(source) ? BigInt(source) : value;
  }
  return value;
}

const keyOfNode = (node: unknown): unknown => (isSeq(node) ? node.items.map(keyPart) : keyPart(node));

/**
 * Reads `[model, key]` with `read`; whatever is wrong (the shape, the model, the key) goes to
 * yaml's onError, which the format turns into `INVALID_REF`.
 */
function readPair<T>(seq: unknown, what: string, onError: (message: string) => void, read: (model: unknown, key: unknown) => T): T | null {
  if (!isSeq(seq)) return fail(onError, `${what} must be a sequence [model, key]`);
  if (seq.items.length !== 2) return fail(onError, `${what} must be [model, key], got ${seq.items.length} item${seq.items.length === 1 ? '' : 's'}`);
  const [model, key] = seq.items;
  try {
    return read(isScalar(model) ? model.value : {}, key);
  } catch (err) {
    return fail(onError, (err as Error).message);
  }
}

/**
 * Called with the number of refs a tag is about to build; false when they are over the limit,
 * and the tag then builds nothing. (It cannot throw: yaml's Composer catches what a tag throws,
 * records it as a RESOURCE_EXHAUSTION error and goes on composing.)
 */
export type RefCount = (refs: number) => boolean;

const uncounted: RefCount = () => true;

/**
 * A tag written as the flow sequence `[model, second]` for instances of `Class`, and read back
 * through `read`, counting the refs it is about to build (`refs` of the sequence) first.
 */
function pairTag<T extends object>(
  tag: string,
  Class: abstract new (...args: never[]) => T,
  write: (schema: Schema, value: T) => [model: string, second: Node],
  refs: (second: unknown) => number,
  read: (model: unknown, second: unknown) => unknown,
  count: RefCount,
) {
  return {
    tag,
    collection: 'seq',
    identify: (value: unknown) => value instanceof Class,
    createNode: (schema: Schema, value: unknown) => {
      const [model, second] = write(schema, value as T);
      return flowSeq(schema, [new Scalar(model), second]);
    },
    resolve: (seq, onError) => {
      if (!count(refs(isSeq(seq) ? seq.items[1] : undefined))) return null as never;
      return readPair(seq, tag, onError, read) as never;
    },
  } satisfies CollectionTag;
}

/** The `!ref` tag, counting the refs it builds with `count`. */
const makeRefTag = (count: RefCount) =>
  pairTag('!ref', ModelRef, (schema, r) => [r.model, keyNode(schema, r.pk)], () => 1, (model, key) => new ModelRef(model as string, keyOfNode(key) as PrimaryKey), count);

/** The `!refs` tag, counting the refs it builds with `count` before it builds them. */
const makeRefsTag = (count: RefCount) =>
  pairTag(
    '!refs',
    RefList,
    (schema, list) => [list.model, flowSeq(schema, list.pks.map((pk) => keyNode(schema, pk)))],
    (keys) => (isSeq(keys) ? keys.items.length : 1),
    (model, keys) => {
      if (!isSeq(keys)) throw new Error('!refs must be [model, [key, …]]');
      return fromRefList(model, keys.items.map(keyOfNode));
    },
    count,
  );

/**
 * The `!ref` tag: a ModelRef as `!ref [users, 42]`, a composite key as `!ref [orders, [7, 1001]]`.
 * Add it to your own yaml `customTags` to read and write refs in any document.
 */
export const refTag = makeRefTag(uncounted);

/**
 * The `!refs` tag: a RefList (an array of refs to one model, as serializer.encode hands it over),
 * the model name once: `!refs [users, [1, 2, 3]]`. Reads back as an array of ModelRefs.
 */
export const refsTag = makeRefsTag(uncounted);

/** `!ref` or `!refs` on a scalar or a mapping: always `INVALID_REF`, never an unknown tag. */
const misused = (tag: string): [ScalarTag, CollectionTag] => [
  { tag, resolve: (_value, onError) => fail(onError, `${tag} must be a sequence [model, key], got a scalar`) },
  { tag, collection: 'map', resolve: (_map, onError) => fail(onError, `${tag} must be a sequence [model, key], got a mapping`) },
];

/** A bigint value outside refs: `!bigint 123456789012345678901234567890`. */
export const bigintTag = {
  tag: '!bigint',
  identify: (value: unknown) => typeof value === 'bigint',
  resolve(text, onError) {
    if (!/^[-+]?\d{1,1000}$/.test(text)) {
      onError(`!bigint must be an integer of at most 1000 digits, got ${JSON.stringify(text.slice(0, 40))}`);
      return null;
    }
    return BigInt(text);
  },
  stringify: (item) => String(item.value),
} satisfies ScalarTag;

/**
 * The ref tags the YAML format reads and writes with. Refs are counted where yaml resolves a
 * tag, so every spelling of one (`!ref`, `!<!ref>`, a `%TAG` handle, %-escapes) is counted.
 */
export const refTags = (count: RefCount): (ScalarTag | CollectionTag)[] => [makeRefTag(count), makeRefsTag(count), ...misused('!ref'), ...misused('!refs')];
