// The load generator process: runs one task at a time for the harness (over IPC) and
// answers with its result. It lives in its own process, apart from every server. Which
// client library it drives is set by BENCH_CLIENT (./client-tasks.ts); `latency` alternates
// blocks of round trips between servers (./latency-blocks.ts); `echo` is the raw, batched
// "parser ceiling" run (./raw-tasks.ts).

import type { Reply, Request } from '../shared.js';
import {
  cpuMark,
  runCloseAll,
  runOpen,
  startEcho,
  stopEcho,
  type CloseAllTask,
  type CpuTask,
  type OpenTask,
  type StartEchoTask,
  type StopEchoTask,
} from './client-tasks.js';
import { runLatency, type LatencyTask } from './latency-blocks.js';
import { closeMany, openMany, startEchoMany, stopEchoMany, type CloseManyTask, type OpenManyTask, type StartEchoManyTask, type StopEchoManyTask } from './many-sockets.js';
import { runEcho, type EchoTask } from './raw-tasks.js';

/** The HTTP/2 scenario's tasks (./many-sockets.ts): many wsref sessions over TCP or one HTTP/2 connection. */
type ManySocketsTask = OpenManyTask | StartEchoManyTask | StopEchoManyTask | CloseManyTask;
export type LoadTask = EchoTask | StartEchoTask | StopEchoTask | CpuTask | LatencyTask | OpenTask | CloseAllTask | ManySocketsTask | { kind: 'exit' };

async function run(task: LoadTask): Promise<unknown> {
  switch (task.kind) {
    case 'echo':
      return runEcho(task);
    case 'startEcho':
      return startEcho(task);
    case 'stopEcho':
      return stopEcho();
    case 'cpu':
      return cpuMark();
    case 'latency':
      return runLatency(task);
    case 'open':
      return runOpen(task);
    case 'closeAll':
      return runCloseAll();
    case 'openMany':
      return openMany(task);
    case 'startEchoMany':
      return startEchoMany(task);
    case 'stopEchoMany':
      return stopEchoMany();
    case 'closeMany':
      return closeMany();
    case 'exit':
      process.exit(0);
  }
}

process.on('message', (raw) => {
  const request = raw as Request<LoadTask>;
  if (request.type !== 'request') return;
  run(request.task).then(
    (result) => process.send?.({ type: 'reply', id: request.id, result } satisfies Reply),
    (error: Error) => process.send?.({ type: 'reply', id: request.id, error: error.message } satisfies Reply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', port: 0, info: { impl: process.env.BENCH_CLIENT ?? 'ws' } });
