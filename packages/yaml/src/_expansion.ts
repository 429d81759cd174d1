import { CerealError } from '@cereal/core';
import { isAlias, isMap, isPair, isSeq, type Document } from 'yaml';

/**
 * Aliases make a document a graph: `a1: &a1 [*a0, *a0]`, `a2: &a2 [*a1, *a1]`… doubles at each
 * level, and what reads the value (hydrate finding refs, your code) walks every path: 50 levels,
 * 100 aliases and a kilobyte, were 2^50 nodes. yaml's own bound (maxAliasCount in toJS) counts
 * only aliases inside aliased nodes and misses it. Here the document's size with every alias
 * expanded is counted, in one pass (document order, each anchored node's size kept), and may be
 * at most ten times its size without them, or 100 000 values, whichever is more.
 *
 * An alias names the last anchor before it in document order, which may be a node it is inside
 * (`&x [1, *x]`, or an anchor name used twice): that is a cycle, refused as MALFORMED.
 */
export function checkExpansion(doc: Document.Parsed): void {
  const sizes = new Map<string, number>(); // size of the node each anchor names, as aliases see it
  const OPEN = -1; // an anchored node being walked: an alias to it is inside it
  let nodes = 0;
  let expanded = 0;
  // Post-order, iteratively: a node's size is known once its children are done.
  const stack: { node: unknown; done: boolean }[] = [{ node: doc.contents, done: false }];
  const sizesBelow: number[] = [0]; // per open node, the size of its children done so far; [0] holds the root's
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { node } = frame;
    if (isAlias(node)) {
      stack.pop();
      const size = sizes.get(node.source);
      if (size === undefined) throw new CerealError('MALFORMED', `[yaml] alias *${node.source.slice(0, 40)} names no anchor before it`);
      if (size === OPEN) throw new CerealError('MALFORMED', `[yaml] alias *${node.source.slice(0, 40)} is inside the node its anchor names: a cycle`);
      expanded += size;
      sizesBelow[sizesBelow.length - 1]! += size;
      continue;
    }
    if (!frame.done) {
      frame.done = true;
      sizesBelow.push(0);
      const opening = (node as { anchor?: string } | null)?.anchor;
      if (opening !== undefined) sizes.set(opening, OPEN);
      const children = childrenOf(node);
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], done: false });
      continue;
    }
    stack.pop();
    const size = 1 + sizesBelow.pop()!;
    nodes++;
    expanded++;
    sizesBelow[sizesBelow.length - 1]! += size;
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor !== undefined) sizes.set(anchor, size);
  }
  if (expanded > Math.max(10 * nodes, 100_000)) {
    throw new CerealError('LIMIT', `[yaml] aliases expand the document from ${nodes} to ${expanded} values; at most ten times its size (or 100 000) is read`);
  }
}

function childrenOf(node: unknown): unknown[] {
  if (isSeq(node)) return node.items;
  if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
  if (isPair(node)) return [node.key, node.value];
  return [];
}
