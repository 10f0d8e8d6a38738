// The load generator's side of the HTTP/2 scenario (../http2-sockets.ts): many wsref client
// sessions to one server, either each on its own TCP connection (RFC 6455 §4 upgrades) or all
// as streams of one HTTP/2 connection (RFC 8441 extended CONNECT; wsref's client shares one
// connection per origin). The same client library on both sides, so only the transport differs.

import { performance } from 'node:perf_hooks';
import { binaryPayload } from '../shared.js';

export interface OpenManyTask {
  kind: 'openMany';
  url: string;
  count: number;
  /** Open them as streams of one HTTP/2 connection (h2c by prior knowledge) instead of TCP connections. */
  http2: boolean;
  /** Handshakes in progress at once. */
  concurrency: number;
}
export interface OpenManyResult {
  opened: number;
  /** From the first handshake started to the last session OPEN. */
  seconds: number;
  /** How the sessions say they are carried (`session.transport`): one value expected. */
  transports: string[];
}
export interface StartEchoManyTask {
  kind: 'startEchoMany';
  size: number;
}
export interface StopEchoManyTask {
  kind: 'stopEchoMany';
}
export interface CloseManyTask {
  kind: 'closeMany';
}

type Session = Awaited<ReturnType<typeof import('../../src/index.js')['connect']>>;

/** The sessions `openMany` opened, kept until `closeMany`. */
const sessions: Session[] = [];
let echoing: { stopping: boolean; failure?: string } | undefined;

export async function openMany(task: OpenManyTask): Promise<OpenManyResult> {
  if (sessions.length > 0) throw new Error('sessions of an earlier run are still open');
  const { connect } = await import('../../src/index.js');
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < task.count) {
      next++;
      sessions.push(await connect(task.url, { perMessageDeflate: false, ...(task.http2 ? { http2: true } : {}) }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(task.concurrency, task.count) }, worker));
  const seconds = (performance.now() - start) / 1000;
  return { opened: sessions.length, seconds, transports: [...new Set(sessions.map((s) => s.transport))] };
}

/** Every session keeps one `size`-byte binary message in flight: each echo sends the next. */
export function startEchoMany(task: StartEchoManyTask): { started: number } {
  if (echoing) throw new Error('an echo run is already going');
  const run: { stopping: boolean; failure?: string } = { stopping: false };
  echoing = run;
  const message = binaryPayload(task.size);
  for (const session of sessions) {
    session.on('message', () => {
      if (!run.stopping) session.send(message);
    });
    session.on('close', (code) => {
      if (!run.stopping) run.failure ??= `a session closed with ${code}`;
    });
    session.send(message);
  }
  return { started: sessions.length };
}

export function stopEchoMany(): Record<string, never> {
  const run = echoing;
  echoing = undefined;
  if (!run) throw new Error('no echo run to stop');
  run.stopping = true;
  if (run.failure) throw new Error(`during the run: ${run.failure}`);
  return {};
}

/** Drops every session (and with the last stream, wsref's client closes the HTTP/2 connection). */
export async function closeMany(): Promise<{ closed: number }> {
  if (echoing) echoing.stopping = true;
  echoing = undefined;
  const closed = sessions.length;
  for (const session of sessions.splice(0)) session.terminate();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { closed };
}
