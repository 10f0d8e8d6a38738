// The benchmark scenarios. Every server runs in its own process pinned to one core, the load
// (a real client library, one message per send()) in another pinned to the other core. Each
// measurement is repeated in rounds and, within a round, the implementations take turns
// (order reversed every other round), so a slow moment of the machine lands on all of them;
// the report pairs wsref's number with ws's *from the same round*. With --baseline the pair is
// this tree's wsref (`after`) and the baseline commit's (`before`), in the same rounds, and raw
// TCP stays out (its ceiling does not change with wsref).

import type { OpenResult, StartEchoTask } from './loadgen/client-tasks.js';
import type { LatencyResult, LatencyTask } from './loadgen/latency-blocks.js';
import type { EchoResult, EchoTask } from './loadgen/raw-tasks.js';
import {
  benchDirFor,
  formatRate,
  measureEcho,
  orderFor,
  startServer,
  stopAll,
  windowFor,
  type BenchConfig,
  type Sample,
} from './measure.js';
import { http2Scenario, type Http2Summary } from './http2-sockets.js';
import { Child, LOAD_CORE } from './processes.js';
import { isWsref, WSREF_VS_WS, type Impl, type MemoryReport } from './shared.js';

export { ALL_SCENARIOS, windowFor, type BenchConfig, type Sample, type ScenarioName } from './measure.js';

const url = (server: Child, path = '/bytes') => `ws://127.0.0.1:${server.port}${path}`;

/** A client process: the ws client (native helpers on when installed) or a wsref build's, pinned to the load core. */
function startClient(library: Impl, config: BenchConfig): Promise<Child> {
  const env = { BENCH_CLIENT: isWsref(library) ? 'wsref' : 'ws', WS_NO_BUFFER_UTIL: undefined, WS_NO_UTF_8_VALIDATE: undefined };
  const nodeFlags = isWsref(library) ? [...config.wsrefNodeFlags] : [];
  return Child.start(`${library} client`, 'loadgen/main.ts', { env, nodeFlags, core: LOAD_CORE, benchDir: benchDirFor(library, config) });
}

/** The pair a run compares, in the order of round 1; with raw TCP beside them when `withTcp` and not --baseline. */
function contenders(config: BenchConfig, withTcp = false): Impl[] {
  const { subject, reference } = config.compare ?? WSREF_VS_WS;
  return withTcp && !config.baselineBenchDir ? [subject, reference, 'tcp'] : [subject, reference];
}

// ─── Echo (server CPU per message, msg/s), with the raw TCP ceiling ─────────────────────

async function echoScenario(load: Child, servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  for (const payload of config.echoPayloads) {
    for (const size of config.echoSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        // TCP has no text: it runs in the binary rounds, and only binary rows are paired with it.
        for (const impl of orderFor(contenders(config, payload === 'binary'), round)) {
          const server = servers.get(impl)!;
          const task: StartEchoTask = {
            kind: 'startEcho',
            url: url(server, payload === 'text-string' ? '/string' : '/bytes'),
            tcp: impl === 'tcp',
            size,
            payload: payload === 'binary' ? 'binary' : 'text',
            deflate: false,
            window: windowFor(size),
          };
          const m = await measureEcho(load, server, task, config);
          const base = { scenario: 'echo', payload: impl === 'tcp' ? '' : payload, size, impl, round, extra: { messages: m.messages, window: task.window } };
          samples.push({ ...base, metric: 'cpu/msg', value: m.serverCpuMicros }, { ...base, metric: 'msg/s', value: m.messagesPerSecond });
          config.log(`  echo ${payload} ${size} B ${impl.padEnd(6)} round ${round}: ${m.serverCpuMicros.toFixed(2)} µs CPU/msg, ${formatRate(m.messagesPerSecond)} msg/s`);
        }
      }
    }
  }
}

// ─── Round-trip latency ─────────────────────────────────────────────────────────────────

/** Blocks per implementation per round; `latencyMs` of recorded time per implementation is split over them. */
const LATENCY_BLOCKS = 8;

/**
 * One load-generator run per round (../loadgen/latency-blocks.ts): a connection to every server,
 * then short blocks taking turns between them, each implementation's p50 and p99 from the samples
 * of all its blocks. The pairing stays per round, as everywhere.
 */
