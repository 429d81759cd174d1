/**
 * Formats are interchangeable: one corpus, encoded by each format, hydrates to deep-equal
 * results. The formats are imported through the root tsconfig's `paths` (they depend on core,
 * so core does not list them as dependencies).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { createSerializer, ref, type Format } from '@cereal/core';
import { memoryLoader } from '../src/fixtures.js';
import { corpus, sameValue } from '../src/format.js';

const formats: Format[] = [msgpackFormat(), jsonFormat(), yamlFormat()];

const loaders = () => ({
  users: memoryLoader([1, 2, 3, 42, -5, 77, 9007199254740993n].map((id) => ({ id, name: `user ${id}` }))),
  tags: memoryLoader([{ id: 'a,b%c "quoted" \n', label: 'odd' }]),
  orders: memoryLoader([{ id: [7, 1001], total: 5 }, { id: [7, 1002], total: 9 }, { id: [1, 2], total: 3 }], { arity: 2 }),
  memberships: memoryLoader([{ id: ['acme', 12], role: 'owner' }], { arity: 2 }),
  events: memoryLoader([{ id: 9007199254740993n, kind: 'big' }]),
});

const Cross = suite('formats are interchangeable');

for (const [name, value] of corpus) {
  Cross(`${name}: every format hydrates to the same result`, async () => {
    const results: unknown[] = [];
    for (const format of formats) {
      const cereal = createSerializer({ format, loaders: loaders() });
      results.push(await cereal.decode(cereal.encode(value)));
    }
    // sameValue: an Invalid Date equals an Invalid Date, and bytes compare as bytes (YAML reads a Buffer)
    for (let i = 1; i < results.length; i++) sameValue(results[i], results[0]);
  });
}

Cross('every format loads the same rows with the same number of loads', async () => {
  const value = { a: [ref('users', 1), ref('users', 2)], b: new Map([[ref('orders', [7, 1001]), new Set([ref('users', 1)])]]) };
  const calls: unknown[] = [];
  for (const format of formats) {
    const l = loaders();
    const cereal = createSerializer({ format, loaders: l });
    await cereal.decode(cereal.encode(value));
    calls.push([l.users.calls, l.orders.calls]);
  }
  assert.equal(calls[1], calls[0]);
  assert.equal(calls[2], calls[0]);
  assert.equal(calls[0], [[[1, 2]], [[[7, 1001]]]]);
});

Cross.run();
