/**
 * A model's primary key as its schema declares it: the field marked `@id`, or the fields of
 * `@@id([a, b])`. Prisma's runtime data model leaves ids out; the schema text the client keeps
 * for its query compiler has them. Only what an id needs is parsed: comments and strings are
 * skipped, the model's block found, its `@id` and `@@id` read.
 */
import { CerealError } from '@cereal/core';

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

/** The arguments of the first `@@id( … )` in a model's body, or undefined when it has none; `''` when they do not close. */
function compoundArguments(body: string): string | undefined {
  const start = /@@id\s*\(/.exec(body);
  if (start === null) return /@@id\b/.test(body) ? '' : undefined;
  let depth = 1;
  const from = start.index + start[0].length;
  for (let i = from; i < body.length; i++) {
    if (body[i] === '(') depth++;
    else if (body[i] === ')' && --depth === 0) return body.slice(from, i);
  }
  return '';
}

/**
 * The fields of `@@id`'s arguments: the list named `fields:` wherever it stands (`@@id(name:
 * "pk", fields: [a, b])`), or the first argument when it is a list (`@@id([a, b], name: "pk")`).
 * A field may carry arguments of its own: `a(sort: Desc)`.
 */
function compoundFields(args: string): string[] | undefined {
  const list = /(?:^|[,\s])fields\s*:\s*\[([^\]]*)\]/.exec(args) ?? /^\s*\[([^\]]*)\]/.exec(args);
  if (list === null) return undefined;
  const fields = list[1]!.split(/,(?![^(]*\))/).map((f) => f.replace(/\(.*$/s, '').trim());
  return fields.length > 0 && fields.every((f) => /^[A-Za-z_]\w*$/.test(f)) ? fields : undefined;
}

/**
 * The id fields of model `name` in the schema `schema`, in their declared order; undefined when
 * the model, or an id, cannot be found there.
 * @throws CerealError `INVALID_OPTION` when the model has an `@@id` whose fields cannot be read:
 *   the loader must not fall back on a field `id` that is only part of the key
 */
export function idFields(schema: string, name: string): string[] | undefined {
  const body = blockOf(code(schema), name);
  if (body === undefined) return undefined;
  const args = compoundArguments(body);
  if (args !== undefined) {
    const fields = compoundFields(args);
    if (fields === undefined) {
      throw new CerealError('INVALID_OPTION', `[prisma] the \`@@id\` of model \`${name}\` could not be read from the client's schema; set \`primaryKey\` to its fields, e.g. ['tenantId', 'id']`);
    }
    return fields;
  }
  for (const line of body.split('\n')) {
    const field = /^\s*([A-Za-z_]\w*)\s+\S+.*?(?:^|\s)@id(?![\w.])/.exec(line);
    if (field !== null) return [field[1]!];
  }
  return undefined;
}
