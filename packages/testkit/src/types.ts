/**
 * Type assertions for the type tests (`*.check.ts`, compiled by the type-check, never run):
 * `is<Equal<typeof x, Expected>>(true)` does not compile unless the two types are the same.
 */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Compiles only with `true`: pass it an `Equal<…>` (or any type that must be `true`). */
export function is<T extends true>(value: T): T {
  return value;
}
