// `pnpm release:pack`: build every public package from a clean dist/, pack each with `pnpm pack`
// (which rewrites `workspace:*` to the real versions; `npm pack` would ship them as they are)
// into .release/ at the repository root, check what each tarball holds, and lint it with
// publint and @arethetypeswrong/cli (ESM-only profile). Prints the tarball paths.
// `--no-lint` skips the two linters (the contents check still runs).
// The root LICENSE gets into each tarball through the packages' prepack/postpack scripts
// (scripts/package-license.mjs), so `pnpm publish` ships it too; this script checks it is there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, '.release');
const lint = !process.argv.includes('--no-lint');
const bin = (name) => join(root, 'node_modules', '.bin', name);
// The pnpm that runs `pnpm release:pack` (npx's own, on a machine without a global pnpm).
const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['pnpm'];

/** The workspace's public packages: packages/* whose package.json is not private. */
function publicPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'package.json')))
    .map((name) => ({ dir: join(dir, name), manifest: JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) }))
    .filter((pkg) => pkg.manifest.private !== true);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) {
    console.error(`release-pack: \`${command} ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
    process.exit(1);
  }
  return result;
}

/** The files of a .tgz (gzipped ustar, as npm and pnpm write it): name → contents. */
function readTarball(file) {
  const tar = gunzipSync(readFileSync(file));
  const files = new Map();
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const text = (from, to) => header.subarray(from, to).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(text(124, 136).trim() || '0', 8);
    const prefix = text(345, 500);
    const name = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    if (text(156, 157) === '0' || text(156, 157) === '') files.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** What every published tarball must hold, and must not. */
function checkTarball(file, manifest) {
  const files = readTarball(file);
  const problems = [];
  for (const need of ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/CHANGELOG.md']) {
    if (!files.has(need)) problems.push(`no ${need.slice('package/'.length)}`);
  }
  const packed = files.get('package/package.json')?.toString('utf8') ?? '';
  if (packed.includes('workspace:')) problems.push('package.json still has a workspace: range');
  const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets));
  for (const target of targets(manifest.exports)) {
    if (!target.includes('*') && !files.has(`package/${target.replace(/^\.\//, '')}`)) problems.push(`exports target ${target} is not in the tarball`);
  }
  const stray = [...files.keys()].filter((name) => /\/(src|test)\/|\.tsbuildinfo$|\.test\./.test(name));
  if (stray.length > 0) problems.push(`unexpected files: ${stray.join(', ')}`);
  if (problems.length > 0) {
    console.error(`release-pack: ${relative(root, file)}: ${problems.join('; ')}`);
    process.exit(1);
  }
  return files.size;
}

if (!existsSync(join(root, 'LICENSE'))) {
  console.error('release-pack: there is no LICENSE at the repository root; every package tarball must carry it');
  process.exit(1);
}
const packages = publicPackages();
const started = performance.now();

// A clean build: tsc never deletes the output of a source file that was removed or renamed,
// and everything in dist/ is published.
for (const { dir } of packages) rmSync(join(dir, 'dist'), { recursive: true, force: true });
// --filter-prod: built in the order of their dependencies; devDependencies (the private testkit
// depends on core and is one of core's) would make a cycle and let pnpm start them together.
run(pnpm[0], [...pnpm.slice(1), '-r', ...packages.flatMap(({ manifest }) => ['--filter-prod', manifest.name]), 'run', 'build']);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const tarballs = [];
for (const { dir, manifest } of packages) {
  const result = run(pnpm[0], [...pnpm.slice(1), 'pack', '--json', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  const stdout = result.stdout.toString('utf8'); // the prepack/postpack lines, then the JSON
  const { filename } = JSON.parse(stdout.slice(stdout.search(/^\{/m)));
  const file = isAbsolute(filename) ? filename : join(out, filename);
  tarballs.push({ file, name: manifest.name, count: checkTarball(file, manifest) });
}

if (lint) {
  for (const { file } of tarballs) {
    console.log(`\n== lint ${relative(root, file)}`);
    run(bin('publint'), ['run', file, '--strict']);
    run(bin('attw'), [file, '--profile', 'esm-only', ...(process.stdout.isTTY ? [] : ['--no-color'])]);
  }
}

console.log(`\nrelease-pack: ${tarballs.length} tarballs in ${((performance.now() - started) / 1000).toFixed(1)} s${lint ? ', publint and attw clean' : ' (not linted)'}:`);
for (const { file, count } of tarballs) console.log(`${file}  (${count} files)`);
