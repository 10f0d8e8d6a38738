// RFC 6455 §5–§7 under load and faults: swarms of real clients echoing through a real server,
// peers that vanish without a close frame (§7.1.5: 1006), a graceful shutdown under load (§7.4.1:
// 1001), and a client reconnecting to a restarting server. Shared by the quick tests
// (load.test.ts, a few hundred connections) and the soak (soak/, 10,000 connections).

import { connect, type Session } from '../../src/index.js';
import { closeServer, withTimeout } from '../helpers/node-peers.js';
import { startEchoServer, type EchoServer } from './net-kit.js';

/** What a swarm of echoing clients saw. `lost` counts messages sent but never echoed back intact. */
export interface SwarmResult {
  opened: number;
  failedToOpen: number;
  sent: number;
  received: number;
  lost: number;
  /** Echoes that came back different or out of order. */
  corrupted: number;
  /** Close codes seen by the clients, with counts. */
  closeCodes: Record<number, number>;
  errors: string[];
}

export const emptySwarmResult = (): SwarmResult => ({ opened: 0, failedToOpen: 0, sent: 0, received: 0, lost: 0, corrupted: 0, closeCodes: {}, errors: [] });

export function addSwarmResults(into: SwarmResult, from: SwarmResult): SwarmResult {
  into.opened += from.opened;
  into.failedToOpen += from.failedToOpen;
  into.sent += from.sent;
  into.received += from.received;
  into.lost += from.lost;
  into.corrupted += from.corrupted;
  for (const [code, n] of Object.entries(from.closeCodes)) into.closeCodes[Number(code)] = (into.closeCodes[Number(code)] ?? 0) + n;
  into.errors.push(...from.errors.slice(0, 20 - into.errors.length));
  return into;
}

export interface SwarmOptions {
  readonly url: string;
  readonly connections: number;
  readonly messagesPerConnection: number;
  /** Bytes per message (text, padded); the first bytes carry the connection and sequence number. */
  readonly messageSize?: number;
  readonly perMessageDeflate?: boolean;
  /** Connection attempts in flight at once. */
  readonly connectConcurrency?: number;
  /** Called once every session is open (the swarm is "held"), before any message is sent. */
  readonly onAllOpen?: (opened: number) => Promise<void> | void;
}

