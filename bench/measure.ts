// How one benchmark measurement is taken, shared by the scenarios: the configuration, the
// sample record, starting the server processes (pinned, see ./processes.ts), and the echo
// run that reads CPU per message inside the process that spends it (`process.cpuUsage()`
// before and after the measured window, divided by the messages echoed in between).

import type { StartEchoTask } from './loadgen/client-tasks.js';
import { Child, SERVER_CORE } from './processes.js';
import { isWsref, MiB, sleep, type Comparison, type CpuMark, type Impl } from './shared.js';

export type ScenarioName = 'echo' | 'latency' | 'idle' | 'deflate' | 'client' | 'ceiling' | 'http2';
export const ALL_SCENARIOS: readonly ScenarioName[] = ['echo', 'latency', 'idle', 'deflate', 'client', 'ceiling', 'http2'];

/**
 * binary: Buffers both ways. text-bytes: text frames neither server decodes (ws hands them
 * over as Buffers; wsref's /bytes endpoint has `textAs: 'bytes'`), sent back as text unchanged.
 * text-string: both servers decode to a string and send a string.
 */
export type EchoPayload = 'binary' | 'text-bytes' | 'text-string';

export interface BenchConfig {
  scenarios: readonly ScenarioName[];
  rounds: number;
  warmupMs: number;
  durationMs: number;
  /** A measured window is stretched until the server has echoed at least this many messages (at most 10 s). */
  minMessages: number;
  echoSizes: readonly number[];
  echoPayloads: readonly EchoPayload[];
  latencyMs: number;
  idleConnections: number;
  deflateSizes: readonly number[];
  compressedConnections: number;
  clientSizes: readonly number[];
  ceilingSizes: readonly number[];
  /** Whether ws's native helper (bufferutil) is installed: then every ws process must load it. */
  native: boolean;
  /** Extra node flags for every wsref process (e.g. --cpu-prof). */
  wsrefNodeFlags: readonly string[];
  /** What is paired: wsref against ws (the default), or `after` against `before` (--baseline). */
  compare?: Comparison;
  /** The baseline build's bench/ directory, where the `before` processes start (./baseline.ts). */
  baselineBenchDir?: string;
  log: (line: string) => void;
}

/** The directory a process of `impl` starts from: the baseline build's for `before`, else this tree's. */
export function benchDirFor(impl: Impl, config: BenchConfig): string | undefined {
  if (impl !== 'before') return undefined;
  if (!config.baselineBenchDir) throw new Error('a `before` process needs the baseline build (--baseline <git-ref>)');
  return config.baselineBenchDir;
}

/** One measured number. */
export interface Sample {
  scenario: string;
  /** What is measured, e.g. 'cpu/msg' (µs), 'msg/s', 'p50', 'rss/conn'. */
  metric: string;
  /** binary / text-bytes / text-string / json, or '' when it does not apply. */
  payload: string;
  size: number;
  impl: Impl;
  round: number;
  value: number;
  /** Secondary numbers kept in the JSON (lists for per-block figures, as the latency scenario keeps). */
  extra?: Record<string, number | readonly number[] | readonly string[]>;
}

/** Messages in flight: 32, fewer for big messages so at most 32 MiB is in flight (both servers buffer it). */
export function windowFor(size: number): number {
  return Math.max(1, Math.min(32, Math.floor((32 * MiB) / size)));
}

/** The implementations in the order round `round` runs them: alternated, so neither always goes first. */
export function orderFor<T>(impls: readonly T[], round: number): T[] {
  return round % 2 === 1 ? [...impls] : [...impls].reverse();
}

const SERVER_SCRIPT: Record<Impl, string> = {
  wsref: 'servers/wsref-echo.ts',
  after: 'servers/wsref-echo.ts',
  before: 'servers/wsref-echo.ts',
  ws: 'servers/ws-echo.ts',
  tcp: 'servers/tcp-echo.ts',
};

/** Starts one server, pinned to the server core; ws always with its native helpers when installed. */
export async function startServer(impl: Impl, config: BenchConfig, deflate = false): Promise<Child> {
  const env = { BENCH_DEFLATE: deflate ? '1' : undefined, WS_NO_BUFFER_UTIL: undefined, WS_NO_UTF_8_VALIDATE: undefined };
  const nodeFlags = isWsref(impl) ? [...config.wsrefNodeFlags] : [];
  const benchDir = benchDirFor(impl, config);
  const server = await Child.start(`${impl} server`, SERVER_SCRIPT[impl], { env, nodeFlags, core: SERVER_CORE, benchDir });
  if (impl === 'ws' && config.native && server.info.bufferutil === false) {
    await server.stop();
    throw new Error('ws server: bufferutil is installed but ws did not load it');
  }
  return server;
}

export async function stopAll(children: Iterable<Child>): Promise<void> {
  await Promise.all([...children].map((child) => child.stop()));
}

export interface EchoMeasurement {
  /** Server CPU (user + system) per echoed message, µs. */
  serverCpuMicros: number;
  /** Messages the server echoed per second of the measured window. */
  messagesPerSecond: number;
  /** The client process's CPU per reply it received, µs. */
  clientCpuMicros: number;
  messages: number;
}

/**
 * One echo run: the client process `load` connects to `server` and keeps `task.window`
 * messages in flight, one `send()` each; after the warm-up both processes are marked, and
 * marked again once the window has passed and enough messages were echoed.
 */
export async function measureEcho(load: Child, server: Child, task: StartEchoTask, config: BenchConfig): Promise<EchoMeasurement> {
  const mark = (child: Child) => child.request<CpuMark>({ kind: 'cpu' });
  await load.request({ ...task, kind: 'startEcho' });
  try {
    await sleep(config.warmupMs);
    const server0 = await mark(server);
    const client0 = await mark(load);
    await sleep(config.durationMs);
    let server1 = await mark(server);
    // Big messages on a loaded machine: stretch the window until enough were echoed (at most 10 s).
    while (server1.messages - server0.messages < config.minMessages && server1.atMs - server0.atMs < 10_000) {
      await sleep(20);
      server1 = await mark(server);
    }
    const client1 = await mark(load);
    const messages = server1.messages - server0.messages;
    const replies = client1.messages - client0.messages;
    if (messages <= 0 || replies <= 0) throw new Error(`no ${task.size}-byte echo within 10 s`);
    return {
      serverCpuMicros: (server1.cpuMicros - server0.cpuMicros) / messages,
      messagesPerSecond: messages / ((server1.atMs - server0.atMs) / 1000),
      clientCpuMicros: (client1.cpuMicros - client0.cpuMicros) / replies,
      messages,
    };
  } finally {
    await load.request({ kind: 'stopEcho' });
    await sleep(30); // let the server drop the connection before the next run shares its core
  }
}

export function formatRate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)}M` : value >= 1e3 ? `${(value / 1e3).toFixed(1)}k` : value.toFixed(0);
}
