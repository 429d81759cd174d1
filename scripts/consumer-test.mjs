// The packages as a user gets them: after `pnpm release:pack`, make an app in a fresh folder
// outside the workspace, `npm install` the tarballs in .release/ beside what a user installs,
// compile the READMEs' TypeScript examples against the packed .d.ts under a strict tsconfig,
// run an example on SQLite and a BullMQ job on Redis with plain node, and check that npm
// installed one copy of @cereal/core and of bullmq. `.ci/run` runs it after the tests.
//
//   node scripts/consumer-test.mjs [--keep]   (--keep: leave the app folder for a look)
//
// CEREAL_REDIS_URL, CEREAL_PG_URL and CEREAL_AMQP_URL pick the servers (defaults: the machine's
// Redis, PostgreSQL and RabbitMQ on 127.0.0.1). It also sends a pg-boss job in a transaction and
// consumes a RabbitMQ message, each with plain node.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const release = join(root, '.release');
const keep = process.argv.includes('--keep');
const redisUrl = process.env.CEREAL_REDIS_URL || 'redis://127.0.0.1:6379';
const pgUrl = process.env.CEREAL_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const amqpUrl = process.env.CEREAL_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

// README examples that do not compile yet, by id (`<README>#<n>`, the n-th ```ts block), with
// why. Each is reported as an EXPECTED FAILURE, never passed silently; once one compiles the
// run fails until it is taken off this list.
const KNOWN_FAILING = new Map([]);

// What the examples take as the application's own: the README's prose says you have these.
// Library functions and classes are not here: an example must import what it uses.
const CONTEXT = `// The application around the README examples.
import type { Knex } from 'knex';
import type { Loaders, ModelRef, Serializer } from '@cereal/core';
import type { ConnectionOptions, Queue } from 'bullmq';
import type { PgBoss } from 'pg-boss';
import type { Channel } from 'amqplib';

interface Request { params: Record<string, string> }
interface Response { sendStatus(code: number): void }

declare global {
  const db: Knex;
  const loaders: Loaders;
  const cereal: Serializer<Uint8Array>;
  const queue: Queue;
  const boss: PgBoss;
  const channel: Channel;
  const connection: ConnectionOptions;
  const user: ModelRef;
  const app: { post(path: string, handler: (req: Request, res: Response) => Promise<void> | void): void };
  function sendWelcome(email: string): Promise<void>;
}
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    moduleDetection: 'force', // every example is a module of its own, with or without imports
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    skipLibCheck: false, // check the packed .d.ts too
    noEmit: true,
  },
  include: ['context.d.ts', 'examples'],
};

// An example as a user runs it: encode refs, change the row, decode fresh rows, in every format.
const SQLITE_EXAMPLE = `import assert from 'node:assert/strict';
import knex from 'knex';
import { CerealError, createSerializer, ref, refOf } from '@cereal/core';
import { canonicalKey } from '@cereal/core/format';
import { jsonFormat } from '@cereal/json';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
try {
  await db.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); });
  await db('users').insert({ id: 42, name: 'Ada' });
  const loaders = knexLoaders(db, { users: 'users' });
  for (const format of [msgpackFormat(), jsonFormat(), yamlFormat()]) {
    const cereal = createSerializer({ format, loaders });
    const wire = cereal.encode({ user: ref('users', 42), note: 'welcome' });
    await db('users').where({ id: 42 }).update({ name: 'Ada, ' + format.name }); // the row changes after encoding
    const { user, note } = await cereal.decode(wire);
    assert.deepEqual(user, { id: 42, name: 'Ada, ' + format.name });
    assert.equal(note, 'welcome');
    assert.equal(refOf(user)?.key, 'users:42');
    const again = cereal.encode({ user, note }); // a loaded row travels on as a ref again
    assert.ok(typeof wire === 'string' ? again === wire : Buffer.compare(again, wire) === 0, format.name + ': the row is not encoded as its ref');
    console.log(format.name + ': ' + wire.length + (typeof wire === 'string' ? ' characters' : ' bytes') + ', decoded to', user);
  }
  const cereal = createSerializer({ format: msgpackFormat(), loaders });
  await assert.rejects(cereal.decode(cereal.encode({ user: ref('users', 7) })), (err) => err instanceof CerealError && err.code === 'MISSING_ROW');
  assert.equal(canonicalKey([7, 1001n]), '7,1001'); // the @cereal/core/format subpath
  console.log('a deleted row: MISSING_ROW; @cereal/core/format loads');
} finally {
  await db.destroy();
}
`;

// One BullMQ job through Redis: queued with a ref, the row changed, the worker gets it fresh.
const BULLMQ_EXAMPLE = `import assert from 'node:assert/strict';
import knex from 'knex';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createSerializer, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoaders } from '@cereal/knex';
import { toJobData, withRefs } from '@cereal/bullmq';

