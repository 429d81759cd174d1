/**
 * cereal's benchmark, the README's main job: `pnpm bench` on an embedded SQLite database.
 * Prints what references save over full rows and what they cost over bare primary keys.
 */
import { openDatabase } from './_db.js';
import { measureSizes } from './sizes.js';

const COUNTS = [1, 10, 100, 1000];

const db = await openDatabase(Math.max(...COUNTS));
try {
  const sizes = await measureSizes(db, COUNTS);
  console.log('\nPayload bytes: the same users as full rows, as cereal refs, as bare primary keys\n');
  const header = ['format', 'users', 'full rows', 'refs', 'bare pks', 'refs / rows', 'refs / pks'];
  const lines = sizes.map((s) => [s.format, s.count, s.rows, s.refs, s.pks, ratio(s.refs, s.rows), ratio(s.refs, s.pks)].map(String));
  printTable(header, lines);
  console.log('\nDESIGN.md target: a list of 100 refs of one model ≤ 1.5× the pk-only payload in the same format.');
} finally {
  await db.destroy();
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(row(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const l of lines) console.log(row(l));
}
