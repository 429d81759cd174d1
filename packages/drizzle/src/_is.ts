import { is as drizzleIs, type DrizzleEntityClass } from 'drizzle-orm';

/**
 * drizzle-orm's `is`, false for what it cannot look at. It reads
 * `Object.getPrototypeOf(value).constructor`: a TypeError for an object without a prototype (a
 * model map made with `Object.create(null)`), or whatever a Proxy's trap throws, where the loader
 * owes the user an `INVALID_OPTION` naming the option.
 */
export function is<T extends DrizzleEntityClass<any>>(value: unknown, type: T): value is InstanceType<T> {
  try {
    return drizzleIs(value, type);
  } catch {
    return false;
  }
}
