import { compareVersions, type LoadContext, type PrimaryKey, type Version } from '@cereal/core';
import { badVersion } from '@cereal/core/format';
import { canonicalKey } from '@cereal/core/format';
import type { SqlLoader } from './loader.js';
import { invalidOption } from './options.js';

/** How many rows each side served, counted since the loader was made. */
export interface Served {
  /** Rows the replica served (and cereal kept). */
  replica: number;
  /** Rows read again from the primary: missing on the replica, or older there than their pins. */
  primary: number;
}

/** What a replica-aware loader reports after each load that touched the replica. */
export interface ServedEvent {
  /** The model name of the loader map. */
  readonly model: string;
  /** The table, as the loader was configured. */
  readonly table: string;
  /** Rows of this load the replica served. */
  readonly replica: number;
  /** Rows of this load the primary served. */
  readonly primary: number;
  /** Keys sent to the primary (missing on the replica, or older there than their pins). */
  readonly again: number;
}

/** The primary and the replica a replica-aware loader map reads, and who hears what each served. */
export interface ReplicaPair<Db> {
  /** Where rows are read again when the replica lacks them or is behind their pins. */
  readonly primary: Db;
  /** Where every load goes first. */
  readonly replica: Db;
  /** Called after each load with the rows each side served. Must not throw: what it throws is ignored. */
  readonly onServed?: (event: ServedEvent) => unknown;
}

/** A loader that reads from a replica and falls back on the primary; `served` counts both. */
export interface ReplicaLoader<Row extends object = Record<string, unknown>> extends SqlLoader<Row> {
  /** Rows served by each side since the loader was made (a live counter). */
  readonly served: Readonly<Served>;
}

/**
 * True for `{ primary, replica }`: what a loader map takes in place of one database handle to
 * read from a replica.
 * @throws CerealError `INVALID_OPTION` for a plain object with only one of them
 */
export function isReplicaPair(db: unknown, library = 'sql'): db is ReplicaPair<unknown> {
  if (db === null || typeof db !== 'object') return false;
  const primary = 'primary' in db;
  const replica = 'replica' in db;
  if (primary && replica) return true;
  // a plain object with one side is a pair half written, not a database handle
  if ((primary || replica) && Object.getPrototypeOf(db) === Object.prototype) {
    throw invalidOption(library, `a replica-aware loader map takes { primary, replica, onServed? }: \`${primary ? 'replica' : 'primary'}\` is missing`);
  }
  return false;
}

/**
 * Checks `{ primary, replica, onServed }` and builds, for each model, a loader over each side.
 * @param make - builds one side's loader (the package's own loader function)
 */
export function replicaLoaders<Db, L extends SqlLoader<object>>(library: string, pair: ReplicaPair<Db>, models: Readonly<Record<string, unknown>>, make: (db: Db, model: string, spec: unknown) => L): Record<string, ReplicaLoader<object>> {
  if (pair.onServed !== undefined && typeof pair.onServed !== 'function') throw invalidOption(library, '`onServed` must be a function of the event');
  if (pair.primary === pair.replica) throw invalidOption(library, '`primary` and `replica` are the same handle: pass the replica\'s own');
  const loaders: Record<string, ReplicaLoader<object>> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = replicaLoader(model, make(pair.replica, model, spec), make(pair.primary, model, spec), pair.onServed);
  }
  return loaders;
}

/**
 * One model read from `replica` first: the keys whose rows the replica lacks, or holds older than
 * the refs' pins (the loader's `version` column against each pin), are read again from `primary`
 * in one more load (one statement per chunk), and the primary's rows take their place. Rows the
 * replica holds at or past their pin never touch the primary.
 */
export function replicaLoader<Row extends object>(model: string, replica: SqlLoader<Row>, primary: SqlLoader<Row>, onServed?: (event: ServedEvent) => unknown): ReplicaLoader<Row> {
  const served: Served = { replica: 0, primary: 0 };
  const versionOf = replica.versionOf;
  return {
    table: replica.table,
    primaryKey: replica.primaryKey,
    arity: replica.arity,
    chunkSize: replica.chunkSize,
    served,
    keyOf: replica.keyOf,
    ...(versionOf === undefined ? {} : { versionOf }),
    async prepare() {
      await Promise.all([replica.prepare(), primary.prepare()]);
    },
    async load(pks, context) {
      const rows = await replica.load(pks, context);
      const byKey = new Map<string, Row>();
      for (const row of rows) {
        const key = canonicalKey(replica.keyOf(row));
        if (key !== undefined) byKey.set(key, row);
      }
      const kept: Row[] = [];
      const again: PrimaryKey[] = [];
      const pins: (Version | undefined)[] = [];
      for (let i = 0; i < pks.length; i++) {
        const key = canonicalKey(pks[i]);
        const row = key === undefined ? undefined : byKey.get(key);
        const pin = context?.pins?.[i];
        if (row !== undefined && !behind(row, pin, versionOf)) {
          kept.push(row);
          byKey.delete(key!); // one row per key, even if two keys of the request share it
          continue;
        }
        again.push(pks[i]!);
        pins.push(pin);
      }
      const read = again.length === 0 ? [] : await primary.load(again, withPins(pins));
      // keys the database finds equal ('abc' and 'ABC' under a case-insensitive collation) may
      // bring back from the primary a row the replica served already: it is kept once
      const keptKeys = new Set<string | undefined>(kept.map((row) => canonicalKey(replica.keyOf(row))));
      const fresh = read.filter((row) => !keptKeys.has(canonicalKey(primary.keyOf(row))));
      served.replica += kept.length;
      served.primary += fresh.length;
      report(onServed, { model, table: replica.table, replica: kept.length, primary: fresh.length, again: again.length });
      return fresh.length === 0 ? kept : kept.concat(fresh);
    },
  };
}

/** True when the replica's row is older than the pin (a pin it cannot compare is left for hydrate to judge). */
function behind<Row extends object>(row: Row, pin: Version | undefined, versionOf: ((row: Row) => Version | null | undefined) | undefined): boolean {
  if (pin === undefined || versionOf === undefined) return false;
  const version = versionOf(row);
  // no version, or one that is none (NaN): read from the primary, where hydrate judges it
  if (version === null || version === undefined || badVersion(version) !== undefined) return true;
  const order = compareVersions(version, pin);
  return order !== undefined && order < 0;
}

const withPins = (pins: (Version | undefined)[]): LoadContext | undefined => (pins.some((p) => p !== undefined) ? { pins } : undefined);

function report(onServed: ((event: ServedEvent) => unknown) | undefined, event: ServedEvent): void {
  if (onServed === undefined) return;
  try {
    const result: unknown = onServed(event);
    // a hook that returns a promise may reject later: that must not crash the process either
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, () => undefined);
    }
  } catch {
    // a metrics hook never fails a load
  }
}
