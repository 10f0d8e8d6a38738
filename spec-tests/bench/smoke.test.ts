// The benchmark harness (bench/), run with tiny sizes so `npm test` notices when it breaks:
// every scenario starts its own server processes and client processes and must produce a
// number for wsref and ws. Plus the pieces whose mistakes would silently skew the table: the
// raw reply counter, the paired ratios with their PASS/MISS rules, and the servers'
// own CPU-per-message accounting.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { prepareBaseline } from '../../bench/baseline.js';
import { buildClientFrame, webSocketReplyCounter } from '../../bench/loadgen/wire.js';
import { buildRows, renderTable } from '../../bench/report.js';
import { measureEcho, orderFor, startServer, type BenchConfig } from '../../bench/measure.js';
import { Child } from '../../bench/processes.js';
import { runScenarios, windowFor, type Sample } from '../../bench/scenarios.js';
import { AFTER_VS_BEFORE } from '../../bench/shared.js';

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

  const sample = (scenario: string, metric: string, payload: string, size: number, impl: Sample['impl'], round: number, value: number): Sample => ({
    scenario, metric, payload, size, impl, round, value,
  });

  it('[wsref] ratios are paired per round (median of per-round ratios), not a ratio of medians', () => {
    // Round 2 was slow for both: per-round ratios 1.0, 1.0, 2.0 → median 1.0. The ratio of the
    // medians (200 ÷ 100) would say 2.0 and miss.
    const samples = [
      ...[100, 400, 200].map((v, i) => sample('echo', 'cpu/msg', 'binary', 16, 'wsref', i + 1, v)),
      ...[100, 400, 100].map((v, i) => sample('echo', 'cpu/msg', 'binary', 16, 'ws', i + 1, v)),
    ];
    const [row] = buildRows(samples);
    expect(row!.results.wsref).toMatchObject({ median: 200, min: 100, max: 400 });
    expect(row!.ratio).toBe(1);
    expect(row!.verdict).toBe('PASS');
    expect(orderFor(['wsref', 'ws'], 1)).toEqual(['wsref', 'ws']);
    expect(orderFor(['wsref', 'ws'], 2)).toEqual(['ws', 'wsref']);
  });

  it('[wsref] echo msg/s from 64 KiB up misses below 0.8× raw TCP; text-bytes is held to its target like binary; the ceiling has no verdict', () => {
    const samples = [
      ...[100, 90, 95].map((v, i) => sample('echo', 'msg/s', 'binary', 65536, 'wsref', i + 1, v)),
      ...[80, 95, 85].map((v, i) => sample('echo', 'msg/s', 'binary', 65536, 'ws', i + 1, v)),
      ...[200, 210, 190].map((v, i) => sample('echo', 'msg/s', '', 65536, 'tcp', i + 1, v)),
      ...[5, 5].map((v, i) => sample('echo', 'cpu/msg', 'text-bytes', 16, 'wsref', i + 1, v)),
      ...[4, 4].map((v, i) => sample('echo', 'cpu/msg', 'text-bytes', 16, 'ws', i + 1, v)),
      ...[9, 9].map((v, i) => sample('parser ceiling', 'msg/s', 'binary', 16, 'wsref', i + 1, v)),
      ...[3, 3].map((v, i) => sample('parser ceiling', 'msg/s', 'binary', 16, 'ws', i + 1, v)),
    ];
    const [echo, textBytes, ceiling] = buildRows(samples);
    expect(echo!.ratioTcp).toBe(0.5); // per round: 100/200, 90/210, 95/190
    expect(echo!.verdict).toBe('MISS');
    expect(echo!.misses).toEqual(['≥0.8×tcp']);
    expect([textBytes!.verdict, textBytes!.misses]).toEqual(['MISS', ['≤1.0×ws']]);
    expect(ceiling!.section).toBe('ceiling');
    expect(ceiling!.verdict).toBe('');
  });

  it('[wsref] --baseline rows pair after ÷ before per round and miss only beyond 5% slower, in either direction', () => {
    const samples = [
      // CPU: per-round ratios 1.04, 1.04 → PASS at ≤1.05; 1.06, 1.06 → MISS.
      ...[104, 208].map((v, i) => sample('echo', 'cpu/msg', 'binary', 16, 'after', i + 1, v)),
      ...[100, 200].map((v, i) => sample('echo', 'cpu/msg', 'binary', 16, 'before', i + 1, v)),
      ...[106, 212].map((v, i) => sample('echo', 'cpu/msg', 'text-bytes', 16, 'after', i + 1, v)),
      ...[100, 200].map((v, i) => sample('echo', 'cpu/msg', 'text-bytes', 16, 'before', i + 1, v)),
      // msg/s (higher is better): 0.94× → MISS; the ceiling at 0.96× → PASS.
      ...[94, 47].map((v, i) => sample('echo', 'msg/s', 'binary', 16, 'after', i + 1, v)),
      ...[100, 50].map((v, i) => sample('echo', 'msg/s', 'binary', 16, 'before', i + 1, v)),
      ...[96, 96].map((v, i) => sample('parser ceiling', 'msg/s', 'binary', 16, 'after', i + 1, v)),
      ...[100, 100].map((v, i) => sample('parser ceiling', 'msg/s', 'binary', 16, 'before', i + 1, v)),
    ];
    const [cpu, textBytes, rate, ceiling] = buildRows(samples, { compare: { subject: 'after', reference: 'before' }, baseline: true });
    expect(cpu!.ratio).toBeCloseTo(1.04);
    expect(cpu!.results.after!.median).toBe(156);
    expect([cpu!.target, cpu!.verdict]).toEqual(['≤1.05×before', 'PASS']);
    expect([textBytes!.verdict, textBytes!.misses]).toEqual(['MISS', ['≤1.05×before']]);
    expect([rate!.target, rate!.verdict]).toEqual(['≥0.95×before', 'MISS']);
    expect([ceiling!.section, ceiling!.verdict]).toEqual(['ceiling', 'PASS']);
    const table = renderTable([cpu!, rate!], false, { subject: 'after', reference: 'before' });
    expect(table.split('\n')[0]).toMatch(/after +before +after\/before +target +result$/);
  });

  it('[wsref] a server counts its own echoes and CPU: 16 KiB messages cost measurable CPU per message', async () => {
    const config = smokeConfig(['echo']);
    const server = await startServer('ws', config);
    const load = await Child.start('ws client', 'loadgen/main.ts', { env: { BENCH_CLIENT: 'ws' } });
    try {
      const m = await measureEcho(load, server, { kind: 'startEcho', url: `ws://127.0.0.1:${server.port}/bytes`, tcp: false, size: 16384, payload: 'binary', deflate: false, window: 4 }, config);
      expect(m.messages).toBeGreaterThanOrEqual(config.minMessages);
      expect(m.serverCpuMicros).toBeGreaterThan(0);
      expect(m.clientCpuMicros).toBeGreaterThan(0);
      expect(m.messagesPerSecond).toBeGreaterThan(0);
    } finally {
      await Promise.all([server.stop(), load.stop()]);
    }
  }, 60_000);

  it('[6455-5.6-1] the wsref server echoes text as text, unchanged, on /bytes (textAs: bytes, undecoded), /string (decoded) and /, and says it has the bytes-text API', async () => {
    const server = await startServer('wsref', smokeConfig(['echo']));
    try {
      expect(server.info.textBytesApi).toBe(true);
      for (const route of ['/bytes', '/string', '/']) {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}${route}`);
        try {
          await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
          const echo = new Promise<[Buffer, boolean]>((resolve) => ws.once('message', (data: Buffer, isBinary: boolean) => resolve([data, isBinary])));
          ws.send('κόσμε €');
          expect(await echo, route).toEqual([Buffer.from('κόσμε €'), false]);
        } finally {
          ws.terminate();
        }
      }
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('[wsref] every scenario runs end to end with tiny sizes and yields numbers for wsref and ws; latency pools blocks that alternate between the servers', async () => {
    const { samples } = await runScenarios(smokeConfig(['echo', 'latency', 'idle', 'deflate', 'client', 'ceiling']));
    const rows = buildRows(samples);
    const names = new Set(rows.map((r) => `${r.scenario} ${r.payload} ${r.metric}`));
    for (const expected of [
      'echo binary cpu/msg',
      'echo text-bytes cpu/msg',
      'echo text-string cpu/msg',
      'echo binary msg/s',
      'latency binary p50',
      'idle conns  rss/conn',
      'idle conns  setup/s',
      'deflate echo json cpu/msg',
      'deflate conns json heap/conn',
      'client echo binary cpu/msg',
      'parser ceiling binary msg/s',
    ]) {
      expect(names, expected).toContain(expected);
    }
    for (const row of rows) {
      for (const impl of ['wsref', 'ws'] as const) {
        const median = row.results[impl]?.median;
        expect(Number.isFinite(median), `${row.scenario} ${row.metric} ${row.sizeLabel} ${impl}`).toBe(true);
        if (row.unit !== 'B/conn') expect(median).toBeGreaterThan(0);
      }
    }
    expect(rows.filter((r) => r.scenario === 'echo' && r.payload === 'binary' && r.metric === 'msg/s').every((r) => r.results.tcp !== undefined)).toBe(true);
    expectInterleavedLatencyBlocks(samples);
  }, 180_000);

  it('[wsref] --baseline checks a commit out into a temporary worktree, runs its servers and clients beside this tree\'s, and removes it', async () => {
    const lines: string[] = [];
    const baseline = prepareBaseline('HEAD', (line) => lines.push(line));
    try {
      expect(existsSync(path.join(baseline.benchDir, 'servers', 'wsref-echo.ts'))).toBe(true);
      expect(baseline.benchDir.startsWith(os.tmpdir())).toBe(true);
      const config = { ...smokeConfig(['echo', 'latency', 'idle', 'deflate', 'client', 'ceiling']), echoPayloads: ['binary'] as const, compare: AFTER_VS_BEFORE, baselineBenchDir: baseline.benchDir };
      const { samples, serverInfo } = await runScenarios(config);
      const rows = buildRows(samples, { compare: AFTER_VS_BEFORE, baseline: true });
      // Each side ran its own build: the baseline's servers from the temporary worktree, ours from here.
      expect((serverInfo.before as { script: string }).script).toBe(pathToFileURL(path.join(baseline.benchDir, 'servers', 'wsref-echo.ts')).href);
      const ours = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'servers', 'wsref-echo.ts');
      expect((serverInfo.after as { script: string }).script).toBe(pathToFileURL(ours).href);
      const names = rows.map((r) => `${r.scenario} ${r.metric}`);
      for (const expected of ['echo cpu/msg', 'latency p99', 'idle conns rss/conn', 'deflate echo cpu/msg', 'deflate conns heap/conn', 'client echo cpu/msg', 'parser ceiling msg/s']) {
        expect(names, expected).toContain(expected);
      }
      for (const row of rows) {
        for (const impl of ['after', 'before'] as const) {
          const median = row.results[impl]?.median;
          expect(Number.isFinite(median), `${row.scenario} ${row.metric} ${impl}`).toBe(true);
          if (row.unit !== 'B/conn') expect(median, `${row.scenario} ${row.metric} ${impl}`).toBeGreaterThan(0);
        }
        expect(row.results.tcp).toBeUndefined();
        if (row.ratio !== undefined) {
          expect(['PASS', 'MISS'], `${row.scenario} ${row.metric}`).toContain(row.verdict);
        } else {
          // Only a memory row can lack a ratio: with the smoke config's few connections the
          // baseline's growth can be exactly 0 bytes (RSS moves by whole pages), and there is
          // nothing to divide by, so nothing to judge.
          expect(row.unit, `${row.scenario} ${row.metric} has no ratio`).toBe('B/conn');
          expect(row.results.before!.median).toBe(0);
          expect(row.verdict).toBe('');
        }
      }
    } finally {
      baseline.remove();
    }
    expect(existsSync(path.dirname(baseline.benchDir))).toBe(false);
    expect(lines.join('\n')).toMatch(/checking it out into/);
  }, 180_000);
});

/**
 * The latency samples of a round come from blocks that took turns between the servers: each
 * server has the configured number of blocks, whose round trips add up to its total;
 * block b of every server ran before block b+1 of any; the order flips every other block.
 */
function expectInterleavedLatencyBlocks(samples: readonly Sample[]): void {
  const p99s = samples.filter((s) => s.scenario === 'latency' && s.metric === 'p99');
  expect(p99s.map((s) => s.impl).sort()).toEqual(['tcp', 'ws', 'wsref']);
  const order = p99s[0]!.extra!.interleavedWith as readonly string[];
  // TCP in the middle: wsref and ws take mirror-image turns (ABBA…), neither always beside TCP.
  expect(order[1]).toBe('tcp');
  const blocks = new Map<string, readonly number[]>();
  for (const { impl, extra } of p99s) {
    expect(extra!.interleavedWith).toEqual(order);
    const blockSamples = extra!.blockSamples as readonly number[];
    const starts = extra!.blockStartsMs as readonly number[];
    expect([extra!.blocks, blockSamples.length, starts.length], impl).toEqual([8, 8, 8]);
    // (A block of this tiny run may record nothing when the shared machine stalls the process.)
    expect(blockSamples.every((n) => Number.isInteger(n) && n >= 0), `${impl} blocks ${blockSamples.join(' ')}`).toBe(true);
    expect(blockSamples.reduce((a, b) => a + b, 0)).toBe(extra!.samples);
    expect(extra!.samples).toBeGreaterThan(0);
    blocks.set(impl, starts);
  }
  for (let b = 0; b < 8; b++) {
    const ranInOrder = [...order].sort((x, y) => blocks.get(x)![b]! - blocks.get(y)![b]!);
    expect(ranInOrder, `block ${b}`).toEqual(b % 2 === 0 ? order : [...order].reverse());
    if (b < 7) expect(Math.max(...order.map((impl) => blocks.get(impl)![b]!))).toBeLessThan(Math.min(...order.map((impl) => blocks.get(impl)![b + 1]!)));
  }
}

function smokeConfig(scenarios: BenchConfig['scenarios']): BenchConfig {
  return {
    scenarios,
    rounds: 1,
    warmupMs: 30,
    durationMs: 120,
    minMessages: 2,
    echoSizes: [16, 1024],
    echoPayloads: ['binary', 'text-bytes', 'text-string'],
    latencyMs: 120,
    idleConnections: 20,
    deflateSizes: [2048],
    compressedConnections: 5,
    clientSizes: [1024],
    ceilingSizes: [16],
    native: false,
    wsrefNodeFlags: [],
    log: () => {},
  };
}
