// The "parser ceiling" scenario, kept apart from the PASS/MISS table: raw sockets write up to
// `window` prebuilt, premasked frames (RFC 6455 §5.3) per write and walk the replies without
// copying (./wire.ts). No application sends like this; it shows how fast a server's frame
// parser and output batching can go when the client costs almost nothing. The honest
// comparison, through real client libraries, is ./client-tasks.ts.

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
