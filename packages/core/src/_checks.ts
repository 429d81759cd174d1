import { CerealError } from './error.js';
import type { Loader, Loaders } from './loader.js';
import type { ModelRef } from './ref.js';

const quote = (names: Iterable<string>): string => [...names].map((m) => `\`${m}\``).join(', ');

/** `UNKNOWN_MODEL`, naming the models that have no loader and the ones that do. */
export function unknownModel(models: Iterable<string>, loaders: Loaders, refs?: readonly ModelRef[]): CerealError {
  return new CerealError(
    'UNKNOWN_MODEL',
    `no loader for model ${quote(models)}; known models: ${quote(Object.keys(loaders)) || 'none'}`,
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
