import { CerealError, ModelRef, type Key, type PrimaryKey, type Version } from '@cereal/core';
import { RefList, fromRefList } from '@cereal/core/format';
import { Scalar, YAMLSeq, isScalar, isSeq, type CollectionTag, type Node, type ScalarTag, type Schema } from 'yaml';

/**
 * What one decode's tags report back to the format. yaml's Composer passes on only the message of
 * a tag's failure (as TAG_RESOLVE_FAILED) and catches what a tag throws, so a tag keeps its
 * CerealError here, with its code, and the format throws it.
 */
export interface TagReport {
  /** Counts refs about to be built; false past maxRefs (the LIMIT is kept as the failure). */
  count(refs: number): boolean;
  /** Keeps the first failure. */
  fail(error: CerealError): void;
}

/** The report of the decode in progress; undefined for tags used in a plain yaml document. */
export type Reporter = () => TagReport | undefined;

const none: Reporter = () => undefined;

/** `INVALID_REF` for a ref of the wrong shape (or the CerealError `cause`): kept for the format, and told to yaml. */
function fail(report: Reporter, onError: (message: string) => void, message: string, cause?: unknown): null {
  report()?.fail(cause instanceof CerealError ? cause : new CerealError('INVALID_REF', `[yaml] ${message}`));
  onError(message);
  return null;
}

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

/** Reads `[model, key]` with `read`; whatever is wrong (the shape, the model, the key) is `INVALID_REF`. */
function readPair<T>(seq: unknown, what: string, report: Reporter, onError: (message: string) => void, read: (model: unknown, key: unknown) => T): T | null {
  if (!isSeq(seq)) return fail(report, onError, `${what} must be a sequence [model, key]`);
  if (seq.items.length !== 2) return fail(report, onError, `${what} must be [model, key], got ${seq.items.length} item${seq.items.length === 1 ? '' : 's'}`);
  const [model, key] = seq.items;
  try {
    return read(isScalar(model) ? model.value : {}, key);
  } catch (err) {
    return fail(report, onError, (err as Error).message.replace(/^\[cereal\] /, ''), err);
  }
}

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
  report: Reporter,
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
      // Counted before anything is built; past maxRefs the tag builds nothing.
      if (report()?.count(refs(isSeq(seq) ? seq.items[1] : undefined)) === false) return null as never;
      return readPair(seq, tag, report, onError, read) as never;
    },
  } satisfies CollectionTag;
}

/** Matches unpinned refs only (`instanceof` through its hasInstance): pinned refs are `!pin`'s. */
const UnpinnedRef = { [Symbol.hasInstance]: (value: unknown) => value instanceof ModelRef && value.version === undefined } as unknown as typeof ModelRef;

/** The `!ref` tag, reporting to the decode in progress. */
const makeRefTag = (report: Reporter) =>
  pairTag('!ref', UnpinnedRef, (schema, r) => [r.model, keyNode(schema, r.pk)], () => 1, (model, key) => new ModelRef(model as string, keyOfNode(key) as PrimaryKey), report);

/** The `!refs` tag, reporting to the decode in progress. */
const makeRefsTag = (report: Reporter) =>
  pairTag(
    '!refs',
    RefList,
    (schema, list) => [list.model, flowSeq(schema, list.pks.map((pk) => keyNode(schema, pk)))],
    (keys) => (isSeq(keys) ? keys.items.length : 1),
    (model, keys) => {
      if (!isSeq(keys)) throw new Error('!refs must be [model, [key, …]]');
      return fromRefList(model, keys.items.map(keyOfNode));
    },
    report,
  );

/** A version node: as a key part (a bigint as digits); a Date is written by the format's timestamp tags. */
const versionNode = (version: Version): Node => new Scalar(version);

/** The `!pin` tag, reporting to the decode in progress: a pinned ModelRef as `!pin [users, 42, 7]`. */
const makePinTag = (report: Reporter) =>
  ({
    tag: '!pin',
    collection: 'seq',
    identify: (value: unknown) => value instanceof ModelRef && value.version !== undefined,
    createNode: (schema: Schema, value: unknown) => {
      const r = value as ModelRef;
      return flowSeq(schema, [new Scalar(r.model), keyNode(schema, r.pk), versionNode(r.version!)]);
    },
    resolve: (seq, onError) => {
      if (report()?.count(1) === false) return null as never;
      if (!isSeq(seq) || seq.items.length !== 3) return fail(report, onError, '!pin must be a sequence [model, key, version]') as never;
      const [model, key, version] = seq.items;
      if (!isScalar(version) || version.value === undefined || version.value === null) return fail(report, onError, '!pin must be [model, key, version], the version a number, a string or a timestamp') as never;
      try {
        return new ModelRef((isScalar(model) ? model.value : {}) as string, keyOfNode(key) as PrimaryKey, (isScalar(version) ? keyPart(version) : {}) as Version) as never;
      } catch (err) {
        return fail(report, onError, (err as Error).message.replace(/^\[cereal\] /, ''), err) as never;
      }
    },
  }) satisfies CollectionTag;

/**
 * The `!ref` tag: a ModelRef as `!ref [users, 42]`, a composite key as `!ref [orders, [7, 1001]]`.
 * Add it to your own yaml `customTags` to read and write refs in any document.
 */
export const refTag = makeRefTag(none);

/**
 * The `!refs` tag: a RefList (an array of refs to one model, as serializer.encode hands it over),
 * the model name once: `!refs [users, [1, 2, 3]]`. Reads back as an array of ModelRefs.
 */
export const refsTag = makeRefsTag(none);

/** The `!pin` tag: a pinned ModelRef (one that carries its row's version) as `!pin [users, 42, 7]`. */
export const pinTag = makePinTag(none);

/** `!ref` or `!refs` on a scalar or a mapping: always `INVALID_REF`, never an unknown tag. */
const misused = (tag: string, report: Reporter): [ScalarTag, CollectionTag] => [
  { tag, resolve: (_value, onError) => fail(report, onError, `${tag} must be a sequence [model, key], got a scalar`) },
  { tag, collection: 'map', resolve: (_map, onError) => fail(report, onError, `${tag} must be a sequence [model, key], got a mapping`) },
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
export const refTags = (report: Reporter): (ScalarTag | CollectionTag)[] => [
  makeRefTag(report),
  makeRefsTag(report),
  makePinTag(report),
  ...misused('!ref', report),
  ...misused('!refs', report),
  ...misused('!pin', report),
];