/** Opens `count` sessions, at most `concurrency` attempts at a time. Failed attempts are counted. */
export async function openSessions(
  url: string,
  count: number,
  options: { concurrency?: number; perMessageDeflate?: boolean; result?: SwarmResult } = {},
): Promise<Session[]> {
  const sessions: Session[] = [];
  const result = options.result ?? emptySwarmResult();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        const session = await connect(url, { handshakeTimeout: 30_000, perMessageDeflate: options.perMessageDeflate ?? false });
        session.on('error', () => {});
        sessions.push(session);
        result.opened++;
      } catch (error) {
        result.failedToOpen++;
        if (result.errors.length < 20) result.errors.push(`connect: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 64, count) }, worker));
  return sessions;
}

function message(connection: number, sequence: number, size: number): string {
  const head = `${connection}:${sequence}:`;
  return head.length >= size ? head : head + 'x'.repeat(size - head.length);
}

/**
 * Every session sends its messages (pipelined, respecting backpressure) and checks that each
 * comes back intact and in order. Resolves when all echoes arrived or `timeoutMs` passed; the
 * ones missing then are `lost`.
 */
export async function echoOnSessions(sessions: readonly Session[], messagesPerConnection: number, messageSize = 64, result: SwarmResult = emptySwarmResult(), timeoutMs = 120_000): Promise<SwarmResult> {
  await Promise.all(
    sessions.map(async (session, index) => {
      let expected = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      const onMessage = (data: string | Buffer) => {
        const want = message(index, expected, messageSize);
        if (String(data) === want) result.received++;
        else result.corrupted++;
        expected++;
        if (expected === messagesPerConnection) done();
      };
      session.on('message', onMessage);
      session.once('close', () => done());
      for (let i = 0; i < messagesPerConnection && session.readyState === 1; i++) {
        if (!session.send(message(index, i, messageSize))) await session.drained();
        result.sent++;
      }
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      session.off('message', onMessage);
    }),
  );
  result.lost = result.sent - result.received;
  return result;
}

/** Closes every open session with 1000 and waits for their close events; records the codes. */
export async function closeSessions(sessions: readonly Session[], result: SwarmResult = emptySwarmResult(), timeoutMs = 30_000): Promise<SwarmResult> {
  await Promise.all(
    sessions.map(
      (session) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            session.terminate();
            resolve();
          }, timeoutMs).unref();
          const record = (code: number) => {
            clearTimeout(timer);
            result.closeCodes[code] = (result.closeCodes[code] ?? 0) + 1;
            resolve();
          };
          if (session.readyState === 3) return record(-1);
          session.once('close', record);
          if (session.readyState === 1) session.close(1000, 'done');
        }),
    ),
  );
  return result;
}

/** Opens a swarm, echoes, closes: the whole life of `connections` clients. */
export async function runEchoSwarm(o: SwarmOptions): Promise<SwarmResult> {
  const result = emptySwarmResult();
  const sessions = await openSessions(o.url, o.connections, { concurrency: o.connectConcurrency ?? 64, perMessageDeflate: o.perMessageDeflate ?? false, result });
  await o.onAllOpen?.(sessions.length);
  await echoOnSessions(sessions, o.messagesPerConnection, o.messageSize ?? 64, result);
  await closeSessions(sessions, result);
  return result;
}

// ─── Handles ──────────────────────────────────────────────────────────────────────────────────

/** The active handles of this process by type (TCP sockets, servers, ref'd timers, …). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Handles of each type above `baseline` (positive counts only): what leaked. */
export function leakedSince(baseline: Record<string, number>, now = activeResources()): Record<string, number> {
  const leaked: Record<string, number> = {};
  for (const [type, n] of Object.entries(now)) if (n > (baseline[type] ?? 0)) leaked[type] = n - (baseline[type] ?? 0);
  return leaked;
}

/** Waits (bounded) until no handles are left above `baseline`; returns what is still leaked. */
export async function settleHandles(baseline: Record<string, number>, ms = 10_000): Promise<Record<string, number>> {
  const end = Date.now() + ms;
  for (;;) {
    const leaked = leakedSince(baseline);
    if (Object.keys(leaked).length === 0 || Date.now() > end) return leaked;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const countLeaked = (leaked: Record<string, number>): number => Object.values(leaked).reduce((a, b) => a + b, 0);

// ─── Vanishing peers and shutdown ─────────────────────────────────────────────────────────────

/**
 * Opens `count` sessions, then drops every one's TCP connection without a close frame
 * (`terminate()`). Resolves with the close codes the *server* reported (RFC 6455 §7.1.5: 1006).
 */
export async function vanishingPeers(echo: EchoServer, count: number, concurrency = 64): Promise<{ serverCodes: Record<number, number>; opened: number }> {
  const serverCodes: Record<number, number> = {};
  let closedOnServer = 0;
  const onConnection = (session: Session) => {
    session.once('close', (code) => {
      serverCodes[code] = (serverCodes[code] ?? 0) + 1;
      closedOnServer++;
    });
  };
  echo.wss.on('connection', onConnection);
  const sessions = await openSessions(echo.url, count, { concurrency });
  for (const session of sessions) session.terminate();
  await withTimeout(
    (async () => {
      while (closedOnServer < sessions.length) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    30_000,
    'the server noticing vanished peers',
  );
  echo.wss.off('connection', onConnection);
  return { serverCodes, opened: sessions.length };
}

/**
 * `wss.close()` while every session is busy echoing: resolves with the close codes the clients
 * saw and whether close() returned in time.
 */
export async function shutdownUnderLoad(echo: EchoServer, count: number, closeTimeoutMs = 5_000): Promise<{ clientCodes: Record<number, number>; echoed: number; closeMs: number; remaining: number }> {
  const sessions = await openSessions(echo.url, count);
  const clientCodes: Record<number, number> = {};
  const closed = sessions.map((session) => new Promise<void>((resolve) => session.once('close', (code) => ((clientCodes[code] = (clientCodes[code] ?? 0) + 1), resolve()))));
  let echoed = 0;
  let running = true;
  // Keep every session busy: each echo triggers the next message until the server closes.
  for (const session of sessions) {
    session.on('message', () => {
      echoed++;
      if (running && session.readyState === 1) session.send('again');
    });
    session.send('start');
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = performance.now();
  await echo.wss.close({ timeout: closeTimeoutMs });
  const closeMs = performance.now() - started;
  running = false;
  await withTimeout(Promise.all(closed), 15_000, 'clients seeing the shutdown');
  return { clientCodes, echoed, closeMs, remaining: echo.wss.clients.size };
}

/**
 * A client that keeps reconnecting to a server that restarts `restarts` times on the same port.
 * Every life of the server must serve one echo to the client. Returns how many sessions the
 * client completed and the close codes it saw (1001 from each restart).
 */
export async function reconnectLoop(restarts: number): Promise<{ sessions: number; echoes: number; codes: Record<number, number>; refused: number }> {
  let echo: EchoServer | undefined = await startEchoServer(undefined);
  const port = echo.port;
  const url = echo.url;
  let stop = false;
  const stats = { sessions: 0, echoes: 0, codes: {} as Record<number, number>, refused: 0 };
  let generation = 0;
  const served = new Set<number>();

  const client = (async () => {
    while (!stop) {
      let session: Session;
      try {
        session = await connect(url, { handshakeTimeout: 2_000 });
      } catch {
        stats.refused++; // the server is between lives: back off a little and retry
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      stats.sessions++;
      session.on('error', () => {});
      const life = generation;
      const closed = new Promise<number>((resolve) => session.once('close', (code) => resolve(code)));
      const reply = new Promise<string>((resolve) => session.once('message', (data) => resolve(String(data))));
      if (session.readyState === 1) session.send(`life ${life}`);
      const outcome = await Promise.race([reply, closed.then(() => undefined)]);
      if (outcome === `life ${life}`) {
        stats.echoes++;
        served.add(life);
      }
      const code = await closed;
      stats.codes[code] = (stats.codes[code] ?? 0) + 1;
    }
  })();

  for (let i = 0; i < restarts; i++) {
    const current: EchoServer = echo!;
    await withTimeout(
      (async () => {
        while (!served.has(generation)) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      10_000,
      `the client being served by life ${generation}`,
    );
    await current.wss.close({ timeout: 1_000 });
    await closeServer(current.server, current.sockets);
    generation++;
    echo = await startEchoServer(undefined, {}, {}, port); // the same port: the client's URL
  }
  await withTimeout(
    (async () => {
      while (!served.has(generation)) await new Promise((resolve) => setTimeout(resolve, 5));
    })(),
    10_000,
    'the client being served by the last life',
  );
  stop = true;
  await echo!.wss.close({ timeout: 1_000 });
  await closeServer(echo!.server, echo!.sockets);
  await client;
  echo = undefined;
  return stats;
}
