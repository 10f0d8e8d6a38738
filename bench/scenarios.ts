// The benchmark scenarios. Each one measures the implementations *alternately* — wsref, ws,
// ws+native, (raw TCP), then again, round after round — so a slow moment of the machine
// (another process, thermal drift) lands on all of them rather than on one. Every server
// runs in its own process; the load generator runs in another.

import type { ClientEchoTask } from './loadgen/client-tasks.js';
import type { EchoResult, EchoTask, LatencyResult, OpenResult, PayloadKind } from './loadgen/raw-tasks.js';
import { Child, WS_NO_NATIVE_ENV } from './processes.js';
import { MiB, type Impl, type MemoryReport } from './shared.js';

export type ScenarioName = 'echo' | 'latency' | 'idle' | 'deflate' | 'client';
export const ALL_SCENARIOS: readonly ScenarioName[] = ['echo', 'latency', 'idle', 'deflate', 'client'];

export interface BenchConfig {
  scenarios: readonly ScenarioName[];
  rounds: number;
  warmupMs: number;
  durationMs: number;
  echoSizes: readonly number[];
  echoPayloads: readonly ('binary' | 'text')[];
  latencyMs: number;
  idleConnections: number;
  deflateSizes: readonly number[];
  compressedConnections: number;
  clientSizes: readonly number[];
  /** Whether ws's native helpers (bufferutil) can be loaded: adds the ws+native column. */
  native: boolean;
  /** Extra node flags for every wsref server process (e.g. --cpu-prof). */
  wsrefNodeFlags: readonly string[];
  log: (line: string) => void;
}

/** One measured number. */
export interface Sample {
  scenario: string;
  /** What is measured, e.g. 'msg/s', 'p50', 'rss/conn'. */
  metric: string;
  /** binary / text / json, or '' when it does not apply. */
  payload: string;
  size: number;
  impl: Impl;
  round: number;
  value: number;
  /** Secondary numbers (MB/s, sample counts…) kept in the JSON. */
  extra?: Record<string, number>;
}

/** Messages in flight: 32, fewer for big messages so at most 32 MiB is in flight (both servers buffer it). */
export function windowFor(size: number): number {
  return Math.max(1, Math.min(32, Math.floor((32 * MiB) / size)));
}

const SERVER_SCRIPT: Record<Exclude<Impl, 'tcp'>, string> = {
  wsref: 'servers/wsref-echo.ts',
  ws: 'servers/ws-echo.ts',
  'ws+native': 'servers/ws-echo.ts',
};

function startServer(impl: Impl, config: BenchConfig, deflate = false): Promise<Child> {
  const env: Record<string, string | undefined> = { BENCH_DEFLATE: deflate ? '1' : undefined };
  if (impl === 'tcp') return Child.start('tcp server', 'servers/tcp-echo.ts', { env });
  if (impl === 'ws') Object.assign(env, WS_NO_NATIVE_ENV);
  if (impl === 'ws+native') Object.assign(env, { WS_NO_BUFFER_UTIL: undefined, WS_NO_UTF_8_VALIDATE: undefined });
  const nodeFlags = impl === 'wsref' ? [...config.wsrefNodeFlags] : [];
  return Child.start(`${impl} server`, SERVER_SCRIPT[impl], { env, nodeFlags });
}

function wsImpls(config: BenchConfig): Impl[] {
  return config.native ? ['wsref', 'ws', 'ws+native'] : ['wsref', 'ws'];
}

async function startServers(impls: readonly Impl[], config: BenchConfig, deflate = false): Promise<Map<Impl, Child>> {
  const servers = new Map<Impl, Child>();
  for (const impl of impls) servers.set(impl, await startServer(impl, config, deflate));
  for (const [impl, server] of servers) {
    if (impl === 'ws+native' && server.info.bufferutil === false) {
      throw new Error('ws+native: bufferutil is installed but ws did not load it');
    }
  }
  return servers;
}

async function stopAll(children: Iterable<Child>): Promise<void> {
  await Promise.all([...children].map((child) => child.stop()));
}

function formatRate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0);
}

// ─── Echo throughput (server side), and the raw TCP ceiling ─────────────────────────────