async function latencyScenario(load: Child, servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  for (let round = 1; round <= config.rounds; round++) {
    // Raw TCP (when it runs) goes between the pair: with the order reversed every other block,
    // wsref's turns and ws's are then mirror images, neither always the one next to TCP.
    const [subject, reference, ...tcp] = contenders(config, true);
    const order = orderFor([subject!, ...tcp, reference!], round);
    const task: LatencyTask = {
      kind: 'latency',
      targets: order.map((impl) => ({ name: impl, url: url(servers.get(impl)!), tcp: impl === 'tcp' })),
      size: 32,
      warmupMs: config.warmupMs,
      blocks: LATENCY_BLOCKS,
      blockMs: config.latencyMs / LATENCY_BLOCKS,
      // Long enough for a few hundred round trips after the server sat idle through the other blocks.
      blockWarmupMs: config.warmupMs / 5,
    };
    const results = await load.request<Record<string, LatencyResult>>(task);
    for (const impl of order) {
      const result = results[impl]!;
      const extra = {
        samples: result.samples,
        meanMicros: result.meanMicros,
        blocks: task.blocks,
        blockMs: task.blockMs,
        blockWarmupMs: task.blockWarmupMs,
        blockSamples: result.blockSamples,
        blockStartsMs: result.blockStartsMs,
        interleavedWith: order,
      };
      const base = { scenario: 'latency', payload: 'binary', size: 32, impl, round, extra };
      samples.push({ ...base, metric: 'p50', value: result.p50Micros }, { ...base, metric: 'p99', value: result.p99Micros });
      config.log(
        `  latency ${impl.padEnd(6)} round ${round}: p50 ${result.p50Micros.toFixed(1)} µs, p99 ${result.p99Micros.toFixed(1)} µs ` +
          `(${result.samples} round trips in ${task.blocks} blocks)`,
      );
    }
  }
}

// ─── Many connections: setup rate and memory per connection ─────────────────────────────

async function connectionsRun(
  load: Child,
  config: BenchConfig,
  samples: Sample[],
  options: { scenario: string; count: number; deflate: boolean; payload: string },
): Promise<void> {
  for (let round = 1; round <= config.rounds; round++) {
    for (const impl of orderFor(contenders(config), round)) {
      // A fresh server each time: the baseline is a server that has never seen a connection.
      const server = await startServer(impl, config, options.deflate);
      try {
        const before = await server.request<MemoryReport>({ kind: 'measure' });
        const opened = await load.request<OpenResult>(
          { kind: 'open', url: url(server), count: options.count, concurrency: 128, deflate: options.deflate, prime: options.deflate },
          300_000,
        );
        const after = await server.request<MemoryReport>({ kind: 'measure' });
        await load.request({ kind: 'closeAll' });
        if (after.connections !== options.count) {
          throw new Error(`${impl} server holds ${after.connections} connections, expected ${options.count}`);
        }
        const perConnection = (key: keyof MemoryReport) => ((after[key] as number) - (before[key] as number)) / options.count;
        const extra = {
          externalPerConnection: perConnection('external'),
          arrayBuffersPerConnection: perConnection('arrayBuffers'),
          heapTotalPerConnection: perConnection('heapTotal'),
          newSpacePerConnection: perConnection('newSpace'),
        };
        const base = { scenario: options.scenario, payload: options.payload, size: options.count, impl, round };
        const rss = perConnection('rss');
        const heap = perConnection('heapUsed');
        samples.push(
          { ...base, metric: 'setup/s', value: opened.perSecond },
          { ...base, metric: 'rss/conn', value: rss, extra },
          { ...base, metric: 'heap/conn', value: heap, extra },
        );
        config.log(
          `  ${options.scenario} ${options.count} ${impl.padEnd(6)} round ${round}: ${formatRate(opened.perSecond)} conn/s, ` +
            `RSS ${(rss / 1024).toFixed(1)} KiB/conn, heap ${(heap / 1024).toFixed(1)} KiB/conn`,
        );
      } finally {
        await server.stop();
      }
    }
  }
}

// ─── permessage-deflate: equal settings on both sides (../shared.ts) ─────────────────────

async function deflateScenario(load: Child, config: BenchConfig, samples: Sample[]): Promise<void> {
  const servers = new Map<Impl, Child>();
  try {
    for (const impl of contenders(config)) servers.set(impl, await startServer(impl, config, true));
    for (const size of config.deflateSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const impl of orderFor(contenders(config), round)) {
          const server = servers.get(impl)!;
          // JSON text, decoded and re-sent as a string by both servers (the text-string echo).
          const task: StartEchoTask = { kind: 'startEcho', url: url(server, '/string'), tcp: false, size, payload: 'json', deflate: true, window: windowFor(size) };
          const m = await measureEcho(load, server, task, config);
          const base = { scenario: 'deflate echo', payload: 'json', size, impl, round, extra: { messages: m.messages, window: task.window } };
          samples.push({ ...base, metric: 'cpu/msg', value: m.serverCpuMicros }, { ...base, metric: 'msg/s', value: m.messagesPerSecond });
          config.log(`  deflate json ${size} B ${impl.padEnd(6)} round ${round}: ${m.serverCpuMicros.toFixed(2)} µs CPU/msg, ${formatRate(m.messagesPerSecond)} msg/s`);
        }
      }
    }
  } finally {
    await stopAll(servers.values());
  }
  await connectionsRun(load, config, samples, { scenario: 'deflate conns', count: config.compressedConnections, deflate: true, payload: 'json' });
}

