import { types } from 'node:util';

/**
 * A row for one more value of a batch (decodeMany, coalesced decodes): the first value that
 * asks for a loaded row gets the object the loader returned, every other one a copy, so that
 * one job changing its row, or a JSON column, an array column or a Date in it, changes no other
 * job's.
 *
 * Plain data is copied all the way down, in one pass that keeps shared references and cycles as
 * they are (each object is copied once): plain objects (their symbol keys, non-enumerable
 * properties and frozen, sealed or non-extensible state too), arrays (holes too), Dates,
 * Buffers, typed arrays, DataViews, ArrayBuffers, Maps and Sets. Instances of any other class
 * (a Decimal a type parser made, a RegExp, a subclass of Date) are shared: cereal cannot know
 * how to copy them.
 *
 * @returns the copy, or undefined for a row that is not plain data cereal can copy faithfully
 *   (a class instance or array as the row itself, a Proxy, a property with a getter, a getter
 *   that throws): the caller loads such a value's rows again instead
 */
export function copyRow(row: object): object | undefined {
  try {
    return isPlainObject(row) ? new Copier().copy(row) : undefined;
  } catch {
    return undefined; // a getter (NOT_COPYABLE), an array index's getter or a Proxy's trap that threw
  }
}

const NOT_COPYABLE = new Error('not copyable');

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !types.isProxy(value);
}

/** Typed array prototypes whose `slice` makes a copy of the same type (Buffer's does not). */
const TYPED = new Set<unknown>([Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array].map((c) => c.prototype));

/**
 * One row's copy. Iterative (a JSON column may nest thousands deep); `copies` maps each object
 * met to its copy, so an object reached twice is copied once and a cycle stays a cycle.
 */
class Copier {
  readonly #copies = new Map<object, object>();
  /** Objects whose copy exists but whose contents are still to fill, with what fills them. */
  readonly #todo: (() => void)[] = [];

  copy(row: object): object {
    const out = this.#of(row);
    while (this.#todo.length > 0) this.#todo.pop()!();
    return out as object;
  }

  /** The copy of `value` (made once, filled later), or `value` itself where it is shared. */
  #of(value: unknown): unknown {
    if (value === null || typeof value !== 'object') return value;
    const made = this.#copies.get(value);
    if (made !== undefined) return made;
    if (types.isProxy(value)) return value; // nested: shared, as any object cereal cannot see into
    const proto: unknown = Object.getPrototypeOf(value);
    let copy: object;
    if (proto === Object.prototype || proto === null) {
      copy = Object.create(proto as object | null) as object;
      this.#later(value, copy, () => this.#fill(value, copy));
    } else if (proto === Array.prototype) {
      const array = value as unknown[];
      const out = new Array<unknown>(array.length);
      copy = out;
      this.#later(value, copy, () => {
        for (let i = 0; i < array.length; i++) if (i in array) out[i] = this.#of(array[i]);
        if (Object.isFrozen(array)) Object.freeze(out);
      });
    } else if (proto === Date.prototype) copy = new Date((value as Date).getTime());
    else if (Buffer.isBuffer(value) && proto === Buffer.prototype) copy = Buffer.from(value); // a Buffer's own slice shares its memory
    else if (TYPED.has(proto)) copy = (value as Uint8Array).slice();
    else if (proto === DataView.prototype) {
      const view = value as DataView;
      copy = new DataView(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
    } else if (proto === ArrayBuffer.prototype) copy = (value as ArrayBuffer).slice(0);
    else if (proto === Map.prototype) {
      const map = new Map<unknown, unknown>();
      copy = map;
      this.#later(value, copy, () => {
        for (const [k, v] of value as Map<unknown, unknown>) map.set(this.#of(k), this.#of(v));
      });
    } else if (proto === Set.prototype) {
      const set = new Set<unknown>();
      copy = set;
      this.#later(value, copy, () => {
        for (const v of value as Set<unknown>) set.add(this.#of(v));
      });
    } else return value; // an instance of another class: shared
    this.#copies.set(value, copy);
    return copy;
  }

  #later(value: object, copy: object, fill: () => void): void {
    this.#copies.set(value, copy);
    this.#todo.push(fill);
  }

  /** A plain object's own properties, as they are defined; a getter cannot be copied faithfully. */
  #fill(source: object, copy: object): void {
    for (const key of Reflect.ownKeys(source)) {
      const descriptor = Object.getOwnPropertyDescriptor(source, key)!;
      if (descriptor.get !== undefined || descriptor.set !== undefined) throw NOT_COPYABLE;
      descriptor.value = this.#of(descriptor.value);
      Object.defineProperty(copy, key, descriptor); // an own `__proto__` key stays a key
    }
    if (Object.isFrozen(source)) Object.freeze(copy);
    else if (Object.isSealed(source)) Object.seal(copy);
    else if (!Object.isExtensible(source)) Object.preventExtensions(copy);
  }
}
