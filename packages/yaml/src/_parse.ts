import { CerealError } from '@cereal/core';
import { Composer, LineCounter, Parser, type CST, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { checkTree, problemAt } from './_cst.js';
import { checkFlowDepth } from './_flow.js';
import { checkExpansion } from './_expansion.js';
import { checkNodes } from './_nodes.js';

type Options = DocumentOptions & SchemaOptions & ParseOptions;
type OnError = (source: unknown, code: string, message: string, warning?: boolean) => void;

/** Where a Composer problem is: yaml passes an offset, an offset range, or a token (as its own getErrorPos reads them). */
export const offsetOf = (source: unknown): number => {
  const offset: unknown = typeof source === 'number' ? source : Array.isArray(source) ? source[0] : (source as { offset?: unknown } | null)?.offset;
  return Number.isSafeInteger(offset) ? Math.max(offset as number, 0) : 0;
};

/**
 * Composes the one document of `tokens`, ending at the first problem yaml reports. The Composer
 * would go on and make an Error with a stack trace of every problem (a MiB of `[,,,…]` took
 * 900 MB). Its `onError` is an own property of each instance (yaml 2.x), so this Composer's is
 * replaced by one that throws; what yaml catches on the way out (its composeNode turns any
 * exception into another problem) throws the same first error again.
 */
function composeFirst(tokens: readonly CST.Token[], options: Options, lines: LineCounter, tagFailure: () => CerealError | undefined): Document.Parsed | undefined {
  const composer = new Composer(options);
  let first: CerealError | undefined;
  const onError: OnError = (at, code, message) => {
    first ??= problemAt(message, offsetOf(at), lines, code, tagFailure());
    throw first;
  };
  (composer as unknown as { onError: OnError }).onError = onError;
  let doc: Document.Parsed | undefined;
  try {
    for (const next of composer.compose(tokens)) doc ??= next; // none for a payload of only comments or directives
  } catch (err) {
    throw first ?? err;
  }
  return doc;
}

/**
 * Refuses a document yaml left a problem in, its first error before any warning. None reaches
 * here with yaml 2.x, whose Composer reports every problem through `onError` (which throws) and
 * whose Parser's error tokens are refused first (200 000 random sources were tried); it stands
 * for a yaml that records one in the document instead.
 */
export function checkProblems(doc: Document.Parsed, lines: LineCounter): void {
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) throw problemAt(problem.message, problem.pos[0], lines, problem.code);
}

/**
 * yaml's parseDocument in its steps, with checks between them. `tagFailure` gives what a cereal
 * tag failed with, when the problem yaml reports is that tag's (see TagReport). The Parser yields an error token
 * per bad token (a megabyte of `]` took 1.4 GB once composed): the first one ends the decode.
 * The Parser builds the concrete syntax tree without recursing; the Composer recurses once per
 * level, and a stack overflow there has been seen to leave V8 unable to compile regular
 * expressions for the rest of the process: so the tree is measured before anything is composed.
 */
export function parseYaml(source: string, options: Options, limits: { maxDepth: number; maxAliases: number }, tagFailure: () => CerealError | undefined): Document.Parsed {
  checkFlowDepth(source, limits.maxDepth);
  const lines = new LineCounter();
  const tokens: CST.Token[] = [];
  let documents = 0;
  for (const token of new Parser(lines.addNewLine).parse(source)) {
    if (token.type === 'error') throw problemAt(token.message, token.offset, lines);
    if (token.type === 'document' && ++documents > 1) throw problemAt('the payload holds more than one document', token.offset, lines);
    tokens.push(token);
  }
  const aliases = checkTree(tokens, limits, lines);
  const doc = composeFirst(tokens, options, lines, tagFailure);
  if (doc === undefined) throw new CerealError('MALFORMED', '[yaml] the payload holds no document');
  checkProblems(doc, lines);
  checkNodes(doc);
  if (aliases > 0) checkExpansion(doc);
  return doc;
}
