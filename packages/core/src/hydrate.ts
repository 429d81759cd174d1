import { CerealError, describe, listRefs } from './error.js';
import { describeBadKey, isKeyShaped, matchKey } from './key.js';
import type { Loader, Loaders } from './loader.js';
import { resolveOptions, type Limits } from './_options.js';
import type { HydrateOptions } from './options.js';
import type { Hydrated } from './types.js';
import { ModelRef } from './ref.js';
import { copyRow } from './copy.js';
import { refOf, tagRow } from './row.js';
import { loaderOf, tooManyRefs, unknownModel } from './_checks.js';
import { walk } from './walk.js';
import { badVersion, compareVersions, describeVersion, type Version } from './version.js';
import type { Trace } from './telemetry.js';

/**
 * The refs of one model, unique by key. Loading replaces each ref in `slots` by its row, so
 * one Map serves collecting, matching and substituting (at 100 000 refs every Map operation
 * per row shows); a slot that still holds a ModelRef afterwards is a missing row.
 */
interface Group {
  readonly model: string;
  readonly slots: Map<number | string, ModelRef | object>;
  /** The refs as collected, for the loader and for error reports. */
  readonly refs: ModelRef[];
  /** For keys some ref pinned: the ref with the newest pin (what `at-least` asks of the row). */
  pins: Map<number | string, ModelRef> | undefined;
}

/**
 * Replaces every ModelRef in `value` with the fresh row it points to. Finds refs at any depth
 * (objects, arrays, Map keys and values, Set members), calls each model's `load` once with the
 * unique keys, and puts the same row object wherever the same ref stood. The input is never
 * mutated and no partial result is ever returned.
 *
 * @param value - a value holding ModelRefs (what a format's decode returns)
 * @param loaders - loaders by model name
 * @param options - missing-row policy and limits
 * @returns a copy of `value` with rows in place of refs (the same value when it holds no refs)
 * @throws CerealError `UNKNOWN_MODEL`, `INVALID_REF`, `LIMIT` before any load;
 *   `LOAD_FAILED` (retryable) when a loader fails; `MISSING_ROW` listing every missing ref
 */
export function hydrate<T, L extends Loaders>(value: T, loaders: L, options: HydrateOptions & { missing: 'null' }): Promise<Hydrated<T, L, null>>;
export function hydrate<T, L extends Loaders>(value: T, loaders: L, options: HydrateOptions & { missing: 'keep' }): Promise<Hydrated<T, L, ModelRef>>;
export function hydrate<T, L extends Loaders>(value: T, loaders: L, options?: HydrateOptions & { missing?: 'throw' }): Promise<Hydrated<T, L>>;
export function hydrate<T, L extends Loaders>(value: T, loaders: L, options?: HydrateOptions): Promise<Hydrated<T, L, null | ModelRef>>;
export async function hydrate(value: unknown, loaders: Loaders, options?: HydrateOptions): Promise<unknown> {
  return hydrateWith(value, loaders, resolveOptions(options));
}

/**
 * hydrate with options already resolved (the serializer resolves its defaults once).
 * @param trace - the decode's telemetry, when on: told the refs, models and keys, runs each
 *   load in its span, counts missing rows
 */
export async function hydrateWith<T>(value: T, loaders: Loaders, limits: Limits, trace?: Trace): Promise<T> {
  try {
    const groups = collect(value, limits, trace);
    if (groups.size === 0) return value;
    checkGroups(groups, loaders);
    // allSettled: every load runs to its end before hydrate answers, so no query outlives a failed call.
    const results = await Promise.allSettled(Array.from(groups.values(), (group) => loadGroup(group, loaderOf(loaders, group.model), trace)));
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    return substitute(value, groups, loaders, limits, trace);
  } catch (err) {
    throw hydrateError(err);
  }
}

/** Tells a trace the models and unique keys of `groups`: a loop over models, none over refs. */
function traceGroups(trace: Trace, groups: Map<string, Group>): void {
  trace.models = groups.size;
  let keys = 0;
  for (const group of groups.values()) keys += group.refs.length;
  trace.keys = keys;
}

