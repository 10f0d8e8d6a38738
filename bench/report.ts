// Turns the samples into the comparison table: per row the median of the rounds with the
// min–max spread for each implementation, the ratios wsref/ws and wsref/ws+native, the raw
// TCP ceiling, and PASS/MISS against the targets of the performance issue.

import type { Sample } from './scenarios.js';
import { formatSize, type Impl } from './shared.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** One requirement a row is held to: wsref compared with a reference column. */
interface Check {
  against: 'ws' | 'ws+native' | 'tcp';
  /** wsref ≥ factor × reference (higher is better) or ≤ factor × reference (lower is better). */
  factor: number;
}

export interface Row {
  scenario: string;
  metric: string;
  payload: string;
  size: number;
  /** How `size` reads: bytes for messages, a count for connection scenarios. */
  sizeLabel: string;
  unit: string;
  higherIsBetter: boolean;
  results: Partial<Record<Impl, Spread>>;
  ratioWs: number | undefined;
  ratioWsNative: number | undefined;
  ratioTcp: number | undefined;
  target: string;
  verdict: 'PASS' | 'MISS' | '';
  misses: string[];
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** Units, direction and targets per (scenario, metric). */
function rules(scenario: string, metric: string, size: number): { unit: string; higherIsBetter: boolean; checks: Check[] } {
  const echoChecks: Check[] = [
    { against: 'ws', factor: 1.0 },
    { against: 'ws+native', factor: 0.9 },
  ];
  switch (`${scenario}|${metric}`) {
    case 'echo|msg/s':
      return { unit: 'msg/s', higherIsBetter: true, checks: size >= 64 * 1024 ? [...echoChecks, { against: 'tcp', factor: 0.7 }] : echoChecks };
    case 'client echo|msg/s':
      return { unit: 'msg/s', higherIsBetter: true, checks: echoChecks };
    case 'latency|p50':
      return { unit: 'µs', higherIsBetter: false, checks: [{ against: 'ws', factor: 1.1 }] };
    case 'latency|p99':
      return { unit: 'µs', higherIsBetter: false, checks: [] };
    case 'idle conns|setup/s':
    case 'deflate conns|setup/s':
      return { unit: 'conn/s', higherIsBetter: true, checks: [] };
    case 'idle conns|rss/conn':
    case 'idle conns|heap/conn':
    case 'deflate conns|rss/conn':
    case 'deflate conns|heap/conn':
      return { unit: 'B/conn', higherIsBetter: false, checks: [{ against: 'ws', factor: 1.0 }] };
    case 'deflate echo|msg/s':
      return { unit: 'msg/s', higherIsBetter: true, checks: [{ against: 'ws', factor: 1.0 }] };
    default:
      return { unit: metric, higherIsBetter: true, checks: [] };
  }
}

function describeCheck(check: Check, higherIsBetter: boolean): string {
  const name = check.against === 'ws+native' ? 'ws+n' : check.against;
  return `${higherIsBetter ? '≥' : '≤'}${check.factor.toFixed(1)}×${name}`;
}

/** Groups samples into rows, in the order they were first measured. */
export function buildRows(samples: readonly Sample[]): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    if (sample.impl === 'tcp') continue; // TCP is attached to the echo rows below
    const key = [sample.scenario, sample.metric, sample.payload, sample.size].join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(sample);
  }
  const tcpBySize = new Map<number, number[]>();
  for (const sample of samples) {
    if (sample.impl !== 'tcp' || sample.scenario !== 'echo') continue;
    let values = tcpBySize.get(sample.size);
    if (!values) tcpBySize.set(sample.size, (values = []));
    values.push(sample.value);
  }

  const rows: Row[] = [];
  for (const group of groups.values()) {
    const { scenario, metric, payload, size } = group[0]!;
    const results: Partial<Record<Impl, Spread>> = {};
    for (const impl of ['wsref', 'ws', 'ws+native'] as const) {
      const values = group.filter((s) => s.impl === impl).map((s) => s.value);
      if (values.length > 0) results[impl] = spread(values);
    }
    const tcpValues = scenario === 'echo' ? tcpBySize.get(size) : undefined;
    if (tcpValues) results.tcp = spread(tcpValues);
    const { unit, higherIsBetter, checks } = rules(scenario, metric, size);
    const ratio = (impl: Impl) => (results.wsref && results[impl] ? results.wsref.median / results[impl]!.median : undefined);
    const misses: string[] = [];
    const applied: Check[] = [];
    for (const check of checks) {
      const r = ratio(check.against);
      if (r === undefined) continue; // that column was not measured (e.g. no native helpers)
      applied.push(check);
      const ok = higherIsBetter ? r >= check.factor : r <= check.factor;
      if (!ok) misses.push(describeCheck(check, higherIsBetter));
    }
    rows.push({
      scenario,
      metric,
      payload,
      size,
      sizeLabel: scenario.endsWith('conns') ? `${size} conns` : formatSize(size),
      unit,
      higherIsBetter,
      results,
      ratioWs: ratio('ws'),
      ratioWsNative: ratio('ws+native'),
      ratioTcp: ratio('tcp'),
      target: applied.map((c) => describeCheck(c, higherIsBetter)).join(' '),
      verdict: applied.length === 0 ? '' : misses.length === 0 ? 'PASS' : 'MISS',
      misses,
    });
  }
  return rows;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'B/conn') return value >= 10_240 ? `${(value / 1024).toFixed(1)}Ki` : `${value.toFixed(0)}`;
  if (unit === 'µs') return value.toFixed(value < 100 ? 1 : 0);
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (value >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

function formatSpread(s: Spread | undefined, unit: string): string {
  if (!s) return 'n/a';
  if (s.values.length === 1) return formatValue(s.median, unit);
  return `${formatValue(s.median, unit)} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)})`;
}

function formatRatio(r: number | undefined): string {
  return r === undefined ? 'n/a' : `${r.toFixed(2)}×`;
}

/** The table as aligned plain text (also valid Markdown when `markdown` is set). */
export function renderTable(rows: readonly Row[], markdown = false): string {
  const header = ['scenario', 'size', 'unit', 'wsref', 'ws', 'ws+native', 'wsref/ws', 'wsref/ws+n', 'raw TCP', 'target', 'result'];
  const lines = rows.map((row) => [
    `${row.scenario}${row.payload && row.payload !== 'json' ? ` ${row.payload}` : ''}${row.metric === 'msg/s' ? '' : ` ${row.metric}`}`,
    row.sizeLabel,
    row.unit,
    formatSpread(row.results.wsref, row.unit),
    formatSpread(row.results.ws, row.unit),
    formatSpread(row.results['ws+native'], row.unit),
    formatRatio(row.ratioWs),
    formatRatio(row.ratioWsNative),
    row.results.tcp ? `${formatValue(row.results.tcp.median, row.unit)} (${formatRatio(row.ratioTcp)})` : '',
    row.target,
    row.verdict,
  ]);
  if (markdown) {
    const escape = (cell: string) => cell.replace(/\|/g, '\\|');
    return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.map(escape).join(' | ')} |`).join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}
