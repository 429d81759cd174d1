/**
 * Hostile inputs, one table per format: each row is a payload and what decoding it must give.
 * Every failure is a CerealError with the expected code, raised before any loader is called;
 * nothing reaches Object.prototype.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, isRef, ref, type DecodeOptions, type Format } from '@cereal/core';
import { MAX_MESSAGE } from '@cereal/core/format';
import { memoryLoader, rejects } from './fixtures.js';

export type Expect = CerealError['code'] | ((value: unknown) => void);
/** A payload, what decoding it must give, and decode options where the case needs a low limit. */
export type HostileCase<Wire> = [name: string, wire: Wire, expect: Expect, options?: DecodeOptions];

/** Every message is at most this long, whatever it quotes. */
const MESSAGE_BOUND = MAX_MESSAGE;

/** A value that must have decoded to plain data: exactly `keys` as own keys, no prototype touched. */
export const ownData = (...keys: string[]) => (value: unknown): void => {
  assert.ok(value !== null && typeof value === 'object');
  assert.is(Object.getPrototypeOf(value), Object.prototype);
  assert.equal(Object.keys(value as object), keys);
};

/** A value decoded from refs to users:1: it holds that row, in Maps and Sets too, and no ref is left. */
function holdsAda(value: unknown): void {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Map || v instanceof Set ? [...v] : isRef(v) ? 'a ref' : v));
  assert.match(text, /"name":"Ada"/);
  assert.not.match(text, /a ref/);
}

/** The classes of hostile input every format covers with samples of its own wire. */
export interface HostileClasses<Wire> {
  /**
   * Three refs to `users:1` in encodings the format's encoder does not use (wider headers, other
   * tag spellings, other metadata paths): each must be counted before it is built, so `LIMIT`
   * at maxRefs 2, and three rows at maxRefs 3.
   */
  wideRefs: [name: string, wire: Wire][];
  /** Types, tags or extensions the format never writes: each is `MALFORMED`, whatever its reader would do. */
  foreignTypes: [name: string, wire: Wire][];
}