/** Checks pins and missing rows of loaded groups, then puts each row where its refs stood. */
function substitute<T>(value: T, groups: Map<string, Group>, loaders: Loaders, limits: Limits, trace?: Trace): T {
  if (limits.consistency === 'at-least') checkPins(groups, loaders);
  const missing: ModelRef[] = [];
  for (const group of groups.values()) {
    const before = missing.length;
    for (const slot of group.slots.values()) if (slot instanceof ModelRef) missing.push(slot);
    if (trace !== undefined && missing.length > before) trace.missed(group.model, missing.length - before);
  }
  if (missing.length > 0 && limits.missing === 'throw') {
    throw new CerealError('MISSING_ROW', `${missing.length} referenced row${missing.length === 1 ? ' is' : 's are'} missing: ${listRefs(missing)}`, { refs: missing });
  }
  const keep = limits.missing === 'keep';
  return walk(value, {
    shareCopies: true,
    ref(r) {
      const slot = groups.get(r.model)!.slots.get(r.id);
      return slot instanceof ModelRef ? (keep ? r : null) : slot;
    },
  }, limits.maxDepth) as T;
}

/**
 * Finds every ref, grouped by model and unique by key, counting each occurrence against maxRefs.
 * A trace is told the count, and the models and keys of the groups.
 */
function collect(value: unknown, limits: Limits, trace?: Trace): Map<string, Group> {
  const groups = new Map<string, Group>();
  let count = 0;
  walk(value, {
    ref(r) {
      if (++count > limits.maxRefs) throw tooManyRefs(limits.maxRefs);
      let group = groups.get(r.model);
      if (group === undefined) groups.set(r.model, (group = { model: r.model, slots: new Map(), refs: [], pins: undefined }));
      const id = r.id;
      if (!group.slots.has(id)) {
        group.slots.set(id, r);
        group.refs.push(r);
      }
      if (r.version !== undefined) pin(group, r);
      return r;
    },
  }, limits.maxDepth);
  if (trace !== undefined) {
    trace.refs += count;
    traceGroups(trace, groups);
  }
  return groups;
}

/** Keeps the newest pin of each key: two refs to one row pinned to versions of two kinds are INVALID_REF. */
function pin(group: Group, r: ModelRef): void {
  const pins = (group.pins ??= new Map());
  const held = pins.get(r.id);
  if (held === undefined) return void pins.set(r.id, r);
  const order = compareVersions(r.version!, held.version!);
  if (order === undefined) {
    throw new CerealError('INVALID_REF', `\`${r.key}\` is pinned to versions that cannot be compared (${describeVersion(held.version)} and ${describeVersion(r.version)})`, { refs: [held, r] });
  }
  if (order > 0) pins.set(r.id, r);
}

/**
 * `consistency: 'at-least'`: a pinned ref whose row is missing, or older than the pin, is STALE
 * (every one listed). Pins of a model whose loader reads no version are not checked.
 */
function checkPins(groups: Map<string, Group>, loaders: Loaders): void {
  const stale: ModelRef[] = [];
  for (const group of groups.values()) {
    const loader = loaderOf(loaders, group.model);
    if (group.pins === undefined || typeof loader.versionOf !== 'function') continue;
    for (const [id, pinned] of group.pins) {
      const row = group.slots.get(id);
      if (row instanceof ModelRef || row === undefined) {
        stale.push(pinned);
        continue;
      }
      const version = versionOfRow(group.model, loader, row);
      const order = version === undefined ? undefined : compareVersions(version, pinned.version!);
      if (order === undefined) {
        throw new CerealError('INVALID_REF', `\`${pinned.key}\` is pinned to ${describeVersion(pinned.version)}, which cannot be compared with its row's version (${describeVersion(version ?? null)})`, { refs: [pinned] });
      }
      if (order < 0) stale.push(pinned);
    }
  }
  if (stale.length > 0) {
    const one = stale.length === 1;
    throw new CerealError('STALE', `${stale.length} row${one ? ' is' : 's are'} missing or older than ${one ? "its ref's pin" : "their refs' pins"} (the reader is behind, or the row was deleted since): ${listRefs(stale)}`, { refs: stale });
  }
}

