// Turns the samples into the comparison table: per row the median and min–max of the rounds
// for wsref and ws (native helpers on), the *paired* ratio — wsref ÷ ws computed within each
// round, then the median of those per-round ratios — and PASS/MISS against the targets of
// issue #15. The raw TCP ceiling is paired the same way. The batched "parser ceiling" rows
// carry no target and are printed apart.
//
// With --baseline the pair is this tree's wsref (`after`) and the baseline's (`before`), and
// every row, the ceiling's too, has one target: no more than 5% slower (after ÷ before ≤ 1.05
// where lower is better, ≥ 0.95 where higher is better).

import type { Sample } from './scenarios.js';
import { formatSize, KiB, WSREF_VS_WS, type Comparison, type Impl } from './shared.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** One requirement a row is held to: the paired ratio subject ÷ reference (or ÷ raw TCP) against a factor. */
interface Check {
  against: 'reference' | 'tcp';
  /** wsref ≥ factor × reference (higher is better) or ≤ factor × reference (lower is better). */
  factor: number;
}

export interface Row {
  /** 'targets': the PASS/MISS table; 'ceiling': the batched raw-frame scenario, information only. */
  section: 'targets' | 'ceiling';
  scenario: string;
  metric: string;
  payload: string;
  size: number;
  /** How `size` reads: bytes for messages, a count for connection scenarios. */
  sizeLabel: string;
  unit: string;
  higherIsBetter: boolean;
  results: Partial<Record<Impl, Spread>>;
  /** Median of the per-round ratios subject ÷ reference (wsref ÷ ws, or after ÷ before). */
  ratio: number | undefined;
  /** Median of the per-round ratios wsref ÷ raw TCP (echo msg/s rows). */
  ratioTcp: number | undefined;
  target: string;
  verdict: 'PASS' | 'MISS' | '';
  misses: string[];
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** How much slower than `before` a cell of a --baseline run may be (issue #14: 5%). */
export const BASELINE_SLOWDOWN = 0.05;

/** What the rows compare: the pair, and whether it is a --baseline run (then every row is held to BASELINE_SLOWDOWN). */
export interface RowOptions {
  compare: Comparison;
  baseline: boolean;
}
const WSREF_VS_WS_ROWS: RowOptions = { compare: WSREF_VS_WS, baseline: false };

/** A --baseline run's rule for every row: no more than BASELINE_SLOWDOWN worse than before. */
function baselineRules(rule: { unit: string; higherIsBetter: boolean }): { unit: string; higherIsBetter: boolean; checks: Check[] } {
  const factor = rule.higherIsBetter ? 1 - BASELINE_SLOWDOWN : 1 + BASELINE_SLOWDOWN;
  return { ...rule, checks: [{ against: 'reference', factor }] };
}

/** Units, direction and targets (against ws) per (scenario, metric). */
function rules(scenario: string, metric: string, size: number): { unit: string; higherIsBetter: boolean; checks: Check[] } {
  const atMost = (factor: number): Check[] => [{ against: 'reference', factor }];
  switch (`${scenario}|${metric}`) {
    case 'echo|cpu/msg':
    case 'deflate echo|cpu/msg':
    case 'client echo|cpu/msg':
      return { unit: 'µs/msg', higherIsBetter: false, checks: atMost(1.0) };
    case 'echo|msg/s':
      return { unit: 'msg/s', higherIsBetter: true, checks: size >= 64 * KiB ? [{ against: 'tcp', factor: 0.8 }] : [] };
    case 'latency|p50':
    case 'latency|p99':
      return { unit: 'µs', higherIsBetter: false, checks: atMost(1.05) };
    case 'idle conns|rss/conn':
    case 'idle conns|heap/conn':
    case 'deflate conns|rss/conn':
    case 'deflate conns|heap/conn':
      return { unit: 'B/conn', higherIsBetter: false, checks: atMost(0.9) };
    case 'idle conns|setup/s':
    case 'deflate conns|setup/s':
      return { unit: 'conn/s', higherIsBetter: true, checks: [] };
    default:
      return { unit: metric, higherIsBetter: true, checks: [] };
  }
}

function describeCheck(check: Check, higherIsBetter: boolean, reference: Impl): string {
  return `${higherIsBetter ? '≥' : '≤'}${check.factor.toFixed(2).replace(/0$/, '')}×${check.against === 'tcp' ? 'tcp' : reference}`;
}

/** Median over rounds of subject[round] ÷ reference[round], for rounds where both were measured. */
function pairedRatio(subject: readonly Sample[], reference: readonly Sample[]): number | undefined {
  const byRound = new Map(reference.map((s) => [s.round, s.value]));
  const ratios = subject.filter((s) => byRound.get(s.round)).map((s) => s.value / byRound.get(s.round)!);
  return ratios.length === 0 ? undefined : spread(ratios).median;
}

/** Groups samples into rows, in the order they were first measured. */
export function buildRows(samples: readonly Sample[], options: RowOptions = WSREF_VS_WS_ROWS): Row[] {
  const { subject, reference } = options.compare;
  const groups = new Map<string, Sample[]>();
  for (const sample of samples) {
    if (sample.impl === 'tcp') continue; // TCP is attached to the echo rows below
    const key = [sample.scenario, sample.metric, sample.payload, sample.size].join('|');
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(sample);
  }

  const rows: Row[] = [];
  for (const group of groups.values()) {
    const { scenario, metric, payload, size } = group[0]!;
    const of = (impl: Impl) => group.filter((s) => s.impl === impl);
    // TCP runs inside the binary rounds only, so only binary rows can be paired with it.
    const tcp = scenario === 'echo' && metric === 'msg/s' && payload === 'binary' ? samples.filter((s) => s.impl === 'tcp' && s.scenario === 'echo' && s.metric === 'msg/s' && s.size === size) : [];
    const results: Partial<Record<Impl, Spread>> = {};
    for (const [impl, list] of [[subject, of(subject)], [reference, of(reference)], ['tcp', tcp]] as const) {
      if (list.length > 0) results[impl] = spread(list.map((s) => s.value));
    }
    const rule = rules(scenario, metric, size);
    const { unit, higherIsBetter, checks } = options.baseline ? baselineRules(rule) : rule;
    const ratios = { reference: pairedRatio(of(subject), of(reference)), tcp: pairedRatio(of(subject), tcp) };
    const misses: string[] = [];
    const applied: Check[] = [];
    for (const check of checks) {
      const r = ratios[check.against];
      if (r === undefined) continue; // that column was not measured
      applied.push(check);
      if (higherIsBetter ? r < check.factor : r > check.factor) misses.push(describeCheck(check, higherIsBetter, reference));
    }
    rows.push({
      section: scenario === 'parser ceiling' ? 'ceiling' : 'targets',
      scenario,
      metric,
      payload,
      size,
      sizeLabel: scenario.endsWith('conns') ? `${size} conns` : formatSize(size),
      unit,
      higherIsBetter,
      results,
      ratio: ratios.reference,
      ratioTcp: ratios.tcp,
      target: applied.map((c) => describeCheck(c, higherIsBetter, reference)).join(' '),
      verdict: applied.length === 0 ? '' : misses.length === 0 ? 'PASS' : 'MISS',
      misses,
    });
  }
  return rows;
}

function formatValue(value: number, unit: string): string {
  if (unit === 'B/conn') return value >= 10_240 ? `${(value / 1024).toFixed(1)}Ki` : `${value.toFixed(0)}`;
  if (unit === 'µs' || unit === 'µs/msg') return value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0);
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

/** The table as aligned plain text (also valid Markdown when `markdown` is set); the raw TCP column only when TCP ran. */
export function renderTable(rows: readonly Row[], markdown = false, compare: Comparison = WSREF_VS_WS): string {
  const { subject, reference } = compare;
  // The ws column is ws with its native helpers (run.ts says loudly when they are not installed).
  const label = (impl: Impl) => (impl === 'ws' ? 'ws+native' : impl);
  const withTcp = rows.some((row) => row.results.tcp);
  const tcpColumn = (cell: string) => (withTcp ? [cell] : []);
  const header = ['scenario', 'size', 'unit', label(subject), label(reference), `${subject}/${reference}`, ...tcpColumn(`raw TCP (${subject}/TCP)`), 'target', 'result'];
  const lines = rows.map((row) => [
    `${row.scenario}${row.payload && row.payload !== 'json' ? ` ${row.payload}` : ''} ${row.metric}`,
    row.sizeLabel,
    row.unit,
    formatSpread(row.results[subject], row.unit),
    formatSpread(row.results[reference], row.unit),
    formatRatio(row.ratio),
    ...tcpColumn(row.results.tcp ? `${formatValue(row.results.tcp.median, row.unit)} (${formatRatio(row.ratioTcp)})` : ''),
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
