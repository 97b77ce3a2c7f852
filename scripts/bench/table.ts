// The benchmark's table: one row per measure, its measured value, its target and whether it met it.

export type Verdict = 'PASS' | 'FAIL' | 'info';

export interface Row {
  section: string;
  measure: string;
  value: string;
  target: string;
  result: Verdict;
  /** Machine-readable figures for the JSON file. */
  data?: object;
}

export function renderTable(rows: Row[]): string {
  const headers = ['#', 'measure', 'measured', 'target', 'result'];
  const cells = rows.map((r) => [r.section, r.measure, r.value, r.target, r.result]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export const seconds = (ms: number, digits = 1): string => `${(ms / 1000).toFixed(digits)} s`;
export const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(2)} MB`;
export function duration(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min` : `${m} min`;
}
