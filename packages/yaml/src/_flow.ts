import { tooDeep } from '@cereal/core/format';
import { Lexer } from 'yaml';

/**
 * Refuses a document whose flow collections (`[…]`, `{…}`) nest deeper than `maxDepth`, before
 * the Parser builds its tree: yaml's Parser builds the whole concrete syntax tree of a MiB of
 * `[` (a million nested collections) before any depth check can run, 6.8 s and 1 GB. Most
 * documents hold fewer brackets than `maxDepth` in all and are not lexed here; the others are
 * lexed (about a third of the Parser's time) and stop at the first level too deep: 10 ms for
 * that MiB of `[`. The lexer knows quotes, comments and plain scalars, so a bracket inside a
 * string is not counted, and no bracket in a string can hide a real one.
 *
 * @throws CerealError `LIMIT` when flow collections nest deeper than `maxDepth`
 */
export function checkFlowDepth(source: string, maxDepth: number): void {
  let brackets = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if ((c === 0x5b || c === 0x7b) && ++brackets > maxDepth) break; // [ {
  }
  if (brackets <= maxDepth) return;
  let depth = 0;
  for (const token of new Lexer().lex(source)) {
    if (token === '[' || token === '{') {
      if (++depth > maxDepth) throw tooDeep('yaml', maxDepth);
    } else if (token === ']' || token === '}') {
      depth--;
    }
  }
}
