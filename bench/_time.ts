/** Medians of repeated runs, after warm-up runs that are not counted. */
export interface Timing {
  /** Median milliseconds of one run (of one operation, when `ops` > 1). */
  median: number;
  /** Every counted run, in milliseconds per operation. */
  runs: number[];
}

/**
 * Times `fn`: `warmup` uncounted runs, then `runs` counted ones; each run calls `fn` `ops`
 * times and counts the time per call.
 */
export async function time(fn: () => unknown, { runs = 5, warmup = 1, ops = 1 } = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) for (let j = 0; j < ops; j++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    for (let j = 0; j < ops; j++) await fn();
    samples.push((performance.now() - start) / ops);
  }
  return { median: median(samples), runs: samples };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Collects garbage when node runs with --expose-gc (the bench script does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Times several contenders in rounds, one run of each per round in turn, so that drift in the
 * machine (other processes, heap growth, CPU frequency) falls on all of them alike.
 */
export async function timeSideBySide(fns: readonly (() => unknown)[], { runs = 5, warmup = 1 } = {}): Promise<Timing[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < fns.length; j++) {
      const start = performance.now();
      await fns[j]!();
      samples[j]!.push(performance.now() - start);
    }
  }
  return samples.map((runs) => ({ median: median(runs), runs }));
}
