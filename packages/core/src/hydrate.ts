import { CerealError, listRefs } from './error.js';
import { canonicalKey, describeBadKey } from './key.js';
import type { Loader, Loaders } from './loader.js';
import { resolveOptions, type HydrateOptions, type Limits } from './_options.js';
import type { ModelRef } from './ref.js';
import { tagRow } from './row.js';
import { loaderOf, tooManyRefs, unknownModel } from './_checks.js';
import { walk } from './_walk.js';

/** Refs of one model, unique by key. */
type Groups = Map<string, Map<string, ModelRef>>;

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
export async function hydrate<T>(value: T, loaders: Loaders, options?: HydrateOptions): Promise<T> {
  return hydrateWith(value, loaders, resolveOptions(options));
}

/** hydrate with options already resolved (the serializer resolves its defaults once). */
export async function hydrateWith<T>(value: T, loaders: Loaders, limits: Limits): Promise<T> {
  const groups = collect(value, limits);
  if (groups.size === 0) return value;
  checkGroups(groups, loaders);
  const rows = await loadAll(groups, loaders);

  const missing: ModelRef[] = [];
  for (const refs of groups.values()) for (const [key, r] of refs) if (!rows.has(key)) missing.push(r);
  if (missing.length > 0 && limits.missing === 'throw') {
    throw new CerealError('MISSING_ROW', `${missing.length} referenced row${missing.length === 1 ? ' is' : 's are'} missing: ${listRefs(missing)}`, { refs: missing });
  }
  const gone = limits.missing === 'null' ? null : undefined;
  return walk(value, { ref: (r) => rows.get(r.key) ?? (gone === null ? null : r) }, limits.maxDepth) as T;
}

/** Finds every ref, grouped by model and unique by key, counting each occurrence against maxRefs. */
function collect(value: unknown, limits: Limits): Groups {
  const groups: Groups = new Map();
  let count = 0;
  walk(value, {
    ref(r) {
      if (++count > limits.maxRefs) throw tooManyRefs(limits.maxRefs);
      let refs = groups.get(r.model);
      if (refs === undefined) groups.set(r.model, (refs = new Map()));
      if (!refs.has(r.key)) refs.set(r.key, r);
      return r;
    },
  }, limits.maxDepth);
  return groups;
}

/** Rejects unknown models and keys of the wrong shape before anything is loaded. */
function checkGroups(groups: Groups, loaders: Loaders): void {
  const unknown: ModelRef[] = [];
  for (const [model, refs] of groups) {
    if (!Object.hasOwn(loaders, model)) unknown.push(...refs.values());
  }
  if (unknown.length > 0) throw unknownModel(new Set(unknown.map((r) => r.model)), loaders, unknown);
  for (const [model, refs] of groups) {
    const loader = loaderOf(loaders, model);
    if (loader.arity === undefined) continue;
    const wrong = [...refs.values()].filter((r) => (Array.isArray(r.pk) ? r.pk.length : 1) !== loader.arity);
    if (wrong.length > 0) {
      throw new CerealError('INVALID_REF', `model \`${model}\` has a key of ${loader.arity} part${loader.arity === 1 ? '' : 's'}; ${listRefs(wrong)} ${wrong.length === 1 ? 'does' : 'do'} not`, { refs: wrong });
    }
  }
}

/** Loads every group (one load per model, all at once) and returns rows by ref key. */
async function loadAll(groups: Groups, loaders: Loaders): Promise<Map<string, object>> {
  const rows = new Map<string, object>();
  const results = await Promise.allSettled(
    [...groups].map(([model, refs]) => loadGroup(model, refs, loaderOf(loaders, model), rows)),
  );
  for (const result of results) {
    if (result.status === 'rejected') throw result.reason;
  }
  return rows;
}

async function loadGroup(model: string, refs: Map<string, ModelRef>, loader: Loader<object>, rows: Map<string, object>): Promise<void> {
  let loaded: readonly object[];
  try {
    loaded = await loader.load(Array.from(refs.values(), (r) => r.pk));
  } catch (cause) {
    if (cause instanceof CerealError) throw cause;
    throw new CerealError('LOAD_FAILED', `loading ${refs.size} row${refs.size === 1 ? '' : 's'} of model \`${model}\` failed: ${(cause as Error)?.message ?? String(cause)}`, { refs: [...refs.values()], cause });
  }
  if (!Array.isArray(loaded)) {
    throw new CerealError('LOAD_FAILED', `the loader for model \`${model}\` returned ${typeof loaded}, not an array of rows`, { refs: [...refs.values()] });
  }
  const prefix = `${model}:`;
  for (const row of loaded) {
    if (row === null || typeof row !== 'object') {
      throw new CerealError('LOAD_FAILED', `the loader for model \`${model}\` returned a row that is ${row === null ? 'null' : typeof row}`, { refs: [...refs.values()] });
    }
    let pk: unknown;
    try {
      pk = loader.keyOf(row);
    } catch (cause) {
      throw new CerealError('LOAD_FAILED', `keyOf of the loader for model \`${model}\` failed on a row it loaded`, { refs: [...refs.values()], cause });
    }
    const key = canonicalKey(pk);
    if (key === undefined) {
      throw new CerealError('LOAD_FAILED', `the loader for model \`${model}\` returned a row without a usable key (${describeBadKey(pk)})`, { refs: [...refs.values()] });
    }
    const r = refs.get(prefix + key);
    // A row nobody asked for (a case-insensitive collation matching 'ABC' for 'abc') is ignored:
    // the ref it does not match stays missing rather than getting another row.
    if (r === undefined || rows.has(r.key)) continue;
    tagRow(row, r);
    rows.set(r.key, row);
  }
}
