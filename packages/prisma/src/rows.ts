/**
 * Row types from the Prisma client itself: a model's row is what its delegate's `findMany`
 * returns (`prisma.user.findMany()`: the `User` model, with the client's result extensions and
 * global `omit` applied), its scope is that findMany's `where`. Structural, so that no generated
 * client is imported: any client works, a transaction's client too. Types only: no runtime code.
 */

/** A model delegate, as `prisma.user` is one. */
interface Delegate {
  findMany(...args: never[]): PromiseLike<unknown>;
}

/** The model delegates of a Prisma client, by the names it has them under: `'user' | 'orderLine'`. */
export type ModelName<C> = {
  [K in keyof C]-?: K extends `$${string}` | `_${string}` ? never : C[K] extends Delegate ? K : never;
}[keyof C] & string;

/** The row of model `K` of client `C`: what `prisma[K].findMany()` returns, one row of it. */
export type ModelRow<C, K extends keyof C> = C[K] extends { findMany(...args: never[]): PromiseLike<readonly (infer R)[]> } ? (R extends object ? R : never) : never;

/** The fields of model `K`'s row. */
export type ModelField<C, K extends keyof C> = keyof ModelRow<C, K> & string;

/** A `where` of model `K`, as `prisma[K].findMany({ where })` takes it. */
export type ModelWhere<C, K extends keyof C> = C[K] extends { findMany(args?: infer A): unknown } ? (NonNullable<A> extends { where?: infer W } ? NonNullable<W> : never) : never;

/** The key fields options name: `primaryKey`'s, else `id` (a model keyed otherwise, with `fields`, names its key to have it typed). */
type KeyFields<O> = O extends { readonly primaryKey: infer K } ? (K extends readonly (infer P)[] ? P : K) : 'id';

/**
 * The row a loader's options read: the whole row, or with `fields` those fields, the key fields
 * and the version field (what the loader adds to Prisma's `select`).
 */
export type SelectedRow<Row, O> = O extends { readonly fields: readonly (infer F)[] }
  ? Pick<Row, Extract<F | KeyFields<O> | (O extends { readonly version: infer V } ? V : never), keyof Row>>
  : Row;
