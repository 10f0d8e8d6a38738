// WebSocket over HTTP/2 (RFC 8441) against WebSocket over TCP (RFC 6455 §4), side by side in
// one run: 1,000 wsref sessions as streams of ONE HTTP/2 connection, and 1,000 sessions on 1,000
// TCP connections. Same client library (wsref's connect(), in the load generator process), same
// echo server code, no TLS on either side (h2c by prior knowledge vs plain ws://), a fresh server
// per measurement. Per transport and round: the time to open all 1,000, the server's memory per
// socket (RSS and V8 heap after GC, ./servers/control.ts), and echo of 1 KiB binary messages with
// every socket keeping one in flight (messages/s and server CPU per message).

import type { CloseManyTask, OpenManyResult, OpenManyTask, StartEchoManyTask, StopEchoManyTask } from './loadgen/many-sockets.js';
import { formatRate, orderFor, startServer, type BenchConfig } from './measure.js';
import { Child, SERVER_CORE } from './processes.js';
import { KiB, sleep, type CpuMark, type MemoryReport } from './shared.js';

/** How many WebSockets each side opens (issue #16). */
export const HTTP2_SOCKETS = 1_000;
/** The echoed message size (issue #16). */
const MESSAGE_SIZE = KiB;
/** Handshakes in flight at once while opening, as in the idle-connections scenario. */
const CONCURRENCY = 128;

export type Carrier = 'h2' | 'tcp';

export interface CarrierRound {
  round: number;
  carrier: Carrier;
  setupMs: number;
  rssPerSocket: number;
  heapPerSocket: number;
  messagesPerSecond: number;
  cpuMicrosPerMessage: number;
  /** TCP connections the server held for the sockets: 1 over HTTP/2, HTTP2_SOCKETS over TCP. */
  connections: number;
}

type Metric = Exclude<keyof CarrierRound, 'round' | 'carrier'>;
const METRICS: readonly { key: Metric; label: string; format: (value: number) => string }[] = [
  { key: 'connections', label: 'TCP connections', format: (v) => v.toLocaleString('en') },
  { key: 'setupMs', label: 'open all the sockets', format: (v) => `${v.toFixed(0)} ms` },
  { key: 'rssPerSocket', label: 'server RSS per socket', format: (v) => `${(v / KiB).toFixed(1)} KiB` },
  { key: 'heapPerSocket', label: 'server heap per socket', format: (v) => `${(v / KiB).toFixed(1)} KiB` },
  { key: 'messagesPerSecond', label: 'echo 1 KiB, messages/s', format: (v) => formatRate(v) },
  { key: 'cpuMicrosPerMessage', label: 'server CPU per message', format: (v) => `${v.toFixed(2)} µs` },
];

/** What a run reports: every round, and per carrier the median of each metric over the rounds. */
export interface Http2Summary {
  sockets: number;
  messageSize: number;
  method: string;
  rounds: CarrierRound[];
  medians: Record<Carrier, Record<Metric, number>>;
}

/** How the figures are taken, printed under the table and kept with them. */
export const http2Method = (sockets: number): string =>
  `${sockets} wsref client sessions opened by one process (${CONCURRENCY} handshakes at a time) against a wsref echo server in ` +
  'another, each pinned to its own core: as streams of one HTTP/2 connection without TLS (h2c, RFC 8441 extended CONNECT) or on ' +
  `${sockets} plain TCP connections (HTTP/1.1 upgrade). Memory: the server's RSS and V8 heap after GC, with the sockets open minus ` +
  `before, per socket. Echo: every socket keeps one ${MESSAGE_SIZE}-byte binary message in flight; messages/s and CPU per message are ` +
  'counted inside the server. A fresh server per measurement; the two carriers alternate within each round.';

/**
 * Runs the scenario with the load generator `load` (any library: these tasks always drive wsref's
 * client). `sockets` is HTTP2_SOCKETS but for the smoke test.
 */
