import { CerealError, ModelRef } from '@cereal/core';
import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import { OrderedPairs } from './_omap.js';

const SET = 'tag:yaml.org,2002:set';

/** Pushes each of `items` on `stack`: a spread of 130 000 items would overflow the call. */
function pushAll(stack: unknown[], items: readonly unknown[]): void {
  for (let i = 0; i < items.length; i++) stack.push(items[i]);
}

/** A merge key (`!!merge <<`) copies another mapping's pairs past every check: it is refused. */
function refuseMerge(key: unknown): void {
  if (isScalar(key) && typeof key.value === 'symbol') throw new CerealError('MALFORMED', '[yaml] merge keys (`<<`) are not read in a cereal payload');
}

/**
 * Plain mappings become objects: their keys must be scalars, and unique as object keys (`1` and
 * `"1"`, or `true` and `"true"`, are one key). yaml's own `uniqueKeys` check compares every key
 * with every earlier one, and it turns a collection key into a string with a process warning;
 * both are checked here instead, in one pass over every node, inside `!!omap` and `!!set` too.
 */
export function checkNodes(doc: Document.Parsed): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isScalar(node) && typeof node.value === 'symbol') throw new CerealError('MALFORMED', '[yaml] a merge marker (`!!merge <<`) as a value is no data');
    if (isSeq(node)) pushAll(stack, node.items);
    else if (isPair(node)) {
      refuseMerge(node.key);
      stack.push(node.key, node.value);
    } else if (isMap(node)) {
      if (node instanceof OrderedPairs || node.tag === SET) pushAll(stack, node.items);
      else checkPlainMap(node.items, stack);
    }
  }
}

function checkPlainMap(pairs: readonly { key: unknown; value: unknown }[], stack: unknown[]): void {
  const seen = new Set<string>();
  for (const { key, value } of pairs) {
    refuseMerge(key);
    // A ref resolves to a Scalar holding a ModelRef; a Date key to one holding a Date.
    const data: unknown = isScalar(key) ? key.value : undefined;
    if (!isScalar(key) || (typeof data === 'object' && data !== null)) {
      const isRefKey = data instanceof ModelRef || ['!ref', '!refs'].includes((key as { tag?: string } | null)?.tag ?? '');
      throw new CerealError(isRefKey ? 'INVALID_REF' : 'MALFORMED', `[yaml] a ${isRefKey ? 'ref' : 'collection or object'} as a mapping key; write the Map as a !!omap`);
    }
    // the object key yaml's conversion will make of it: a null key (`~`, `null`, or none) is ''
    const id = data === null ? '' : String(data);
    if (seen.has(id)) throw new CerealError('MALFORMED', `[yaml] duplicate mapping key ${JSON.stringify(id).slice(0, 60)}`);
    seen.add(id);
    stack.push(value);
  }
}
