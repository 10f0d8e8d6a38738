// The benchmark's HTTP/2 scenario (bench/http2-sockets.ts) with a few sockets, so `npm test`
// notices when it breaks: both carriers measured in one run, the HTTP/2 sockets really on one
// HTTP/2 connection (the server counts them) and the TCP ones each on their own, every metric a
// positive number, and the side-by-side table printed from the medians.

import { describe, expect, it } from 'vitest';
import { http2Scenario, renderHttp2Table } from '../../bench/http2-sockets.js';
import type { BenchConfig } from '../../bench/measure.js';
import { Child } from '../../bench/processes.js';

const SOCKETS = 12;

const config: BenchConfig = {
  scenarios: ['http2'],
  rounds: 2,
  warmupMs: 30,
  durationMs: 120,
  minMessages: 2,
  echoSizes: [],
  echoPayloads: [],
  latencyMs: 0,
  idleConnections: 0,
  deflateSizes: [],
  compressedConnections: 0,
  clientSizes: [],
  ceilingSizes: [],
  native: false,
  wsrefNodeFlags: [],
  log: () => {},
};

describe('benchmark: WebSocket over HTTP/2 vs TCP', () => {
  it('[wsref] opens the sockets as streams of one HTTP/2 connection and over as many TCP connections, and measures setup, memory and echo for both, carriers alternating', async () => {
    const load = await Child.start('load generator', 'loadgen/main.ts', { env: { BENCH_CLIENT: 'wsref' } });
    try {
      const summary = await http2Scenario(load, config, SOCKETS);
      expect(summary.rounds.map((r) => `${r.round} ${r.carrier}`)).toEqual(['1 h2', '1 tcp', '2 tcp', '2 h2']);
      for (const round of summary.rounds) {
        expect(round.connections, round.carrier).toBe(round.carrier === 'h2' ? 1 : SOCKETS);
        for (const key of ['setupMs', 'messagesPerSecond', 'cpuMicrosPerMessage'] as const) expect(round[key], `${round.carrier} ${key}`).toBeGreaterThan(0);
        for (const key of ['rssPerSocket', 'heapPerSocket'] as const) expect(Number.isFinite(round[key]), `${round.carrier} ${key}`).toBe(true);
      }
      const table = renderHttp2Table(summary);
      expect(table).toMatch(/^WebSocket over HTTP\/2 vs TCP: 12 wsref sockets each way \(medians of 2 rounds\)/);
      expect(table).toMatch(/TCP connections +1 +12/);
      expect(table).toMatch(/echo 1 KiB, messages\/s .* \d+\.\d\d×/);
      expect(summary.method).toMatch(/^12 wsref client sessions/);
    } finally {
      await load.stop();
    }
  }, 120_000);
});
