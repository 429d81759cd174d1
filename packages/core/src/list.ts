import { CerealError } from './error.js';
import type { PrimaryKey } from './key.js';
import { MODEL_CHECKED, ModelRef, checkModel } from './ref.js';

/**
 * An array of two or more refs to one model, as `serializer.encode` hands it to a format:
 * the model name once and the keys after it. Formats write it compactly (a list of 100 user
 * refs costs about what the 100 bare keys cost) and decode it back to an array of ModelRefs.
 */
export class RefList {
  /**
   * @param model - the model every ref of the list names
   * @param pks - their keys, in order
   */
  constructor(readonly model: string, readonly pks: readonly PrimaryKey[]) {
    Object.freeze(this);
  }
}

/**
 * @param value - any value
 * @returns a RefList when `value` is an array of two or more unpinned refs to one model; undefined otherwise
 */
export function refList(value: unknown): RefList | undefined {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  const first: unknown = value[0];
  if (!(first instanceof ModelRef)) return undefined;
  const model = first.model;
  const pks: PrimaryKey[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    // a pinned ref is written on its own, with its version: a list carries keys only
    if (!(item instanceof ModelRef) || item.model !== model || item.version !== undefined) return undefined;
    pks[i] = item.pk;
  }
  return new RefList(model, pks);
}

/**
 * The refs of a list read back from the wire; every key is validated.
 *
 * @param model - the model name
 * @param pks - the keys, as the wire holds them
 * @returns one ModelRef per key
 * @throws CerealError `INVALID_REF` for a bad model name or key, or when `pks` is not an array
 */
export function fromRefList(model: unknown, pks: unknown): ModelRef[] {
  if (!Array.isArray(pks)) throw new CerealError('INVALID_REF', 'a list of refs must be [model, [pk, …]]');
  checkModel(model); // once for the list: every ref of it shares the model
  const refs: ModelRef[] = new Array(pks.length);
  for (let i = 0; i < pks.length; i++) refs[i] = new ModelRef(model, pks[i] as PrimaryKey, undefined, MODEL_CHECKED);
  return refs;
}
