import { CerealError } from '@cereal/core';
import { tooDeep } from '@cereal/core/format';
import type { CST, LineCounter } from 'yaml';

/**
 * A problem yaml reports at `offset` as a CerealError with its line and column: `known`, when a
 * cereal tag failed with it (its code and refs kept), else `MALFORMED`. yaml quotes the source in
 * some messages: only 200 characters of it are kept.
 */
export function problemAt(message: string, offset: number, lines: LineCounter, code?: string, known?: CerealError): CerealError {
  const { line, col } = lines.linePos(offset);
  const at = ` (line ${line}, column ${col})`;
  if (known !== undefined) {
    const text = known.message.replace(/^\[cereal\] (\[yaml\] )?/, '');
    return new CerealError(known.code, `[yaml] ${text.slice(0, 200)}${at}`, { ...(known.refs === undefined ? {} : { refs: known.refs }), cause: known });
  }
  // yaml reports a stack overflow in its Composer as RESOURCE_EXHAUSTION: too deep, not malformed
  if (code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(message)) return new CerealError('LIMIT', `[yaml] the payload nests too deeply to read${at}`);
  return new CerealError('MALFORMED', `[yaml] ${code === undefined ? '' : `${code}: `}${message.slice(0, 200)}${at}`);
}

const isCollection = (t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  t != null && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');

/** The first error token among `tokens`, if any. */
function errorIn(tokens: unknown): CST.ErrorToken | undefined {
  if (Array.isArray(tokens)) for (const token of tokens as CST.Token[]) if (token.type === 'error') return token;
  return undefined;
}

/**
 * Walks the concrete syntax tree with a stack of its own (no recursion), before anything is
 * composed: the deepest nesting of collections must stay within `maxDepth`; an error the parser
 * left inside the tree ends the decode here; and the document may use at most `maxAliases`
 * aliases. (yaml resolves each alias by scanning every anchor and alias before it: a MiB of
 * `&a 0, *a, *a, …` took minutes, and yaml's own alias limit counts per anchor.)
 * @returns how many aliases the document uses
 */
export function checkTree(tokens: readonly CST.Token[], limits: { maxDepth: number; maxAliases: number }, lines: LineCounter): number {
  const stack: [CST.Token, number][] = [];
  for (const token of tokens) stack.push([token, 0]);
  let aliases = 0;
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    // a document's start, a flow collection's end, a scalar's end, a block scalar's props
    const t = token as { start?: unknown; end?: unknown; props?: unknown };
    const error = errorIn(t.start) ?? errorIn(t.end) ?? errorIn(t.props);
    if (error !== undefined) throw problemAt(error.message, error.offset, lines);
    if (token.type === 'alias' && ++aliases > limits.maxAliases) {
      throw new CerealError('LIMIT', `[yaml] the document uses more than maxAliasCount ${limits.maxAliases} aliases; raise \`maxAliasCount\` if that is expected`);
    }
    if (token.type === 'document' && token.value !== undefined) stack.push([token.value, depth]);
    if (!isCollection(token)) continue;
    if (depth + 1 > limits.maxDepth) throw tooDeep('yaml', limits.maxDepth);
    for (const item of token.items as CST.CollectionItem[]) {
      const inner = errorIn(item.start) ?? errorIn(item.sep);
      if (inner !== undefined) throw problemAt(inner.message, inner.offset, lines);
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
  return aliases;
}
