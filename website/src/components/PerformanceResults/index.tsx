// The benchmark summary (docs/performance-results.json, written by a full `npm run bench`) as a
// chart and a table on docs/performance.md, with the method the run printed next to the figures.
// The ws column is ws with its native helpers; ratios are paired per round (bench/report.ts).
// The batched "parser ceiling" rows have no target and are shown apart. The chart is inline SVG drawn here: no chart library,
// nothing fetched. When the file does not exist yet, the page says how to produce it.

import React from 'react';
import results from '@wsref/data/performance-results';
import styles from './styles.module.css';

interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

interface ResultRow {
  readonly scenario: string;
  readonly metric: string;
  readonly payload: string;
  readonly size: string;
  readonly unit: string;
  readonly wsref: Spread | null;
  readonly ws: Spread | null;
  readonly tcp: number | null;
  readonly ratioWs: number | null;
  readonly ratioTcp: number | null;
  readonly section: 'targets' | 'ceiling';
  readonly target: string;
  readonly result: string;
}

interface PerformanceSummary {
  readonly generated: string;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly node: string; readonly platform: string };
  readonly nativeHelpers?: Record<string, string | false | null>;
  readonly ws?: string | null;
  readonly pinned?: boolean;
  /** How the figures were taken, as the run printed it. */
  readonly method: string;
  /** Why text-bytes cells say PENDING. */
  readonly pending?: string;
  readonly settings?: { readonly rounds?: number; readonly durationMs?: number; readonly idleConnections?: number; readonly compressedConnections?: number };
  readonly rows: readonly ResultRow[];
}

function isSummary(value: unknown): value is PerformanceSummary {
  // A summary without `method` comes from the retired batched load generator: not shown.
  const summary = value as PerformanceSummary;
  return typeof value === 'object' && value !== null && Array.isArray(summary.rows) && typeof summary.machine === 'object' && typeof summary.method === 'string';
}

/** µs and bytes per connection: smaller is better. Everything else (msg/s, conn/s): larger. */
function lowerIsBetter(unit: string): boolean {
  return unit === 'µs' || unit === 'µs/msg' || unit === 'B/conn';
}

function formatValue(value: number | undefined | null, unit: string): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '—';
  if (unit === 'B/conn') {
    if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
    if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
    return `${Math.round(value)} B`;
  }
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** How many times better wsref is than the other (>1: wsref better), whatever the unit's direction. */
function advantage(ratio: number | null, unit: string): number | undefined {
  if (ratio === null || !Number.isFinite(ratio) || ratio <= 0) return undefined;
  return lowerIsBetter(unit) ? 1 / ratio : ratio;
}

function rowLabel(row: ResultRow): string {
  // Connection scenarios count connections, not message bytes: their payload says nothing.
  const payload = /conns/.test(row.scenario) ? undefined : row.payload;
  return [row.scenario, payload, row.size, row.metric].filter((part) => part && part !== '-').join(' · ');
}

const CHART_WIDTH = 700;
const LABEL_WIDTH = 270;
const VALUE_WIDTH = 64;
const ROW_HEIGHT = 28;
const BAR_HEIGHT = 10;

