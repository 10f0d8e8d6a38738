// The client-side comparison: the same echo throughput run, but the client is a real
// WebSocket client library (wsref's `connect` or ws's `WebSocket`) talking to one fixed
// server. Masking every payload (RFC 6455 §5.3) is the client's big cost. Which library
// runs is chosen by BENCH_CLIENT; ws's native helpers by the process environment.

import { performance } from 'node:perf_hooks';
import { binaryPayload, sleep } from '../shared.js';

export interface ClientEchoTask {
  kind: 'clientEcho';
  url: string;
  size: number;
  window: number;
  warmupMs: number;
  durationMs: number;
}

export interface ClientEchoResult {
  messagesPerSecond: number;
  megabytesPerSecond: number;
  messages: number;
  seconds: number;
}

/** The few calls the run needs, over either library. */
interface EchoClient {
  send(data: Buffer): void;
  onMessage(listener: (length: number) => void): void;
  onDrop(listener: (why: string) => void): void;
  terminate(): void;
}

async function wsrefClient(url: string): Promise<EchoClient> {
  const { connect } = await import('../../src/index.js');
  const session = await connect(url);
  return {
    send: (data) => void session.send(data),
    onMessage: (listener) => session.on('message', (data) => listener(data.length)),
    onDrop: (listener) => session.on('close', (code) => listener(`closed with ${code}`)),
    terminate: () => session.terminate(),
  };
}

async function wsClient(url: string): Promise<EchoClient> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    send: (data) => ws.send(data),
    onMessage: (listener) => ws.on('message', (data: Buffer) => listener(data.length)),
    onDrop: (listener) => ws.on('close', (code) => listener(`closed with ${code}`)),
    terminate: () => ws.terminate(),
  };
}

export async function runClientEcho(task: ClientEchoTask): Promise<ClientEchoResult> {
  const library = process.env.BENCH_CLIENT === 'wsref' ? wsrefClient : wsClient;
  const client = await library(task.url);
  const payload = binaryPayload(task.size);
  let sending = true;
  let bytes = 0;
  let failure: string | undefined;
  client.onDrop((why) => {
    if (sending) failure ??= why;
  });
  client.onMessage((length) => {
    bytes += length;
    if (sending) client.send(payload);
  });
  for (let i = 0; i < task.window; i++) client.send(payload);
  await sleep(task.warmupMs);
  const startBytes = bytes;
  const start = performance.now();
  await sleep(task.durationMs);
  // A loaded machine may not return even one big message in time: wait for one (at most 10 s).
  while (bytes - startBytes < task.size && performance.now() - start < 10_000) await sleep(20);
  const received = (bytes - startBytes) / task.size;
  const seconds = (performance.now() - start) / 1000;
  sending = false;
  client.terminate();
  if (failure) throw new Error(`connection dropped during the run: ${failure}`);
  if (received <= 0) throw new Error(`no ${task.size}-byte echo came back within 10 s`);
  return {
    messagesPerSecond: received / seconds,
    megabytesPerSecond: (received * task.size) / seconds / 1e6,
    messages: received,
    seconds,
  };
}
