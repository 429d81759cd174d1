/**
 * A model's primary key as its schema declares it: the field marked `@id`, or the fields of
 * `@@id([a, b])`. Prisma's runtime data model leaves ids out; the schema text the client keeps
 * for its query compiler has them. Only what an id needs is parsed: comments and strings are
 * skipped, the model's block found, its `@id` and `@@id` read.
 */

/** `text` without comments, with string contents blanked (so braces in them count for nothing). */
function code(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '"') {
      out += '"';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        out += ' ';
      }
      out += '"';
    } else {
      out += c;
    }
  }
  return out;
}

/** The body of `model <name> { … }` (or `view`), or undefined when the schema has none. */
function blockOf(schema: string, name: string): string | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = new RegExp(`(?:^|\\n)\\s*(?:model|view)\\s+${escaped}\\s*\\{`).exec(schema);
  if (start === null) return undefined;
  let depth = 1;
  const from = start.index + start[0].length;
  for (let i = from; i < schema.length; i++) {
    if (schema[i] === '{') depth++;
    else if (schema[i] === '}' && --depth === 0) return schema.slice(from, i);
  }
  return undefined;
}

/**
 * The id fields of model `name` in the schema `schema`, in their declared order; undefined when
 * the model or its id cannot be found there.
 */
export function idFields(schema: string, name: string): string[] | undefined {
  const body = blockOf(code(schema), name);
  if (body === undefined) return undefined;
  // @@id([a, b]) or @@id(fields: [a, b], name: "…"); a field may carry arguments: a(sort: Desc)
  const compound = /@@id\s*\(\s*(?:fields\s*:\s*)?\[([^\]]*)\]/.exec(body);
  if (compound !== null) {
    const fields = compound[1]!.split(',').map((f) => f.replace(/\(.*$/s, '').trim()).filter((f) => f.length > 0);
    return fields.length > 0 ? fields : undefined;
  }
  for (const line of body.split('\n')) {
    const field = /^\s*([A-Za-z_]\w*)\s+\S+.*?(?:^|\s)@id(?![\w.])/.exec(line);
    if (field !== null) return [field[1]!];
  }
  return undefined;
}
