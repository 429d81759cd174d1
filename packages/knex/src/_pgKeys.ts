import type { Knex } from 'knex';
import type { Key, PrimaryKey } from '@cereal/core';

/** Whether a key can exist in the table at all; keys that cannot are never sent. */
export type KeyCheck = (pk: PrimaryKey) => boolean;

const INTEGER_BOUNDS: Record<string, bigint> = { smallint: 2n ** 15n, integer: 2n ** 31n, bigint: 2n ** 63n };
const UUID = /^\{?[0-9a-f]{8}-?(?:[0-9a-f]{4}-?){3}[0-9a-f]{12}\}?$/i;
const TEXT = new Set(['text', 'character varying', 'character', 'citext', 'name']);

function integerPart(bound: bigint): (part: Key) => boolean {
  return (part) => {
    let n: bigint;
    if (typeof part === 'bigint') n = part;
    else if (typeof part === 'number') n = BigInt(part);
    else if (/^\s*[-+]?\d{1,20}\s*$/.test(part)) n = BigInt(part.trim());
    else return false;
    return n >= -bound && n < bound;
  };
}

function partCheck(type: string | undefined): ((part: Key) => boolean) | undefined {
  if (type === undefined) return undefined;
  const bound = INTEGER_BOUNDS[type];
  if (bound !== undefined) return integerPart(bound);
  if (type === 'uuid') return (part) => typeof part === 'string' && UUID.test(part);
  if (TEXT.has(type)) return (part) => typeof part !== 'string' || !part.includes('\u0000');
  return undefined;
}

// One read per table and Knex instance: keyed by the instance's config, which its
// transactions share, so loaders made per job or inside a transaction do not read it again.
const cache = new WeakMap<object, Map<string, Promise<KeyCheck | undefined>>>();

/**
 * PostgreSQL rejects a whole statement when one key cannot be read as its column's type
 * (`invalid input syntax for type uuid: "abc"`), which would turn a bad ref into a retryable
 * LOAD_FAILED. Reading the key columns' types once lets the loader leave such keys out:
 * they are missing, as the row they name cannot exist.
 */
export function pgKeyCheck(db: Knex, table: string, columns: readonly string[]): Promise<KeyCheck | undefined> {
  const owner = (db.client as { config: object }).config;
  let tables = cache.get(owner);
  if (tables === undefined) cache.set(owner, (tables = new Map()));
  const key = `${table}\u0000${columns.join('\u0000')}`;
  let check = tables.get(key);
  if (check === undefined) {
    check = readCheck(db, table, columns);
    tables.set(key, check);
    check.catch(() => tables.delete(key)); // a failed read is tried again by the next load
  }
  return check;
}

async function readCheck(db: Knex, table: string, columns: readonly string[]): Promise<KeyCheck | undefined> {
  const info = (await db(table).columnInfo()) as Record<string, { type: string } | undefined>;
  const parts = columns.map((c) => partCheck(info[c]?.type));
  if (parts.every((p) => p === undefined)) return undefined;
  if (parts.length === 1) {
    const only = parts[0]!;
    return (pk) => !Array.isArray(pk) && only(pk as Key);
  }
  return (pk) => Array.isArray(pk) && parts.every((p, i) => p === undefined || p(pk[i] as Key));
}