const url = process.env.CEREAL_REDIS_URL;
const within = (ms, what, promise) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(what + ': no answer in ' + ms / 1000 + ' s')), ms).unref())]);

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
await db.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); });
await db('users').insert({ id: 42, name: 'Ada' });
const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) });

const connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
const name = 'cereal-consumer-test-' + process.pid + '-' + Date.now();
let queue, worker;
try {
  await within(5000, 'Redis at ' + url, connection.connect()).catch((err) => {
    throw new Error('Redis at ' + url + ' is not reachable (' + err.message + '); CEREAL_REDIS_URL names another');
  });
  queue = new Queue(name, { connection });
  const processed = new Promise((resolve, reject) => {
    worker = new Worker(name, withRefs(cereal, async ({ user, note }) => ({ user, note })), { connection, autorun: false });
    worker.on('completed', (_job, result) => resolve(result));
    worker.on('failed', (_job, err) => reject(err));
  });
  const data = toJobData(cereal, { user: ref('users', 42), note: 'welcome' });
  assert.deepEqual(JSON.parse(JSON.stringify(data)), data); // job data is JSON
  await queue.add('welcome', data);
  await db('users').where({ id: 42 }).update({ name: 'Ada Lovelace' }); // after queueing
  void worker.run();
  const result = await within(20000, 'the job', processed);
  assert.deepEqual(result, { user: { id: 42, name: 'Ada Lovelace' }, note: 'welcome' });
  console.log('job data ' + JSON.stringify(data).length + ' bytes of JSON; the worker got', result.user);
} finally {
  await worker?.close();
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  connection.disconnect();
  await db.destroy();
}
`;

// One pg-boss job: sent in the Knex transaction that writes its row (and one rolled back), the
// row changed after, the worker gets it fresh; the rolled-back job never exists.
const PG_BOSS_EXAMPLE = `import assert from 'node:assert/strict';
import knex from 'knex';
import { PgBoss } from 'pg-boss';
import { createSerializer, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoaders } from '@cereal/knex';
import { send, work } from '@cereal/pg-boss';

