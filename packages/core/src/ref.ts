import { CerealError } from './error.js';
import { assertKey, idOfText, type Key, type PrimaryKey } from './key.js';
import { checkVersion, describeVersion, type Version } from './version.js';

/** Model names: a letter, `_` or `$`, then letters, digits, `_ $ . - /`; at most 128 characters. */
const MODEL_NAME = /^[A-Za-z_$][\w$.\-/]{0,127}$/;

/**
 * Passed by core's own code that has checked the model name already (the refs of one list share
 * it): the constructor then skips that test, the larger part of its cost. Not exported from the
 * package, so a ModelRef made by anyone else is always checked.
 */
export const MODEL_CHECKED: unique symbol = Symbol('model name checked');

/** Throws `INVALID_REF` unless `model` is a usable model name. */
export function checkModel(model: unknown): asserts model is string {
  if (typeof model !== 'string' || !MODEL_NAME.test(model)) {
    throw new CerealError(
      'INVALID_REF',
      `invalid model name ${typeof model === 'string' ? `\`${model.slice(0, 64)}\`` : `of type ${typeof model}`}; a model name is a letter, \`_\` or \`$\` followed by letters, digits or \`_ $ . - /\` (at most 128)`,
    );
  }
}

/**
 * A reference to one database row: the model name (a key of the loader map) and the primary key.
 * Immutable and validated on construction, so a ModelRef that exists is always well formed.
 */
export class ModelRef<M extends string = string> {
  /** The model name, as written on the wire: a key of the loader map, not a table name. */
  readonly model: M;
  /** The primary key; an array is a composite key in the loader's column order. */
  readonly pk: PrimaryKey;
  /**
   * The key alone, as rows are matched to refs: a safe integer as that number, any other key as
   * its canonical text (`'7,1001'`). `42`, `42n` and `'42'` give `42`.
   */
  readonly id: number | string;
  /**
   * The version of the row this ref was made from (its loader's `version` column), when the ref
   * is pinned; undefined otherwise. A pin does not change which row the ref names (`key` has no
   * version): it says how new a row the reader must see under `consistency: 'at-least'`.
   */
  readonly version: Version | undefined;
  #key: string | undefined;

  /**
   * @param model - the model name
   * @param pk - the primary key
   * @param version - the row's version, to pin the ref to it
   * @throws CerealError `INVALID_REF` when the model name, the key or the version is not usable
   */
  constructor(model: M, pk: PrimaryKey, version?: Version, checked?: typeof MODEL_CHECKED) {
    if (checked !== MODEL_CHECKED) checkModel(model);
    this.model = model;
    if (version !== undefined) checkVersion(version, `invalid version for model \`${model}\``);
    // a Date is copied: changing the row's Date afterwards does not move the pin
    this.version = version instanceof Date ? new Date(version.getTime()) : version;
    if (typeof pk === 'number' && Number.isSafeInteger(pk)) {
      // The common case, without building the canonical text twice.
      this.pk = pk;
      this.id = pk;
    } else {
      const text = assertKey(pk, `invalid key for model \`${model}\``);
      this.#key = `${model}:${text}`;
      this.pk = Array.isArray(pk) ? Object.freeze([...(pk as readonly Key[])]) : pk;
      this.id = idOfText(text);
    }
    Object.freeze(this);
  }

  /**
   * Canonical identity, e.g. `users:42` or `orders:7,1001`; `42`, `42n` and `'42'` give the same
   * key. Built on first use: decoding a list of refs builds none.
   */
  get key(): string {
    return (this.#key ??= `${this.model}:${this.pk as number}`);
  }

  /** `users:42`, or `users:42@7` for a pinned ref. */
  toString(): string {
    return this.version === undefined ? this.key : `${this.key}@${describeVersion(this.version)}`;
  }

  /**
   * A ref does not go through JSON.stringify: it would become `{"model":"users","pk":42}`, which
   * reads back as a plain object and fails only in the worker. Encode it with a serializer
   * (`cereal.encode`, or `toJobData` for BullMQ).
   * @throws CerealError `MALFORMED`, always
   */
  toJSON(): never {
    throw new CerealError('MALFORMED', `a ref (\`${this.key}\`) cannot be written with JSON.stringify; encode the value with your serializer (cereal.encode, or toJobData(cereal, value) for a BullMQ job)`, { refs: [this] });
  }
}

/**
 * Makes a reference to one row.
 *
 * @param model - a model name of the loader map, e.g. `users`
 * @param pk - the primary key; an array for a composite key
 * @param version - the row's version, to pin the ref (see ModelRef.version); `serializer.ref`
 *   reads it from the row for a loader that names a version column
 * @returns a frozen ModelRef
 * @throws CerealError `INVALID_REF` for an unusable model name, key or version
 * @example ref('users', 42); ref('orders', [7, 1001]); ref('users', 42, 7)
 */
export function ref<M extends string>(model: M, pk: PrimaryKey, version?: Version): ModelRef<M> {
  return new ModelRef(model, pk, version);
}

/**
 * @param value - anything
 * @returns true when `value` is a ModelRef
 */
export function isRef(value: unknown): value is ModelRef {
  return value instanceof ModelRef;
}
