/**
 * Time and memory per MiB of hostile input, per format (`pnpm bench:hostile`): each payload
 * shape of bench/_hostile.ts at 1, 4 and 16 MiB, decoded with the defaults in a process of its own
 * with a 1 GiB heap, as a worker would run. A decode must end as a value or a CerealError; a
 * crash is reported as one. `--unlimited` also decodes with maxBytes lifted, to find the
 * largest input each format survives; `--format=yaml`, `--shape=omap` and `--sizes=1,2` narrow
 * the run. A whole default run writes bench/results/hostile.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPES } from './_hostile.js';
import { renderTable } from './_table.js';

const SIZES = (process.argv.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '1,4,16').split(',').map(Number);
const unlimited = process.argv.includes('--unlimited');
const only = process.argv.find((a) => a.startsWith('--format='))?.slice(9);
const shapeFilter = process.argv.find((a) => a.startsWith('--shape='))?.slice(8);
const child = fileURLToPath(new URL('./_hostileChild.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cereal-hostile-'));

interface Result { outcome: string; ms: number; peakMB: number }

function run(format: string, file: string, maxBytes?: number): Result {
  const args = ['--max-old-space-size=1024', '--expose-gc', '--import', 'tsx', child, format, file, ...(maxBytes === undefined ? [] : [String(maxBytes)])];
  const started = performance.now();
  const out = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 20 });
  const line = out.stdout.trim().split('\n').at(-1) ?? '';
  if (out.status === 0 && line.startsWith('{')) return JSON.parse(line) as Result;
  const why = out.signal === 'SIGTERM' ? 'timed out' : /heap out of memory/i.test(out.stderr) ? 'CRASHED: heap out of memory' : `CRASHED: exit ${out.status ?? out.signal}`;
  return { outcome: why, ms: performance.now() - started, peakMB: NaN };
}

const rows: string[][] = [];
try {
  for (const [format, shapes] of Object.entries(SHAPES)) {
    if (only !== undefined && format !== only) continue;
    for (const [shape, make] of Object.entries(shapes)) {
      if (shapeFilter !== undefined && !shape.includes(shapeFilter)) continue;
      for (const mib of SIZES) {
        const file = join(dir, 'payload');
        writeFileSync(file, make(mib * 2 ** 20));
        for (const maxBytes of unlimited ? [undefined, Infinity] : [undefined]) {
          const r = run(format, file, maxBytes === Infinity ? 2 ** 40 : undefined);
          const row = [format, shape, `${mib}${maxBytes === undefined ? '' : ' (no maxBytes)'}`, r.outcome, (r.ms / 1000).toFixed(2), (r.ms / 1000 / mib).toFixed(2), r.peakMB.toFixed(0), (r.peakMB / mib).toFixed(0)];
          rows.push(row);
          console.log(row.join(' | '));
        }
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const table = renderTable({
  title: 'Hostile input: each shape decoded with the defaults, one process with a 1 GiB heap per run',
  header: ['format', 'shape', 'MiB', 'outcome', 's', 's / MiB', 'peak MB', 'MB / MiB'],
  rows,
  notes: ['- peak MB: growth of the process\'s peak resident memory during the decode (heap, strings and buffers).', '- outcome: `value`, a CerealError code, or a crash; a crash or a non-CerealError is a defect.'],
});
const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`;
console.log(`\n${table}`);
// Only the whole default run is the record; a narrowed one (--format, --sizes…) only prints.
if (process.argv.length > 2) process.exit(0);
const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('hostile.md', out), `# Hostile input\n\n${machine}, ${new Date().toISOString()}. Produced by \`pnpm bench:hostile\`.\n\n${table}`);
