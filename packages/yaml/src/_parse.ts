import { tooDeep } from '@cereal/core';
import { Composer, LineCounter, Parser, YAMLParseError, type CST, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';

type Options = DocumentOptions & SchemaOptions & ParseOptions;

/** The collections directly inside a CST token: the keys and values of its items. */
function children(token: CST.Token): CST.Token[] {
  if (token.type === 'document') return token.value === undefined ? [] : [token.value];
  if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') return [];
  const out: CST.Token[] = [];
  for (const item of token.items as CST.CollectionItem[]) {
    if (item.key) out.push(item.key);
    if (item.value) out.push(item.value);
  }
  return out;
}

/** Deepest nesting of collections in the CST, walked with a stack of its own (no recursion). */
function checkDepth(tokens: readonly CST.Token[], maxDepth: number): void {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    const inner = token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection' ? depth + 1 : depth;
    if (inner > maxDepth) throw tooDeep('yaml', maxDepth);
    for (const child of children(token)) stack.push([child, inner]);
  }
}

/**
 * yaml's parseDocument in its two steps, with a depth check between them: yaml's Parser builds
 * the concrete syntax tree without recursing, its Composer recurses once per level, and a stack
 * overflow there has been seen to leave V8 unable to compile regular expressions for the rest
 * of the process. So the tree is measured before anything is composed.
 */
export function parseYaml(source: string, options: Options, maxDepth: number): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const tokens = Array.from(new Parser(lines.addNewLine).parse(source));
  checkDepth(tokens, maxDepth);
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, source.length)) {
    if (doc === undefined) doc = next;
    else {
      doc.errors.push(new YAMLParseError(next.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
  }
  return { doc: doc!, lines };
}
