// RFC 6455 §10.7 and §7.1.1 at soak scale: slowloris clients trickle valid handshakes (§4.1) at
// 1 byte/s into a server that already holds thousands of sessions. Each must be dropped (408 or a
// plain close) within 15 s, by the HTTP server's RECOMMENDED_HTTP_SERVER_OPTIONS, and no session
// may be lost meanwhile.

import type { EchoServer } from '../spec-tests/robustness/net-kit.js';
import { trickleHandshake } from '../spec-tests/robustness/slowloris-kit.js';
import type { SoakReport } from './report.js';

/** The promise checked: a 1 byte/s handshake is let go within this long. */
const DROPPED_WITHIN_MS = 15_000;

/** Runs `count` concurrent slowloris clients against `echo` and records the checks under `phase`. */
export async function slowlorisCheck(report: SoakReport, phase: string, echo: EchoServer, count: number): Promise<void> {
  const heldBefore = echo.wss.clients.size;
  // The clients give up a little after the promise, so that a late drop is measured, not hidden.
  const outcomes = await Promise.all(Array.from({ length: count }, () => trickleHandshake(echo.port, { path: '/echo', giveUpMs: DROPPED_WITHIN_MS + 5_000 })));
  const dropped = outcomes.filter((o) => o.closed && o.ms < DROPPED_WITHIN_MS && o.sent < o.requestLength);
  const answered408 = dropped.filter((o) => o.received.startsWith('HTTP/1.1 408 ')).length;
  const silent = dropped.filter((o) => o.received === '').length;
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  report.check(
    phase,
    `${count} slowloris handshakes at 1 byte/s beside ${heldBefore} sessions: each dropped within 15 s`,
    dropped.length === count && answered408 + silent === count,
    `${dropped.length} dropped in time (${answered408} with 408, ${silent} closed silently), slowest ${(slowest / 1000).toFixed(1)} s`,
  );
  report.check(phase, 'no session lost to the slowloris', echo.wss.clients.size === heldBefore, `${echo.wss.clients.size} of ${heldBefore} held`);
}
