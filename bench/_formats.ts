import type { Format } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { Packr, Unpackr } from 'msgpackr';
import { SuperJSON } from 'superjson';
import { parse, stringify } from 'yaml';

/** A cereal format and the same library used plainly, for payloads without refs. */
export interface Contender {
  name: string;
  format: Format;
  /** The format library on its own: what a payload of full rows or bare keys costs. */
  plain: {
    encode(value: unknown): Uint8Array | string;
    decode(wire: Uint8Array | string): unknown;
  };
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false });
const superjson = new SuperJSON();

export const contenders: Contender[] = [
  { name: 'msgpack', format: msgpackFormat(), plain: { encode: (v) => packr.pack(v), decode: (w) => unpackr.unpack(w as Uint8Array) } },
  { name: 'json', format: jsonFormat(), plain: { encode: (v) => superjson.stringify(v as never), decode: (w) => superjson.parse(w as string) } },
  { name: 'yaml', format: yamlFormat(), plain: { encode: (v) => stringify(v), decode: (w) => parse(w as string) } },
];

/** Bytes on the wire: UTF-8 length for text formats. */
export const bytes = (wire: Uint8Array | string): number => (typeof wire === 'string' ? Buffer.byteLength(wire) : wire.length);
