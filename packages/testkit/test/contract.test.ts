import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref } from '@cereal/core';
import { contractFormat } from '../src/contract.js';
import { memoryLoader } from '../src/fixtures.js';

const Contract = suite('a format written to the Format contract alone');

const loaders = () => ({
  users: memoryLoader([1, 2, 3].map((id) => ({ id, name: `user ${id}` }))),
  orders: memoryLoader([{ id: [7, 1001], total: 5 }, { id: [7, 1002], total: 9 }], { arity: 2 }),
});

Contract('round-trips arrays of refs to one model: it is never handed a RefList', async () => {
  const l = loaders();
  const cereal = createSerializer({ format: contractFormat(), loaders: l });
  const wire = cereal.encode({ team: [ref('users', 1), ref('users', 2), ref('users', 3)], pairs: [ref('orders', [7, 1001]), ref('orders', [7, 1002])] });
  assert.not.match(wire, /pks/); // a RefList would have been written as {"model", "pks"}
  const out = await cereal.decode(wire);
  assert.equal(out.team.map((u) => u.name), ['user 1', 'user 2', 'user 3']);
  assert.equal(out.pairs.map((o) => o.total), [5, 9]);
  assert.equal(l.users.calls, [[1, 2, 3]]);
});

Contract('round-trips refs mixed with values, nested, keys above 2^53, and hydrated rows written back as refs', async () => {
  const l = { ...loaders(), events: memoryLoader([{ id: 2n ** 60n, kind: 'big' }]) };
  const cereal = createSerializer({ format: contractFormat(), loaders: l });
  const value = { a: [ref('users', 1), 'x', { b: [ref('users', 2), ref('orders', [7, 1002])] }], e: ref('events', 2n ** 60n) };
  const out = await cereal.decode(cereal.encode(value));
  assert.equal(out, { a: [{ id: 1, name: 'user 1' }, 'x', { b: [{ id: 2, name: 'user 2' }, { id: [7, 1002], total: 9 }] }], e: { id: 2n ** 60n, kind: 'big' } });
  assert.equal(await cereal.decode(cereal.encode(out)), out);
});

Contract.run();
