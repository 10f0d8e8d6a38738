// The benchmark harness (bench/), run with tiny sizes so `npm test` notices when it breaks:
// every scenario starts its own server processes and load generator and must produce a
// number for wsref and ws. Plus the two pieces whose mistakes would silently skew the
// table: the load generator's reply counter and the PASS/MISS rules.

import { describe, expect, it } from 'vitest';
import { buildClientFrame, webSocketReplyCounter } from '../../bench/loadgen/wire.js';
import { buildRows } from '../../bench/report.js';
import { runScenarios, windowFor, type Sample } from '../../bench/scenarios.js';

/** An unmasked server frame (RFC 6455 §5.2), as the servers under test send them. */
function serverFrame(opcode: number, payloadLength: number, fin = true): Buffer {
  const lengthBytes = payloadLength <= 125 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  const frame = Buffer.alloc(2 + lengthBytes + payloadLength, 0x61);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) frame[1] = payloadLength;
  else if (lengthBytes === 2) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(payloadLength), 2);
  }
  return frame;
}

describe('benchmark harness', () => {
  it('[wsref] the reply counter counts whole messages however the bytes are split', () => {
    const stream = Buffer.concat([
      serverFrame(0x2, 16),
      serverFrame(0x1, 300, false), // first fragment: not a complete message yet
      serverFrame(0x0, 70_000), // continuation with FIN: completes it (64-bit length form)
      serverFrame(0x9, 3), // a ping: skipped, not counted
      serverFrame(0x2, 0),
    ]);
    for (const step of [1, 2, 7, 4096, stream.length]) {
      const counter = webSocketReplyCounter();
      let messages = 0;
      for (let i = 0; i < stream.length; i += step) messages += counter.feed(stream.subarray(i, i + step));
      expect(messages, `split every ${step} bytes`).toBe(3);
      expect(counter.payloadBytes).toBe(16 + 300 + 70_000);
    }
  });

  it('[wsref] load generator frames are masked client frames with the right length form', () => {
    const payload = Buffer.from('hello');
    const frame = buildClientFrame(0x1, payload);
    expect(frame[0]).toBe(0x81);
    expect(frame[1]).toBe(0x80 | 5);
    const key = frame.subarray(2, 6);
    const unmasked = Buffer.from(frame.subarray(6).map((b, i) => b ^ key[i & 3]!));
    expect(unmasked.toString()).toBe('hello');
    expect(buildClientFrame(0x2, Buffer.alloc(70_000))[1]).toBe(0x80 | 127);
    expect(windowFor(16)).toBe(32);
    expect(windowFor(16 * 1024 * 1024)).toBe(2);
  });

  it('[wsref] rows take medians across rounds and miss when wsref is below its target', () => {
    const sample = (impl: Sample['impl'], round: number, value: number): Sample => ({
      scenario: 'echo', metric: 'msg/s', payload: impl === 'tcp' ? '' : 'binary', size: 65536, impl, round, value,
    });
    const samples = [
      ...[100, 90, 300].map((v, i) => sample('wsref', i + 1, v)),
      ...[80, 95, 85].map((v, i) => sample('ws', i + 1, v)),
      ...[110, 120, 90].map((v, i) => sample('ws+native', i + 1, v)),
      ...[200, 210, 190].map((v, i) => sample('tcp', i + 1, v)),
    ];
    const [row] = buildRows(samples);
    expect(row!.results.wsref).toMatchObject({ median: 100, min: 90, max: 300 });
    expect(row!.ratioWs).toBeCloseTo(100 / 85);
    expect(row!.ratioWsNative).toBeCloseTo(100 / 110);
    // 100 ≥ 1.0×85 and 100 ≥ 0.9×110 hold, but 100 < 0.7×200 (the TCP ceiling rule for ≥ 64 KiB).
    expect(row!.verdict).toBe('MISS');
    expect(row!.misses).toEqual(['≥0.7×tcp']);
  });

  it('[wsref] every scenario runs end to end with tiny sizes and yields numbers for wsref and ws', async () => {
    const { samples } = await runScenarios({
      scenarios: ['echo', 'latency', 'idle', 'deflate', 'client'],
      rounds: 1,
      warmupMs: 30,
      durationMs: 120,
      echoSizes: [16, 1024],
      echoPayloads: ['binary', 'text'],
      latencyMs: 120,
      idleConnections: 20,
      deflateSizes: [1024],
      compressedConnections: 5,
      clientSizes: [1024],
      native: false,
      wsrefNodeFlags: [],
      log: () => {},
    });
    const rows = buildRows(samples);
    const names = new Set(rows.map((r) => `${r.scenario} ${r.metric}`));
    for (const expected of ['echo msg/s', 'latency p50', 'idle conns rss/conn', 'idle conns setup/s', 'deflate echo msg/s', 'deflate conns heap/conn', 'client echo msg/s']) {
      expect(names, expected).toContain(expected);
    }
    for (const row of rows) {
      for (const impl of ['wsref', 'ws'] as const) {
        const median = row.results[impl]?.median;
        expect(Number.isFinite(median), `${row.scenario} ${row.metric} ${row.sizeLabel} ${impl}`).toBe(true);
        if (row.unit !== 'B/conn') expect(median).toBeGreaterThan(0);
      }
    }
    expect(rows.filter((r) => r.scenario === 'echo').every((r) => r.results.tcp !== undefined)).toBe(true);
  }, 180_000);
});