const url = process.env.CEREAL_PG_URL;
const id = process.pid + '_' + Date.now();
const table = 'consumer_users_' + id;
const db = knex({ client: 'pg', connection: url });
const boss = new PgBoss({ connectionString: url, schema: 'consumer_boss_' + id });
try {
  await db.schema.createTable(table, (t) => { t.integer('id').primary(); t.string('name'); });
  const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: table }) });
  await boss.start();
  await boss.createQueue('welcome');
  const sent = await db.transaction(async (trx) => {
    await trx(table).insert({ id: 42, name: 'Ada' });
    return send(boss, 'welcome', cereal, { user: ref('users', 42) }, { db: trx });
  });
  const gone = await db.transaction(async (trx) => {
    await trx(table).insert({ id: 43, name: 'Never' });
    const jobId = await send(boss, 'welcome', cereal, { user: ref('users', 43) }, { db: trx });
    await trx.rollback();
    return jobId;
  }).catch(() => undefined);
  await db(table).where({ id: 42 }).update({ name: 'Ada Lovelace' }); // after sending
  const handled = new Promise((resolve) => work(boss, 'welcome', cereal, async ({ user }) => resolve(user), { pollingIntervalSeconds: 0.5 }));
  const user = await Promise.race([handled, new Promise((_, reject) => setTimeout(() => reject(new Error('no job in 20 s')), 20000).unref())]);
  assert.deepEqual(user, { id: 42, name: 'Ada Lovelace' });
  assert.equal(typeof sent, 'string');
  if (gone !== undefined) assert.deepEqual(await boss.findJobs('welcome', { id: gone }), []);
  console.log('pg-boss: the job sent in the transaction ran with', user, '; the rolled-back one does not exist');
} finally {
  await boss.stop({ graceful: false, close: true }).catch(() => {});
  await db.raw('drop schema if exists ?? cascade', ['consumer_boss_' + id]).catch(() => {});
  await db.schema.dropTableIfExists(table);
  await db.destroy();
}
`;

// One RabbitMQ message: published with a ref, the row changed, the consumer gets it fresh.
const AMQP_EXAMPLE = `import assert from 'node:assert/strict';
import knex from 'knex';
import amqp from 'amqplib';
import { createSerializer, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoaders } from '@cereal/knex';
import { consume, publish } from '@cereal/amqp';

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
await db.schema.createTable('users', (t) => { t.increments('id'); t.string('name'); });
await db('users').insert({ id: 42, name: 'Ada' });
const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: 'users' }) });
const connection = await amqp.connect(process.env.CEREAL_AMQP_URL);
const queue = 'cereal-consumer-test-' + process.pid + '-' + Date.now();
try {
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { autoDelete: true });
  publish(channel, '', queue, cereal, { user: ref('users', 42) });
  await channel.waitForConfirms();
  await db('users').where({ id: 42 }).update({ name: 'Ada Lovelace' }); // after publishing, before consuming
  let resolveGot;
  const got = new Promise((resolve) => (resolveGot = resolve));
  const consumer = await consume(channel, queue, cereal, async (data, message) => resolveGot({ data, type: message.properties.contentType }));
  const { data, type } = await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error('no message in 20 s')), 20000).unref())]);
  assert.equal(type, 'application/x-cereal+msgpack');
  assert.deepEqual(data, { user: { id: 42, name: 'Ada Lovelace' } });
  console.log('amqp: the consumer got', data.user, 'under', type);
  await consumer.cancel(); // before the queue goes, or the broker cancels it (onCancel says so)
  await channel.deleteQueue(queue + '.retry.5s').catch(() => {});
  await channel.deleteQueue(queue).catch(() => {});
} finally {
  await connection.close();
  await db.destroy();
}
`;

const timings = [];
async function step(title, work) {
  console.log(`\n== ${title}`);
  const started = performance.now();
  try {
    return await work();
  } finally {
    const seconds = (performance.now() - started) / 1000;
    timings.push([title, seconds]);
    console.log(`   (${seconds.toFixed(1)} s)`);
  }
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', encoding: 'utf8', ...options });
  if (result.status !== 0) {
    const why = result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit ${result.status}`);
    throw new Error(`\`${command} ${args.join(' ')}\` failed (${why})`);
  }
  return result;
}

/** The ```ts blocks of a markdown text, with the line each opens on. */
function tsBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang] = open;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    if (lang === 'ts' || lang === 'typescript') {
      const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
      blocks.push({ line: i + 1, code: `${code.join('\n')}\n` });
    }
    i = end;
  }
  return blocks;
}

/** Writes every README's examples into the app: one folder per README, a file per block. */
function writeExamples(app, readmes) {
  const examples = [];
  for (const { id, file } of readmes) {
    const folder = join(app, 'examples', id.replace(/[@/]/g, '_').replace(/^_+/, ''));
    mkdirSync(folder, { recursive: true });
    tsBlocks(readFileSync(file, 'utf8')).forEach((block, i) => {
      // A block that opens with `// cereal.ts: …` is that file: the others import it by name.
      const named = /^\/\/\s*([\w-]+\.ts)\b/.exec(block.code)?.[1];
      const path = join(folder, named && !existsSync(join(folder, named)) ? named : `example-${i + 1}.ts`);
      writeFileSync(path, block.code);
      examples.push({ id: `${id}#${i + 1}`, readme: id, line: block.line, path, first: block.code.split('\n')[0], errors: [] });
    });
  }
  return examples;
}

