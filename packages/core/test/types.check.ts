/**
 * Type tests: what compiles is what runs. Compiled by the project's type-check (`.ci/run`),
 * never run: each `// @ts-expect-error` is a line that must not compile.
 */
import { createSerializer, hydrate, ref, type DecodeOptions, type Format, type Hydrated, type Loader, type NoLoader, type Payload, type Ref, type RowOf, type ModelRef, type Version } from '@cereal/core';
import { is, type Equal } from '@cereal/testkit';

interface User { id: number; name: string }
interface Line { order: number; line: number; sku: string }
declare const users: Loader<User>;
declare const lines: Loader<Line>;
declare const bytes: Format<Uint8Array>;
declare const text: Format<string>;
const loaders = { users, lines };
type L = typeof loaders;

// RowOf and Hydrated follow the loader map, through every container.
is<Equal<RowOf<typeof users>, User>>(true);
is<Equal<Hydrated<Ref<'users'>, L>, User>>(true);
is<Equal<Hydrated<{ a: Ref<'users'>; b?: Ref<'lines'> }, L>, { a: User; b?: Line }>>(true);
is<Equal<Hydrated<Ref<'users'>[], L>, User[]>>(true);
is<Equal<Hydrated<readonly Ref<'lines'>[], L>, readonly Line[]>>(true);
is<Equal<Hydrated<[Ref<'users'>, number], L>, [User, number]>>(true);
is<Equal<Hydrated<Map<Ref<'users'>, Ref<'lines'>>, L>, Map<User, Line>>>(true);
is<Equal<Hydrated<Set<Ref<'lines'>>, L>, Set<Line>>>(true);
is<Equal<Hydrated<Ref<'users'> | string, L>, User | string>>(true);
is<Equal<Hydrated<{ at: Date; bytes: Uint8Array; n: bigint }, L>, { at: Date; bytes: Uint8Array; n: bigint }>>(true);
is<Equal<Hydrated<Ref<'users'>, L, null>, User | null>>(true);
is<Equal<Hydrated<{ u: Ref<'users'> }, L, Ref>, { u: User | Ref<'users'> }>>(true);

// createSerializer keeps the loader map; encode checks the value and carries its type to decode.
const cereal = createSerializer({ format: bytes, loaders });
interface Job { user: Ref<'users'>; lines: Ref<'lines'>[]; note: string }
const job = cereal.encode<Job>({ user: ref('users', 1), lines: [ref('lines', [7, 1])], note: 'x' });
is<Equal<typeof job, Payload<Uint8Array, Job>>>(true);
const inferred = cereal.encode({ user: ref('users', 1) });
is<Equal<typeof inferred, Payload<Uint8Array, { user: Ref<'users'> }>>>(true);
declare const user: User;
declare const line: Line;
cereal.encode<Job>({ user, lines: [line], note: 'a hydrated row stands where its ref goes' });
// @ts-expect-error a line where a user belongs
cereal.encode<Job>({ user: line, lines: [], note: '' });
// @ts-expect-error a ref to a model outside the loader map
cereal.encode({ user: ref('userz', 1) });
// @ts-expect-error the job type says a note is a string
cereal.encode<Job>({ user, lines: [], note: 1 });

async function decoding(bytesFromAQueue: Uint8Array): Promise<void> {
  const out = await cereal.decode(job);
  is<Equal<typeof out, { user: User; lines: Line[]; note: string }>>(true);
  const named = await cereal.decode<Job>(bytesFromAQueue);
  is<Equal<typeof named.user, User>>(true);
  const untyped = await cereal.decode(bytesFromAQueue);
  is<Equal<typeof untyped, unknown>>(true);
  const orNull = await cereal.decode(job, { missing: 'null' });
  is<Equal<typeof orNull.user, User | null>>(true);
  const kept = await cereal.decode(job, { missing: 'keep' });
  is<Equal<typeof kept.user, User | Ref<'users'>>>(true);
  // @ts-expect-error a hydrated ref is a row: it has no `model`
  void out.user.model;
  // @ts-expect-error a payload of msgpack is bytes
  await cereal.decode('text');
  // @ts-expect-error a payload of another job type is not this job
  await cereal.decode<{ other: Ref<'lines'> }>(job);
  const options: DecodeOptions = { missing: 'null' }; // not a literal: any mode's missing row
  const wide = await cereal.decode(job, options);
  is<Equal<typeof wide.user, User | null | Ref>>(true);
}

// A model the loader map does not have says so, where `never` would vanish.
is<Equal<Hydrated<Ref<'customers'>, L>, NoLoader<'customers'>>>(true);

// The serializer's own missing option types every decode.
const lenient = createSerializer({ format: bytes, loaders, missing: 'null' });
async function lenientDecode(): Promise<void> {
  const out = await lenient.decode(lenient.encode<Job>({ user, lines: [], note: '' }));
  is<Equal<typeof out.user, User | null>>(true);
}

// ref(model, row): only models of the map, only their rows.
is<Equal<ReturnType<typeof cereal.ref<'users'>>, Ref<'users'>>>(true);
cereal.ref('users', user);
// @ts-expect-error a model outside the loader map
cereal.ref('userz', user);
// @ts-expect-error a line is not a users row
cereal.ref('users', line);

// hydrate follows the value and the loaders.
async function hydrating(): Promise<void> {
  const h = await hydrate({ to: ref('users', 42) }, loaders);
  is<Equal<typeof h, { to: User }>>(true);
  // @ts-expect-error `to` is the row now, not the ref
  void h.to.model;
  const maybe = await hydrate([ref('lines', [1, 2])], loaders, { missing: 'null' });
  is<Equal<typeof maybe, (Line | null)[]>>(true);
}

// A format chosen at run time keeps the typed encode and decode.
declare const useJson: boolean;
const either = createSerializer({ format: useJson ? text : bytes, loaders });
const wire = either.encode<Job>({ user, lines: [], note: '' });
is<Equal<typeof wire, Payload<string | Uint8Array, Job>>>(true);

void decoding;
void lenientDecode;
void hydrating;

// Pinned refs and consistency.
const pinned = ref('users', 42, new Date());
is<Equal<typeof pinned, ModelRef<'users'>>>(true);
is<Equal<typeof pinned.version, Version | undefined>>(true);
ref('users', 42, 7n);
ref('users', 42, 'v7');
// @ts-expect-error a version is a number, bigint, string or Date
ref('users', 42, true);
// @ts-expect-error null is no version
ref('users', 42, null);
createSerializer({ format: bytes, loaders, consistency: 'at-least' });
async function consistent(): Promise<void> {
  await either.decode(wire, { consistency: 'latest' });
  // @ts-expect-error 'latest' or 'at-least'
  await either.decode(wire, { consistency: 'newest' });
}
void consistent;

// decodeMany: a settled result per payload, each typed as decode's.
async function batch(): Promise<void> {
  const results = await either.decodeMany([wire, wire]);
  const first = results[0];
  if (first?.status === 'fulfilled') is<Equal<typeof first.value, Hydrated<Job, typeof loaders>>>(true);
  if (first?.status === 'rejected') is<Equal<typeof first.reason.code, import('@cereal/core').CerealErrorCode>>(true);
  const lenient = await either.decodeMany([wire], { missing: 'null' });
  void lenient;
  // @ts-expect-error a payload of another job type is not one of these
  await either.decodeMany<{ other: number }>([wire]);
}
void batch;
