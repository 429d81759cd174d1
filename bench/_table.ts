/** A table of strings printed for a terminal and written as Markdown: the same text for both. */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  notes?: string[];
}

export function renderTable({ title, header, rows, notes = [] }: Table): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [`### ${title}`, '', line(header), rule, ...rows.map(line), ...(notes.length > 0 ? ['', ...notes] : []), ''].join('\n');
}

export const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const us = (n: number): string => `${(n * 1000).toFixed(1)} µs`;
export const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
export const verdict = (ok: boolean): string => (ok ? 'meets' : 'MISSES');
