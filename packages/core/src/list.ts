import { CerealError } from './error.js';
import type { PrimaryKey } from './key.js';
import { ModelRef } from './ref.js';

/** An array of refs to one model, in the compact form formats write it in: the model once. */
export interface RefList {
  readonly model: string;
  readonly pks: readonly PrimaryKey[];
}

/**
 * Formats write an array of two or more refs to one model as the model name once and the keys
 * after it, instead of one tagged ref per element: a list of 100 user refs costs about what
 * the 100 bare keys cost.
 *
 * @param value - any value
 * @returns the model and keys when `value` is such an array; undefined otherwise
 */
export function refList(value: unknown): RefList | undefined {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  const first: unknown = value[0];
  if (!(first instanceof ModelRef)) return undefined;
  const model = first.model;
  const pks: PrimaryKey[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (!(item instanceof ModelRef) || item.model !== model) return undefined;
    pks[i] = item.pk;
  }
  return { model, pks };
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
  const refs: ModelRef[] = new Array(pks.length);
  for (let i = 0; i < pks.length; i++) refs[i] = new ModelRef(model as string, pks[i] as PrimaryKey);
  return refs;
}
