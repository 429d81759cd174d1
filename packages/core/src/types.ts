/**
 * The types that carry a job's shape from the loader map to the worker: what `encode` accepts,
 * what a payload carries, and what `decode` and `hydrate` return. Types only: no runtime code.
 */
import type { Format } from './format.js';
import type { Loader, Loaders } from './loader.js';
import type { ModelRef } from './ref.js';

/** A ref to a row of model `M`: what `ref()` makes and what a payload carries. */
export type Ref<M extends string = string> = ModelRef<M>;

/** The row type a loader loads: `RowOf<KnexLoader<User>>` is `User`. */
export type RowOf<L> = L extends Loader<infer R> ? R : never;

/** The wire type of a format: `Uint8Array` for msgpack, `string` for JSON and YAML, either for a union. */
export type WireOf<F> = F extends Format<infer W> ? W : never;

/** What a missing row becomes, by the `missing` option: nothing (`throw`), `null`, or the ref kept. */
export type MissingMode = 'throw' | 'null' | 'keep';

/** Values hydrate and encode leave as they are: they hold no refs. */
type Leaf = string | number | boolean | bigint | symbol | null | undefined | Date | RegExp | Error | URL | ArrayBuffer | ArrayBufferView | ((...args: never[]) => unknown);

/**
 * What stands for a model the loader map does not have: a type that says so where it is used
 * (`no loader for model "customers"`), where `never` would vanish without a word.
 */
export interface NoLoader<M extends string> {
  readonly 'cereal: no loader for model': M;
}

/** The row (and what a missing one becomes) that stands where a ref to `M` stood. */
type RowFor<M extends string, L extends Loaders, Missing> =
  | (string extends M ? RowOf<L[keyof L]> : M extends keyof L ? RowOf<L[M]> : NoLoader<M>)
  | ([Missing] extends [never] ? never : [Missing] extends [ModelRef] ? Ref<M> : Missing);

/**
 * `T` with every `Ref<M>` replaced by the row type `L[M]` loads, through objects, arrays, tuples,
 * readonly arrays, Map keys and values, Set members, optional properties and unions. Leaves
 * (Date, Uint8Array, bigint…) stay as they are. `Missing`: `null` under `missing: 'null'`,
 * `Ref` under `missing: 'keep'` (each position keeps its own `Ref<M>`).
 */
export type Hydrated<T, L extends Loaders, Missing = never> =
  T extends ModelRef<infer M>
    ? RowFor<M, L, Missing>
    : T extends Leaf
      ? T
      : T extends ReadonlyMap<infer K, infer V>
        ? Map<Hydrated<K, L, Missing>, Hydrated<V, L, Missing>>
        : T extends ReadonlySet<infer V>
          ? Set<Hydrated<V, L, Missing>>
          : T extends readonly unknown[]
            ? { [I in keyof T]: Hydrated<T[I], L, Missing> }
            : T extends object
              ? { [K in keyof T]: Hydrated<T[K], L, Missing> }
              : T;

/**
 * What `encode` accepts for a job of type `T`: `T`, where a `Ref<M>` position also takes a row
 * of `M` that hydrate returned (it is written as its ref again). A ref to a model outside `L` is
 * `never`: it does not compile.
 */
export type Encodable<T, L extends Loaders> =
  T extends ModelRef<infer M>
    ? string extends M
      ? RowOf<L[keyof L]> | Ref<keyof L & string>
      : M extends keyof L
        ? RowOf<L[M]> | Ref<M>
        : NoLoader<M>
    : T extends Leaf
      ? T
      : T extends ReadonlyMap<infer K, infer V>
        ? ReadonlyMap<Encodable<K, L>, Encodable<V, L>>
        : T extends ReadonlySet<infer V>
          ? ReadonlySet<Encodable<V, L>>
          : T extends readonly unknown[]
            ? { readonly [I in keyof T]: Encodable<T[I], L> }
            : T extends object
              ? { readonly [K in keyof T]: Encodable<T[K], L> }
              : T;

declare const carries: unique symbol;

/**
 * The wire form of a job of type `T`: bytes or text as the format writes them, with `T` carried
 * in the type only, so `decode(payload)` knows what comes back.
 */
export type Payload<Wire, T> = Wire & { readonly [carries]?: T };
// Plain bytes or text are a Payload of any T too (the type is optional): decode<T>(bytes) takes
// them, and a payload of another job type does not compile.