/** Compiles the examples in one tsc program and gives each the errors in its file. */
// drizzle-orm's own .d.ts do not pass skipLibCheck: false (its gel, singlestore and query-builder
// declarations: 66 errors from importing drizzle-orm/sqlite-core alone), nor do pg-boss 12.38's
// (they import `ResolvedConstructorOptions`, which its types.d.ts does not export). Not ours to check.
const THIRD_PARTY = /node_modules\/(drizzle-orm|pg-boss)\//;

function compileExamples(app, examples) {
  const result = spawnSync(join(app, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app, encoding: 'utf8' });
  if (result.error) throw result.error;
  const byPath = new Map(examples.map((example) => [example.path, example]));
  const elsewhere = [];
  let ignored = 0;
  let last;
  for (const line of result.stdout.split('\n')) {
    const error = /^(.+?)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(line);
    if (error && THIRD_PARTY.test(error[1])) {
      ignored++;
      last = { text: '', list: [''] }; // its continued lines go nowhere
    } else if (error) {
      const example = byPath.get(join(app, error[1]));
      last = { text: example ? `${example.readme}:${example.line + Number(error[2])}: ${error[4]}` : line, list: example ? example.errors : elsewhere };
      last.list.push(last.text);
    } else if (line.trim() !== '' && last) {
      last.list[last.list.length - 1] += `\n${line}`; // a message continued on the next lines
    }
  }
  if (ignored > 0) console.log(`(${ignored} errors in drizzle-orm's and pg-boss's own .d.ts left out)`);
  if (elsewhere.length > 0 || (result.status !== 0 && ignored === 0 && examples.every((example) => example.errors.length === 0))) {
    throw new Error(`tsc failed outside the examples (the packed .d.ts, or the app's setup):\n${elsewhere.join('\n') || result.stdout}`);
  }
}

function report(examples) {
  const failures = [];
  const unknownIds = [...KNOWN_FAILING.keys()].filter((id) => !examples.some((example) => example.id === id));
  for (const example of examples) {
    const known = KNOWN_FAILING.get(example.id);
    const where = `${example.id} (${example.readme}:${example.line}, ${example.first.slice(0, 70)})`;
    if (example.errors.length === 0 && known === undefined) {
      console.log(`ok      ${where}`);
    } else if (example.errors.length === 0) {
      console.log(`XPASS   ${where}\n        compiles now: take ${example.id} off KNOWN_FAILING in scripts/consumer-test.mjs`);
      failures.push(`${example.id} compiles but is listed as known failing`);
    } else if (known !== undefined) {
      console.log(`!!!!!!! EXPECTED FAILURE ${where}\n        known: ${known}`);
      for (const error of example.errors) console.log(`        ${error.replace(/\n/g, '\n        ')}`);
    } else {
      console.log(`FAIL    ${where}`);
      for (const error of example.errors) console.log(`        ${error.replace(/\n/g, '\n        ')}`);
      failures.push(`${example.id} does not compile`);
    }
  }
  for (const id of unknownIds) failures.push(`KNOWN_FAILING names ${id}, which is no example (a README changed?)`);
  const passed = examples.filter((example) => example.errors.length === 0).length;
  const expected = examples.filter((example) => example.errors.length > 0 && KNOWN_FAILING.has(example.id)).length;
  console.log(`\n${passed} of ${examples.length} examples compile; ${expected} EXPECTED FAILURES (KNOWN_FAILING in scripts/consumer-test.mjs)`);
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

/** `npm ls` lines for a package that are an installed copy (not a `deduped` mention). */
function copies(tree, name) {
  return tree.split('\n').filter((line) => line.includes(` ${name}@`) && !/\bdeduped\b/.test(line));
}

const publicPackages = readdirSync(join(root, 'packages'))
  .map((dir) => join(root, 'packages', dir, 'package.json'))
  .filter((file) => existsSync(file))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  .filter((manifest) => manifest.private !== true);
const tarballs = publicPackages.map((manifest) => join(release, `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`));
const missing = tarballs.filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(`consumer-test: no ${missing.map((file) => relative(root, file)).join(', ')}: run \`pnpm release:pack\` first`);
  process.exit(1);
}

