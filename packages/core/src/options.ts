/** How hydrate treats refs, limits and missing rows. */
export interface HydrateOptions {
  /**
   * What a ref to a row that no longer exists becomes: `throw` one `MISSING_ROW` error listing
   * every missing ref, `null`, or `keep` the ModelRef.
   * @default 'throw'
   */
  missing?: 'throw' | 'null' | 'keep';
  /**
   * How new a row must be. `latest`: the row as the loader reads it now, whatever a ref's pin
   * says. `at-least`: a pinned ref (see ModelRef.version) whose row is missing or older than
   * its pin is `STALE`, retryable: the reader is behind (a lagging replica, a commit not yet
   * visible), not the data gone. Pins to a model whose loader has no `versionOf` are not
   * checked; refs without a pin follow `missing`.
   * @default 'latest'
   */
  consistency?: 'latest' | 'at-least';
  /**
   * The most refs one value may hold (every occurrence counts); more is `LIMIT`.
   * @default 100_000
   */
  maxRefs?: number;
  /**
   * The deepest nesting of objects, arrays, Maps and Sets; deeper (or circular) is `LIMIT`.
   * At most 250 (more is `INVALID_OPTION`: the format libraries would overflow the stack).
   * @default 128
   */
  maxDepth?: number;
}

/** How `decode` treats a payload: HydrateOptions, and the largest payload it reads. */
export interface DecodeOptions extends HydrateOptions {
  /**
   * The largest payload `decode` reads, in bytes (UTF-8 bytes for text formats); larger is
   * `LIMIT`, before the format parses anything.
   * @default the format's own (`format.maxBytes`: msgpack 8 MiB, YAML 1 MiB), else 16 MiB
   */
  maxBytes?: number;
}