/** wsref ÷ ws (native helpers on) per row, paired per round, on a log scale centred on 1× (right: wsref better). */
function RatioChart({ rows }: { rows: readonly ResultRow[] }): React.JSX.Element {
  const plotted = rows.filter((r) => advantage(r.ratioWs, r.unit) !== undefined);
  const values = plotted.map((r) => advantage(r.ratioWs, r.unit)!);
  const extent = Math.max(2, ...values.map((v) => Math.max(v, 1 / v)));
  const half = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / 2;
  const centre = LABEL_WIDTH + half;
  const x = (v: number) => centre + (Math.log(v) / Math.log(extent)) * half;
  const height = plotted.length * ROW_HEIGHT + 40;
  const ticks = [1 / extent, 0.5, 1, 2, extent].filter((t, i, all) => all.indexOf(t) === i && t >= 1 / extent && t <= extent);
  return (
    <svg
      className={styles.chart}
      viewBox={`0 0 ${CHART_WIDTH} ${height}`}
      role="img"
      aria-label="wsref compared with ws (native helpers on), per benchmark row"
      data-testid="performance-chart"
    >
      <text x={centre} y={12} textAnchor="middle" className={styles.axisTitle}>
        ← ws better · wsref better →
      </text>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={20} y2={height - 16} className={t === 1 ? styles.axisOne : styles.gridLine} />
          <text x={x(t)} y={height - 3} textAnchor="middle" className={styles.tick}>
            {t >= 1 ? `${Number(t.toPrecision(2))}×` : `${t.toFixed(2)}×`}
          </text>
        </g>
      ))}
      {plotted.map((row, i) => {
        const y = 24 + i * ROW_HEIGHT;
        const bars: [number | undefined, string, string][] = [[advantage(row.ratioWs, row.unit), styles.barWs!, 'ws+native']];
        return (
          <g key={`${rowLabel(row)}-${i}`}>
            <text x={LABEL_WIDTH - 8} y={y + BAR_HEIGHT + 2} textAnchor="end" className={styles.rowLabel}>
              {rowLabel(row)}
            </text>
            {bars.map(([value, className, against], j) =>
              value === undefined ? null : (
                <rect key={against} x={Math.min(centre, x(value))} y={y + j * (BAR_HEIGHT + 1)} width={Math.max(1, Math.abs(x(value) - centre))} height={BAR_HEIGHT} className={className}>
                  <title>{`${rowLabel(row)}: wsref is ${value.toFixed(2)}× as good as ${against}`}</title>
                </rect>
              ),
            )}
            <text x={CHART_WIDTH - VALUE_WIDTH + 6} y={y + BAR_HEIGHT + 2} className={styles.rowValue}>
              {advantage(row.ratioWs, row.unit) !== undefined ? `${advantage(row.ratioWs, row.unit)!.toFixed(2)}×` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export default function PerformanceResults(): React.JSX.Element {
  if (!isSummary(results)) {
    return (
      <div className={styles.absent} data-testid="performance-absent">
        <strong>No benchmark results yet.</strong> A full <code>npm run bench</code> writes <code>docs/performance-results.json</code>;
        the next <code>npm run docs</code> shows it here as a chart and a table. (<code>npm run bench:quick</code> is for a quick
        look on your own machine and does not write it.) Figures from the earlier benchmark, whose load generator batched
        prebuilt frames, were withdrawn: they did not describe what an application sees.
      </div>
    );
  }
  const { machine, settings } = results;
  const rows = results.rows.filter((r) => r.section !== 'ceiling');
  const ceiling = results.rows.filter((r) => r.section === 'ceiling');
  const count = (result: string) => rows.filter((r) => r.result === result).length;
  const [passed, missed, pending] = [count('PASS'), count('MISS'), count('PENDING')];
  return (
    <div data-testid="performance-results">
      <p className={styles.machine}>
        Measured {new Date(results.generated).toISOString().slice(0, 10)} on {machine.cpu} ({machine.cores} cores), Node.js {machine.node},{' '}
        {machine.platform}
        {results.ws ? `; ws ${results.ws}` : ''}
        {settings?.rounds ? `; ${settings.rounds} rounds` : ''}
        {settings?.durationMs ? ` of ${settings.durationMs / 1000} s per measurement` : ''}. {passed} rows meet their target
        {missed > 0 ? `, ${missed} miss it` : ''}
        {pending > 0 ? `, ${pending} are pending` : ''}.
      </p>
      <p className={styles.legend} data-testid="performance-method">
        {results.method}
      </p>
      <p className={styles.legend}>
        <span className={`${styles.key} ${styles.barWs}`} /> wsref ÷ ws+native — how many times better wsref did (less CPU per
        message, higher throughput, lower latency or memory); bars to the right of 1× are wins.
      </p>
      <div className={styles.scroll}>
        <RatioChart rows={rows} />
      </div>
      <div className={styles.scroll}>
        <table className={styles.table} data-testid="performance-table">
          <thead>
            <tr>
              <th>scenario</th>
              <th>metric</th>
              <th>wsref</th>
              <th>ws+native</th>
              <th>wsref÷ws (paired)</th>
              <th>target</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={i}>
                <td>{rowLabel({ ...row, metric: '' })}</td>
                <td>
                  {row.metric}
                  {row.unit !== row.metric ? <span className={styles.unit}> ({row.unit})</span> : null}
                </td>
                <td className={styles.number}>{formatValue(row.wsref?.median, row.unit)}</td>
                <td className={styles.number}>{formatValue(row.ws?.median, row.unit)}</td>
                <td className={styles.number}>{row.ratioWs !== null ? `${row.ratioWs.toFixed(2)}` : '—'}</td>
                <td className={styles.target}>{row.target || '—'}</td>
                <td className={row.result === 'MISS' ? styles.miss : row.result === 'PASS' ? styles.pass : undefined}>{row.result || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={styles.legend}>
        Medians of the rounds; for µs, µs/msg and B/conn lower is better, so there a ratio below 1 is a win.
        {pending > 0 && results.pending ? ` PENDING (text-bytes): ${results.pending}.` : ''}
      </p>
      {ceiling.length > 0 ? (
        <p className={styles.legend} data-testid="performance-ceiling">
          Parser ceiling, not a target (raw sockets writing up to 32 prebuilt frames per write, which no application does):{' '}
          {ceiling.map((row) => `${row.size}: wsref ${formatValue(row.wsref?.median, row.unit)}, ws+native ${formatValue(row.ws?.median, row.unit)} msg/s`).join('; ')}.
        </p>
      ) : null}
    </div>
  );
}
