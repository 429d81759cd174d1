import { CerealError, describe } from './error.js';
import { hydrateManyWith, type Settled } from './hydrate.js';
import type { Loaders } from './loader.js';
import type { Limits } from './_options.js';
import type { Trace } from './telemetry.js';

/**
 * How a serializer merges the loads of decodes that run at the same time (the jobs a worker runs
 * concurrently): `true` for the defaults, or the window.
 */
export type CoalesceOption = boolean | { window?: number; maxBatch?: number };

/** The checked coalescing settings. */
interface Settings {
  /** How long the first decode of a batch waits for others, in ms; 0: until the current I/O turn ends (setImmediate). */
  readonly window: number;
  /** The most decodes in one batch; the batch is hydrated at once when it fills. */
  readonly maxBatch: number;
}

/** The default window: long enough for the jobs a worker starts one after another to meet. */
export const DEFAULT_WINDOW_MS = 2;
const DEFAULT_MAX_BATCH = 1000;

/**
 * @throws CerealError `INVALID_OPTION` for anything but a boolean or `{ window?, maxBatch? }`
 *   with a window from 0 to 1000 ms and a maxBatch from 1 up
 */
export function coalesceSettings(option: unknown): Settings | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return { window: DEFAULT_WINDOW_MS, maxBatch: DEFAULT_MAX_BATCH };
  const proto: unknown = option !== null && typeof option === 'object' ? Object.getPrototypeOf(option) : undefined;
  if (option === null || typeof option !== 'object' || Array.isArray(option) || (proto !== Object.prototype && proto !== null)) {
    throw new CerealError('INVALID_OPTION', `\`coalesce\` must be true, false or { window?: ms, maxBatch? }, got ${describe(option, 40)}`);
  }
  const unknown = Object.keys(option).filter((key) => key !== 'window' && key !== 'maxBatch');
  if (unknown.length > 0) throw new CerealError('INVALID_OPTION', `\`coalesce\` takes window and maxBatch, not ${unknown.map((key) => `\`${describe(key, 40)}\``).join(', ')}`);
  let window: unknown;
  let maxBatch: unknown;
  try {
    ({ window = DEFAULT_WINDOW_MS, maxBatch = DEFAULT_MAX_BATCH } = option as { window?: unknown; maxBatch?: unknown });
  } catch (cause) {
    throw new CerealError('INVALID_OPTION', '`coalesce` could not be read: a getter of it threw', { cause });
  }
  if (typeof window !== 'number' || !Number.isFinite(window) || window < 0 || window > 1000) {
    throw new CerealError('INVALID_OPTION', `\`coalesce.window\` must be a number of milliseconds from 0 to 1000, got ${describe(window, 40)}`);
  }
  if (typeof maxBatch !== 'number' || !Number.isInteger(maxBatch) || maxBatch < 1) {
    throw new CerealError('INVALID_OPTION', `\`coalesce.maxBatch\` must be a positive integer, got ${describe(maxBatch, 40)}`);
  }
  return { window, maxBatch };
}

interface Waiting {
  readonly value: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  /** The decode's telemetry, when on. */
  readonly trace: Trace | undefined;
}

interface Batch {
  readonly key: string;
  readonly limits: Limits;
  readonly waiting: Waiting[];
}

/**
 * Hydrates the values of decodes that start within one window together: one `load` per model for
 * all of them (keys deduplicated), each decode still settled with its own result (its own row
 * objects, its own MISSING_ROW, the failure of a load it needed and no other's). The statement
 * starts when the window closes, after every decode it serves has started: each gets rows at
 * least as fresh as it would alone. Decodes with different hydrate options are batched apart.
 */
export class Coalescer {
  readonly #loaders: Loaders;
  readonly #settings: Settings;
  readonly #open = new Map<string, Batch>();

  constructor(loaders: Loaders, settings: Settings) {
    this.#loaders = loaders;
    this.#settings = settings;
  }

  /**
   * `value` hydrated in the open batch of `limits`, or a new one.
   * @param trace - the decode's telemetry, when on: its refs, models, keys and missing rows are
   *   its own; its statements are the batch's
   */
  hydrate(value: unknown, limits: Limits, trace?: Trace): Promise<unknown> {
    // Decodes whose hydrate options are equal share a batch (maxBytes was applied by the read).
    const key = `${limits.missing} ${limits.consistency} ${limits.maxRefs} ${limits.maxDepth}`;
    return new Promise((resolve, reject) => {
      let batch = this.#open.get(key);
      if (batch === undefined) {
        batch = { key, limits, waiting: [] };
        this.#open.set(key, batch);
        const opened = batch;
        const close = () => this.#close(opened);
        if (this.#settings.window === 0) setImmediate(close);
        else setTimeout(close, this.#settings.window);
      }
      batch.waiting.push({ value, resolve, reject, trace });
      if (batch.waiting.length >= this.#settings.maxBatch) this.#close(batch);
    });
  }

  #close(batch: Batch): void {
    if (this.#open.get(batch.key) !== batch) return; // closed already (it filled up)
    this.#open.delete(batch.key);
    const { waiting } = batch;
    // Telemetry: the batch's loads are children of the span of the decode that opened the batch,
    // linked to the spans of the others; every decode's span gets the batch's statements.
    // Telemetry never decides a decode's outcome (see telemetry.ts): its failures are dropped.
    const first = waiting[0]!.trace;
    const traces = first === undefined ? undefined : waiting.map((w) => w.trace);
    if (traces !== undefined) first!.lead(traces);
    // Each decode settles once the loads of its own models have: never on another's.
    const settle = (i: number, result: Settled<unknown>): void => {
      const w = waiting[i]!;
      w.trace?.batched(first!, waiting.length);
      if (result.status === 'fulfilled') w.resolve(result.value);
      else w.reject(result.reason);
    };
    hydrateManyWith(waiting.map((w) => w.value), this.#loaders, batch.limits, first, traces, settle).catch((err: unknown) => {
      for (const w of waiting) w.reject(err); // hydrateManyWith settles per value; this is a bug's path (a settled promise ignores it)
    });
  }
}
