import { CerealError, type Format } from '@cereal/core';
import { defineFormat, listRefs } from '@cereal/core/format';
import { checkDepth } from './_depth.js';
import { SuperJSON, type SuperJSONResult } from 'superjson';
import { applyMeta, hasRefInError } from './_meta.js';
import { readers, registerTransformers } from './transformers.js';

/** Options of {@link jsonFormat}. */
export interface JsonFormatOptions {
  /**
   * Indentation of the JSON text, as JSON.stringify's `space`; 0 writes it on one line.
   * @default 0
   */
  space?: number;
}

/**
 * cereal's JSON format: superjson with an instance of its own (never superjson's shared default
 * instance), ModelRef as the custom transformer `ref`. The wire is plain JSON text,
 * `{"json": …, "meta": …}`, readable in queue dashboards and by other languages' tooling.
 * Date, Map, Set, undefined and bigint values round-trip as superjson does them.
 *
 * @param options - see {@link JsonFormatOptions}
 * @returns a Format whose wire is JSON text
 */
export function jsonFormat(options: JsonFormatOptions = {}): Format<string> {
  const superjson = new SuperJSON();
  registerTransformers(superjson);
  const space = options.space ?? 0;

  return defineFormat({
    name: 'json',
    wire: 'text',
    lists: true,
    // JSON builds at most ≈ 40 MB per MiB of crafted input (`pnpm bench:hostile`): 16 MiB fits a 1 GiB heap.
    maxBytes: 16 * 2 ** 20,
    encode(value) {
      const { json, meta } = superjson.serialize(value as never);
      if (hasRefInError(meta?.values)) throw new CerealError('MALFORMED', '[json] cannot write a ref or a row inside an Error: it would never be loaded; carry it beside the Error');
      // Identity is not kept by any format (msgpack and YAML write repeated objects out again),
      // so the JSON format does not write superjson's referential equalities either.
      const values = meta?.values;
      try {
        return JSON.stringify(values === undefined ? { json } : { json, meta: { values, v: meta!.v } }, null, space);
      } catch (cause) {
        // superjson walks plain objects, arrays, Maps and Sets only; a ref inside a class
        // instance reaches JSON.stringify, and ModelRef.toJSON refuses it.
        if (cause instanceof CerealError && cause.refs !== undefined) {
          throw new CerealError('MALFORMED', `[json] a ref inside a class instance (${listRefs(cause.refs, 1)}) cannot be written: superjson leaves class instances to JSON.stringify; put the ref in a plain object`, { cause, refs: cause.refs });
        }
        throw cause;
      }
    },
    decode(wire, { maxDepth, countRefs }) {
      checkDepth(wire, maxDepth);
      const payload = parse(wire);
      // The parsed text is ours alone: the metadata is applied to it in place.
      return applyMeta(payload.json, payload.meta, countRefs, readers);
    },
  });
}

/** Parses the text and checks it is a superjson result: `{ json, meta? }`. */
function parse(wire: string): SuperJSONResult {
  const payload: unknown = JSON.parse(wire);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(payload) || !Object.hasOwn(payload, 'json') || (payload.meta !== undefined && !isObject(payload.meta))) {
    throw new CerealError('MALFORMED', '[json] not a cereal JSON payload: expected {"json": …, "meta": {…}}');
  }
  return payload as unknown as SuperJSONResult;
}
