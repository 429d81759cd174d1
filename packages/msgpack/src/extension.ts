/**
 * The one place where @cereal/msgpack touches msgpackr's global state.
 *
 * msgpackr keeps one process-wide extension table: `addExtension` cannot be scoped to a Packr.
 * cereal registers three extension types, once per process, guarded below:
 *
 * - {@link REF_TYPE} for ModelRef: written as `[model, pk]`, read back through the ModelRef
 *   constructor, which validates it (a malformed ref is `INVALID_REF`).
 * - {@link LIST_TYPE} for RefList (an array of refs to one model, as serializer.encode hands it
 *   over), written as `[model, [pk, …]]`, the model name once; read back as an array of ModelRefs.
 * - {@link MAP_TYPE} for cereal's own `MapBox` wrapper: msgpackr writes every `Map` as a plain
 *   msgpack map (it checks `constructor === Map` before any extension), which reads back as an
 *   object, so the msgpack format boxes Maps on the way in and this extension rebuilds them.
 *
 * - {@link PIN_TYPE} for a pinned ModelRef (one that carries its row's version): `[model, pk,
 *   version]`. An unpinned ref stays type 42, as small as before versions existed.
 *
 * All these classes are cereal's own, so other users of msgpackr in the same process never meet
 * these extensions unless they pack a ModelRef; the readers are pure (decoded data in, a new
 * value out) and touch no other state. Type codes 42 to 45 are taken in this process.
 */
import { CerealError, ModelRef, type PrimaryKey } from '@cereal/core';
import { RefList, fromRefList } from '@cereal/core/format';
import { addExtension } from 'msgpackr';

/** msgpack extension type of a ModelRef. */
export const REF_TYPE = 42;
/** msgpack extension type of a boxed Map. */
export const MAP_TYPE = 43;
/** msgpack extension type of a list of refs to one model. */
export const LIST_TYPE = 44;
/** msgpack extension type of a pinned ref: `[model, pk, version]`. */
export const PIN_TYPE = 45;

/** A Map on its way through msgpackr: entries flattened to `[k0, v0, k1, v1, …]`. */
export class MapBox {
  constructor(readonly entries: unknown[]) {}
}

/** A pinned ref on its way through msgpackr, to be written as type {@link PIN_TYPE}. */
export class PinBox {
  constructor(readonly ref: ModelRef) {}
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
// A bigint that fits in a double is written as a number: 1 to 5 bytes instead of 9.
const compact = (part: unknown): unknown =>
  typeof part === 'bigint' && part <= MAX_SAFE && part >= -MAX_SAFE ? Number(part) : part;

function readRef(data: unknown): ModelRef {
  if (!Array.isArray(data) || data.length !== 2) {
    throw new CerealError('INVALID_REF', '[msgpack] a ref must be [model, pk]');
  }
  return new ModelRef(data[0] as string, data[1]);
}

function readPin(data: unknown): ModelRef {
  if (!Array.isArray(data) || data.length !== 3 || data[2] === undefined) {
    throw new CerealError('INVALID_REF', '[msgpack] a pinned ref must be [model, pk, version]');
  }
  return new ModelRef(data[0] as string, data[1], data[2]);
}

function readList(data: unknown): ModelRef[] {
  if (!Array.isArray(data) || data.length !== 2) {
    throw new CerealError('INVALID_REF', '[msgpack] a list of refs must be [model, [pk, …]]');
  }
  return fromRefList(data[0], data[1]);
}

const compactKey = (pk: PrimaryKey): unknown => (Array.isArray(pk) ? pk.map(compact) : compact(pk));

function readMap(data: unknown): Map<unknown, unknown> {
  if (!Array.isArray(data) || data.length % 2 !== 0) {
    throw new CerealError('MALFORMED', '[msgpack] a Map must be an array of [key, value, …] pairs');
  }
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < data.length; i += 2) map.set(data[i], data[i + 1]);
  return map;
}

const REGISTERED = Symbol.for('@cereal/msgpack.extensions');

/** Registers cereal's extensions with msgpackr, once per process. */
export function registerExtensions(): void {
  const g = globalThis as { [REGISTERED]?: boolean };
  if (g[REGISTERED] === true) return;
  // msgpackr picks one extension per class, so prepare() boxes pinned refs (PinBox) for type 45.
  addExtension({
    Class: ModelRef,
    type: REF_TYPE,
    write: (r: ModelRef) => [r.model, compactKey(r.pk)],
    read: readRef,
  });
  addExtension({ Class: PinBox, type: PIN_TYPE, write: (box: PinBox) => [box.ref.model, compactKey(box.ref.pk), compact(box.ref.version)], read: readPin });
  addExtension({ Class: MapBox, type: MAP_TYPE, write: (box: MapBox) => box.entries, read: readMap });
  addExtension({ Class: RefList, type: LIST_TYPE, write: (list: RefList) => [list.model, list.pks.map(compactKey)], read: readList });
  g[REGISTERED] = true;
}

registerExtensions();
