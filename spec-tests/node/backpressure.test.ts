// Tests for src/node/session.ts flow control over loopback — a peer that does not read must not
// make the sender buffer without bound (RFC 6455 §10.4 in spirit: protect against exhaustion):
// `send` reports backpressure above highWaterMark, 'drain' says when to go on, and a peer that
// leaves more than maxBufferedAmount unread is dropped. pause()/resume() is the receiving side.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../src/core/index.js';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { DEFAULT_SESSION_OPTIONS } from '../../src/node/session.js';
import { nextEvent, rawUpgrade, Resources, startHttpServer, until, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const CHUNK = Buffer.alloc(64 * 1024, 0x61);

/** A server session whose raw peer completed the handshake and then stopped reading. */
async function sessionWithSilentReader(options: ConstructorParameters<typeof WebSocketServer>[0]): Promise<{ session: Session; reader: net.Socket }> {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...options });
  resources.defer(() => wss.close({ timeout: 100 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const { socket, head } = await rawUpgrade(port, '/', resources);
  expect(head.status).toBe(101);
  // rawUpgrade leaves the socket paused: from here on the kernel buffers fill up.
  const [session] = await accepted;
  return { session, reader: socket };
}

/**
 * Sends 64 KiB per event-loop turn (so each write really reaches the socket) until `send`
 * returns false — or, with `ignoreBackpressure`, until the session is no longer OPEN; at most
 * `limit` sends. Returns how many were sent.
 */
async function sendUntil(session: Session, limit: number, ignoreBackpressure = false): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    if (session.readyState !== 1) return i - 1;
    const accepted = session.send(CHUNK);
    await tick();
    if (!accepted && !ignoreBackpressure) return i;
  }
  throw new Error(`sent ${limit} chunks without ${ignoreBackpressure ? 'the session being dropped' : 'backpressure'}`);
}

