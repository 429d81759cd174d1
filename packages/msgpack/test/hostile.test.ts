import { Packr, pack } from 'msgpackr';
import { msgpackFormat } from '../src/index.js';
import { REF_TYPE } from '../src/extension.js';
import { ownData, testHostile, type HostileCase } from '../../core/test/suites/hostile.js';

const tagged = (type: number, data: Uint8Array): Uint8Array => Uint8Array.from([0xd4, type, 0, ...data]);
const bigPacker = new Packr({ useRecords: false, useBigIntExtension: true });
const refOf = (value: unknown): Uint8Array => tagged(REF_TYPE, bigPacker.pack(value));
const huge = [0xff, 0xff, 0xff, 0xff];
const records = new Packr({ useRecords: true }).pack(Array.from({ length: 4 }, (_, i) => ({ a: i, b: i })));

const cases: HostileCase<Uint8Array>[] = [
  ['a str32 header claiming 4 GiB', Uint8Array.from([0xdb, ...huge, 0x61]), 'MALFORMED'],
  ['a bin32 header claiming 4 GiB', Uint8Array.from([0xc6, ...huge]), 'MALFORMED'],
  ['an array32 header claiming 4 billion items', Uint8Array.from([0xdd, ...huge, 0x01]), 'MALFORMED'],
  ['a map32 header claiming 4 billion entries', Uint8Array.from([0xdf, ...huge, 0x01, 0x01]), 'MALFORMED'],
  ['an ext32 header claiming 4 GiB', Uint8Array.from([0xc9, ...huge, 0x01]), 'MALFORMED'],
  ['200 000 nested arrays', new Uint8Array(200_000).fill(0x91), 'LIMIT'],
  ['msgpackr records (compiled with new Function when read)', records, 'MALFORMED'],
  ['a structured-clone pointer', Uint8Array.from([0xd6, 0x70, 0, 0, 0, 1]), 'MALFORMED'],
  ['a structured-clone id', Uint8Array.from([0xd6, 0x69, 0, 0, 0, 1, 0x90]), 'MALFORMED'],
  ['bundled strings', Uint8Array.from([0xd6, 0x62, 0, 0, 0, 9, 0xa1, 0x61]), 'MALFORMED'],
  ['trailing bytes after the value', Uint8Array.from([0x01, 0x02]), 'MALFORMED'],
  ['the never-used byte 0xc1', Uint8Array.from([0xc1]), 'MALFORMED'],
  ['a bigint of 8 KiB (msgpackr extension 0x42)', Uint8Array.from([0xc8, 0x20, 0x00, 0x42, ...new Uint8Array(8192).fill(0x7f)]), 'LIMIT'],
  ['a ref whose pk is a bigint beyond 2^128', refOf(['users', 2n ** 130n]), 'INVALID_REF'],
  ['a ref whose pk is a string of 2000 characters', refOf(['users', 'x'.repeat(2000)]), 'INVALID_REF'],
  ['a ref whose pk is an object', refOf(['users', { id: 1 }]), 'INVALID_REF'],
  ['a ref whose pk is NaN', refOf(['users', NaN]), 'INVALID_REF'],
  ['a ref whose pk is a fraction', refOf(['users', 1.5]), 'INVALID_REF'],
  ['a ref with an empty composite key', refOf(['orders', []]), 'INVALID_REF'],
  ['a ref whose composite key has the wrong arity', refOf(['orders', [7, 1001, 3]]), 'INVALID_REF'],
  ['a ref with a single key for a composite model', refOf(['orders', 7]), 'INVALID_REF'],
  ['a ref whose model is not a string', refOf([42, 1]), 'INVALID_REF'],
  ['a ref whose model is null', refOf([null, 1]), 'INVALID_REF'],
  ['a ref to a model outside the loader map, beside a known one', Uint8Array.from([0x92, ...refOf(['users', 1]), ...refOf(['invoices', 1])]), 'UNKNOWN_MODEL'],
  ['a ref to `constructor`', refOf(['constructor', 1]), 'UNKNOWN_MODEL'],
  ['a ref to `__proto__`', refOf(['__proto__', 1]), 'UNKNOWN_MODEL'],
  // msgpackr renames a `__proto__` key to `__proto_` when it reads one
  ['`__proto__` as a key', pack(JSON.parse('{"__proto__": {"polluted": true}, "b": 1}')), ownData('__proto_', 'b')],
  ['`constructor` and `prototype` as keys', pack({ constructor: { prototype: { polluted: true } } }), ownData('constructor')],
];

testHostile(msgpackFormat(), cases);
