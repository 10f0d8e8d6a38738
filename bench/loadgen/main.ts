// The load generator process: runs one task at a time for the harness (over IPC) and
// answers with its result. It lives in its own process, apart from every server.

import type { Reply, Request } from '../shared.js';
import { runClientEcho, type ClientEchoTask } from './client-tasks.js';
import { runCloseAll, runEcho, runLatency, runOpen, type CloseAllTask, type EchoTask, type LatencyTask, type OpenTask } from './raw-tasks.js';

export type LoadTask = EchoTask | LatencyTask | OpenTask | CloseAllTask | ClientEchoTask | { kind: 'exit' };

function run(task: LoadTask): Promise<unknown> {
  switch (task.kind) {
    case 'echo':
      return runEcho(task);
    case 'latency':
      return runLatency(task);
    case 'open':
      return runOpen(task);
    case 'closeAll':
      return runCloseAll();
    case 'clientEcho':
      return runClientEcho(task);
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
process.send?.({ type: 'ready', port: 0, info: { impl: process.env.BENCH_CLIENT ?? 'raw' } });
