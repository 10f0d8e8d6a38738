// Test helper for the WHATWG WebSocket tests (spec-tests/node/whatwg*.test.ts): a wsref echo
// server and raw TCP servers on 127.0.0.1 port 0, a 101 answered by hand, and small waits for
// events. Everything started here is stopped after each test.
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach, expect } from 'vitest';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocket, WebSocketServer, type CloseEvent, type ServerOptions, type Session } from '../../src/index.js';

/** Stops what a test started, last first, after each test. */
export const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export interface Started {
  port: number;
  wss: WebSocketServer;
  sessions: Session[];
  requests: http.IncomingMessage[];
}

/** An HTTP server on port 0 with a WebSocketServer at /echo that echoes with the same type. */
export async function startServer(options: ServerOptions = {}, onSession?: (session: Session) => void): Promise<Started> {
  const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (_, res) => res.end('plain HTTP'));
  const wss = new WebSocketServer({ server, path: '/echo', ...options });
  const sessions: Session[] = [];
  const requests: http.IncomingMessage[] = [];
  wss.on('connection', (session, request) => {
    sessions.push(session);
    requests.push(request);
    if (onSession) onSession(session);
    else session.on('message', (data, isBinary) => session.send(data, { binary: isBinary }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    await wss.close({ timeout: 500 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, wss, sessions, requests };
}

/** A raw TCP server for peers that break the rules; returns its port. */
export async function startRawServer(onSocket: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

/** Answers a client handshake with a valid 101 plus `extra` bytes in the same write. */
export function answerHandshake(socket: net.Socket, extra: Buffer = Buffer.alloc(0)): void {
  let head = '';
  socket.on('data', function onData(chunk) {
    head += chunk.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    const key = /sec-websocket-key: *(\S+)/i.exec(head)![1]!;
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`), extra]));
  });
}

export function track(ws: WebSocket): WebSocket {
  cleanups.push(() => {
    if (ws.readyState !== WebSocket.CLOSED) {
      ws.close();
      return Promise.race([once(ws, 'close'), new Promise((r) => setTimeout(r, 300))]);
    }
    return undefined;
  });
  return ws;
}

/** Records event types in order, and the close event. */
export function record(ws: WebSocket): { events: string[]; closed: Promise<CloseEvent> } {
  const events: string[] = [];
  for (const type of ['open', 'message', 'error', 'close']) ws.addEventListener(type, () => events.push(type));
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener('close', (e) => resolve(e as CloseEvent)));
  return { events, closed };
}

export function nextMessage(ws: WebSocket): Promise<MessageEvent> {
  return new Promise((resolve) => ws.addEventListener('message', (e) => resolve(e as MessageEvent), { once: true }));
}

export async function opened(ws: WebSocket): Promise<WebSocket> {
  if (ws.readyState !== WebSocket.OPEN) await once(ws, 'open');
  return ws;
}

export function expectDomException(fn: () => unknown, name: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(DOMException);
  expect((thrown as DOMException).name).toBe(name);
}
