import { CerealError, ModelRef, tooDeep } from '@cereal/core';
import { Composer, LineCounter, Parser, YAMLParseError, isMap, isScalar, isSeq, type CST, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';

type Options = DocumentOptions & SchemaOptions & ParseOptions;
type Counter = (refs: number) => void;

const isCollection = (t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  t != null && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');

/** Counts the refs a `!ref` (one) or `!refs` (its list's length) among `props` will build for `target`. */
function countTags(props: readonly CST.SourceToken[] | undefined, target: CST.Token | null | undefined, countRefs: Counter): void {
  for (const prop of props ?? []) {
    if (prop.type !== 'tag') continue;
    if (prop.source === '!ref') countRefs(1);
    else if (prop.source === '!refs') {
      const keys = isCollection(target) ? (target.items as CST.CollectionItem[])[1]?.value : undefined;
      countRefs(isCollection(keys) ? keys.items.length : 1);
    }
  }
}

/**
 * Walks the concrete syntax tree with a stack of its own (no recursion): the deepest nesting of
 * collections must stay within `maxDepth`, and the refs its tags will build are counted.
 */
function checkTree(tokens: readonly CST.Token[], maxDepth: number, countRefs: Counter): void {
  const stack: [CST.Token, number][] = [];
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    countTags(token.start, token.value, countRefs);
    if (token.value !== undefined) stack.push([token.value, 0]);
  }
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!isCollection(token)) continue;
    if (depth + 1 > maxDepth) throw tooDeep('yaml', maxDepth);
    for (const item of token.items as CST.CollectionItem[]) {
      countTags(item.start, item.key ?? item.value, countRefs);
      countTags(item.sep, item.value, countRefs);
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
}

const SET = 'tag:yaml.org,2002:set';

/**
 * Plain mappings must have scalar keys, each once. yaml's own `uniqueKeys` check compares every
 * key with every earlier one (40 000 keys take seconds), and a collection as a plain key is
 * turned into a string with a process warning: both are checked here instead, in linear time.
 */
function checkMaps(doc: Document.Parsed): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) stack.push(...node.items);
    else if (isMap(node)) {
      const plain = node.tag !== SET;
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (plain) {
          // A ref resolves to a Scalar holding a ModelRef; a Date key to one holding a Date.
          const value: unknown = isScalar(key) ? key.value : undefined;
          if (!isScalar(key) || (typeof value === 'object' && value !== null)) {
            const isRefKey = value instanceof ModelRef || ['!ref', '!refs'].includes((key as { tag?: string } | null)?.tag ?? '');
            throw new CerealError(isRefKey ? 'INVALID_REF' : 'MALFORMED', `[yaml] a ${isRefKey ? 'ref' : 'collection or object'} as a mapping key; write the Map as a !!omap`);
          }
          const id = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(id)) throw new CerealError('MALFORMED', `[yaml] duplicate mapping key ${JSON.stringify(String(key.value)).slice(0, 60)}`);
          seen.add(id);
        } else {
          stack.push(key);
        }
        stack.push(pair.value);
      }
    }
  }
}

/**
 * yaml's parseDocument in its two steps, with checks between them: yaml's Parser builds the
 * concrete syntax tree without recursing, its Composer recurses once per level, and a stack
 * overflow there has been seen to leave V8 unable to compile regular expressions for the rest
 * of the process. So the tree is measured (and its refs counted) before anything is composed.
 */
export function parseYaml(source: string, options: Options, maxDepth: number, countRefs: Counter): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(source));
  checkTree(tokens, maxDepth, countRefs);
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, source.length)) {
    if (doc === undefined) doc = next;
    else {
      doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  if (doc === undefined || doc.contents === null) throw new CerealError('MALFORMED', '[yaml] the payload holds no document');
  if (doc.errors.length === 0) checkMaps(doc);
  return { doc, lines };
}
