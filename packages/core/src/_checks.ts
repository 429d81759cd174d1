import { CerealError, listNames } from './error.js';
import type { Loader, Loaders } from './loader.js';
import type { ModelRef } from './ref.js';

/** `UNKNOWN_MODEL`, naming a few of the models that have no loader, and the ones that do. */
export function unknownModel(models: readonly string[], loaders: Loaders, refs?: readonly ModelRef[]): CerealError {
  return new CerealError(
    'UNKNOWN_MODEL',
    `no loader for model ${listNames(models)}; known models: ${listNames(Object.keys(loaders), 20) || 'none'}`,
    refs === undefined ? {} : { refs },
  );
}

/** `LIMIT` for a value with more than maxRefs refs. */
export function tooManyRefs(maxRefs: number): CerealError {
  return new CerealError('LIMIT', `value holds more than maxRefs ${maxRefs} refs; raise \`maxRefs\` if that is expected`);
}

/** The loader of a model, checked to be one. */
export function loaderOf(loaders: Loaders, model: string): Loader<object> {
  const loader = loaders[model] as Loader<object> | undefined;
  if (loader === null || typeof loader !== 'object' || typeof loader.load !== 'function' || typeof loader.keyOf !== 'function') {
    throw new CerealError('INVALID_OPTION', `the loader for model \`${model}\` has no \`load\` and \`keyOf\` functions`);
  }
  return loader;
}
