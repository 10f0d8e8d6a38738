// RFC 6455 §4.1, §5–§7 under load: one client process of the soak's swarm. The parent (soak/run.ts)
// drives it over IPC: open N sessions to a URL and hold them, echo messages on all of them,
// close them (or keep them busy until the server shuts down), then report what it saw, its peak
// RSS and any handle it leaked. Several of these processes together hold 10,000 connections;
// connect() serializes handshakes per address within a process (RFC 6455 §4.1 step 2), so
// spreading the swarm over processes also spreads the handshakes.

import type { Session } from '../src/index.js';
import {
  activeResources,
  closeSessions,
  countLeaked,
  echoOnSessions,
  emptySwarmResult,
  openSessions,
  settleHandles,
  type SwarmResult,
} from '../spec-tests/robustness/load-kit.js';
import { peakRss } from '../spec-tests/robustness/net-kit.js';

export type ClientCommand =
  | { cmd: 'open'; url: string; count: number; perMessageDeflate?: boolean }
  | { cmd: 'echo'; messages: number; size: number }
  | { cmd: 'close' }
  | { cmd: 'busy' }
  | { cmd: 'report' };

export type ClientReport =
  | { type: 'opened'; opened: number; failed: number; errors: string[] }
  | { type: 'echoed'; result: SwarmResult }
  | { type: 'closed'; result: SwarmResult }
  | { type: 'shutdown'; codes: Record<number, number>; echoed: number }
  | { type: 'report'; peakRss: number; leakedHandles: number; leaked: Record<string, number> };

const send = (report: ClientReport) => process.send!(report);

let sessions: Session[] = [];
/** Handles before any session: taken at the first command, once the IPC channel is in use. */
let baseline: Record<string, number> | undefined;

async function handle(command: ClientCommand): Promise<void> {
  baseline ??= activeResources();
  switch (command.cmd) {
    case 'open': {
      const result = emptySwarmResult();
      sessions = await openSessions(command.url, command.count, { concurrency: 32, perMessageDeflate: command.perMessageDeflate ?? false, result });
      send({ type: 'opened', opened: result.opened, failed: result.failedToOpen, errors: result.errors });
      return;
    }
    case 'echo':
      send({ type: 'echoed', result: await echoOnSessions(sessions, command.messages, command.size) });
      return;
    case 'close':
      send({ type: 'closed', result: await closeSessions(sessions) });
      sessions = [];
      return;
    case 'busy': {
      // Keep every session sending until the server's shutdown closes it (expected: 1001).
      const codes: Record<number, number> = {};
      let echoed = 0;
      await Promise.all(
        sessions.map(
          (session) =>
            new Promise<void>((resolve) => {
              session.on('message', () => {
                echoed++;
                if (session.readyState === 1) session.send('again');
              });
              session.once('close', (code) => {
                codes[code] = (codes[code] ?? 0) + 1;
                resolve();
              });
              if (session.readyState === 1) session.send('start');
            }),
        ),
      );
      sessions = [];
      send({ type: 'shutdown', codes, echoed });
      return;
    }
    case 'report': {
      const leaked = await settleHandles(baseline, 10_000);
      send({ type: 'report', peakRss: peakRss() ?? process.memoryUsage().rss, leakedHandles: countLeaked(leaked), leaked });
      return;
    }
  }
}

process.on('message', (command: ClientCommand) => {
  handle(command).catch((error: unknown) => {
    console.error(`load-client ${process.pid}: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