// ─── Client side: wsref's client vs the ws client (or after vs before), CPU per message in the client ─

async function clientScenario(load: Child, servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  const server = servers.get('ws')!; // the ws server (native helpers on) answers every client
  // The load generator already is the ws client; a wsref client gets a process of its own.
  const clients = new Map<Impl, Child>();
  for (const impl of contenders(config)) clients.set(impl, impl === 'ws' ? load : await startClient(impl, config));
  try {
    for (const size of config.clientSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const impl of orderFor(contenders(config), round)) {
          const task: StartEchoTask = { kind: 'startEcho', url: url(server), tcp: false, size, payload: 'binary', deflate: false, window: windowFor(size) };
          const m = await measureEcho(clients.get(impl)!, server, task, config);
          const base = { scenario: 'client echo', payload: 'binary', size, impl, round, extra: { messages: m.messages, window: task.window } };
          samples.push({ ...base, metric: 'cpu/msg', value: m.clientCpuMicros }, { ...base, metric: 'msg/s', value: m.messagesPerSecond });
          config.log(`  client echo ${size} B ${impl.padEnd(6)} round ${round}: ${m.clientCpuMicros.toFixed(2)} µs client CPU/msg, ${formatRate(m.messagesPerSecond)} msg/s`);
        }
      }
    }
  } finally {
    await stopAll([...clients.values()].filter((client) => client !== load));
  }
}

// ─── Parser ceiling: batched raw frames, outside the PASS/MISS table ────────────────────

async function ceilingScenario(servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  const raw = await Child.start('raw load generator', 'loadgen/main.ts', { core: LOAD_CORE });
  try {
    for (const size of config.ceilingSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const impl of orderFor(contenders(config), round)) {
          const task: EchoTask = {
            kind: 'echo',
            port: servers.get(impl)!.port,
            protocol: 'ws',
            size,
            payload: 'binary',
            deflate: false,
            window: windowFor(size),
            warmupMs: config.warmupMs,
            durationMs: config.durationMs,
          };
          const result = await raw.request<EchoResult>(task);
          samples.push({ scenario: 'parser ceiling', metric: 'msg/s', payload: 'binary', size, impl, round, value: result.messagesPerSecond });
          config.log(`  parser ceiling ${size} B ${impl.padEnd(6)} round ${round}: ${formatRate(result.messagesPerSecond)} msg/s`);
        }
      }
    }
  } finally {
    await raw.stop();
  }
}

/**
 * Runs the configured scenarios; returns every sample, what each server process reported, and
 * the HTTP/2 scenario's summary (wsref over HTTP/2 vs over TCP: no ws, so not in the samples).
 */
export async function runScenarios(config: BenchConfig): Promise<{ samples: Sample[]; serverInfo: Record<string, unknown>; http2?: Http2Summary }> {
  const samples: Sample[] = [];
  const serverInfo: Record<string, unknown> = {};
  let http2: Http2Summary | undefined;
  const load = await startClient('ws', config);
  // Echo, latency, client and ceiling runs share one set of plain echo servers (idle ones cost no CPU).
  let plain: Map<Impl, Child> | undefined;
  const plainServers = async () => {
    if (!plain) {
      plain = new Map();
      // The ws server always runs: the client scenario's clients all talk to it.
      for (const impl of new Set<Impl>([...contenders(config, true), 'ws'])) plain.set(impl, await startServer(impl, config));
      for (const [impl, child] of plain) serverInfo[impl] = child.info;
    }
    return plain;
  };
  try {
    for (const scenario of config.scenarios) {
      const started = Date.now();
      config.log(`${scenario}:`);
      if (scenario === 'echo') await echoScenario(load, await plainServers(), config, samples);
      if (scenario === 'latency') await latencyScenario(load, await plainServers(), config, samples);
      if (scenario === 'idle') {
        await connectionsRun(load, config, samples, { scenario: 'idle conns', count: config.idleConnections, deflate: false, payload: '' });
      }
      if (scenario === 'deflate') await deflateScenario(load, config, samples);
      if (scenario === 'client') await clientScenario(load, await plainServers(), config, samples);
      if (scenario === 'ceiling') await ceilingScenario(await plainServers(), config, samples);
      // Not a wsref-vs-ws pair: a --baseline run leaves it out.
      if (scenario === 'http2' && !config.baselineBenchDir) http2 = await http2Scenario(load, config);
      config.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await stopAll([load, ...(plain?.values() ?? [])]);
  }
  return { samples, serverInfo, ...(http2 ? { http2 } : {}) };
}