const app = mkdtempSync(join(tmpdir(), 'cereal-consumer-'));
let ok = false;
const started = performance.now();
try {
  await step(`npm install in ${app}`, () => {
    const manifest = {
      name: 'cereal-consumer',
      private: true,
      type: 'module',
      // npm 11 asks before it runs a dependency's install script; better-sqlite3 compiles its binding in one.
      allowScripts: { 'better-sqlite3': true, 'msgpackr-extract': true },
    };
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // The query libraries' versions this repository tests (npm would install kysely 0.29, which needs Node 22).
    const wanted = [...tarballs, 'knex', 'better-sqlite3@12', '@types/better-sqlite3', 'kysely@0.28', 'drizzle-orm@0.45', 'bullmq', 'ioredis', 'pg', '@types/pg', 'pg-boss@12', 'amqplib@2', 'typescript@5.9', '@types/node@20'];
    console.log(`npm install ${wanted.map((spec) => (spec.startsWith(root) ? relative(root, spec) : spec)).join(' ')}`);
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...wanted], { cwd: app, env: { ...process.env, JOBS: 'max' } });
  });

  await step('README examples: tsc --noEmit (strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes, NodeNext, verbatimModuleSyntax)', () => {
    writeFileSync(join(app, 'tsconfig.json'), `${JSON.stringify(TSCONFIG, null, 2)}\n`);
    writeFileSync(join(app, 'context.d.ts'), CONTEXT);
    const readmes = [
      { id: 'README.md', file: join(root, 'README.md') },
      ...publicPackages.map((manifest) => ({ id: `${manifest.name}/README.md`, file: join(app, 'node_modules', manifest.name, 'README.md') })),
    ];
    const examples = writeExamples(app, readmes);
    compileExamples(app, examples);
    report(examples);
  });

  await step('SQLite example (plain node, the installed packages)', () => {
    writeFileSync(join(app, 'sqlite.mjs'), SQLITE_EXAMPLE);
    run(process.execPath, ['sqlite.mjs'], { cwd: app, timeout: 60_000 });
  });

  await step(`BullMQ job on Redis at ${redisUrl} (plain node)`, () => {
    writeFileSync(join(app, 'bullmq.mjs'), BULLMQ_EXAMPLE);
    run(process.execPath, ['bullmq.mjs'], { cwd: app, timeout: 60_000, env: { ...process.env, CEREAL_REDIS_URL: redisUrl } });
  });

  await step(`pg-boss job on PostgreSQL at ${pgUrl} (plain node)`, () => {
    writeFileSync(join(app, 'pgboss.mjs'), PG_BOSS_EXAMPLE);
    run(process.execPath, ['pgboss.mjs'], { cwd: app, timeout: 60_000, env: { ...process.env, CEREAL_PG_URL: pgUrl } });
  });

  await step(`RabbitMQ message at ${amqpUrl.replace(/\/\/[^@]*@/, '//')} (plain node)`, () => {
    writeFileSync(join(app, 'amqp.mjs'), AMQP_EXAMPLE);
    run(process.execPath, ['amqp.mjs'], { cwd: app, timeout: 60_000, env: { ...process.env, CEREAL_AMQP_URL: amqpUrl } });
  });

  await step('npm ls @cereal/core bullmq --all: one copy of each', () => {
    const tree = run('npm', ['ls', '@cereal/core', 'bullmq', '--all'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] }).stdout;
    process.stdout.write(tree);
    for (const name of ['@cereal/core', 'bullmq']) {
      const found = copies(tree, name);
      if (found.length !== 1) throw new Error(`npm installed ${found.length} copies of ${name}, not one:\n${found.join('\n')}`);
    }
  });
  ok = true;
} catch (err) {
  console.error(`\nconsumer-test: ${err instanceof Error ? err.message : err}`);
} finally {
  console.log('\n== timings');
  for (const [title, seconds] of timings) console.log(`${seconds.toFixed(1).padStart(6)} s  ${title.split(': ')[0]}`);
  console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  in all`);
  if (ok && !keep) rmSync(app, { recursive: true, force: true });
  else console.log(`the app is left in ${app}`);
  console.log(ok ? 'consumer-test: passed' : 'consumer-test: FAILED');
}
process.exit(ok ? 0 : 1);
