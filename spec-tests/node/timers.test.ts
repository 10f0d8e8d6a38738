// Tests for the session timers (src/node/session-timers.ts, wired in by session-transport.ts) over loopback: keepalive pings (RFC 6455
// §5.5.2 "may serve as a keepalive"), dropping a peer that no longer answers, the idle timeout
// (closed with 1001 Going Away, §7.4.1), and the closing timeout — an endpoint that never answers
// our close frame is dropped rather than waited for forever (§7.1.1, §7.1.7).
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import {
  acceptFor,
  encodeFrame,
  nextEvent,
  OP,
  rawUpgrade,
  readFrames,
  readHead,
  Resources,
  startHttpServer,
  startRawServer,
  until,
  withTimeout,
  type RawFrame,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

async function endpoint(options: ConstructorParameters<typeof WebSocketServer>[0]) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...options });
  resources.defer(() => wss.close({ timeout: 100 }));
  return { wss, port };
}

/** A `ws` client (a peer we did not write), registered for cleanup. */
async function wsClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  resources.defer(() => ws.terminate());
  await nextEvent(ws, 'open');
  return ws;
}

describe('keepalive pings', () => {
  it('[6455-5.5.2-4] [6455-5.5.2-2] pingInterval: an idle connection gets pings, the ws peer answers, and the session stays open', async () => {
    const { wss, port } = await endpoint({ pingInterval: 60, pongTimeout: 300 });
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const ws = await wsClient(`ws://127.0.0.1:${port}/`);
    const [session] = await accepted;
    let pingsAtClient = 0;
    let pongsAtServer = 0;
    ws.on('ping', () => pingsAtClient++);
    session.on('pong', () => pongsAtServer++);
    await until(() => pingsAtClient >= 3 && pongsAtServer >= 3, 2_000, 'three keepalive rounds');
    // Longer than pongTimeout has passed; the answers kept the session alive.
    expect(session.readyState).toBe(1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('[wsref] a peer that reads but never answers is dropped after pongTimeout', async () => {
    const { wss, port } = await endpoint({ pingInterval: 50, pongTimeout: 100 });
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const { socket, head } = await rawUpgrade(port, '/', resources);
    const frames: RawFrame[] = [];
    readFrames(socket, head.rest, (f) => frames.push(f)); // reads, never writes
    const [session] = await accepted;
    const errors: string[] = [];
    session.on('error', (e) => errors.push(e.message));
    const started = Date.now();
    const [code, , wasClean] = await nextEvent<CloseArgs>(session, 'close', 2_000);
    const elapsed = Date.now() - started;
    expect([code, wasClean]).toEqual([1006, false]);
    expect(frames.some((f) => f.opcode === OP.ping)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(1_500);
    expect(errors.join()).toMatch(/pong/);
  });
});

describe('idle timeout', () => {
  it('[wsref] idleTimeout closes a connection without messages with 1001 "idle timeout"', async () => {
    const { port } = await endpoint({ idleTimeout: 150 });
    const client = await connect(`ws://127.0.0.1:${port}/`);
    resources.defer(() => client.terminate());
    const started = Date.now();
    const [code, reason, wasClean] = await nextEvent<CloseArgs>(client, 'close', 2_000);
    expect([code, reason, wasClean]).toEqual([1001, 'idle timeout', true]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('[wsref] messages keep an idleTimeout connection open', async () => {
    const { wss, port } = await endpoint({ idleTimeout: 300 });
    wss.on('connection', (s) => s.on('message', () => {}));
    const client = await connect(`ws://127.0.0.1:${port}/`);
    resources.defer(() => client.terminate());
    const closes: CloseArgs[] = [];
    client.on('close', (...args) => closes.push(args));
    for (let i = 0; i < 14; i++) {
      client.send(`tick ${i}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(closes).toEqual([]); // 700 ms of traffic, well past 300 ms
    await until(() => closes.length === 1, 2_000, 'idle close once traffic stops');
    expect(closes[0]![0]).toBe(1001);
  });
});

describe('closing timeout (RFC 6455 §7.1.1)', () => {
  it('[6455-7.1.1-2] [6455-7.1.7-2] a server drops a peer that never answers its close frame after closeTimeout', async () => {
    const { wss, port } = await endpoint({ closeTimeout: 150 });
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const { socket, head } = await rawUpgrade(port, '/', resources);
    const frames: RawFrame[] = [];
    readFrames(socket, head.rest, (f) => frames.push(f));
    const [session] = await accepted;
    const started = Date.now();
    session.close(1000, 'bye');
    const [code, , wasClean] = await nextEvent<CloseArgs>(session, 'close', 2_000);
    const elapsed = Date.now() - started;
    expect([code, wasClean]).toEqual([1006, false]);
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_500);
    expect(frames.map((f) => f.opcode)).toEqual([OP.close]);
  });

  it('[6455-7.1.1-4] a client drops a server that never answers its close frame after closeTimeout', async () => {
    let serverSocket: net.Socket | undefined;
    const { port } = await startRawServer(resources, (socket) => {
      serverSocket = socket;
      void readHead(socket).then((head) => {
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n\r\n`,
        );
        socket.resume(); // read and ignore everything
      });
    });
    const client = await connect(`ws://127.0.0.1:${port}/`, { closeTimeout: 150 });
    resources.defer(() => client.terminate());
    const started = Date.now();
    client.close(1000);
    const [code, , wasClean] = await nextEvent<CloseArgs>(client, 'close', 2_000);
    expect([code, wasClean]).toEqual([1006, false]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await until(() => serverSocket!.destroyed || serverSocket!.readableEnded, 1_000, 'TCP closed');
  });

  it('[6455-7.1.1-4] [6455-7.1.1-5] a server that answers the close frame but never closes TCP: the client closes it, then drops it', async () => {
    let serverSocket: net.Socket | undefined;
    const { port } = await startRawServer(
      resources,
      (socket) => {
        serverSocket = socket;
        void readHead(socket).then((head) => {
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n\r\n`,
          );
          readFrames(socket, head.rest, (f) => {
            if (f.opcode === OP.close) socket.write(encodeFrame(OP.close, f.payload)); // answers, then lingers
          });
        });
      },
      { allowHalfOpen: true }, // ignores our FIN too
    );
    const client = await connect(`ws://127.0.0.1:${port}/`, { closeTimeout: 200 });
    resources.defer(() => client.terminate());
    let finAt = 0;
    const started = Date.now();
    serverSocket!.once('end', () => (finAt = Date.now() - started));
    client.close(1000, 'bye');
    const [code, , wasClean] = await nextEvent<CloseArgs>(client, 'close', 4_000);
    const elapsed = Date.now() - started;
    expect([code, wasClean]).toEqual([1000, true]); // the closing handshake itself completed
    // We sent FIN only after waiting the client's grace (1 s) for the server's, and dropped TCP
    // closeTimeout after our FIN. Timed on our side: the server may hear the FIN late on a busy machine.
    expect(finAt).toBeGreaterThanOrEqual(950);
    expect(finAt).toBeLessThanOrEqual(elapsed);
    expect(elapsed).toBeGreaterThanOrEqual(1_000 + 150);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('[6455-7.1.7-5] after failing the connection nothing more from the peer is processed', async () => {
    const { wss, port } = await endpoint({ closeTimeout: 150 });
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const { socket } = await rawUpgrade(port, '/', resources);
    const [session] = await accepted;
    const messages: unknown[] = [];
    session.on('message', (m) => messages.push(m));
    // A reserved opcode fails the connection; the text frame in the same write must not be delivered.
    socket.write(Buffer.concat([encodeFrame(OP.text, 'before', { mask: true }), Buffer.from([0x83, 0x80, 1, 2, 3, 4]), encodeFrame(OP.text, 'after', { mask: true })]));
    await withTimeout(nextEvent(session, 'close'), 2_000, 'close');
    expect(messages).toEqual(['before']);
  });
});
