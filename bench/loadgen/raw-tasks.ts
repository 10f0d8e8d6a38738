// The load generator's measurements against a server, all driven through ./wire.ts so the
// client side costs the same for every server: echo throughput with a window of messages
// in flight, one-at-a-time round-trip latency, and many mostly idle connections.

import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import { binaryPayload, jsonPayload, sleep, textPayload } from '../shared.js';
import {
  buildClientFrame,
  buildTcpMessage,
  compressMessage,
  OPCODE_BINARY,
  OPCODE_TEXT,
  openTcp,
  openWebSocket,
  tcpReplyCounter,
  webSocketReplyCounter,
  type OpenSocket,
} from './wire.js';

export type PayloadKind = 'binary' | 'text' | 'json';

export interface EchoTask {
  kind: 'echo';
  port: number;
  protocol: 'ws' | 'tcp';
  size: number;
  payload: PayloadKind;
  deflate: boolean;
  /** Messages kept in flight. */
  window: number;
  warmupMs: number;
  durationMs: number;
}

export interface EchoResult {
  messagesPerSecond: number;
  /** Echoed payload (uncompressed size) per second, in MB (10^6 bytes). */
  megabytesPerSecond: number;
  messages: number;
  seconds: number;
}

export interface LatencyTask {
  kind: 'latency';
  port: number;
  protocol: 'ws' | 'tcp';
  size: number;
  warmupMs: number;
  durationMs: number;
}

export interface LatencyResult {
  samples: number;
  p50Micros: number;
  p99Micros: number;
  meanMicros: number;
}

export interface OpenTask {
  kind: 'open';
  port: number;
  count: number;
  /** Handshakes in progress at once. */
  concurrency: number;
  deflate: boolean;
  /** Exchange one compressed message per connection, so both of the server's zlib streams exist. */
  prime: boolean;
}

export interface OpenResult {
  opened: number;
  seconds: number;
  perSecond: number;
}

export interface CloseAllTask {
  kind: 'closeAll';
}

function payloadOf(kind: PayloadKind, size: number): Buffer {
  return kind === 'binary' ? binaryPayload(size) : kind === 'text' ? textPayload(size) : jsonPayload(size);
}

/** The exact bytes one message takes on the wire from the load generator. */
function wireMessage(protocol: 'ws' | 'tcp', kind: PayloadKind, size: number, deflate: boolean): Buffer {
  const payload = payloadOf(kind, size);
  if (protocol === 'tcp') return buildTcpMessage(payload);
  const opcode = kind === 'binary' ? OPCODE_BINARY : OPCODE_TEXT;
  return deflate ? buildClientFrame(opcode, compressMessage(payload), true) : buildClientFrame(opcode, payload);
}

function open(protocol: 'ws' | 'tcp', port: number, deflate: boolean): Promise<OpenSocket> {
  return protocol === 'tcp' ? openTcp(port) : openWebSocket(port, deflate);
}

/** Fails the run if the server drops the connection while it is being measured. */
function watchForDrop(socket: net.Socket, onDrop: (error: Error) => void): () => void {
  let expected = false;
  const dropped = (error?: Error) => {
    if (!expected) onDrop(error ?? new Error('server closed the connection during the run'));
  };
  socket.on('error', dropped);
  socket.on('close', () => dropped());
  return () => {
    expected = true;
  };
}