/** A row's version through its loader's versionOf; a loader that fails at it is broken (INVALID_OPTION). */
function versionOfRow(model: string, loader: Loader<object>, row: object): Version | undefined {
  let version: unknown;
  try {
    version = loader.versionOf!(row) ?? undefined;
  } catch (cause) {
    throw new CerealError('INVALID_OPTION', `the loader for model \`${model}\` failed in versionOf on a row it loaded`, { cause });
  }
  const bad = version === undefined ? undefined : badVersion(version);
  // a version that is none (NaN, an Invalid Date, an object) would compare as "not older": refused
  if (bad !== undefined) throw new CerealError('INVALID_OPTION', `the loader for model \`${model}\` read a version that is ${bad} from a row it loaded; its version column must hold numbers, bigints, text or times`);
  return version as Version | undefined;
}

/** Rejects unknown models and keys of the wrong shape before anything is loaded. */
function checkGroups(groups: Map<string, Group>, loaders: Loaders): void {
  const unknown: ModelRef[] = [];
  // one push per ref: push(...refs) overflows the stack past 130 000 refs, concat per model is quadratic
  for (const group of groups.values()) if (!Object.hasOwn(loaders, group.model)) for (const r of group.refs) unknown.push(r);
  if (unknown.length > 0) throw unknownModel([...new Set(unknown.map((r) => r.model))], loaders, unknown);
  for (const { model, refs } of groups.values()) {
    const loader = loaderOf(loaders, model);
    if (loader.arity === undefined) continue;
    const wrong = refs.filter((r) => (Array.isArray(r.pk) ? r.pk.length : 1) !== loader.arity);
    if (wrong.length > 0) {
      throw new CerealError('INVALID_REF', `model \`${model}\` has a key of ${loader.arity} part${loader.arity === 1 ? '' : 's'}; ${listRefs(wrong)} ${wrong.length === 1 ? 'does' : 'do'} not`, { refs: wrong });
    }
  }
}

/** Loads a group's rows into its slots; with a trace, the load runs in a `cereal.load` span. */
async function loadGroup(group: Group, loader: Loader<object>, trace?: Trace): Promise<void> {
  const { model, refs } = group;
  let loaded: readonly object[];
  try {
    loaded = await (trace === undefined ? load(group, loader) : trace.load(model, refs.length, () => load(group, loader)));
  } catch (cause) {
    if (cause instanceof CerealError) throw cause;
    const message = `loading ${refs.length} row${refs.length === 1 ? '' : 's'} of model \`${model}\` failed: ${describe(cause)}`;
    throw new CerealError('LOAD_FAILED', message, { refs, cause });
  }
  placeRows(group, loader, loaded);
}

/** The loader's call for a group: its keys, and the pins when some ref has one. */
function load(group: Group, loader: Loader<object>): Promise<readonly object[]> {
  const { refs, pins } = group;
  const pks = refs.map((r) => r.pk);
  return pins === undefined ? loader.load(pks) : loader.load(pks, { pins: refs.map((r) => pins.get(r.id)?.version) });
}

/**
 * Puts each loaded row in the slot of the ref it answers. A loader that breaks its contract is a
 * bug in it or in its configuration, not a failure that passes: INVALID_OPTION, which no retry
 * repeats.
 */
function placeRows(group: Group, loader: Loader<object>, loaded: unknown): void {
  const { model, refs, slots } = group;
  const broken = (what: string, cause?: unknown): CerealError =>
    new CerealError('INVALID_OPTION', `the loader for model \`${model}\` ${what}`, cause === undefined ? { refs } : { refs, cause });
  if (!Array.isArray(loaded)) throw broken(`returned ${typeof loaded}, not an array of rows`);
  // By index, not for-of: an array's iterator can be replaced, and throw.
  for (let i = 0; i < loaded.length; i++) {
    const row: unknown = loaded[i];
    if (row === null || typeof row !== 'object') throw broken(`returned a row that is ${row === null ? 'null' : typeof row}`);
    let pk: unknown;
    try {
      pk = loader.keyOf(row);
    } catch (cause) {
      throw broken('failed in keyOf on a row it loaded', cause);
    }
    const id = matchKey(pk);
    // A key no ref can hold (an integer the driver rounded beyond 2^53) matches nothing; anything
    // else (undefined, a Date, an object) means keyOf reads the wrong column, or the key column
    // has a type refs cannot name.
    if (id === undefined && !isKeyShaped(pk)) throw broken(`returned a row without a usable key (${describeBadKey(pk)}); check its key column and keyOf`);
    const slot = id === undefined ? undefined : slots.get(id);
    // A row nobody asked for (a case-insensitive collation matching 'ABC' for 'abc') is ignored:
    // the ref it does not match stays missing rather than getting another row.
    if (slot === undefined) continue;
    if (!(slot instanceof ModelRef)) throw broken(`returned two rows for \`${refOf(slot)!.key}\`; a key must name one row (is the key column unique?)`);
    // tagged with the newest pin of its key, when some ref pinned it: refOf(row).version is the pin
    tagRow(row, group.pins?.get(id!) ?? slot);
    slots.set(id!, row);
  }
}

