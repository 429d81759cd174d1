import { CerealError, ModelRef, tooDeep } from '@cereal/core';
import { Composer, LineCounter, Parser, isMap, isPair, isScalar, isSeq, type CST, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { OrderedPairs } from './_omap.js';

type Options = DocumentOptions & SchemaOptions & ParseOptions;

/** `MALFORMED` at a position of the source: `(line 2, column 4)`. */
export function malformedAt(message: string, offset: number, lines: LineCounter): CerealError {
  const { line, col } = lines.linePos(offset);
  return new CerealError('MALFORMED', `[yaml] ${message.slice(0, 200)} (line ${line}, column ${col})`);
}

const isCollection = (t: CST.Token | null | undefined): t is CST.BlockMap | CST.BlockSequence | CST.FlowCollection =>
  t != null && (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection');

/** The first error token among `tokens`, if any. */
function errorIn(tokens: unknown): CST.ErrorToken | undefined {
  if (Array.isArray(tokens)) for (const token of tokens as CST.Token[]) if (token.type === 'error') return token;
  return undefined;
}

/**
 * Walks the concrete syntax tree with a stack of its own (no recursion): the deepest nesting of
 * collections must stay within `maxDepth`, and an error the parser left inside the tree stops
 * the decode here, before yaml's Composer turns each one into an Error with a stack trace.
 */
function checkTree(tokens: readonly CST.Token[], maxDepth: number, lines: LineCounter): void {
  const stack: [CST.Token, number][] = [];
  for (const token of tokens) stack.push([token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    // a document's start, a flow collection's end, a scalar's end, a block scalar's props
    const t = token as { start?: unknown; end?: unknown; props?: unknown };
    const error = errorIn(t.start) ?? errorIn(t.end) ?? errorIn(t.props);
    if (error !== undefined) throw malformedAt(error.message, error.offset, lines);
    if (token.type === 'document' && token.value !== undefined) stack.push([token.value, depth]);
    if (!isCollection(token)) continue;
    if (depth + 1 > maxDepth) throw tooDeep('yaml', maxDepth);
    for (const item of token.items as CST.CollectionItem[]) {
      const inner = errorIn(item.start) ?? errorIn(item.sep);
      if (inner !== undefined) throw malformedAt(inner.message, inner.offset, lines);
      if (item.key) stack.push([item.key, depth + 1]);
      if (item.value) stack.push([item.value, depth + 1]);
    }
  }
}

const SET = 'tag:yaml.org,2002:set';

/** Pushes each of `items` on `stack`: a spread of 130 000 items would overflow the call. */
function pushAll(stack: unknown[], items: readonly unknown[]): void {
  for (let i = 0; i < items.length; i++) stack.push(items[i]);
}

/**
 * Plain mappings become objects: their keys must be scalars, and unique as object keys (`1` and
 * `"1"`, or `true` and `"true"`, are one key). yaml's own `uniqueKeys` check compares every key
 * with every earlier one, and it turns a collection key into a string with a process warning;
 * both are checked here instead, in one pass over every node, inside `!!omap` and `!!set` too.
 */
function checkNodes(doc: Document.Parsed): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) pushAll(stack, node.items);
    else if (isPair(node)) stack.push(node.key, node.value);
    else if (isMap(node)) {
      if (node instanceof OrderedPairs || node.tag === SET) pushAll(stack, node.items);
      else checkPlainMap(node.items, stack);
    }
  }
}

function checkPlainMap(pairs: readonly { key: unknown; value: unknown }[], stack: unknown[]): void {
  const seen = new Set<string>();
  for (const { key, value } of pairs) {
    // A ref resolves to a Scalar holding a ModelRef; a Date key to one holding a Date.
    const data: unknown = isScalar(key) ? key.value : undefined;
    if (!isScalar(key) || (typeof data === 'object' && data !== null)) {
      const isRefKey = data instanceof ModelRef || ['!ref', '!refs'].includes((key as { tag?: string } | null)?.tag ?? '');
      throw new CerealError(isRefKey ? 'INVALID_REF' : 'MALFORMED', `[yaml] a ${isRefKey ? 'ref' : 'collection or object'} as a mapping key; write the Map as a !!omap`);
    }
    const id = String(data);
    if (seen.has(id)) throw new CerealError('MALFORMED', `[yaml] duplicate mapping key ${JSON.stringify(id).slice(0, 60)}`);
    seen.add(id);
    stack.push(value);
  }
}

/**
 * yaml's parseDocument in its steps, with checks between them. The Parser yields an error token
 * per bad token, and the Composer makes an Error with a stack trace of each (a megabyte of `]`
 * took 1.4 GB): the first error ends the decode. The Parser builds the concrete syntax tree
 * without recursing; the Composer recurses once per level, and a stack overflow there has been
 * seen to leave V8 unable to compile regular expressions for the rest of the process: so the
 * tree is measured before anything is composed.
 */
export function parseYaml(source: string, options: Options, maxDepth: number): { doc: Document.Parsed; lines: LineCounter } {
  const lines = new LineCounter();
  const tokens: CST.Token[] = [];
  let documents = 0;
  for (const token of new Parser(lines.addNewLine).parse(source)) {
    if (token.type === 'error') throw malformedAt(token.message, token.offset, lines);
    if (token.type === 'document' && ++documents > 1) throw malformedAt('the payload holds more than one document', token.offset, lines);
    tokens.push(token);
  }
  checkTree(tokens, maxDepth, lines);
  let doc: Document.Parsed | undefined;
  for (const next of new Composer(options).compose(tokens, true, source.length)) doc ??= next;
  if (doc === undefined || doc.contents === null) throw new CerealError('MALFORMED', '[yaml] the payload holds no document');
  if (doc.errors.length === 0) checkNodes(doc);
  return { doc, lines };
}
