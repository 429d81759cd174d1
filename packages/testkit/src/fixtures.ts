import { CerealError, type Format, type LoadContext, type Loader, type PrimaryKey, type Version } from '@cereal/core';
import { canonicalKey, describe } from '@cereal/core/format';

export type Row = Record<string, unknown> & { id: PrimaryKey };

/** A loader over an in-memory table that records every call, for asserting query counts. */
export interface MemoryLoader extends Loader<Row> {
  readonly calls: PrimaryKey[][];
  /** The context of each call (undefined when cereal passed none), beside `calls`. */
  readonly contexts: (LoadContext | undefined)[];
  readonly rows: Map<string, Row>;
  fail?: unknown;
}

/**
 * @param rows - the table; each load returns fresh copies, as a database would
 * @param options - `keyOf`: how to read a row's key (default: `row.id`); `arity`; `version`: the
 *   column `versionOf` reads
 */
export function memoryLoader(rows: Row[], options: { keyOf?: (row: Row) => PrimaryKey; arity?: number; version?: string } = {}): MemoryLoader {
  const keyOf = options.keyOf ?? ((row: Row) => row.id);
  const table = new Map(rows.map((r) => [canonicalKey(keyOf(r))!, r]));
  const loader: MemoryLoader = {
    calls: [],
    contexts: [],
    rows: table,
    keyOf,
    ...(options.arity === undefined ? {} : { arity: options.arity }),
    ...(options.version === undefined ? {} : { versionOf: (row: Row) => row[options.version!] as Version | null }),
    async load(pks, context) {
      loader.calls.push([...pks]);
      loader.contexts.push(context);
      if (loader.fail !== undefined) throw loader.fail;
      const out: Row[] = [];
      for (const pk of pks) {
        const row = table.get(canonicalKey(pk)!);
        if (row !== undefined) out.push({ ...row });
      }
      return out.reverse(); // any order
    },
  };
  return loader;
}

/**
 * A format that keeps values in memory and hands them back: tests core without a wire format.
 * It takes no RefLists (no `lists`), so arrays of refs reach it as they are. `raw` gives what
 * encode was handed.
 */
export function memoryFormat(): Format<string> & { raw(wire: string): unknown } {
  const store = new Map<string, unknown>();
  return {
    name: 'memory',
    encode(value) {
      const id = `m${store.size}`;
      store.set(id, value);
      return id;
    },
    decode(wire) {
      if (!store.has(wire)) throw new SyntaxError(`no such payload ${wire}`);
      return store.get(wire);
    },
    raw: (wire) => store.get(wire),
  };
}

/** What a test got instead of the CerealError it expected, printable whatever was thrown. */
const got = (err: unknown): string => (err instanceof CerealError ? `${err.code}: ${err.message}` : describe(err));

/**
 * Runs `fn` and returns the CerealError it throws at once, of `code` when given; fails when it
 * returns (a promise too: use `rejects`), or throws something else or another code.
 */
export function throws(fn: () => unknown, code?: CerealError['code']): CerealError {
  let returned: unknown;
  try {
    returned = fn();
  } catch (err) {
    if (err instanceof CerealError && (code === undefined || err.code === code)) return err;
    throw new Error(`expected ${code ?? 'a CerealError'}, got ${got(err)}`, { cause: err });
  }
  if (returned instanceof Promise) {
    returned.catch(() => undefined); // failed here, not as an unhandled rejection later
    throw new Error(`expected ${code ?? 'a CerealError'} thrown at once, but it returned a promise: use rejects`);
  }
  throw new Error(`expected ${code ?? 'a CerealError'}, but it returned`);
}

/** Runs `fn` and returns the CerealError it rejects with; fails when it resolves or throws something else. */
export async function rejects(fn: () => unknown): Promise<CerealError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof CerealError) return err;
    throw new Error(`expected a CerealError, got ${got(err)}`, { cause: err });
  }
  throw new Error('expected a CerealError, but it succeeded');
}