/** One value's outcome in a batch, as Promise.allSettled gives it. */
export type Settled<T> = { readonly status: 'fulfilled'; readonly value: T } | { readonly status: 'rejected'; readonly reason: CerealError };

/**
 * Hydrates many values together (the jobs of one batch): one `load` per model for all of them,
 * with the keys of every value, and a result per value. A value's own failure (an unknown model,
 * a bad key, a missing or stale row) fails that value only; a model whose load fails fails the
 * values that refer to it. Each value gets its own row objects (the first value to need a row
 * gets the loaded object, every other one a copy, nested plain data included, tagged with that
 * value's refs): one job changing its row changes no other job's.
 *
 * @param values - values holding ModelRefs
 * @param loaders - loaders by model name
 * @param options - as hydrate's, for every value
 * @returns one settled result per value, in order; never rejects for a value's failure
 */
export async function hydrateMany<L extends Loaders>(values: readonly unknown[], loaders: L, options?: HydrateOptions): Promise<Settled<unknown>[]> {
  return hydrateManyWith(values, loaders, resolveOptions(options));
}

/** One value of a batch that refers to rows: its own groups, and what is left to load for it. */
interface Pending {
  readonly index: number;
  readonly groups: Map<string, Group>;
  /** Its models whose load has not settled yet. */
  left: number;
  /** Failed loads of its models, by model. */
  failures: Map<string, unknown> | undefined;
}

/**
 * hydrateMany with options already resolved.
 * @param trace - telemetry, when on: the loads run in its spans. Without `each` it is the batch's
 *   own (decodeMany): it counts every value's refs and missing rows, and the models and keys of
 *   the batch.
 * @param each - a trace per value (coalesced decodes): each counts its value's refs, models,
 *   keys and missing rows; `trace` (the first's) then only runs the loads
 * @param settle - told each value's result as soon as the loads of its own models have settled
 *   (coalesced decodes: a decode never waits on a load it did not need)
 */