/** A server and a client on all defaults, over loopback: the client, the server's session, and the session's errors. */
async function defaultPair() {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server });
  resources.defer(() => wss.close({ timeout: 100 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const client = await connect(`ws://127.0.0.1:${port}/`);
  resources.defer(() => client.terminate());
  const [session] = await accepted;
  const serverErrors: Error[] = [];
  session.on('error', (e) => serverErrors.push(e));
  return { client, session, serverErrors };
}

describe('backpressure towards a peer that does not read', () => {
  it('[wsref] send returns false above highWaterMark, stays false while the peer is stalled, then drain after it reads', async () => {
    const { session, reader } = await sessionWithSilentReader({ highWaterMark: 128 * 1024, maxBufferedAmount: 256 * 1024 * 1024 });
    const sent = await sendUntil(session, 1_000);
    expect(session.bufferedAmount).toBeGreaterThan(128 * 1024);
    // Stalled: a moment later the data is still queued.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(session.bufferedAmount).toBeGreaterThan(128 * 1024);
    const drained = nextEvent(session, 'drain', 5_000);
    let received = 0;
    reader.on('data', (chunk: Buffer) => (received += chunk.length));
    reader.resume();
    await drained;
    await withTimeout(session.drained(), 5_000, 'drained()');
    await until(() => received >= sent * CHUNK.length, 5_000, 'all bytes reach the reader');
    expect(session.readyState).toBe(1);
    expect(session.send('more')).toBe(true);
  });

  it('[6455-10.4-1] [wsref] with a small maxBufferedAmount the session is dropped instead of buffering forever', async () => {
    const { session } = await sessionWithSilentReader({ highWaterMark: 64 * 1024, maxBufferedAmount: 512 * 1024 });
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const closes: Array<[number, string, boolean]> = [];
    session.on('close', (...args) => closes.push(args));
    // An application that ignores `false` from send: the session must still be bounded.
    const sent = await sendUntil(session, 1_000, true);
    await until(() => closes.length === 1, 2_000, 'close event');
    const [code, , wasClean] = closes[0]!;
    // Dropped once the kernel's buffers (a few MiB on loopback) and our 512 KiB are full,
    // not after tens of megabytes more.
    expect(sent * CHUNK.length).toBeLessThan(40 * 1024 * 1024);
    expect(code).toBe(1006);
    expect(wasClean).toBe(false);
    expect(errors.map((e) => e.message).join()).toMatch(/not reading/);
  });
});

describe('pausing the receiving side', () => {
  it('[wsref] pause() stops message delivery and resume() delivers what waited, in order', async () => {
    const { client, session: serverSide } = await defaultPair();
    const received: unknown[] = [];
    serverSide.on('message', (data) => received.push(data));
    serverSide.pause();
    for (const n of [1, 2, 3]) client.send(`m${n}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([]);
    serverSide.resume();
    await until(() => received.length === 3, 2_000, 'three messages after resume');
    expect(received).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('defaults that agree: maxBufferedAmount leaves room for the largest message maxMessageSize accepts', () => {
  const MIB = 1024 * 1024;

  it('[6455-10.4-1] [wsref] the defaults are one constant: maxMessageSize and maxBufferedAmount are both 64 MiB', () => {
    expect(DEFAULT_MAX_MESSAGE_SIZE).toBe(64 * MIB);
    expect(DEFAULT_SESSION_OPTIONS.maxMessageSize).toBe(DEFAULT_MAX_MESSAGE_SIZE);
    expect(DEFAULT_SESSION_OPTIONS.maxBufferedAmount).toBe(DEFAULT_MAX_MESSAGE_SIZE);
  });

  it('[6455-10.4-1] [wsref] on all defaults, one message of exactly maxMessageSize goes from the server to a reading client', async () => {
    const { client, session, serverErrors } = await defaultPair();
    const received = nextEvent<[Buffer, boolean]>(client, 'message', 20_000);
    const message = Buffer.alloc(DEFAULT_MAX_MESSAGE_SIZE, 0x5a);
    session.send(message);
    const [data] = await received;
    expect(data.length).toBe(DEFAULT_MAX_MESSAGE_SIZE);
    expect(data.equals(message)).toBe(true);
    expect(serverErrors).toEqual([]);
    expect(session.readyState).toBe(1);
  }, 30_000);

  it('[6455-10.4-1] [wsref] an echo server on the defaults answering four 16 MiB messages at once (64 MiB + 40 bytes queued in one tick): all four arrive', async () => {
    const { client, session, serverErrors } = await defaultPair();
    const pending: Array<[Buffer, boolean]> = [];
    session.on('message', (data, isBinary) => {
      pending.push([data as Buffer, isBinary]);
      // Echo in a batch, without waiting for drain: the four frames are queued in the same tick.
      if (pending.length === 4) for (const [message, binary] of pending.splice(0)) session.send(message, { binary });
    });
    const messages = Array.from({ length: 4 }, (_, i) => Buffer.alloc(16 * MIB, i + 1));
    const received: Buffer[] = [];
    client.on('message', (data) => received.push(data as Buffer));
    for (const message of messages) {
      if (!client.send(message)) await client.drained(); // the client respects backpressure
    }
    await until(() => received.length === 4 || session.readyState !== 1, 20_000, 'four echoes');
    expect(serverErrors).toEqual([]);
    expect(received.map((m) => [m.length, m[0], m[m.length - 1]])).toEqual(messages.map((m) => [m.length, m[0], m[m.length - 1]]));
  }, 60_000);

  it('[6455-10.4-1] [wsref] on the defaults, a peer that never reads is still dropped, having cost at most maxBufferedAmount plus one frame', async () => {
    const { session } = await sessionWithSilentReader({});
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const closed = nextEvent<[number, string, boolean]>(session, 'close', 20_000);
    const chunk = Buffer.alloc(MIB, 0x61);
    let peakBuffered = 0;
    let sent = 0;
    while (session.readyState === 1 && sent < 1024 * MIB) {
      session.send(chunk); // an application that ignores send()'s false
      sent += chunk.length;
      peakBuffered = Math.max(peakBuffered, session.bufferedAmount);
      await tick();
    }
    const [code, , wasClean] = await closed;
    expect(code).toBe(1006);
    expect(wasClean).toBe(false);
    expect(peakBuffered).toBeLessThanOrEqual(DEFAULT_MAX_MESSAGE_SIZE + chunk.length + 10);
    expect(sent).toBeLessThan(DEFAULT_MAX_MESSAGE_SIZE + 32 * MIB); // kernel buffers take a few MiB
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^peer is not reading: \d+ bytes still queued from earlier writes exceed maxBufferedAmount 67108864$/),
    ]);
  }, 30_000);
});