export function testHostile<Wire extends Uint8Array | string>(format: Format<Wire>, cases: HostileCase<Wire>[], classes: HostileClasses<Wire>): void {
  const Hostile = suite(`hostile input (${format.name})`);
  const prototype = Object.getOwnPropertyNames(Object.prototype).sort();
  cases = [
    ...cases,
    ...classes.wideRefs.map(([name, wire]): HostileCase<Wire> => [`three refs (${name}) over maxRefs 2, counted before they are built`, wire, 'LIMIT', { maxRefs: 2 }]),
    ...classes.wideRefs.map(([name, wire]): HostileCase<Wire> => [`three refs (${name}) within maxRefs 3`, wire, holdsAda, { maxRefs: 3 }]),
    ...classes.foreignTypes.map(([name, wire]): HostileCase<Wire> => [`a type the format never writes: ${name}`, wire, 'MALFORMED']),
  ];

  for (const [name, wire, expect, options] of cases) {
    Hostile(`${name}: ${typeof expect === 'string' ? expect : 'plain data'}`, async () => {
      const users = memoryLoader([{ id: 1, name: 'Ada' }]);
      const orders = memoryLoader([{ id: [7, 1001], total: 5 }], { arity: 2 });
      const cereal = createSerializer({ format, loaders: { users, orders } });
      let value: unknown;
      let error: unknown;
      try {
        value = await cereal.decode(wire, options);
      } catch (err) {
        error = err;
      }
      if (typeof expect === 'string') {
        assert.instance(error, CerealError, `expected ${expect}, got ${error === undefined ? 'a value' : String(error)}`);
        assert.is((error as CerealError).code, expect, (error as Error).message);
        assert.ok((error as Error).message.length <= MESSAGE_BOUND, `a message of ${(error as Error).message.length} characters`);
        assert.equal([...users.calls, ...orders.calls], [], 'no loader may run for a payload that fails');
      } else {
        assert.is(error, undefined, String(error));
        expect(value);
      }
      assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), prototype);
      assert.is(({} as Record<string, unknown>).polluted, undefined);
    });
  }

  Hostile('a payload over maxBytes is LIMIT before the format reads it', async () => {
    const users = memoryLoader([{ id: 1, name: 'Ada' }]);
    const big = createSerializer({ format, loaders: { users } });
    const wire = big.encode({ note: 'x'.repeat(200), user: ref('users', 1) });
    const small = createSerializer({ format, loaders: { users }, maxBytes: 100 });
    const err = await rejects(() => small.decode(wire));
    assert.is(err.code, 'LIMIT');
    assert.match(err.message, /maxBytes 100/);
    assert.equal(users.calls, []);
    assert.ok(await small.decode(wire, { maxBytes: 1000 }));
  });

  Hostile('a payload nesting deeper than maxDepth is LIMIT, and maxDepth can be raised', async () => {
    let value: unknown = 'leaf';
    for (let i = 0; i < 40; i++) value = [value];
    const users = memoryLoader([]);
    const cereal = createSerializer({ format, loaders: { users } });
    const wire = cereal.encode(value);
    assert.is((await rejects(() => cereal.decode(wire, { maxDepth: 20 }))).code, 'LIMIT');
    assert.equal(await cereal.decode(wire), value);
    // The format itself refuses before its parser recurses: use the `maxDepth` defineFormat's
    // DecodeContext hands the codec (parseDepth: 2 × 20 + 4 levels of the format's own syntax).
    let deeper: unknown = 'leaf';
    for (let i = 0; i < 50; i++) deeper = [deeper];
    assert.is((await rejects(() => format.decode(cereal.encode(deeper), { maxDepth: 20 }))).code, 'LIMIT', 'format.decode must bound its own nesting');
  });

  Hostile('100 nested Maps and 100 nested Sets (within maxDepth) encode and decode', async () => {
    let maps: unknown = 'leaf';
    let sets: unknown = 'leaf';
    for (let i = 0; i < 100; i++) {
      maps = new Map([['k', maps]]);
      sets = new Set([sets]);
    }
    const cereal = createSerializer({ format, loaders: {} });
    assert.equal(await cereal.decode(cereal.encode(maps)), maps);
    assert.equal(await cereal.decode(cereal.encode(sets)), sets);
  });

  Hostile('more refs than maxRefs is LIMIT from the format, before it builds them', async () => {
    const users = memoryLoader([]);
    const cereal = createSerializer({ format, loaders: { users } });
    const wire = cereal.encode({ list: Array.from({ length: 50 }, (_, i) => ref('users', i + 1)), one: ref('users', 99) });
    const err = await rejects(() => cereal.decode(wire, { maxRefs: 50 }));
    assert.is(err.code, 'LIMIT');
    assert.equal(users.calls, []);
    // The format itself refuses, not core's count after it built every ref: call its `countRefs`
    // (defineFormat's DecodeContext) before building refs.
    assert.is((await rejects(() => format.decode(wire, { maxRefs: 50 }))).code, 'LIMIT', 'format.decode must count refs before it builds them');
    assert.is((await rejects(() => cereal.decode(wire, { maxRefs: 51 }))).code, 'MISSING_ROW');
  });

  Hostile('a payload naming 20 000 unknown models of 100 characters: one UNKNOWN_MODEL with a bounded message', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `m${String(i).padStart(99, '0')}`);
    const wide = createSerializer({ format, loaders: Object.fromEntries(names.map((n) => [n, memoryLoader([])])), maxBytes: 2 ** 30 });
    const wire = wide.encode(names.map((n) => ref(n, 1)));
    const users = memoryLoader([]);
    const narrow = createSerializer({ format, loaders: { users }, maxBytes: 2 ** 30 });
    const err = await rejects(() => narrow.decode(wire));
    assert.is(err.code, 'UNKNOWN_MODEL');
    assert.is(err.refs?.length, 20_000);
    assert.ok(err.message.length <= MESSAGE_BOUND, `a message of ${err.message.length} characters`);
    assert.match(err.message, /and 19995 more; known models: `users`$/);
    assert.equal(users.calls, []);
  });

  Hostile.run();
}
