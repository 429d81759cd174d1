/**
 * One hostile decode in a process of its own (bench/hostile.ts starts it with a 1 GiB heap):
 * reads the payload from a file, decodes it with the format's defaults (or `maxBytes` given),
 * and prints what happened, how long it took and how much memory the process grew by.
 */
import { readFileSync } from 'node:fs';
import { CerealError, createSerializer, type Format, type Loader } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';

const [name, file, maxBytes] = process.argv.slice(2) as [string, string, string | undefined];
const formats: Record<string, () => Format> = { msgpack: msgpackFormat, json: jsonFormat, yaml: yamlFormat };
const users: Loader<{ id: unknown }> = { load: async (pks) => pks.map((id) => ({ id })), keyOf: (row) => row.id as never };
const cereal = createSerializer({ format: formats[name]!(), loaders: { users }, ...(maxBytes === undefined ? {} : { maxBytes: Number(maxBytes) }) });
const bytes = readFileSync(file);
const wire = name === 'msgpack' ? new Uint8Array(bytes) : bytes.toString('utf8');
globalThis.gc?.();
const rss = process.memoryUsage().rss;
const started = performance.now();
let outcome: string;
try {
  await cereal.decode(wire as never);
  outcome = 'value';
} catch (err) {
  outcome = err instanceof CerealError ? err.code : `not a CerealError: ${String(err).slice(0, 80)}`;
}
const ms = performance.now() - started;
const peak = process.resourceUsage().maxRSS * 1024; // kB
console.log(JSON.stringify({ outcome, ms, peakMB: Math.max(0, peak - rss) / 2 ** 20 }));