async function echoScenario(load: Child, servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  const impls: Impl[] = [...wsImpls(config), 'tcp'];
  for (const payload of config.echoPayloads) {
    for (const size of config.echoSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const impl of impls) {
          if (impl === 'tcp' && payload !== config.echoPayloads[0]) continue; // TCP has no text/binary: once per size
          const task: EchoTask = {
            kind: 'echo',
            port: servers.get(impl)!.port,
            protocol: impl === 'tcp' ? 'tcp' : 'ws',
            size,
            payload,
            deflate: false,
            window: windowFor(size),
            warmupMs: config.warmupMs,
            durationMs: config.durationMs,
          };
          const result = await load.request<EchoResult>(task);
          samples.push({
            scenario: 'echo',
            metric: 'msg/s',
            payload: impl === 'tcp' ? '' : payload,
            size,
            impl,
            round,
            value: result.messagesPerSecond,
            extra: { megabytesPerSecond: result.megabytesPerSecond, window: task.window },
          });
          config.log(`  echo ${payload} ${size} B  ${impl.padEnd(9)} round ${round}: ${formatRate(result.messagesPerSecond)} msg/s, ${result.megabytesPerSecond.toFixed(1)} MB/s`);
        }
      }
    }
  }
}

// ─── Round-trip latency ─────────────────────────────────────────────────────────────────

async function latencyScenario(load: Child, servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  const impls: Impl[] = [...wsImpls(config), 'tcp'];
  for (let round = 1; round <= config.rounds; round++) {
    for (const impl of impls) {
      const result = await load.request<LatencyResult>({
        kind: 'latency',
        port: servers.get(impl)!.port,
        protocol: impl === 'tcp' ? 'tcp' : 'ws',
        size: 32,
        warmupMs: config.warmupMs,
        durationMs: config.latencyMs,
      });
      const base = { scenario: 'latency', payload: 'binary', size: 32, impl, round, extra: { samples: result.samples, meanMicros: result.meanMicros } };
      samples.push({ ...base, metric: 'p50', value: result.p50Micros }, { ...base, metric: 'p99', value: result.p99Micros });
      config.log(`  latency ${impl.padEnd(9)} round ${round}: p50 ${result.p50Micros.toFixed(1)} µs, p99 ${result.p99Micros.toFixed(1)} µs (${result.samples} round trips)`);
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
    for (const impl of wsImpls(config)) {
      // A fresh server each time: the baseline is a server that has never seen a connection.
      const server = await startServer(impl, config, options.deflate);
      try {
        const before = await server.request<MemoryReport>({ kind: 'measure' });
        const opened = await load.request<OpenResult>(
          { kind: 'open', port: server.port, count: options.count, concurrency: 128, deflate: options.deflate, prime: options.deflate },
          300_000,
        );
        const after = await server.request<MemoryReport>({ kind: 'measure' });
        await load.request({ kind: 'closeAll' });
        if (after.connections !== options.count) {
          throw new Error(`${impl} server holds ${after.connections} connections, expected ${options.count}`);
        }
        const rss = (after.rss - before.rss) / options.count;
        const heap = (after.heapUsed - before.heapUsed) / options.count;
        const external = (after.external - before.external) / options.count;
        const base = { scenario: options.scenario, payload: options.payload, size: options.count, impl, round };
        const extra = {
          externalPerConnection: external,
          arrayBuffersPerConnection: (after.arrayBuffers - before.arrayBuffers) / options.count,
          heapTotalPerConnection: (after.heapTotal - before.heapTotal) / options.count,
          newSpacePerConnection: (after.newSpace - before.newSpace) / options.count,
        };
        samples.push(
          { ...base, metric: 'setup/s', value: opened.perSecond },
          { ...base, metric: 'rss/conn', value: rss, extra },
          { ...base, metric: 'heap/conn', value: heap, extra },
        );
        config.log(
          `  ${options.scenario} ${options.count} ${impl.padEnd(9)} round ${round}: ${formatRate(opened.perSecond)} conn/s, ` +
            `RSS ${(rss / 1024).toFixed(1)} KiB/conn, heap ${(heap / 1024).toFixed(1)} KiB/conn, external ${(external / 1024).toFixed(1)} KiB/conn`,
        );
      } finally {
        await server.stop();
      }
    }
  }
}

// ─── permessage-deflate ───────────────────────────────────────────────────────────────

async function deflateScenario(load: Child, config: BenchConfig, samples: Sample[]): Promise<void> {
  const impls = wsImpls(config);
  const servers = await startServers(impls, config, true);
  try {
    for (const size of config.deflateSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const impl of impls) {
          const task: EchoTask = {
            kind: 'echo',
            port: servers.get(impl)!.port,
            protocol: 'ws',
            size,
            payload: 'json' satisfies PayloadKind,
            deflate: true,
            window: windowFor(size),
            warmupMs: config.warmupMs,
            durationMs: config.durationMs,
          };
          const result = await load.request<EchoResult>(task);
          samples.push({
            scenario: 'deflate echo',
            metric: 'msg/s',
            payload: 'json',
            size,
            impl,
            round,
            value: result.messagesPerSecond,
            extra: { megabytesPerSecond: result.megabytesPerSecond, window: task.window },
          });
          config.log(`  deflate json ${size} B ${impl.padEnd(9)} round ${round}: ${formatRate(result.messagesPerSecond)} msg/s, ${result.megabytesPerSecond.toFixed(1)} MB/s`);
        }
      }
    }
  } finally {
    await stopAll(servers.values());
  }
  await connectionsRun(load, config, samples, { scenario: 'deflate conns', count: config.compressedConnections, deflate: true, payload: 'json' });
}

