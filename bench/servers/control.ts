// What every benchmark server process does besides echoing: tell the harness its port over
// the IPC channel, measure its own memory when asked (after forced garbage collection, so the
// numbers are live objects, not garbage waiting for a collection), and report the CPU time it
// has used and the messages it has echoed (`cpu`), so CPU per message is measured inside the
// process that spends it.

/** What a server counts for the harness. */
export interface ServerCounters {
  /** Open WebSocket (or TCP) connections. */
  connections(): number;
  /** Messages echoed since the process started. */
  messages(): number;
  /** HTTP/2 connections carrying those WebSockets (the HTTP/2 server only). */
  http2Connections?(): number;
}

import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { CpuMark, MemoryReport, ReadyMessage, Reply, Request } from '../shared.js';

type Gc = () => void;

/** Collects garbage until the heap stops shrinking (at most 6 rounds). Needs --expose-gc. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) throw new Error('server process started without --expose-gc');
  let previous = Infinity;
  for (let round = 0; round < 6; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const used = process.memoryUsage().heapUsed;
    if (used >= previous * 0.995) break;
    previous = used;
  }
}

/**
 * Wires the process to the harness: sends `ready` once, answers `measure` with a memory
 * report and `cpu` with a CpuMark, and exits on `exit` (or when the harness goes away).
 */
export function serveHarness(port: number, info: Record<string, unknown>, counters: ServerCounters): void {
  const send = (message: ReadyMessage | Reply) => process.send?.(message);
  process.on('message', (raw) => {
    const request = raw as Request<{ kind: 'measure' | 'cpu' | 'exit' }>;
    if (request.type !== 'request') return;
    if (request.task.kind === 'exit') process.exit(0);
    if (request.task.kind === 'cpu') {
      const usage = process.cpuUsage();
      const result: CpuMark = { type: 'cpu', cpuMicros: usage.user + usage.system, messages: counters.messages(), atMs: performance.now() };
      send({ type: 'reply', id: request.id, result });
    }
    if (request.task.kind === 'measure') {
      void settle().then(
        () => {
          const usage = process.memoryUsage();
          const result: MemoryReport = {
            type: 'memory',
            rss: usage.rss,
            heapUsed: usage.heapUsed,
            heapTotal: usage.heapTotal,
            newSpace: v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
            external: usage.external,
            arrayBuffers: usage.arrayBuffers,
            connections: counters.connections(),
            ...(counters.http2Connections ? { http2Connections: counters.http2Connections() } : {}),
          };
          send({ type: 'reply', id: request.id, result });
        },
        (error: Error) => send({ type: 'reply', id: request.id, error: error.message }),
      );
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port, info });
}
