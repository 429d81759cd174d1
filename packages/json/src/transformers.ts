import { CerealError, ModelRef, type Key, type PrimaryKey, type Version } from '@cereal/core';
import { RefList, fromRefList } from '@cereal/core/format';
import type { SuperJSON } from 'superjson';

type JSONKey = number | string | { bigint: string };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// superjson does not walk what a custom transformer returns for a ModelRef, so bigints are made
// JSON-safe here: a bigint that fits a double is a number, a larger one `{ "bigint": "…" }`.
const writePart = (part: Key): JSONKey =>
  typeof part !== 'bigint' ? part : part <= MAX_SAFE && part >= -MAX_SAFE ? Number(part) : { bigint: part.toString() };
const writeKey = (pk: PrimaryKey): JSONKey | JSONKey[] => (Array.isArray(pk) ? pk.map(writePart) : writePart(pk as Key));

// What comes back is attacker-controlled JSON: only numbers, strings and `{ "bigint": digits }`
// pass; anything else is left as it is for the ModelRef constructor to reject as INVALID_REF.
function readPart(part: unknown): unknown {
  if (part === null || typeof part !== 'object' || Array.isArray(part)) return part;
  const keys = Object.keys(part);
  const digits = (part as { bigint?: unknown }).bigint;
  return keys.length === 1 && typeof digits === 'string' && /^-?\d{1,1000}$/.test(digits) ? BigInt(digits) : part;
}
const readKey = (pk: unknown): unknown => (Array.isArray(pk) ? pk.map(readPart) : readPart(pk));

function pair(value: unknown, what: string): [unknown, unknown] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new CerealError('INVALID_REF', `[json] ${what} must be [model, key]`);
  }
  return [value[0], value[1]];
}

const readRef = (json: unknown): ModelRef => {
  const [model, key] = pair(json, 'a ref');
  return new ModelRef(model as string, readKey(key) as PrimaryKey);
};

// A version: a number, a string, a bigint as a key part is written, a Date as `{ "date": ISO }`.
type JSONVersion = JSONKey | { date: string };
const writeVersion = (version: Version): JSONVersion => (version instanceof Date ? { date: version.toISOString() } : writePart(version));

/** The version as the wire holds it; anything that is not one is left for ModelRef to reject as INVALID_REF. */
function readVersion(version: unknown): unknown {
  if (version === null || typeof version !== 'object' || Array.isArray(version) || Object.keys(version).length !== 1) return readPart(version);
  const iso = (version as { date?: unknown }).date;
  if (typeof iso !== 'string') return readPart(version);
  // toISOString's own spelling only, so that one instant has one text
  const date = new Date(iso);
  return iso.length <= 32 && !Number.isNaN(date.getTime()) && date.toISOString() === iso ? date : version;
}

const readPin = (json: unknown): ModelRef => {
  if (!Array.isArray(json) || json.length !== 3) throw new CerealError('INVALID_REF', '[json] a pinned ref must be [model, key, version]');
  // superjson annotations inside a pin (`undefined`, a Date parsed from any spelling) are applied
  // before it: a version is only what the wire itself spells (a number, text, {bigint}, {date})
  if (json[2] === undefined || json[2] instanceof Date) throw new CerealError('INVALID_REF', '[json] a pinned ref\'s version must be a number, a string, {"bigint"} or {"date"}, not an annotated value');
  return new ModelRef(json[0] as string, readKey(json[1]) as PrimaryKey, readVersion(json[2]) as Version);
};

const readRefs = (json: unknown): ModelRef[] => {
  const [model, keys] = pair(json, 'a list of refs');
  if (!Array.isArray(keys)) throw new CerealError('INVALID_REF', '[json] a list of refs must be [model, [key, …]]');
  return fromRefList(model, keys.map(readKey));
};