// ─── Client side: wsref's client vs ws's client against one server ───────────────────────

async function clientScenario(servers: Map<Impl, Child>, config: BenchConfig, samples: Sample[]): Promise<void> {
  // The fastest server available, so the clients are what is measured.
  const server = servers.get(config.native ? 'ws+native' : 'ws')!;
  const clients = new Map<Impl, Child>();
  try {
    clients.set('wsref', await Child.start('wsref client', 'loadgen/main.ts', { env: { BENCH_CLIENT: 'wsref' }, nodeFlags: [...config.wsrefNodeFlags] }));
    clients.set('ws', await Child.start('ws client', 'loadgen/main.ts', { env: { BENCH_CLIENT: 'ws', ...WS_NO_NATIVE_ENV } }));
    if (config.native) {
      clients.set('ws+native', await Child.start('ws+native client', 'loadgen/main.ts', { env: { BENCH_CLIENT: 'ws', WS_NO_BUFFER_UTIL: undefined, WS_NO_UTF_8_VALIDATE: undefined } }));
    }
    for (const size of config.clientSizes) {
      for (let round = 1; round <= config.rounds; round++) {
        for (const [impl, client] of clients) {
          const task: ClientEchoTask = {
            kind: 'clientEcho',
            url: `ws://127.0.0.1:${server.port}/`,
            size,
            window: windowFor(size),
            warmupMs: config.warmupMs,
            durationMs: config.durationMs,
          };
          const result = await client.request<EchoResult>(task);
          samples.push({
            scenario: 'client echo',
            metric: 'msg/s',
            payload: 'binary',
            size,
            impl,
            round,
            value: result.messagesPerSecond,
            extra: { megabytesPerSecond: result.megabytesPerSecond, window: task.window },
          });
          config.log(`  client echo ${size} B ${impl.padEnd(9)} round ${round}: ${formatRate(result.messagesPerSecond)} msg/s, ${result.megabytesPerSecond.toFixed(1)} MB/s`);
        }
      }
    }
  } finally {
    await stopAll(clients.values());
  }
}

/** Runs the configured scenarios; returns every sample. */
export async function runScenarios(config: BenchConfig): Promise<{ samples: Sample[]; serverInfo: Record<string, unknown> }> {
  const samples: Sample[] = [];
  const serverInfo: Record<string, unknown> = {};
  const load = await Child.start('load generator', 'loadgen/main.ts');
  // Echo, latency and the client runs share one set of plain echo servers (idle ones cost no CPU).
  let plain: Map<Impl, Child> | undefined;
  const plainServers = async () => {
    if (!plain) {
      plain = await startServers([...wsImpls(config), 'tcp'], config);
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
      if (scenario === 'client') await clientScenario(await plainServers(), config, samples);
      config.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    await stopAll([load, ...(plain?.values() ?? [])]);
  }
  return { samples, serverInfo };
}
