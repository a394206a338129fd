/** The result table (markdown), the targets, and helpers to format numbers. */

export interface Row {
  group: string;
  scenario: string;
  latencyMs: number | null;
  calls: string;
  repeat: string;
  wall: string;
  connections: string;
  latency: string;
  perSecond: string;
  rssMb: string;
  target: string;
}

const HEADERS: Record<keyof Row, string> = {
  group: '#',
  scenario: 'scenario',
  latencyMs: 'lat ms',
  calls: 'calls / min',
  repeat: 'repeat calls',
  wall: 'wall ms / bound ms (x)',
  connections: 'conc',
  latency: 'p50 / p99 ms',
  perSecond: 'req/s',
  rssMb: 'peak RSS MB',
  target: 'target met',
};

export function table(rows: Row[]): string {
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const cells = rows.map((row) => keys.map((k) => (row[k] === null ? '—' : String(row[k]))));
  const widths = keys.map((k, i) => Math.max(HEADERS[k].length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(keys.map((k) => HEADERS[k])),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.map(line),
  ].join('\n');
}

export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits);

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export interface TargetResult {
  target: string;
  status: 'met' | 'unmet' | 'not measured';
  detail: string;
}

export function targetList(targets: TargetResult[]): string {
  return targets
    .map((t) => `- [${t.status === 'met' ? 'x' : ' '}] ${t.target}: **${t.status}** — ${t.detail}`)
    .join('\n');
}