const bytesOf = (json: unknown, what: string): Uint8Array => {
  if (!Array.isArray(json) || !json.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw new CerealError('MALFORMED', `[json] ${what} must be an array of bytes`);
  }
  return Uint8Array.from(json as number[]);
};
const readBuffer = (json: unknown): Buffer => Buffer.from(bytesOf(json, 'a Buffer'));
const readArrayBuffer = (json: unknown): ArrayBuffer => bytesOf(json, 'an ArrayBuffer').buffer as ArrayBuffer;
const readDataView = (json: unknown): DataView => new DataView(bytesOf(json, 'a DataView').buffer);

/** How the format reads each of its custom transformers' values (see _meta.ts). */
export const readers = { ref: readRef, refs: readRefs, pin: readPin, InvalidDate: () => new Date(NaN), Buffer: readBuffer, ArrayBuffer: readArrayBuffer, DataView: readDataView } as const;

/**
 * Registers cereal's custom transformers on a superjson instance of the format's own: `ref` (a
 * ModelRef as `[model, key]`), `pin` (a pinned ModelRef as `[model, key, version]`), `refs` (a RefList, an array of refs to one model, as
 * `[model, [key, …]]`: one metadata entry for the whole list instead of one per ref),
 * `InvalidDate` (superjson writes an Invalid Date as a plain object, which JSON makes `null`)
 * `Buffer` (superjson writes it as a typed array named `Buffer`, which it cannot read back), and
 * `ArrayBuffer` and `DataView` (superjson writes them as `{}`).
 */
export function registerTransformers(superjson: SuperJSON): void {
  superjson.registerCustom<ModelRef, [string, JSONKey | JSONKey[]]>(
    {
      isApplicable: (value): value is ModelRef => value instanceof ModelRef && value.version === undefined,
      serialize: (r) => [r.model, writeKey(r.pk)],
      deserialize: readRef,
    },
    'ref',
  );
  // A pinned ref carries its row's version as a third item; an unpinned one stays `ref`, as small as before.
  superjson.registerCustom<ModelRef, [string, JSONKey | JSONKey[], JSONVersion]>(
    {
      isApplicable: (value): value is ModelRef => value instanceof ModelRef && value.version !== undefined,
      serialize: (r) => [r.model, writeKey(r.pk), writeVersion(r.version!)],
      deserialize: readPin,
    },
    'pin',
  );
  // A RefList is a class instance, not an array: superjson does not walk into what this
  // transformer returns, so the keys cost no per-value work (nor metadata).
  superjson.registerCustom<RefList | ModelRef[], [string, (JSONKey | JSONKey[])[]]>(
    {
      isApplicable: (value): value is RefList => value instanceof RefList,
      serialize: (list) => [(list as RefList).model, (list as RefList).pks.map(writeKey)],
      deserialize: readRefs,
    },
    'refs',
  );
  superjson.registerCustom<Date, 0>(
    {
      isApplicable: (value): value is Date => value instanceof Date && Number.isNaN(value.getTime()),
      serialize: () => 0,
      deserialize: readers.InvalidDate,
    },
    'InvalidDate',
  );
  superjson.registerCustom<Buffer, number[]>(
    { isApplicable: (value): value is Buffer => Buffer.isBuffer(value), serialize: (buffer) => [...buffer], deserialize: readBuffer },
    'Buffer',
  );
  // superjson writes these as `{}`: their bytes, as msgpack carries them.
  superjson.registerCustom<ArrayBuffer, number[]>(
    { isApplicable: (value): value is ArrayBuffer => value instanceof ArrayBuffer, serialize: (buffer) => [...new Uint8Array(buffer)], deserialize: readArrayBuffer },
    'ArrayBuffer',
  );
  superjson.registerCustom<DataView, number[]>(
    { isApplicable: (value): value is DataView => value instanceof DataView, serialize: (view) => [...new Uint8Array(view.buffer, view.byteOffset, view.byteLength)], deserialize: readDataView },
    'DataView',
  );
}
