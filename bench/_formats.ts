import type { Format } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { Packr } from 'msgpackr';
import { SuperJSON } from 'superjson';
import { stringify } from 'yaml';

/** A cereal format and the same library used plainly, for payloads without refs. */
export interface Contender {
  name: string;
  format: Format;
  /** The format library on its own: what a payload of full rows or bare keys costs. */
  plain(value: unknown): Uint8Array | string;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const superjson = new SuperJSON();

export const contenders: Contender[] = [
  { name: 'msgpack', format: msgpackFormat(), plain: (v) => packr.pack(v) },
  { name: 'json', format: jsonFormat(), plain: (v) => superjson.stringify(v as never) },
  { name: 'yaml', format: yamlFormat(), plain: (v) => stringify(v) },
];

/** Bytes on the wire: UTF-8 length for text formats. */
export const bytes = (wire: Uint8Array | string): number => (typeof wire === 'string' ? Buffer.byteLength(wire) : wire.length);
