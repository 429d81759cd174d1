/** Limits a format honours while it reads, before it builds any value. */
export interface WireLimits {
  /**
   * The deepest nesting of collections the format parses; deeper is `LIMIT` before parsing
   * (parsers recurse, and a stack overflow must never happen). Formats get it from
   * `parseDepth`, which allows for their own envelope; core's walk then enforces the exact depth.
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
 * loads anything; decode gives ModelRefs back and hydrate fills them. What a format must do is
 * `encode` and `decode` ModelRefs; what it may do besides is a flag (`lists`) or a default
 * (`maxBytes`). `defineFormat` (from `@cereal/core/format`) builds one with the checks done.
 */
export interface Format<Wire extends Uint8Array | string = Uint8Array | string> {
  /** The format's name, e.g. `msgpack`: in error messages and queue envelopes. */
  readonly name: string;
  /**
   * True when `encode` takes a RefList: `serializer.encode` then hands over each array of two or
   * more refs to one model as one, to be written compactly (the model name once), and `decode`
   * must give such a list back as an array of ModelRefs. Without it, arrays of refs reach
   * `encode` as they are.
   * @default false
   */
  readonly lists?: boolean;
  /**
   * The largest payload this format decodes unless the caller sets `maxBytes`, in bytes: the
   * size at which its worst payload per byte still fits a 1 GiB heap (a megabyte of YAML can
   * take 500 MB to parse). The serializer uses it as its default `maxBytes`.
   * @default 16 * 1024 * 1024
   */
  readonly maxBytes?: number;
  /**
   * @param value - a value whose refs are ModelRef instances (and RefLists, with `lists`)
   * @returns the wire form
   * @throws CerealError `MALFORMED` for a value the format cannot write
   */
  encode(value: unknown): Wire;
  /**
   * @param wire - the wire form; may be hostile
   * @param limits - limits to check before building anything (serializer.decode passes its own)
   * @returns the value with ModelRef placeholders
   * @throws CerealError `MALFORMED`, `INVALID_REF` or `LIMIT`; never runs code, never loads
   */
  decode(wire: Wire, limits?: WireLimits): unknown;
}
