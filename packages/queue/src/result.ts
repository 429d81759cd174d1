import { CerealError, type ModelRef } from '@cereal/core';
import { listRefs, walk } from '@cereal/core/format';
import type { Via } from './via.js';

/** How deep refsInResult looks for refs; a deeper value is left to the queue as it is. */
const RESULT_DEPTH = 64;

/**
 * Checks a handler's return value that the queue stores as JSON: a ref in it (a row kept as a
 * ref by `missing: 'keep'`, passed back) refuses JSON, and the queue would fail the attempt only
 * after the handler ran, then run it again with each retry. Called before the queue sees it, so
 * the job fails once instead, naming the refs.
 *
 * @param result - what the handler returned
 * @param via - the queue package, for the message
 * @param who - what returned it, e.g. `the processor`
 * @param store - why that fails, e.g. ``BullMQ cannot store as the job's return value``
 * @returns a CerealError `MALFORMED` naming the refs, or undefined when there are none
 */
export function refsInResult(result: unknown, via: Via, who: string, store: string): CerealError | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const refs: ModelRef[] = [];
  try {
    walk(result, { ref: (r) => (refs.push(r), r) }, RESULT_DEPTH);
  } catch {
    return undefined; // deeper than we look, or circular: the queue's JSON.stringify says so
  }
  if (refs.length === 0) return undefined;
  return new CerealError(
    'MALFORMED',
    `[${via.label}] ${who} returned ${refs.length} ref${refs.length === 1 ? '' : 's'} (${listRefs(refs, 5)}), which ${store}; return their keys (\`ref.key\`) or the rows`,
    { refs },
  );
}