export async function runEcho(task: EchoTask): Promise<EchoResult> {
  const frame = wireMessage(task.protocol, task.payload, task.size, task.deflate);
  const { socket, leftover } = await open(task.protocol, task.port, task.deflate);
  const counter = task.protocol === 'tcp' ? tcpReplyCounter() : webSocketReplyCounter();
  // Small frames go out `window` at a time from one prebuilt buffer; large ones one by one.
  const perBatch = frame.length <= 64 * 1024 ? task.window : 1;
  const batch = perBatch > 1 ? Buffer.concat(Array.from({ length: perBatch }, () => frame)) : frame;
  let sending = true;
  let messages = 0;
  let failure: Error | undefined;
  const sendFrames = (count: number) => {
    while (count > 0) {
      const n = Math.min(count, perBatch);
      socket.write(n === perBatch ? batch : batch.subarray(0, n * frame.length));
      count -= n;
    }
  };
  const expectClose = watchForDrop(socket, (error) => (failure ??= error));
  socket.on('data', (chunk: Buffer) => {
    const done = counter.feed(chunk);
    if (done === 0) return;
    messages += done;
    if (sending) sendFrames(done);
  });
  if (leftover.length > 0) messages += counter.feed(leftover);
  socket.resume();
  sendFrames(task.window);

  await sleep(task.warmupMs);
  const startMessages = messages;
  const startBytes = counter.payloadBytes;
  const start = performance.now();
  await sleep(task.durationMs);
  // A loaded machine may not return even one big message in time: wait for one (at most 10 s).
  while ((task.deflate ? messages - startMessages < 1 : counter.payloadBytes - startBytes < task.size) && performance.now() - start < 10_000) {
    await sleep(20);
  }
  const endMessages = messages;
  const endBytes = counter.payloadBytes;
  const seconds = (performance.now() - start) / 1000;
  sending = false;
  expectClose();
  socket.resetAndDestroy();
  if (failure) throw failure;

  // Uncompressed payload is counted in bytes (partial messages count too, which matters for
  // 16 MiB messages); compressed replies can only be counted in whole messages.
  const received = task.deflate ? endMessages - startMessages : (endBytes - startBytes) / task.size;
  if (received <= 0) throw new Error(`no ${task.size}-byte echo came back within 10 s`);
  return {
    messagesPerSecond: received / seconds,
    megabytesPerSecond: (received * task.size) / seconds / 1e6,
    messages: received,
    seconds,
  };
}

export async function runLatency(task: LatencyTask): Promise<LatencyResult> {
  const frame = wireMessage(task.protocol, 'binary', task.size, false);
  const { socket, leftover } = await open(task.protocol, task.port, false);
  const counter = task.protocol === 'tcp' ? tcpReplyCounter() : webSocketReplyCounter();
  const samples = new Float64Array(2_000_000);
  let count = 0;
  let recording = false;
  let running = true;
  let sentAt = 0n;
  let failure: Error | undefined;
  const expectClose = watchForDrop(socket, (error) => (failure ??= error));
  const send = () => {
    sentAt = process.hrtime.bigint();
    socket.write(frame);
  };
  socket.on('data', (chunk: Buffer) => {
    if (counter.feed(chunk) === 0) return;
    const elapsed = Number(process.hrtime.bigint() - sentAt);
    if (recording && count < samples.length) samples[count++] = elapsed;
    if (running) send();
  });
  if (leftover.length > 0) counter.feed(leftover);
  socket.resume();
  send();
  await sleep(task.warmupMs);
  recording = true;
  await sleep(task.durationMs);
  running = false;
  recording = false;
  expectClose();
  socket.resetAndDestroy();
  if (failure) throw failure;
  if (count === 0) throw new Error('no round trip completed');
  const sorted = samples.subarray(0, count).sort();
  const quantile = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))]! / 1000;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  return { samples: count, p50Micros: quantile(0.5), p99Micros: quantile(0.99), meanMicros: sum / count / 1000 };
}

/** Connections opened by `runOpen`, kept until `closeAll`. */
const held: net.Socket[] = [];

export async function runOpen(task: OpenTask): Promise<OpenResult> {
  const prime = task.prime ? wireMessage('ws', 'json', 1024, task.deflate) : undefined;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < task.count) {
      next++;
      const { socket, leftover } = await openWebSocket(task.port, task.deflate);
      socket.on('error', () => {});
      held.push(socket);
      if (prime) {
        const counter = webSocketReplyCounter();
        await new Promise<void>((resolve, reject) => {
          const onData = (chunk: Buffer) => {
            if (counter.feed(chunk) > 0) {
              socket.off('data', onData);
              socket.pause();
              resolve();
            }
          };
          socket.on('data', onData);
          socket.once('close', () => reject(new Error('server closed a primed connection')));
          if (leftover.length > 0) onData(leftover);
          socket.resume();
          socket.write(prime);
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(task.concurrency, task.count) }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { opened: task.count, seconds, perSecond: task.count / seconds };
}

export async function runCloseAll(): Promise<{ closed: number }> {
  const closed = held.length;
  // RST instead of FIN: no TIME_WAIT left behind to use up loopback ports between rounds.
  for (const socket of held.splice(0)) socket.resetAndDestroy();
  await sleep(50);
  return { closed };
}
