/**
 * cereal's benchmark, the README's main job (`pnpm bench`, on an embedded SQLite database):
 * what references save over full rows, and what they cost over bare primary keys, measured
 * side by side in one run against the targets in DESIGN.md. Every contender's output is
 * validated before it is timed. `--full` runs more repetitions and larger sizes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { knexLoaders } from '@cereal/knex';
import { sizeChart } from './chart.js';
import { measureCompositePostgres } from './composite.js';
import { measureCodec, measurePlainObjects, measureRefObjects } from './codec.js';
import { openDatabase } from './_db.js';
import { measureHydration } from './hydration.js';
import { measureLoadersPostgres, measureLoadersSqlite, type LoaderResult } from './loaders.js';
import { measureScale } from './scale.js';
import { measureSizes } from './sizes.js';
import { ms, ratio, renderTable, us, verdict, type Table } from './_table.js';

const full = process.argv.includes('--full');
const RUNS = full ? 15 : 7;
const COUNTS = full ? [1, 10, 100, 1000, 10_000] : [1, 10, 100, 1000];
const HYDRATE = 10_000;
const SCALE = full ? [10_000, 100_000, 300_000] : [10_000, 100_000];
const largest = Math.max(...SCALE);

const started = performance.now();
const db = await openDatabase({ users: Math.max(largest * 0.4, HYDRATE, ...COUNTS), orders: largest * 0.3, products: largest * 0.3 });
const loaders = knexLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['shop_id', 'id'] }, products: { table: 'products', primaryKey: 'sku' } });
const tables: Table[] = [];
try {
  const sizes = await measureSizes(db, loaders, COUNTS);
  tables.push({
    title: 'Payload bytes: the same rows as full rows, as cereal refs, as bare primary keys',
    header: ['format', 'payload', 'full rows', 'refs', 'bare pks', 'refs / rows', 'refs / pks'],
    rows: sizes.map((s) => [s.format, s.payload, String(s.rows), String(s.refs), String(s.pks), ratio(s.refs, s.rows), ratio(s.refs, s.pks)]),
    notes: sizes
      .filter((s) => s.payload === '100 users')
      .map((s) => `- target: a list of 100 refs ≤ 1.5× the pk-only payload: ${s.format} ${ratio(s.refs, s.pks)}, ${verdict(s.refs <= 1.5 * s.pks)}`),
  });

  const codec = await measureCodec(100, RUNS);
  const refObjects = await measureRefObjects(100, RUNS);
  const plainObjects = await measurePlainObjects(100, RUNS);
  tables.push({
    title: 'Codec time: encode + decode of 100 refs vs the same library on the 100 bare keys',
    header: ['format', 'refs', 'of which encode', 'of which decode', 'bare pks', 'refs / pks', 'target ≤ 2×'],
    rows: codec.map((c) => [c.format, us(c.refs), us(c.encode), us(c.decode), us(c.pks), ratio(c.refs, c.pks), verdict(c.refs <= 2 * c.pks)]),
    notes: [
      `- building the 100 validated, frozen ModelRefs that any decode of 100 refs returns takes ${us(refObjects)} on its own (${ratio(refObjects, codec[0]!.pks)} msgpackr's whole encode + decode of 100 bare keys).`,
      `- target: msgpack, 100 refs ≤ 1.0× msgpackr alone on the same refs as plain { model, pk } objects (${plainObjects.bytes} bytes, against ${sizes.find((x) => x.format === 'msgpack' && x.payload === '100 users')?.refs ?? '?'}): ${us(codec[0]!.refs)} against ${us(plainObjects.ms)}, ${ratio(codec[0]!.refs, plainObjects.ms)}, ${verdict(codec[0]!.refs <= plainObjects.ms)}`,
    ],
  });

  const hydration = await measureHydration(db, loaders, HYDRATE, RUNS);
  const floor = hydration[0]!;
  const cereal = hydration[1]!;
  tables.push({
    title: `Hydration: ${HYDRATE.toLocaleString('en')} refs to 15-column users on SQLite`,
    header: ['contender', 'median ms', 'vs floor', 'queries', 'runs'],
    rows: hydration.map((h) => [h.name, ms(h.median), ratio(h.median, floor.median), String(h.queries), String(h.runs)]),
    notes: [`- target: cereal ≤ 1.2× the floor in ⌈${HYDRATE}/chunk⌉ = ${floor.queries} queries: ${ratio(cereal.median, floor.median)} in ${cereal.queries}, ${verdict(cereal.median <= 1.2 * floor.median && cereal.queries === floor.queries)}`],
  });

  const loaderRuns: LoaderResult[] = await measureLoadersSqlite(db, HYDRATE, RUNS);
  const pgUrl = process.env.CEREAL_PG_URL;
  if (pgUrl) loaderRuns.push(...(await measureLoadersPostgres(pgUrl, HYDRATE, RUNS)));
  const floors = new Map(loaderRuns.filter((r) => r.kind === 'floor').map((r) => [r.database, r.median]));
  const alone = new Map(loaderRuns.filter((r) => r.kind === 'alone').map((r) => [`${r.database} ${r.library}`, r.median]));
  const cerealRuns = loaderRuns.filter((r) => r.kind === 'cereal');
  tables.push({
    title: `Loaders: ${HYDRATE.toLocaleString('en')} refs to 15-column users through each query library, against the library alone and the raw driver`,
    header: ['contender', 'database', 'median ms', 'vs floor', 'vs library alone', 'statements'],
    rows: loaderRuns.map((r) => [r.name, r.database, ms(r.median), ratio(r.median, floors.get(r.database)!), r.kind === 'cereal' ? ratio(r.median, alone.get(`${r.database} ${r.library}`)!) : '', String(r.queries)]),
    notes: [
      ...cerealRuns
        .filter((r) => r.database === 'SQLite')
        .map((r) => `- target: ${r.name} on SQLite ≤ 1.1× the floor: ${ratio(r.median, floors.get('SQLite')!)}, ${verdict(r.median <= 1.1 * floors.get('SQLite')!)} (${ratio(r.median, alone.get(`SQLite ${r.library}`)!)} its library alone)`),
      ...(pgUrl
        ? cerealRuns
            .filter((r) => r.database === 'PostgreSQL')
            .map((r) => `- target: ${r.name} on PostgreSQL ≤ 1.3× raw pg with \`= ANY($1)\` (stretch 1.2×): ${ratio(r.median, floors.get('PostgreSQL')!)}, ${verdict(r.median <= 1.3 * floors.get('PostgreSQL')!)} (${ratio(r.median, alone.get(`PostgreSQL ${r.library}`)!)} its library alone, which sends \`in ($1, …)\`)`)
        : ['- PostgreSQL: set CEREAL_PG_URL to run the same on PostgreSQL against raw pg.']),
    ],
  });

  if (pgUrl) tables.push(await measureCompositePostgres(pgUrl, RUNS));

  const scale = await measureScale(db, loaders, SCALE, Math.min(RUNS, 5));
  const first = scale[0]!;
  const last = scale.at(-1)!;
  const extra = Math.max(...scale.map((s) => Math.max(s.retainedMB, s.grossMB)));
  tables.push({
    title: 'Scale: refs over three models (users, orders with composite keys, products with text keys)',
    header: ['refs', 'cereal ms', 'µs per ref', 'floor ms', 'vs floor', 'heap growth MB', 'heap held MB'],
    rows: scale.map((s) => [s.refs.toLocaleString('en'), ms(s.median), s.perRef.toFixed(2), ms(s.floor), ratio(s.median, s.floor), s.grossMB.toFixed(1), s.retainedMB.toFixed(1)]),
    notes: [
      `- µs per ref at ${last.refs.toLocaleString('en')} is ${ratio(last.perRef, first.perRef)} that at ${first.refs.toLocaleString('en')}; the floor's grows ${ratio(last.floor / last.refs, first.floor / first.refs)}.`,
      `- target: linear time: cereal's cost over the floor stays the same share as refs grow (${ratio(first.median, first.floor)} at ${first.refs.toLocaleString('en')}, ${ratio(last.median, last.floor)} at ${last.refs.toLocaleString('en')}), ${verdict(last.median / last.floor <= 1.2 * (first.median / first.floor))}`,
      '- heap growth: from before hydrate to its return, garbage included; heap held: what the hydrated value keeps after a full collection (the rows themselves, mostly).',
      `- target: < 256 MB extra memory: at most ${extra.toFixed(0)} MB, ${verdict(extra < 256)}`,
    ],
  });

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`;
  const text = tables.map(renderTable).join('\n');
  console.log(`\ncereal benchmark (${full ? 'full' : 'quick'}; ${machine})\n\n${text}\nfinished in ${seconds} s`);

  // The results in bench/results/ are tracked: only a run that asks for it replaces them.
  if (process.argv.includes('--save')) {
    const out = new URL('./results/', import.meta.url);
    mkdirSync(out, { recursive: true });
    writeFileSync(new URL('latest.md', out), `# cereal benchmark\n\n${full ? 'Full' : 'Quick'} run on ${machine}, ${new Date().toISOString()}, ${seconds} s. Produced by \`pnpm bench${full ? ' --full' : ''} --save\`.\n\n![payload bytes](sizes.svg)\n\n${text}`);
    writeFileSync(new URL('latest.json', out), `${JSON.stringify({ date: new Date().toISOString(), mode: full ? 'full' : 'quick', machine, seconds: Number(seconds), sizes, codec, refObjects, hydration, loaders: loaderRuns, scale }, null, 2)}\n`);
    writeFileSync(new URL('sizes.svg', out), sizeChart(sizes, '100 users'));
    console.log('wrote bench/results/latest.md, latest.json and sizes.svg');
  } else {
    console.log('bench/results/ left as it is; `pnpm bench --save` writes latest.md, latest.json and sizes.svg there');
  }
} finally {
  await db.destroy();
}
