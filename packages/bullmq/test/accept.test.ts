import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref, type Format } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { memoryLoader, rejects } from '@cereal/testkit';
import { fromJobData, toJobData, withRefs, type Serializers } from '../src/index.js';
import { utf8Format } from './_formats.js';

/** Serializers of several formats over one table, as a worker in a rolling migration has. */
const setup = () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  const of = <W extends Uint8Array | string>(format: Format<W>) => createSerializer({ format, loaders: { users } });
  return { users, msgpack: of(msgpackFormat()), json: of(jsonFormat()), yaml: of(yamlFormat()), utf8: of(utf8Format()) };
};

const Accept = suite('several formats: serializers by format name');

Accept('fromJobData given serializers by format name decodes each envelope with its format\'s serializer', async () => {
  const { msgpack, json, utf8, users } = setup();
  const accepted = { msgpack, json, utf8 };
  const jobs = [msgpack, json, utf8].map((s) => toJobData(s, { user: ref('users', 1), via: s.format }));
  users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
  for (const data of jobs) {
    assert.equal(await fromJobData(accepted, data), { user: { id: 1, name: 'Ada Lovelace' }, via: data.format });
  }
});

Accept('a format the map does not hold is MALFORMED, naming every format accepted', async () => {
  const { msgpack, json, yaml } = setup();
  const err = await rejects(() => fromJobData({ msgpack, json }, toJobData(yaml, ref('users', 1))));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /written in `yaml`; this worker reads only `msgpack`, `json`/);
});

Accept('a format named after an Object.prototype member finds no serializer: MALFORMED', async () => {
  const { msgpack } = setup();
  for (const format of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const err = await rejects(() => fromJobData({ msgpack }, { $cereal: 1, format, encoding: 'text', payload: 'x' }));
    assert.is(err.code, 'MALFORMED', format);
    assert.match(err.message, /this worker reads `msgpack`/);
  }
});

Accept('a serializer under another format\'s name is INVALID_OPTION, from withRefs at once and from fromJobData', async () => {
  const { msgpack, json } = setup();
  const swapped = { json: msgpack, msgpack: json };
  assert.is((await rejects(() => withRefs(swapped, async () => 1))).code, 'INVALID_OPTION');
  const err = await rejects(() => fromJobData(swapped, toJobData(msgpack, ref('users', 1))));
  assert.is(err.code, 'INVALID_OPTION');
  assert.match(err.message, /under `json` reads `msgpack`/);
});

Accept('an empty map, null, or an entry that is not a serializer is INVALID_OPTION', async () => {
  const { msgpack } = setup();
  const bad: unknown[] = [{}, null, 'msgpack', [msgpack], { msgpack: { format: 'msgpack' } }, { msgpack: null }];
  for (const serializers of bad) {
    const err = await rejects(() => withRefs(serializers as Serializers, async () => 1));
    assert.is(err.code, 'INVALID_OPTION', JSON.stringify(serializers));
    assert.match(err.message, /serializer/);
  }
});

Accept('a map of one serializer reads as that serializer alone does', async () => {
  const { msgpack, json } = setup();
  const data = toJobData(msgpack, { user: ref('users', 2) });
  assert.equal(await fromJobData({ msgpack }, data), await fromJobData(msgpack, data));
  assert.match((await rejects(() => fromJobData({ json }, data))).message, /written in `msgpack`; this worker reads `json`/);
});

Accept.run();
