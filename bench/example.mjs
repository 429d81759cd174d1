// The README's usage example, as a user would run it: plain Node, the built packages, no tsx.
// `.ci/run` runs it after the build to prove that the published entry points work.
import assert from 'node:assert/strict';
import knex from 'knex';
import { createSerializer, ref, refOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoaders } from '@cereal/knex';

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
await db.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); });
await db('users').insert([{ id: 42, name: 'Ada' }]);

const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) });
const wire = cereal.encode({ user: ref('users', 42), note: 'welcome' }); // bytes for your queue
await db('users').where({ id: 42 }).update({ name: 'Ada Lovelace' }); // the row changes meanwhile
const { user, note } = await cereal.decode(wire); // in the worker: the row as it is now

assert.deepEqual(user, { id: 42, name: 'Ada Lovelace' });
assert.equal(note, 'welcome');
assert.equal(refOf(user)?.key, 'users:42');
assert.equal(Buffer.compare(cereal.encode({ user, note }), wire), 0); // a loaded row travels on as a ref again
console.log(`example: ${wire.length} bytes on the wire, decoded to`, user);
await db.destroy();
