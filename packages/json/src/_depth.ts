import { tooDeep } from '@cereal/core/format';

/**
 * Throws `LIMIT` when JSON text nests `[` and `{` deeper than `maxDepth`, counting only outside
 * strings. One pass, no recursion; it does not validate the text (JSON.parse does that next).
 * superjson's metadata and walks recurse, so their depth is bounded here first.
 */
export function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, past escaped characters
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw tooDeep('json', maxDepth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}
