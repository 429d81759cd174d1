/** Limits a format honours while it reads, before it builds any value. */
export interface DecodeOptions {
  /**
   * The deepest nesting of collections the format parses; deeper is `LIMIT` before parsing
   * (parsers recurse, and a stack overflow must never happen). A format allows a few levels
   * for its own envelope; core's walk then enforces the exact depth.
   * @default 128
   */
  maxDepth?: number;
  /**
   * The most refs the format builds; more is `LIMIT` before they are built (a list of refs is
   * a few bytes per ref on the wire and a hundred in memory).
   * @default 100_000
   */
  maxRefs?: number;
}

/**
 * A wire format: turns a value holding ModelRefs into bytes or text and back. A format never
 * loads anything; decode gives ModelRefs back and hydrate fills them.
 */
export interface Format<Wire extends Uint8Array | string = Uint8Array | string> {
  /** `msgpack`, `json` or `yaml`. */
  readonly name: string;
  /**
   * The largest payload this format decodes unless the caller sets `maxBytes`, in bytes: the
   * size at which its worst payload per byte still fits a 1 GiB heap (a megabyte of YAML can
   * take 560 MB to parse). The serializer uses it as its default `maxBytes`.
   * @default 16 * 1024 * 1024
   */
  readonly maxBytes?: number;
  /**
   * @param value - a value whose refs are ModelRef instances; `serializer.encode` also hands
   *   arrays of two or more refs to one model over as a RefList, to be written compactly
   * @returns the wire form
   */
  encode(value: unknown): Wire;
  /**
   * @param wire - the wire form; may be hostile
   * @param options - limits to check before parsing (serializer.decode passes its own)
   * @returns the value with ModelRef placeholders (a RefList reads back as an array of ModelRefs)
   * @throws CerealError `MALFORMED`, `INVALID_REF` or `LIMIT`; never runs code, never loads
   */
  decode(wire: Wire, options?: DecodeOptions): unknown;
}
