// Tests for src/node/session.ts over loopback — the session API on both sides of a real
// connection: messages (RFC 6455 §6), ping/pong (§5.5.2–5.5.3), the closing handshake (§5.5.1,
// §7.1), close codes that may not be sent (§7.4.1), abnormal closure (§7.1.5), readyState.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ProtocolError, WebSocketServer, type Session } from '../../src/index.js';
import {
  closeBody,
  encodeFrame,
  nextEvent,
  OP,
  rawUpgrade,
  readFrames,
  readHead,
  Resources,
  startHttpServer,
  startRawServer,
  acceptFor,
  until,
  type RawFrame,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

/** A server endpoint and one connected client; returns both sessions. */
async function pair(options: { server?: ConstructorParameters<typeof WebSocketServer>[0]; client?: Parameters<typeof connect>[1] } = {}) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...options.server });
  resources.defer(() => wss.close({ timeout: 200 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const client = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2_000, ...options.client });
  resources.defer(() => client.terminate());
  const [serverSide] = await accepted;
  return { client, server: serverSide, wss, port };
}

/** A server endpoint and a raw client that has completed the handshake. */
async function rawClient(serverOptions: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...serverOptions });
  resources.defer(() => wss.close({ timeout: 200 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const { socket, head } = await rawUpgrade(port, '/', resources);
  expect(head.status).toBe(101);
  const [session] = await accepted;
  const frames: RawFrame[] = [];
  readFrames(socket, head.rest, (f) => frames.push(f));
  return { socket, session, frames };
}

describe('messages and control frames', () => {
  it('[6455-6.1-6] [6455-6.2-3] text arrives as a string, binary as a Buffer, in both directions', async () => {
    const { client, server } = await pair();
    const atServer: Array<[unknown, boolean]> = [];
    const atClient: Array<[unknown, boolean]> = [];
    server.on('message', (data, isBinary) => atServer.push([data, isBinary]));
    client.on('message', (data, isBinary) => atClient.push([data, isBinary]));
    client.send('héllo');
    client.send(new Uint8Array([1, 2, 3]));
    client.send('as binary', { binary: true });
    server.send('wörld');
    server.send(Buffer.from([9, 8]));
    server.send(new Uint16Array([0x0102]).buffer);
    await until(() => atServer.length === 3 && atClient.length === 3, 2_000, 'six messages');
    expect(atServer).toEqual([
      ['héllo', false],
      [Buffer.from([1, 2, 3]), true],
      [Buffer.from('as binary'), true],
    ]);
    expect(atClient).toEqual([
      ['wörld', false],
      [Buffer.from([9, 8]), true],
      [Buffer.from(new Uint16Array([0x0102]).buffer), true],
    ]);
    expect(typeof atServer[0]![0]).toBe('string');
    expect(Buffer.isBuffer(atClient[1]![0])).toBe(true);
  });

  it('[6455-5.5.2-2] [6455-5.5.2-4] [6455-5.5.2-1] ping and pong events carry the payload; pings are answered automatically', async () => {
    const { client, server } = await pair();
    const serverPing = nextEvent<[Buffer]>(server, 'ping');
    const clientPong = nextEvent<[Buffer]>(client, 'pong');
    client.ping('are you there');
    expect((await serverPing)[0].toString()).toBe('are you there');
    expect((await clientPong)[0].toString()).toBe('are you there');
    const clientPing = nextEvent<[Buffer]>(client, 'ping');
    const serverPong = nextEvent<[Buffer]>(server, 'pong');
    server.ping(Buffer.from([0, 255]));
    expect((await clientPing)[0]).toEqual(Buffer.from([0, 255]));
    expect((await serverPong)[0]).toEqual(Buffer.from([0, 255]));
    // An unsolicited pong (§5.5.3) is just delivered.
    const unsolicited = nextEvent<[Buffer]>(server, 'pong');
    client.pong('heartbeat');
    expect((await unsolicited)[0].toString()).toBe('heartbeat');
  });

  it('[6455-5.5-1] a ping payload over 125 bytes is refused with RangeError and nothing is sent', async () => {
    const { client, server } = await pair();
    let pings = 0;
    server.on('ping', () => pings++);
    expect(() => client.ping(Buffer.alloc(126))).toThrow(RangeError);
    client.ping(Buffer.alloc(125));
    await until(() => pings === 1, 2_000, 'the 125-byte ping');
    expect(pings).toBe(1);
  });

  it('[6455-5.1-2] [6455-5.1-3] [6455-7.1.7-3] [6455-10.7-3] an unmasked frame from a client: error event, close frame 1002, connection closed', async () => {
    const { socket, session, frames } = await rawClient();
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    const closed = nextEvent<CloseArgs>(session, 'close');
    socket.write(encodeFrame(OP.text, 'not masked', { mask: false }));
    const [code, , wasClean] = await closed;
    expect(code).toBe(1006); // the raw peer never sent a close frame
    expect(wasClean).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolError);
    expect((errors[0] as ProtocolError).closeCode).toBe(1002);
    await until(() => frames.length === 1, 1_000, 'close frame');
    expect(frames[0]!.opcode).toBe(OP.close);
    expect(frames[0]!.payload.readUInt16BE(0)).toBe(1002);
  });

  it('[wsref] a protocol error with no error listener does not crash; the session still closes', async () => {
    const { socket, session } = await rawClient();
    const closed = nextEvent<CloseArgs>(session, 'close');
    socket.write(Buffer.from([0x83, 0x80, 0, 0, 0, 0])); // reserved opcode 3
    expect((await closed)[0]).toBe(1006);
  });
});

describe('the closing handshake (RFC 6455 §5.5.1, §7)', () => {
  it('[6455-7.1.2-1] [6455-5.5.1-6] [6455-5.5.1-9] [6455-7.1.2-2] a close started by the client: both sides see (code, reason, wasClean=true)', async () => {
    const { client, server } = await pair();
    const atServer = nextEvent<CloseArgs>(server, 'close');
    const atClient = nextEvent<CloseArgs>(client, 'close');
    client.close(4000, 'client done');
    expect(client.readyState).toBe(2);
    expect(await atServer).toEqual([4000, 'client done', true]);
    // The client reports the code and reason the server echoed (§5.5.1).
    expect(await atClient).toEqual([4000, 'client done', true]);
    expect([client.readyState, server.readyState]).toEqual([3, 3]);
  });

  it('[6455-7.1.2-1] [6455-5.5.1-6] a close started by the server: both sides see it as clean', async () => {
    const { client, server } = await pair();
    const atServer = nextEvent<CloseArgs>(server, 'close');
    const atClient = nextEvent<CloseArgs>(client, 'close');
    server.close(1001, 'bye ✓');
    expect(server.readyState).toBe(2);
    expect(await atClient).toEqual([1001, 'bye ✓', true]);
    expect(await atServer).toEqual([1001, 'bye ✓', true]); // the client's echo
  });

  it('[6455-5.5.1-5] after close() no more data may be sent, and a second close() is a no-op', async () => {
    const { client, server } = await pair();
    const closed = nextEvent<CloseArgs>(server, 'close');
    client.close();
    expect(() => client.send('late')).toThrow(TypeError);
    expect(() => client.close(1000)).not.toThrow();
    // No status code: the peer sees 1005 (RFC 6455 §7.1.5).
    expect(await closed).toEqual([1005, '', true]);
  });

  it('[6455-7.4.1-3] [6455-7.4.1-4] [6455-7.4.1-6] [6455-5.5-1] close codes that may not be sent and over-long reasons throw RangeError; the session stays OPEN', async () => {
    const { client, server } = await pair();
    for (const code of [1005, 1006, 1015, 999, 1004, 2999, 5000]) expect(() => client.close(code), `code ${code}`).toThrow(RangeError);
    expect(() => client.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => client.close(1000, 'é'.repeat(62))).toThrow(RangeError); // 124 bytes
    expect(client.readyState).toBe(1);
    const echoed = nextEvent<[string]>(server, 'message');
    client.send('still open');
    expect((await echoed)[0]).toBe('still open');
    const closed = nextEvent<CloseArgs>(server, 'close');
    client.close(3000, 'y'.repeat(123));
    expect(await closed).toEqual([3000, 'y'.repeat(123), true]);
  });

  it('[6455-7.2.1-2] terminate(): the peer sees 1006 and wasClean false', async () => {
    const { client, server } = await pair();
    const atServer = nextEvent<CloseArgs>(server, 'close');
    const atClient = nextEvent<CloseArgs>(client, 'close');
    client.terminate();
    expect(await atServer).toEqual([1006, '', false]);
    expect(await atClient).toEqual([1006, '', false]);
  });

  it('[6455-5.5.1-10] [6455-7.1.1-3] [6455-7.1.1-5] the server closes TCP right after the closing handshake', async () => {
    const { socket, session, frames } = await rawClient();
    const closed = nextEvent<CloseArgs>(session, 'close');
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    socket.write(encodeFrame(OP.close, closeBody(1000, 'raw bye'), { mask: true }));
    await ended; // the server's FIN, without our closing first
    expect(frames.map((f) => f.opcode)).toEqual([OP.close]);
    expect(frames[0]!.payload.readUInt16BE(0)).toBe(1000);
    socket.end();
    expect(await closed).toEqual([1000, 'raw bye', true]);
  });

  it('[6455-5.5.1-10] [6455-7.1.1-5] [6455-7.1.1-3] a client waits for the server to close TCP after the closing handshake', async () => {
    let serverSocket: net.Socket | undefined;
    let clientFin = false;
    const frames: RawFrame[] = [];
    const { port } = await startRawServer(resources, (socket) => {
      serverSocket = socket;
      void readHead(socket).then((head) => {
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n\r\n`,
        );
        socket.on('end', () => (clientFin = true));
        readFrames(socket, head.rest, (f) => frames.push(f));
      });
    });
    const client = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2_000 });
    resources.defer(() => client.terminate());
    const closed = nextEvent<CloseArgs>(client, 'close');
    serverSocket!.write(encodeFrame(OP.close, closeBody(1000, 'server first')));
    await until(() => frames.length === 1, 1_000, "the client's close frame");
    expect(frames[0]!.opcode).toBe(OP.close);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(clientFin).toBe(false); // still waiting for us
    serverSocket!.end();
    expect(await closed).toEqual([1000, 'server first', true]);
  });
});

describe('state and properties', () => {
  it('[wsref] readyState goes OPEN → CLOSING → CLOSED and bufferedAmount reports queued bytes', async () => {
    const { client, server } = await pair();
    expect([client.readyState, server.readyState]).toEqual([1, 1]);
    // A large send is queued in the socket (the write is corked until the next tick).
    server.send(Buffer.alloc(4 * 1024 * 1024));
    expect(server.bufferedAmount).toBeGreaterThan(1024 * 1024);
    await until(() => server.bufferedAmount === 0, 5_000, 'buffer drained');
    const closed = nextEvent<CloseArgs>(client, 'close');
    server.close(1000);
    expect(server.readyState).toBe(2);
    await closed;
    expect(client.readyState).toBe(3);
    await until(() => server.readyState === 3, 2_000, 'server CLOSED');
  });

  it('[6455-4.1-41] [7692-5-5] protocol and extensions are the negotiated values on both sides', async () => {
    const { client, server } = await pair({
      server: { protocols: ['v2'], perMessageDeflate: true },
      client: { protocols: ['v1', 'v2'], perMessageDeflate: true },
    });
    expect([client.protocol, server.protocol]).toEqual(['v2', 'v2']);
    expect(client.extensions).toMatch(/^permessage-deflate/);
    expect(server.extensions).toMatch(/^permessage-deflate/);
    const plain = await pair();
    expect([plain.client.protocol, plain.client.extensions, plain.server.extensions]).toEqual(['', '', '']);
  });
});
