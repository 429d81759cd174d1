import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref, type Format } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { memoryLoader, rejects } from '@cereal/testkit';
import { fromJobData, toJobData } from '../src/index.js';
import { taggedFormat, utf8Format } from './_formats.js';

const setup = <W extends Uint8Array | string>(format: Format<W>) => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  return { users, cereal: createSerializer({ format, loaders: { users } }) };
};

const Read = suite('fromJobData: reading envelopes');

for (const format of [msgpackFormat(), jsonFormat(), yamlFormat()] as Format[]) {
  Read(`${format.name}: an envelope without \`encoding\`, as the previous version wrote it, is read by its format name`, async () => {
    const { cereal, users } = setup(format);
    const { encoding: _, ...legacy } = toJobData(cereal, { user: ref('users', 1) });
    users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
    assert.equal(await fromJobData(cereal, JSON.parse(JSON.stringify(legacy))), { user: { id: 1, name: 'Ada Lovelace' } });
  });
}

Read('the envelope\'s encoding decides, not its format name: a bytes format called `json` reads its base64', async () => {
  const bytes = utf8Format();
  const cereal = setup({ ...bytes, name: 'json' }).cereal;
  const data = toJobData(cereal, { user: ref('users', 2) });
  assert.is(data.encoding, 'base64');
  assert.equal(await fromJobData(cereal, data), { user: { id: 2, name: 'Grace' } });
});

const notEnvelopes: [string, unknown][] = [
  ['a plain object', { user: 1 }],
  ['null', null],
  ['a string', 'users:1'],
  ['another version', { $cereal: 2, format: 'msgpack', payload: '' }],
  ['no payload', { $cereal: 1, format: 'msgpack' }],
  ['a format that is not a string', { $cereal: 1, format: 7, encoding: 'base64', payload: '' }],
];
for (const [name, data] of notEnvelopes) {
  Read(`job data that is ${name} is MALFORMED, naming the fix`, async () => {
    const err = await rejects(() => fromJobData(setup(msgpackFormat()).cereal, data));
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, /toJobData/);
  });
}

Read('an encoding this version does not know is MALFORMED, naming the ones it reads', async () => {
  for (const encoding of ['hex', 42, null]) {
    const err = await rejects(() => fromJobData(setup(msgpackFormat()).cereal, { $cereal: 1, format: 'msgpack', encoding, payload: '' }));
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, /`base64`, `text` and `json`/);
  }
});

Read('job data of another format is MALFORMED, naming both formats', async () => {
  const data = toJobData(setup(yamlFormat()).cereal, ref('users', 1));
  const err = await rejects(() => fromJobData(setup(msgpackFormat()).cereal, data));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /written in `yaml`.*reads `msgpack`/);
});

Read('a payload its encoding cannot hold is MALFORMED', async () => {
  const cases: [Format, string | undefined, unknown][] = [
    [msgpackFormat(), 'base64', 42],
    [msgpackFormat(), 'base64', { a: 1 }],
    [yamlFormat(), 'text', ['a']],
    [yamlFormat(), undefined, 42],
    [jsonFormat(), 'json', undefined],
    [jsonFormat(), 'json', { n: 1n }],
    [taggedFormat('tagged', 'v1 '), 'text', null],
  ];
  for (const [format, encoding, payload] of cases) {
    const err = await rejects(() => fromJobData(setup(format).cereal, { $cereal: 1, format: format.name, encoding, payload }));
    assert.is(err.code, 'MALFORMED', `${format.name} ${String(encoding)}`);
  }
});

Read('a base64 payload that is not base64 is MALFORMED, before the format reads a byte', async () => {
  const { cereal } = setup(msgpackFormat());
  const good = toJobData(cereal, ref('users', 1)).payload as string;
  for (const payload of ['not base64!', good.slice(0, -1), `${good.slice(0, 4)}=${good.slice(5)}`, '====', `${good}\n`]) {
    for (const encoding of ['base64', undefined]) {
      const err = await rejects(() => fromJobData(cereal, { $cereal: 1, format: 'msgpack', encoding, payload }));
      assert.is(err.code, 'MALFORMED');
      assert.match(err.message, /\[bullmq\] the payload is not base64/, `${payload} ${String(encoding)}`);
    }
  }
});

Read('an envelope whose encoding does not match the format\'s wire type is MALFORMED', async () => {
  const text = toJobData(setup(yamlFormat()).cereal, ref('users', 1));
  const err = await rejects(() => fromJobData(setup(yamlFormat()).cereal, { ...text, encoding: 'base64', payload: 'AAAA' }));
  assert.is(err.code, 'MALFORMED');
  const bytes = toJobData(setup(msgpackFormat()).cereal, ref('users', 1));
  assert.is((await rejects(() => fromJobData(setup(msgpackFormat()).cereal, { ...bytes, encoding: 'text' }))).code, 'MALFORMED');
});

Read('an embedded payload nested too deeply to stringify is LIMIT, not a RangeError', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 20_000; i++) deep = [deep];
  const err = await rejects(() => fromJobData(setup(jsonFormat()).cereal, { $cereal: 1, format: 'json', encoding: 'json', payload: deep }));
  assert.is(err.code, 'LIMIT');
  assert.match(err.message, /\[bullmq\] the payload nests too deeply/);
});

Read.run();
