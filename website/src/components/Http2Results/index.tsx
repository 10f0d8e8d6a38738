// The HTTP/2 scenario of the benchmark (bench/http2-sockets.ts) on docs/performance.md: 1,000
// wsref sockets as streams of one HTTP/2 connection (RFC 8441) beside 1,000 on their own TCP
// connections, medians per carrier from docs/performance-results.json (its `http2` field, written
// by a full `npm run bench`). Until a run has written it, the page says how to produce it.

import React from 'react';
import results from '@wsref/data/performance-results';
import styles from '../PerformanceResults/styles.module.css';

type Metric = 'connections' | 'setupMs' | 'rssPerSocket' | 'heapPerSocket' | 'messagesPerSecond' | 'cpuMicrosPerMessage';

interface Http2Figures {
  readonly sockets: number;
  readonly messageSize: number;
  readonly method: string;
  readonly medians: { readonly h2: Record<Metric, number>; readonly tcp: Record<Metric, number> };
}

function figuresOf(value: unknown): Http2Figures | undefined {
  const http2 = (value as { http2?: Http2Figures } | null)?.http2;
  return http2 && typeof http2.medians?.h2 === 'object' && typeof http2.medians?.tcp === 'object' ? http2 : undefined;
}

const KiB = 1024;
const ROWS: readonly { key: Metric; label: string; format: (value: number) => string; lowerIsBetter: boolean }[] = [
  { key: 'connections', label: 'TCP connections', format: (v) => v.toLocaleString('en'), lowerIsBetter: true },
  { key: 'setupMs', label: 'time to open all sockets', format: (v) => `${Math.round(v).toLocaleString('en')} ms`, lowerIsBetter: true },
  { key: 'rssPerSocket', label: 'server memory per socket (RSS)', format: (v) => `${(v / KiB).toFixed(1)} KiB`, lowerIsBetter: true },
  { key: 'heapPerSocket', label: 'server memory per socket (V8 heap)', format: (v) => `${(v / KiB).toFixed(1)} KiB`, lowerIsBetter: true },
  { key: 'messagesPerSecond', label: 'echo, messages per second', format: (v) => Math.round(v).toLocaleString('en'), lowerIsBetter: false },
  { key: 'cpuMicrosPerMessage', label: 'server CPU per message', format: (v) => `${v.toFixed(2)} µs`, lowerIsBetter: true },
];

export default function Http2Results(): React.JSX.Element {
  const figures = figuresOf(results);
  if (!figures) {
    return (
      <div className={styles.absent} data-testid="http2-results-absent">
        No HTTP/2 figures yet: a full <code>npm run bench</code> writes them to <code>docs/performance-results.json</code>, and
        this table shows them (<code>npm run bench -- --quick --only http2</code> prints them without touching the page).
      </div>
    );
  }
  const { h2, tcp } = figures.medians;
  return (
    <div data-testid="http2-results">
      <div className={styles.scroll}>
        <table className={styles.table}>
          <thead>
            <tr>
              <th>{figures.sockets.toLocaleString('en')} sockets, {figures.messageSize} B messages</th>
              <th>one HTTP/2 connection</th>
              <th>{figures.sockets.toLocaleString('en')} TCP connections</th>
              <th>HTTP/2 ÷ TCP</th>
            </tr>
          </thead>
          <tbody>
            {ROWS.map(({ key, label, format, lowerIsBetter }) => (
              <tr key={key}>
                <td>
                  {label}
                  <span className={styles.unit}>{key === 'connections' ? '' : lowerIsBetter ? ' (lower is better)' : ' (higher is better)'}</span>
                </td>
                <td className={styles.number}>{format(h2[key])}</td>
                <td className={styles.number}>{format(tcp[key])}</td>
                <td className={styles.number}>{key === 'connections' || !tcp[key] ? '—' : `${(h2[key] / tcp[key]).toFixed(2)}×`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className={styles.legend}>{figures.method}</p>
    </div>
  );
}