export async function hydrateManyWith(values: readonly unknown[], loaders: Loaders, limits: Limits, trace?: Trace, each?: readonly (Trace | undefined)[], settle?: (index: number, result: Settled<unknown>) => void): Promise<Settled<unknown>[]> {
  const out: Settled<unknown>[] = new Array(values.length);
  const finish = (index: number, result: Settled<unknown>): void => {
    out[index] = result;
    settle?.(index, result);
  };
  const pending: Pending[] = [];
  for (let i = 0; i < values.length; i++) {
    try {
      const groups = collect(values[i], limits, each === undefined ? trace : each[i]);
      if (groups.size === 0) finish(i, { status: 'fulfilled', value: values[i] });
      else {
        checkGroups(groups, loaders);
        pending.push({ index: i, groups, left: groups.size, failures: undefined });
      }
    } catch (err) {
      finish(i, rejected(err));
    }
  }
  // The models' groups merged over the values, and the values that need each
  const merged = new Map<string, { group: Group; users: Pending[] }>();
  for (const value of pending) {
    for (const group of value.groups.values()) {
      let entry = merged.get(group.model);
      if (entry === undefined) merged.set(group.model, (entry = { group: { model: group.model, slots: new Map(), refs: [], pins: undefined }, users: [] }));
      const all = entry.group;
      entry.users.push(value);
      for (const r of group.refs) {
        if (!all.slots.has(r.id)) {
          all.slots.set(r.id, r);
          all.refs.push(r);
        }
      }
      if (group.pins !== undefined) for (const pinned of group.pins.values()) pinIfComparable(all, pinned);
    }
  }
  // The batch's models and keys (each value's own collect told its trace about one value only)
  if (trace !== undefined && each === undefined) traceGroups(trace, new Map(Array.from(merged, ([model, { group }]) => [model, group])));
  const done = (value: Pending, model: string, failure?: unknown): void => {
    if (failure !== undefined) (value.failures ??= new Map()).set(model, failure);
    if (--value.left > 0) return;
    const { index, groups, failures } = value;
    try {
      // the first failed model in the value's own order, as a value hydrated alone would fail
      if (failures !== undefined) for (const name of groups.keys()) if (failures.has(name)) throw failures.get(name);
      finish(index, { status: 'fulfilled', value: substitute(values[index], groups, loaders, limits, each === undefined ? trace : each[index]) });
    } catch (err) {
      finish(index, rejected(err));
    }
  };
  await Promise.all(
    Array.from(merged.values(), async ({ group, users }) => {
      const loader = loaderOf(loaders, group.model);
      // One value's rows of this model, loaded for it alone
      const alone = (value: Pending): Promise<void> => {
        const own = value.groups.get(group.model)!;
        return loadGroup(own, loader, trace).then(() => done(value, group.model), (err: unknown) => done(value, group.model, ownFailure(err, own.refs)));
      };
      try {
        await loadGroup(group, loader, trace);
      } catch (err) {
        // A key the server refuses (an enum label it lacks) fails a statement: loaded again
        // value by value, it fails only the value that holds it, never the batch's others.
        if (users.length > 1 && err instanceof CerealError && err.code === 'INVALID_REF') {
          await Promise.all(users.map(alone));
          return;
        }
        for (const value of users) done(value, group.model, ownFailure(err, value.groups.get(group.model)!.refs));
        return;
      }
      // Rows handed out now, before any value settles and its job can change them: the first
      // value to need a row gets the loaded object, the others their own copies. A value whose
      // rows cereal cannot copy (not plain data: see copy.ts) loads its own instead.
      const taken = new Set<object>();
      const again: Pending[] = [];
      for (const value of users) {
        const own = value.groups.get(group.model)!;
        const rows: [number | string, object, ModelRef][] = [];
        let copied = true;
        try {
          for (const [id, slot] of own.slots) {
            const row = group.slots.get(id);
            if (row === undefined || row instanceof ModelRef) continue; // (a Proxy row's trap may throw here)
            const mine = taken.has(row) ? copyRow(row) : (taken.add(row), row);
            if (mine === undefined) {
              copied = false;
              break;
            }
            rows.push([id, mine, own.pins?.get(id) ?? (slot as ModelRef)]);
          }
        } catch (err) {
          done(value, group.model, err); // that value fails; the batch's others go on
          continue;
        }
        if (!copied) {
          again.push(value);
          continue;
        }
        for (const [id, mine, tag] of rows) {
          tagRow(mine, tag);
          own.slots.set(id, mine);
        }
        done(value, group.model);
      }
      await Promise.all(again.map(alone));
    }),
  );
  return out;
}

/**
 * The merged group's pin for the loader: the newest of the values' pins. Pins of two kinds on one
 * row in two values are each value's own concern (checkPins judges each against the row).
 */
function pinIfComparable(group: Group, r: ModelRef): void {
  try {
    pin(group, r);
  } catch {
    // two values pinned one row to versions of different kinds: keep the first for the load
  }
}

/** A load's failure, for one value of the batch: the same code and message, with that value's refs. */
function ownFailure(err: unknown, refs: readonly ModelRef[]): unknown {
  if (!(err instanceof CerealError)) return err;
  return new CerealError(err.code, err.message.replace(/^\[cereal\] /, ''), { refs, cause: err.cause ?? err });
}

const rejected = (err: unknown): Settled<never> => ({ status: 'rejected', reason: hydrateError(err) });

/**
 * What hydrate rejects with: a CerealError as it is; anything else thrown while walking the value
 * (a getter of the caller's that throws) as LOAD_FAILED, with it as cause, as hydrateMany does.
 */
const hydrateError = (err: unknown): CerealError =>
  err instanceof CerealError ? err : new CerealError('LOAD_FAILED', `hydrating failed: ${describe(err)}`, { cause: err });
