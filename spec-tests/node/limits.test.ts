// Tests for the message size limit over loopback — RFC 6455 §10.4 (an implementation must protect
// itself against frames and messages larger than it can handle) with close code 1009 Message Too
// Big (§7.4.1), for one big frame, for many fragments, and after permessage-deflate decompression.
// maxMessageSize counts the message as the application receives it, never its compressed size on
// the wire, and every 1009 reason names the quantity and the limit it exceeded.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, ProtocolError, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, Resources, startHttpServer, until, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

async function pair(serverOptions: ConstructorParameters<typeof WebSocketServer>[0], clientOptions: Parameters<typeof connect>[1] = {}) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...serverOptions });
  resources.defer(() => wss.close({ timeout: 100 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const client = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2_000, ...clientOptions });
  resources.defer(() => client.terminate());
  const [serverSide] = await accepted;
  const received: unknown[] = [];
  const errors: Error[] = [];
  serverSide.on('message', (m) => received.push(m));
  serverSide.on('error', (e) => errors.push(e));
  return { client, server: serverSide, received, errors };
}

function expectTooBig(errors: Error[]): void {
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(ProtocolError);
  expect((errors[0] as ProtocolError).closeCode).toBe(1009);
}

describe('maxMessageSize (RFC 6455 §10.4)', () => {
  it('[6455-10.4-1] [6455-10.4-2] [6455-7.1.7-3] one frame over the limit: the receiver closes with 1009', async () => {
    const { client, received, errors } = await pair({ maxMessageSize: 1000 });
    const closed = nextEvent<CloseArgs>(client, 'close');
    client.send(Buffer.alloc(1000, 1)); // exactly the limit is fine
    client.send(Buffer.alloc(1001, 2));
    const [code] = await closed;
    expect(code).toBe(1009);
    expect(received).toEqual([Buffer.alloc(1000, 1)]);
    expectTooBig(errors);
  });

  it('[6455-10.4-1] [6455-10.4-2] many small fragments adding up to more than the limit: 1009', async () => {
    const { client, received, errors } = await pair({ maxMessageSize: 1000 });
    const closes: CloseArgs[] = [];
    client.on('close', (...args) => closes.push(args));
    // 5 × 200 = 1000 bytes in fragments is fine …
    for (let i = 0; i < 5; i++) client.send(Buffer.alloc(200, i), { fin: i === 4 });
    // … 11 × 100 = 1100 bytes is not.
    for (let i = 0; i < 11 && client.readyState === 1; i++) client.send(Buffer.alloc(100), { fin: i === 10 });
    await until(() => closes.length === 1, 2_000, 'close');
    expect(closes[0]![0]).toBe(1009);
    expect(received).toHaveLength(1);
    expect((received[0] as Buffer).length).toBe(1000);
    expectTooBig(errors);
  });

  it('[6455-10.4-1] [7692-6.2-1] the limit applies after permessage-deflate decompression (a small frame inflating past it)', async () => {
    const { client, received, errors } = await pair({ maxMessageSize: 10_000, perMessageDeflate: true }, { perMessageDeflate: true });
    expect(client.extensions).toMatch(/permessage-deflate/);
    const closed = nextEvent<CloseArgs>(client, 'close');
    client.send('a'.repeat(10_000)); // compresses to a few dozen bytes; at the limit
    client.send('b'.repeat(1_000_000)); // a few KiB on the wire, 1 MB inflated
    const [code] = await closed;
    expect(code).toBe(1009);
    expect(received).toEqual(['a'.repeat(10_000)]);
    expectTooBig(errors);
  });

  it('[6455-10.4-1] a client enforces its own maxMessageSize on what the server sends', async () => {
    const { client, server } = await pair({}, { maxMessageSize: 500 });
    const clientErrors: Error[] = [];
    client.on('error', (e) => clientErrors.push(e));
    const atServer = nextEvent<CloseArgs>(server, 'close');
    server.send('x'.repeat(501));
    const [code] = await atServer;
    expect(code).toBe(1009);
    expectTooBig(clientErrors);
  });
});

describe('maxMessageSize counts the message as received, not its compressed wire size (RFC 6455 §10.4, RFC 7692)', () => {
  const LIMIT = 16 * 1024 * 1024;

  /** A `ws` client (permessage-deflate on) connected to our server with maxMessageSize 16 MiB. */
  async function wsClientToOurServer() {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server, perMessageDeflate: true, maxMessageSize: LIMIT });
    resources.defer(() => wss.close({ timeout: 100 }));
    let wireBytes = 0; // what the server read from its sockets, handshake included
    server.on('connection', (socket) => socket.on('data', (chunk: Buffer) => (wireBytes += chunk.length)));
    const received: Buffer[] = [];
    const errors: Error[] = [];
    wss.on('connection', (session) => {
      session.on('message', (data) => received.push(data as Buffer));
      session.on('error', (e) => errors.push(e));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    resources.defer(() => ws.terminate());
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.extensions).toMatch(/permessage-deflate/);
    return { ws, received, errors, wire: () => wireBytes };
  }

  it('[6455-10.4-1] [6455-10.4-2] [7692-6.2-1] a ws client sending 16,777,215 and 16,777,216 bytes of incompressible data, compressed, to a 16 MiB limit: both accepted', async () => {
    const { ws, received, errors, wire } = await wsClientToOurServer();
    const messages = [randomBytes(LIMIT - 1), randomBytes(LIMIT)];
    for (const message of messages) ws.send(message, { compress: true });
    await until(() => received.length === 2 || ws.readyState !== WebSocket.OPEN, 30_000, 'both messages');
    expect(errors).toEqual([]);
    expect(received.map((m) => m.length)).toEqual([LIMIT - 1, LIMIT]);
    expect(received[0]!.equals(messages[0]!) && received[1]!.equals(messages[1]!)).toBe(true);
    // They did travel compressed, and DEFLATE made them larger than the limit on the wire.
    expect(wire()).toBeGreaterThan(2 * LIMIT + 1024);
  }, 60_000);

  it('[6455-10.4-1] [6455-7.4.1-1] [7692-6.2-1] one byte more, compressed: 1009, and the reason says the inflated message exceeds maxMessageSize', async () => {
    const { ws, received } = await wsClientToOurServer();
    const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, reason) => resolve([code, reason.toString()])));
    ws.send(randomBytes(LIMIT + 1), { compress: true });
    const [code, reason] = await withTimeout(closed, 30_000, 'close');
    expect(code).toBe(1009);
    expect(reason).toBe(`message of more than ${LIMIT} bytes once inflated exceeds maxMessageSize ${LIMIT}`);
    expect(received).toEqual([]);
  }, 60_000);

  it('[6455-10.4-1] [6455-7.4.1-1] uncompressed, one byte over: the close reason names the message size and maxMessageSize', async () => {
    const { client, errors } = await pair({ maxMessageSize: 1000 });
    const closed = nextEvent<CloseArgs>(client, 'close');
    client.send(Buffer.alloc(1001));
    const [code, reason] = await closed;
    expect(code).toBe(1009);
    expect(reason).toBe('message of 1001 bytes exceeds maxMessageSize 1000');
    expectTooBig(errors);
  });
});
