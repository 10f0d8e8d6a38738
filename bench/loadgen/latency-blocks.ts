// Round-trip latency for the `latency` scenario: one binary message in flight per connection
// (an RFC 6455 §5.6 data frame, masked by the client library as §5.3 requires), the next sent
// when the echo of the last one arrives.
//
// Every server under comparison gets its own connection, all opened before the first sample.
// Then the connections take turns in short blocks (the order reversed every other block), each
// block starting with a few unrecorded round trips, and each connection's samples are pooled
// over its blocks. A p99 is decided by its slowest 1%: measured in one window per server, it is
// decided by whatever else the machine did in that window; spread over many short blocks that
// sit side by side in time, the same background events land on every server alike.

import { performance } from 'node:perf_hooks';
import { binaryPayload, sleep } from '../shared.js';
import { LIBRARY, open, type EchoClient } from './client-tasks.js';

export interface LatencyTarget {
  /** The name the result is reported under (the implementation). */
  name: string;
  url: string;
  /** The length-prefixed raw TCP echo instead of a WebSocket (../servers/tcp-echo.ts). */
  tcp: boolean;
}

export interface LatencyTask {
  kind: 'latency';
  /** The servers to compare, in the order of the first block. */
  targets: LatencyTarget[];
  size: number;
  /** Unrecorded round trips on every connection, in turn, before the first block. */
  warmupMs: number;
  /** Recorded blocks per target. */
  blocks: number;
  /** Recorded time of one block. */
  blockMs: number;
  /** Unrecorded round trips at the start of every block (the server has just been idle). */
  blockWarmupMs: number;
}

export interface LatencyResult {
  /** Round trips recorded, over all blocks. */
  samples: number;
  p50Micros: number;
  p99Micros: number;
  meanMicros: number;
  /** Round trips recorded in each block. */
  blockSamples: number[];
  /** When each block's recording began, in ms after the first block's. */
  blockStartsMs: number[];
}

/** One connection's round trips and the samples of all its blocks. */
class RoundTrips {
  private readonly samples: Float64Array;
  private count = 0;
  private readonly blockSamples: number[] = [];
  private readonly blockStartsMs: number[] = [];
  private sentAt = 0n;
  private recording = false;
  private stopping = false;
  private closing = false;
  /** Settles the run in progress: after the last echo, or when the connection drops. */
  private settle: ((error?: Error) => void) | undefined;
  private failure: string | undefined;

  private constructor(
    readonly name: string,
    private readonly client: EchoClient,
    private readonly message: Buffer,
    capacity: number,
  ) {
    this.samples = new Float64Array(capacity);
    client.onDrop((why) => {
      if (this.closing) return;
      this.failure ??= why;
      this.finish(new Error(`${name}: connection dropped during the run: ${why}`));
    });
    client.onMessage(() => {
      const elapsed = Number(process.hrtime.bigint() - this.sentAt);
      if (this.recording && this.count < this.samples.length) this.samples[this.count++] = elapsed;
      if (this.stopping) this.finish();
      else this.send();
    });
  }

  static async open(target: LatencyTarget, message: Buffer, capacity: number): Promise<RoundTrips> {
    const client = await open(target.tcp ? 'tcp' : LIBRARY, target.url, false);
    return new RoundTrips(target.name, client, message, capacity);
  }

  /** Unrecorded round trips for `ms`. */
  warmUp(ms: number): Promise<void> {
    return this.run(ms, 0);
  }

  /** One block: `warmupMs` unrecorded, then `recordMs` recorded; `originMs` is the first block's start. */
  async block(warmupMs: number, recordMs: number, originMs: number): Promise<void> {
    const before = this.count;
    await this.run(warmupMs, recordMs, () => this.blockStartsMs.push(performance.now() - originMs));
    this.blockSamples.push(this.count - before);
  }

  result(): LatencyResult {
    const count = this.count;
    if (count === 0) throw new Error(`${this.name}: no round trip completed`);
    const sorted = this.samples.subarray(0, count).sort();
    const quantile = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))]! / 1000;
    let sum = 0;
    for (let i = 0; i < count; i++) sum += sorted[i]!;
    const { blockSamples, blockStartsMs } = this;
    return { samples: count, p50Micros: quantile(0.5), p99Micros: quantile(0.99), meanMicros: sum / count / 1000, blockSamples, blockStartsMs };
  }

  close(): void {
    this.closing = true;
    this.client.terminate();
  }

  /**
   * Round trips for `warmupMs`, then recorded ones for `recordMs`; resolves once the echo of the
   * last message is back, so nothing is in flight when another connection's block begins.
   */
  private async run(warmupMs: number, recordMs: number, onRecording?: () => void): Promise<void> {
    if (this.failure) throw new Error(`${this.name}: connection dropped during the run: ${this.failure}`);
    const done = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    this.stopping = false;
    this.send();
    // A drop while sleeping settles `done`; the sleeps end anyway, then `done` reports it.
    const stopped = (async () => {
      await sleep(warmupMs);
      if (recordMs > 0) {
        onRecording?.();
        this.recording = true;
        await sleep(recordMs);
        this.recording = false;
      }
      this.stopping = true;
    })();
    await Promise.all([done, stopped]);
  }

  private send(): void {
    this.sentAt = process.hrtime.bigint();
    this.client.send(this.message);
  }

  private finish(error?: Error): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(error);
  }
}

/** Opens one connection per target, then alternates blocks between them; the pooled results by target name. */
export async function runLatency(task: LatencyTask): Promise<Record<string, LatencyResult>> {
  const message = binaryPayload(task.size);
  // Room for one round trip per 5 µs of recorded time, well beyond what loopback allows.
  const capacity = Math.ceil((task.blocks * task.blockMs * 1000) / 5);
  const connections: RoundTrips[] = [];
  try {
    for (const target of task.targets) connections.push(await RoundTrips.open(target, message, capacity));
    for (const connection of connections) await connection.warmUp(task.warmupMs);
    const originMs = performance.now();
    for (let block = 0; block < task.blocks; block++) {
      const order = block % 2 === 0 ? connections : [...connections].reverse();
      for (const connection of order) await connection.block(task.blockWarmupMs, task.blockMs, originMs);
    }
    return Object.fromEntries(connections.map((connection) => [connection.name, connection.result()]));
  } finally {
    for (const connection of connections) connection.close();
  }
}
