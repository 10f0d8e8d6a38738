// The load generator's work through real client libraries, as applications drive them: the
// `ws` client (with its native helpers when installed) or wsref's `connect()`, one message per
// `send()` call, no prebuilt or batched frames. RFC 6455 §5.3 masking, framing and (with
// permessage-deflate, RFC 7692) compression are the library's job, as in an application.
// BENCH_CLIENT picks the library (ws, wsref); a `tcp` client speaks the length-prefixed echo
// of ../servers/tcp-echo.ts with one write per message, the ceiling's fair counterpart.
//
// An echo run is split in three requests so the harness can read the server's CPU between
// them: `startEcho` (connect, fill the window, keep it full), any number of `cpu` marks,
// `stopEcho`. The client's own `cpu` mark is what the client-side scenario measures.

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { binaryPayload, jsonPayload, sleep, textPayload, WS_DEFLATE, WSREF_DEFLATE, type CpuMark } from '../shared.js';
import { buildTcpMessage, tcpReplyCounter } from './wire.js';

export type ClientLibrary = 'ws' | 'wsref' | 'tcp';
export type MessageKind = 'binary' | 'text' | 'json';

/** The few calls a run needs, over any of the libraries. */
export interface EchoClient {
  send(data: Buffer | string): void;
  onMessage(listener: () => void): void;
  onDrop(listener: (why: string) => void): void;
  terminate(): void;
}

async function wsrefClient(url: string, deflate: boolean): Promise<EchoClient> {
  const { connect } = await import('../../src/index.js');
  const session = await connect(url, deflate ? { perMessageDeflate: WSREF_DEFLATE } : { perMessageDeflate: false });
  return {
    send: (data) => void session.send(data),
    onMessage: (listener) => session.on('message', () => listener()),
    onDrop: (listener) => session.on('close', (code) => listener(`closed with ${code}`)),
    terminate: () => session.terminate(),
  };
}

async function wsClient(url: string, deflate: boolean): Promise<EchoClient> {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url, { perMessageDeflate: deflate ? WS_DEFLATE : false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // A deflate run that silently fell back to plain frames would compare the wrong thing.
  if (deflate && !ws.extensions.includes('permessage-deflate')) throw new Error(`the server at ${url} did not accept permessage-deflate`);
  return {
    send: (data) => ws.send(data),
    onMessage: (listener) => ws.on('message', () => listener()),
    onDrop: (listener) => ws.on('close', (code) => listener(`closed with ${code}`)),
    terminate: () => ws.terminate(),
  };
}

/** Length-prefixed messages over a plain socket, one `write` per message. */
async function tcpClient(url: string): Promise<EchoClient> {
  const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.setNoDelay(true);
  const counter = tcpReplyCounter();
  const listeners: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (let done = counter.feed(chunk); done > 0; done--) for (const listener of listeners) listener();
  });
  return {
    send: (data) => socket.write(buildTcpMessage(typeof data === 'string' ? Buffer.from(data) : data)),
    onMessage: (listener) => listeners.push(listener),
    onDrop: (listener) => socket.on('close', () => listener('socket closed')),
    terminate: () => socket.resetAndDestroy(),
  };
}

export function open(library: ClientLibrary, url: string, deflate: boolean): Promise<EchoClient> {
  return library === 'tcp' ? tcpClient(url) : library === 'wsref' ? wsrefClient(url, deflate) : wsClient(url, deflate);
}

/** Which library this process drives (BENCH_CLIENT; ws by default). */
export const LIBRARY: Exclude<ClientLibrary, 'tcp'> = process.env.BENCH_CLIENT === 'wsref' ? 'wsref' : 'ws';

/** What one `send()` passes: a Buffer for binary, a string for text (as applications send text). */
function messageOf(kind: MessageKind, size: number): Buffer | string {
  if (kind === 'binary') return binaryPayload(size);
  return (kind === 'text' ? textPayload(size) : jsonPayload(size)).toString();
}

export interface StartEchoTask {
  kind: 'startEcho';
  url: string;
  tcp: boolean;
  size: number;
  payload: MessageKind;
  deflate: boolean;
  /** Messages kept in flight: each reply triggers one more `send()`. */
  window: number;
}
export interface StopEchoTask {
  kind: 'stopEcho';
}
export interface CpuTask {
  kind: 'cpu';
}

interface EchoRun {
  client: EchoClient;
  failure?: string;
  stopping: boolean;
}
let running: EchoRun | undefined;
/** Echo replies this process has received since it started. */
let received = 0;

export async function startEcho(task: StartEchoTask): Promise<{ started: true }> {
  if (running) throw new Error('an echo run is already going');
  const client = await open(task.tcp ? 'tcp' : LIBRARY, task.url, task.deflate);
  const message = messageOf(task.payload, task.size);
  const run: EchoRun = { client, stopping: false };
  running = run;
  client.onDrop((why) => {
    if (!run.stopping) run.failure ??= why;
  });
  client.onMessage(() => {
    received++;
    if (!run.stopping) client.send(message);
  });
  for (let i = 0; i < task.window; i++) client.send(message);
  return { started: true };
}

export function stopEcho(): { failure?: string } {
  const run = running;
  running = undefined;
  if (!run) throw new Error('no echo run to stop');
  run.stopping = true;
  run.client.terminate();
  if (run.failure) throw new Error(`connection dropped during the run: ${run.failure}`);
  return {};
}

/** This process's CPU time and the replies it has received (for the client-side scenario). */
export function cpuMark(): CpuMark {
  const usage = process.cpuUsage();
  return { type: 'cpu', cpuMicros: usage.user + usage.system, messages: received, atMs: performance.now() };
}

export interface OpenTask {
  kind: 'open';
  url: string;
  count: number;
  /** Handshakes in progress at once. */
  concurrency: number;
  deflate: boolean;
  /** Echo one compressed 1 KiB message per connection, so both of the server's zlib streams exist. */
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

/** Connections opened by `runOpen`, kept until `closeAll`. */
const held: EchoClient[] = [];

export async function runOpen(task: OpenTask): Promise<OpenResult> {
  const prime = task.prime ? messageOf('json', 1024) : undefined;
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < task.count) {
      next++;
      const client = await open(LIBRARY, task.url, task.deflate);
      held.push(client);
      if (prime !== undefined) {
        await new Promise<void>((resolve, reject) => {
          client.onMessage(resolve);
          client.onDrop((why) => reject(new Error(`a primed connection dropped: ${why}`)));
          client.send(prime);
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
  for (const client of held.splice(0)) client.terminate();
  await sleep(50);
  return { closed };
}
