// RFC 6455 §4.1 (client requirements) and §4.2.2 step 1 (TLS on the server), checked over real
// sockets: what the client puts on the wire, and when.

import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer } from '../../src/index.js';
import { MAX_PENDING_THROUGH_PROXY } from '../../src/node/client.js';
import {
  acceptFor,
  delay,
  encodeFrame,
  listen,
  readFrames,
  Resources,
  selfSignedCertificate,
  startRawServer,
  systemPeerGate,
  hasOpenssl,
  trackSockets,
  until,
  withTimeout,
  type RawFrame,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** The 101 a raw server sends for a request head containing `Sec-WebSocket-Key`. */
function switchingProtocols(requestHead: string): string {
  const key = /sec-websocket-key:\s*(\S+)/i.exec(requestHead)![1]!;
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;
}

/**
 * A raw WebSocket "server" that records every byte it receives, and answers the handshake only
 * when `answer()` is called for that connection.
 */
async function recordingServer() {
  const connections: Array<{ socket: net.Socket; received: () => Buffer; answer: () => void }> = [];
  const { port } = await startRawServer(resources, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    const received = () => Buffer.concat(chunks);
    connections.push({ socket, received, answer: () => socket.write(switchingProtocols(received().toString('latin1'))) });
  });
  return { port, connections };
}

describe('the client opening handshake (RFC 6455 §4.1)', () => {
  it('[6455-4.1-2] [6455-4.1-10] without a proxy, opens TCP straight to host:port, sends the handshake and reads the response', async () => {
    const server = await recordingServer();
    const pending = connect(`ws://127.0.0.1:${server.port}/direct?x=1`);
    await until(() => server.connections.length === 1 && server.connections[0]!.received().includes('\r\n\r\n'), 2_000, 'request');
    const request = server.connections[0]!.received().toString('latin1');
    // A direct connection: the first bytes are the WebSocket GET itself, not a proxy CONNECT.
    expect(request.startsWith('GET /direct?x=1 HTTP/1.1\r\n')).toBe(true);
    expect(server.connections[0]!.socket.localPort).toBe(server.port);
    server.connections[0]!.answer();
    const session = await withTimeout(pending, 2_000, 'connect');
    expect(session.readyState).toBe(1);
    session.terminate();
  });

  it('[6455-4.1-35] sends nothing after its handshake until the server has answered', async () => {
    const server = await recordingServer();
    const pending = connect(`ws://127.0.0.1:${server.port}/`);
    await until(() => server.connections[0]?.received().includes('\r\n\r\n') ?? false, 2_000, 'request');
    await delay(300); // the server takes its time
    const before = server.connections[0]!.received();
    // Exactly the request head, nothing after it: no frame, no ping, no early data.
    expect(before.indexOf('\r\n\r\n')).toBe(before.length - 4);
    server.connections[0]!.answer();
    const session = await withTimeout(pending, 2_000, 'connect');
    session.send('after the 101');
    await until(() => server.connections[0]!.received().length > before.length, 2_000, 'the first frame');
    const frames: RawFrame[] = [];
    readFrames(server.connections[0]!.socket, server.connections[0]!.received().subarray(before.length), (f) => frames.push(f));
    expect(frames[0]?.payload.toString()).toBe('after the 101');
    session.terminate();
  });
});

/** A CONNECT proxy that tunnels every authority to 127.0.0.1:`backendPort`, recording requests. */
async function tunnellingProxy(backendPort: number) {
  const connects: string[] = [];
  const server = net.createServer((client) => {
    client.on('error', () => {});
    client.once('data', (chunk) => {
      connects.push(chunk.toString('latin1').split('\r\n')[0]!);
      const upstream = net.connect({ host: '127.0.0.1', port: backendPort }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
    });
  });
  const sockets = trackSockets(server);
  const port = await listen(server);
  resources.defer(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return { port, connects };
}

describe('serializing attempts through a proxy (RFC 6455 §4.1 step 2)', () => {
  it('[6455-4.1-8] host names count as distinct hosts, and at most a few attempts are pending at once', async () => {
    const backend = await recordingServer();
    const proxy = await tunnellingProxy(backend.port);
    const names = Array.from({ length: MAX_PENDING_THROUGH_PROXY + 2 }, (_, i) => `host-${i}.test`);
    const attempts = names.map((name) => connect(`ws://${name}:${backend.port}/`, { proxy: `http://127.0.0.1:${proxy.port}` }));
    // Different names are not serialized against each other (the proxy resolves them: the client
    // cannot know they share an address), but the total in flight is capped.
    await until(() => backend.connections.filter((c) => c.received().includes('\r\n\r\n')).length === MAX_PENDING_THROUGH_PROXY, 3_000, 'capped attempts');
    await delay(200);
    expect(proxy.connects).toHaveLength(MAX_PENDING_THROUGH_PROXY);
    // Answering one lets the next go.
    backend.connections[0]!.answer();
    await until(() => proxy.connects.length === MAX_PENDING_THROUGH_PROXY + 1, 3_000, 'next attempt');
    for (let i = 1; i < names.length; i++) {
      await until(() => backend.connections[i]?.received().includes('\r\n\r\n') ?? false, 3_000, `attempt ${i}`);
      backend.connections[i]!.answer();
    }
    const sessions = await withTimeout(Promise.all(attempts), 5_000, 'all connects');
    expect(sessions).toHaveLength(names.length);
    expect(new Set(proxy.connects)).toEqual(new Set(names.map((n) => `CONNECT ${n}:${backend.port} HTTP/1.1`)));
    for (const s of sessions) s.terminate();
  });
});

describe('TLS on the server side (RFC 6455 §4.2.2 step 1)', () => {
  const certificate = selfSignedCertificate();
  const run = systemPeerGate('openssl', hasOpenssl() && certificate !== undefined);

  it.runIf(run)('[6455-4.2.2-2] everything after the TLS handshake, the 101 included, runs inside TLS; plaintext gets no 101', async () => {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert });
    const sockets = trackSockets(server);
    const port = await listen(server);
    resources.defer(() => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    });
    const wss = new WebSocketServer({ server });
    wss.on('connection', (session) => session.on('message', (data) => session.send(data)));

    // A plaintext upgrade request to the TLS port never sees a WebSocket response.
    const plain = net.connect({ host: '127.0.0.1', port });
    resources.socket(plain);
    plain.on('error', () => {});
    const plainBytes: Buffer[] = [];
    plain.on('data', (chunk) => plainBytes.push(chunk));
    plain.write(`GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    await withTimeout(new Promise((resolve) => plain.once('close', resolve)), 3_000, 'plaintext refused');
    expect(Buffer.concat(plainBytes).toString('latin1')).not.toContain('101 Switching Protocols');

    // Over TLS the same handshake works, and the 101 arrives encrypted (read through the TLS socket).
    const secure = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: certificate!.cert });
    resources.socket(secure);
    await new Promise((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject));
    secure.write(`GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const response = await withTimeout(new Promise<string>((resolve) => secure.once('data', (c: Buffer) => resolve(c.toString('latin1')))), 3_000, '101');
    expect(response.startsWith('HTTP/1.1 101 Switching Protocols')).toBe(true);
    expect(response).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    // And the session speaks WebSocket through the same encrypted tunnel.
    secure.write(encodeFrame(1, 'through TLS', { mask: true }));
    const echoed = await withTimeout(new Promise<string>((resolve) => secure.once('data', (c: Buffer) => resolve(c.subarray(2).toString()))), 3_000, 'echo');
    expect(echoed).toBe('through TLS');
    await wss.close({ timeout: 500 });
  });
});