export async function http2Scenario(load: Child, config: BenchConfig, sockets = HTTP2_SOCKETS): Promise<Http2Summary> {
  const rounds: CarrierRound[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    for (const carrier of orderFor<Carrier>(['h2', 'tcp'], round)) {
      const result = await measureCarrier(load, { carrier, round, sockets }, config);
      rounds.push(result);
      config.log(
        `  ${carrier === 'h2' ? 'HTTP/2' : 'TCP   '} round ${round}: ${sockets} sockets on ${result.connections} connection(s) in ${result.setupMs.toFixed(0)} ms, ` +
          `RSS ${(result.rssPerSocket / KiB).toFixed(1)} KiB/socket, heap ${(result.heapPerSocket / KiB).toFixed(1)} KiB/socket, ` +
          `${formatRate(result.messagesPerSecond)} msg/s, ${result.cpuMicrosPerMessage.toFixed(2)} µs CPU/msg`,
      );
    }
  }
  const median = (carrier: Carrier, key: Metric) => {
    const values = rounds.filter((r) => r.carrier === carrier).map((r) => r[key]).sort((a, b) => a - b);
    const middle = values.length >> 1;
    return values.length % 2 === 1 ? values[middle]! : (values[middle - 1]! + values[middle]!) / 2;
  };
  const mediansOf = (carrier: Carrier) => Object.fromEntries(METRICS.map(({ key }) => [key, median(carrier, key)])) as Record<Metric, number>;
  return { sockets, messageSize: MESSAGE_SIZE, method: http2Method(sockets), rounds, medians: { h2: mediansOf('h2'), tcp: mediansOf('tcp') } };
}

async function measureCarrier(load: Child, { carrier, round, sockets }: { carrier: Carrier; round: number; sockets: number }, config: BenchConfig): Promise<CarrierRound> {
  const server = carrier === 'tcp'
    ? await startServer('wsref', config)
    : await Child.start('wsref HTTP/2 server', 'servers/wsref-h2-echo.ts', { nodeFlags: [...config.wsrefNodeFlags], core: SERVER_CORE });
  try {
    const before = await server.request<MemoryReport>({ kind: 'measure' });
    const open: OpenManyTask = { kind: 'openMany', url: `ws://127.0.0.1:${server.port}/`, count: sockets, http2: carrier === 'h2', concurrency: CONCURRENCY };
    const opened = await load.request<OpenManyResult>(open, 300_000);
    const expected = carrier === 'h2' ? 'h2' : 'http/1.1';
    if (opened.transports.join() !== expected) throw new Error(`${carrier}: sessions ran on ${opened.transports.join(', ')}, expected ${expected}`);
    const after = await server.request<MemoryReport>({ kind: 'measure' });
    if (after.connections !== sockets) throw new Error(`${carrier} server holds ${after.connections} sessions, expected ${sockets}`);
    const connections = carrier === 'h2' ? after.http2Connections ?? NaN : after.connections;
    if (carrier === 'h2' && connections !== 1) throw new Error(`the sockets came on ${connections} HTTP/2 connections, expected 1`);

    const mark = () => server.request<CpuMark>({ kind: 'cpu' });
    await load.request({ kind: 'startEchoMany', size: MESSAGE_SIZE } satisfies StartEchoManyTask);
    let first: CpuMark;
    let last: CpuMark;
    try {
      await sleep(config.warmupMs);
      first = await mark();
      await sleep(config.durationMs);
      last = await mark();
    } finally {
      await load.request({ kind: 'stopEchoMany' } satisfies StopEchoManyTask);
    }
    const echoed = last.messages - first.messages;
    if (echoed <= 0) throw new Error(`${carrier}: no echo within ${config.durationMs} ms`);
    return {
      round,
      carrier,
      setupMs: opened.seconds * 1000,
      rssPerSocket: (after.rss - before.rss) / sockets,
      heapPerSocket: (after.heapUsed - before.heapUsed) / sockets,
      messagesPerSecond: echoed / ((last.atMs - first.atMs) / 1000),
      cpuMicrosPerMessage: (last.cpuMicros - first.cpuMicros) / echoed,
      connections,
    };
  } finally {
    await load.request({ kind: 'closeMany' } satisfies CloseManyTask);
    await server.stop();
  }
}

/** The side-by-side table the run prints: medians per carrier and HTTP/2 ÷ TCP. */
export function renderHttp2Table(summary: Http2Summary): string {
  const head = ['', `1 HTTP/2 connection`, `${summary.sockets.toLocaleString('en')} TCP connections`, 'HTTP/2 ÷ TCP'];
  const lines = [head];
  for (const { key, label, format } of METRICS) {
    const h2 = summary.medians.h2[key];
    const tcp = summary.medians.tcp[key];
    lines.push([label, format(h2), format(tcp), key === 'connections' ? '' : `${(h2 / tcp).toFixed(2)}×`]);
  }
  const widths = head.map((_, column) => Math.max(...lines.map((line) => line[column]!.length)));
  const title = `WebSocket over HTTP/2 vs TCP: ${summary.sockets.toLocaleString('en')} wsref sockets each way (medians of ${summary.rounds.length / 2} rounds)`;
  return [title, ...lines.map((line) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))].join('\n');
}
