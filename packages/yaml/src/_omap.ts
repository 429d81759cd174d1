import { CerealError } from '@cereal/core';
import { YAMLMap, isAlias, isMap, isPair, isScalar, isSeq, type CollectionTag, type Pair } from 'yaml';

/**
 * An `!!omap` as read: the pairs of a Map, in order. A YAMLMap subclass so that yaml's own
 * conversion builds the Map (anchors and aliases inside it resolve as anywhere else), as yaml's
 * Set does; the format's checks tell it from a plain mapping by its class.
 */
export class OrderedPairs extends YAMLMap {
  override toJSON(_?: unknown, ctx?: Parameters<YAMLMap['toJSON']>[1]): Map<unknown, unknown> {
    const map = super.toJSON(_, ctx, Map) as Map<unknown, unknown>;
    // Two keys that read back as one (an alias and its anchor's value elsewhere) would leave one
    // value: the resolve check catches what it can see; this catches the rest.
    if (map.size !== this.items.length) throw new CerealError('MALFORMED', '[yaml] an !!omap holds a key twice (through an alias), and a Map keeps one');
    return map;
  }
}

/**
 * Reading `!!omap` (every Map cereal writes is one) in linear time. yaml's own omap tag checks
 * each key against every earlier one: 80 000 keys took 3.3 s, a crafted megabyte 19 s. Here one
 * Set does it: a scalar key may appear once, as a Map keeps it once; collections and refs as
 * keys are distinct objects, as in a Map. Writing stays with yaml's omap tag, which comes after
 * this one in the format's tag list.
 */
export const omapReadTag = {
  tag: 'tag:yaml.org,2002:omap',
  collection: 'seq',
  resolve(seq, onError) {
    const pairs = new OrderedPairs();
    if (!isSeq(seq)) return (onError('!!omap must be a sequence of single-pair mappings'), pairs) as never;
    const seen = new Set<unknown>();
    const anchors = new Set<string>();
    for (const item of seq.items) {
      const pair = isPair(item) ? item : isMap(item) && item.items.length === 1 ? item.items[0] : undefined;
      if (pair === undefined) {
        onError('each item of an !!omap is a mapping of exactly one key');
        break;
      }
      const key: unknown = isScalar(pair.key) ? pair.key.value : undefined;
      // An alias reads back as the very object its anchor names: `? &k [1] : a` then `? *k : b`
      // is one Map key, twice. Anchors are tracked apart from scalar values.
      const repeated = isAlias(pair.key)
        ? anchors.has(pair.key.source)
        : isScalar(pair.key) && (typeof key !== 'object' || key === null) && seen.has(key);
      if (repeated) {
        onError(`duplicate !!omap key ${JSON.stringify(String(isAlias(pair.key) ? `*${pair.key.source}` : key)).slice(0, 60)}`);
        break;
      }
      if (isAlias(pair.key)) anchors.add(pair.key.source);
      else if (isScalar(pair.key) && (typeof key !== 'object' || key === null)) seen.add(key);
      const anchor = (pair.key as { anchor?: string } | null)?.anchor;
      if (anchor !== undefined) anchors.add(anchor);
      pairs.items.push(pair as Pair);
    }
    return pairs;
  },
} satisfies CollectionTag;
