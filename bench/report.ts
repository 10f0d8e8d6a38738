// Turns the samples into the comparison table: per row the median and min–max of the rounds
// for wsref and ws (native helpers on), the *paired* ratio — wsref ÷ ws computed within each
// round, then the median of those per-round ratios — and PASS/MISS against the targets of
// issue #15. The raw TCP ceiling is paired the same way. The batched "parser ceiling" rows
// carry no target and are printed apart.

import type { Sample } from './scenarios.js';
import { formatSize, KiB, type Impl } from './shared.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** One requirement a row is held to: the paired ratio wsref ÷ reference against a factor. */
interface Check {
  against: 'ws' | 'tcp';
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
  /** Median of the per-round ratios wsref ÷ ws. */
  ratioWs: number | undefined;
  /** Median of the per-round ratios wsref ÷ raw TCP (echo msg/s rows). */
  ratioTcp: number | undefined;
  target: string;
  /** PENDING: measured, but what is compared does not exist in wsref yet (see `note`). */
  verdict: 'PASS' | 'MISS' | 'PENDING' | '';
  misses: string[];
  note: string;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** The text-bytes cell compares ws's undecoded echo with the only text path wsref has. */
export const PENDING_BYTES_TEXT = 'pending a bytes-text API: wsref decodes every text message to a string, so this measures its string path';

/** Units, direction and targets per (scenario, metric). */
function rules(scenario: string, metric: string, size: number): { unit: string; higherIsBetter: boolean; checks: Check[] } {
  const atMost = (factor: number): Check[] => [{ against: 'ws', factor }];
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

function describeCheck(check: Check, higherIsBetter: boolean): string {
  return `${higherIsBetter ? '≥' : '≤'}${check.factor.toFixed(2).replace(/0$/, '')}×${check.against}`;
}

/** Median over rounds of wsref[round] ÷ reference[round], for rounds where both were measured. */
function pairedRatio(wsref: readonly Sample[], reference: readonly Sample[]): number | undefined {
  const byRound = new Map(reference.map((s) => [s.round, s.value]));
  const ratios = wsref.filter((s) => byRound.get(s.round)).map((s) => s.value / byRound.get(s.round)!);
  return ratios.length === 0 ? undefined : spread(ratios).median;
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

  const rows: Row[] = [];
  for (const group of groups.values()) {
    const { scenario, metric, payload, size } = group[0]!;
    const of = (impl: Impl) => group.filter((s) => s.impl === impl);
    // TCP runs inside the binary rounds only, so only binary rows can be paired with it.
    const tcp = scenario === 'echo' && metric === 'msg/s' && payload === 'binary' ? samples.filter((s) => s.impl === 'tcp' && s.scenario === 'echo' && s.metric === 'msg/s' && s.size === size) : [];
    const results: Partial<Record<Impl, Spread>> = {};
    for (const [impl, list] of [['wsref', of('wsref')], ['ws', of('ws')], ['tcp', tcp]] as const) {
      if (list.length > 0) results[impl] = spread(list.map((s) => s.value));
    }
    const { unit, higherIsBetter, checks } = rules(scenario, metric, size);
    const ratios = { ws: pairedRatio(of('wsref'), of('ws')), tcp: pairedRatio(of('wsref'), tcp) };
    const misses: string[] = [];
    const applied: Check[] = [];
    for (const check of checks) {
      const r = ratios[check.against];
      if (r === undefined) continue; // that column was not measured
      applied.push(check);
      if (higherIsBetter ? r < check.factor : r > check.factor) misses.push(describeCheck(check, higherIsBetter));
    }
    const pending = payload === 'text-bytes';
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
      ratioWs: ratios.ws,
      ratioTcp: ratios.tcp,
      target: applied.map((c) => describeCheck(c, higherIsBetter)).join(' '),
      verdict: applied.length === 0 ? '' : pending ? 'PENDING' : misses.length === 0 ? 'PASS' : 'MISS',
      misses,
      note: pending ? PENDING_BYTES_TEXT : '',
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

/** The table as aligned plain text (also valid Markdown when `markdown` is set). */
export function renderTable(rows: readonly Row[], markdown = false): string {
  // The ws column is ws with its native helpers (run.ts says loudly when they are not installed).
  const header = ['scenario', 'size', 'unit', 'wsref', 'ws+native', 'wsref/ws', 'raw TCP (wsref/TCP)', 'target', 'result'];
  const lines = rows.map((row) => [
    `${row.scenario}${row.payload && row.payload !== 'json' ? ` ${row.payload}` : ''} ${row.metric}`,
    row.sizeLabel,
    row.unit,
    formatSpread(row.results.wsref, row.unit),
    formatSpread(row.results.ws, row.unit),
    formatRatio(row.ratioWs),
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
