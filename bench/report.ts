// The benchmark's printed report: the table of ratios against the targets, and the per-operation details.
import type { LoadResult } from './load.js';

/** One line of the main table: Latchkey's number beside its baseline's. */
export interface Row {
  label: string;
  latchkey: number;
  baselineLabel: string;
  baseline: number;
  /** The target: a lower bound of the ratio ('>='), or an upper bound of Latchkey's own value ('<'). */
  target?: { kind: '>=' | '<'; value: number; unit?: string };
}

function alignColumns(lines: string[][], rightAligned: boolean[]): string {
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) => l.map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** measurement | Latchkey | baseline | baseline's value | ratio | target | met/MISSED */
export function formatTable(rows: Row[]): string {
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const lines = [['measurement', 'Latchkey', 'baseline', '', 'ratio', 'target', '']];
  for (const r of rows) {
    const ratio = r.latchkey / r.baseline;
    const met = r.target === undefined ? undefined : r.target.kind === '>=' ? ratio >= r.target.value : r.latchkey < r.target.value;
    lines.push([
      r.label, fmt(r.latchkey), r.baselineLabel, fmt(r.baseline), ratio.toFixed(2),
      r.target ? `${r.target.kind} ${r.target.value}${r.target.unit ?? ''}` : '-',
      met === undefined ? '' : met ? 'met' : 'MISSED',
    ]);
  }
  return alignColumns(lines, [false, true, false, true, true, false, false]);
}

/** Rate, latency percentiles, counts and the CPU time the measured process spent per operation. */
export function formatDetails(results: [string, LoadResult][]): string {
  const lines = [['operation', 'per s', 'p50 ms', 'p99 ms', 'count', 'errors', 'CPU ms/op']];
  for (const [label, r] of results) {
    lines.push([label, r.rate.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), r.ops.toFixed(0), String(r.errors), r.cpuMsPerOp.toFixed(2)]);
  }
  return alignColumns(lines, [false, true, true, true, true, true, true]);
}
