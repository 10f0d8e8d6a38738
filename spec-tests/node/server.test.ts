// Tests for src/node/server.ts over real loopback sockets — RFC 6455 §4.2 (the server's side of
// the opening handshake: §4.2.1 checks, §4.2.2 answers and refusals, §4.4 versions) and §10.2
// (origin), with the endpoint living inside an ordinary Node HTTP server.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, HandshakeError, WebSocketServer, type Session } from '../../src/index.js';
import {
  acceptFor,
  encodeFrame,
  httpGet,
  nextEvent,
  OP,
  rawUpgrade,
  readHead,
  Resources,
  socketClosed,
  startHttpServer,
  tcpConnect,
  until,
  upgradeRequest,
  withTimeout,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** A WebSocketServer registered for cleanup. */
function endpoint(options: ConstructorParameters<typeof WebSocketServer>[0]): WebSocketServer {
  const wss = new WebSocketServer(options);
  resources.defer(() => wss.close({ timeout: 200 }));
  return wss;
}

/** Connects with our client, registered for cleanup. */
async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Session> {
  const session = await connect(url, { handshakeTimeout: 2_000, ...options });
  resources.defer(() => session.terminate());
  return session;
}

function echo(wss: WebSocketServer): void {
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
}

async function roundTrip(session: Session, text: string): Promise<unknown> {
  const reply = nextEvent<[string | Buffer]>(session, 'message');
  session.send(text);
  return (await reply)[0];
}

describe('an endpoint inside an HTTP server', () => {
  it('[wsref] the same port serves an ordinary GET (200 with body) and WebSocket upgrades', async () => {
    const { server, port } = await startHttpServer(resources, (_req, res) => res.end('plain http'));
    echo(endpoint({ server, path: '/ws' }));
    expect(await httpGet(port, '/')).toEqual({ status: 200, body: 'plain http' });
    const session = await client(`ws://127.0.0.1:${port}/ws`);
    expect(await roundTrip(session, 'over websocket')).toBe('over websocket');
    // And HTTP still works after an upgrade on the same listener.
    expect(await httpGet(port, '/other')).toEqual({ status: 200, body: 'plain http' });
  });

  it('[wsref] two endpoints on different paths of one server each get their own connections', async () => {
    const { server, port } = await startHttpServer(resources);
    const a = endpoint({ server, path: '/a' });
    const b = endpoint({ server, path: '/b' });
    a.on('connection', (s) => s.send('from a'));
    b.on('connection', (s) => s.send('from b'));
    const toA = await connect(`ws://127.0.0.1:${port}/a`);
    resources.defer(() => toA.terminate());
    const [first] = await nextEvent<[string]>(toA, 'message');
    const toB = await client(`ws://127.0.0.1:${port}/b?x=1`);
    const [second] = await nextEvent<[string]>(toB, 'message');
    expect([first, second]).toEqual(['from a', 'from b']);
    expect([a.clients.size, b.clients.size]).toEqual([1, 1]);
  });

  it('[6455-4.2.2-7] an upgrade for a path no endpoint serves is refused with 404', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({ server, path: '/ws' });
    const { socket, head } = await rawUpgrade(port, '/nowhere', resources);
    expect(head.status).toBe(404);
    socket.resume();
    await socketClosed(socket);
    await expect(client(`ws://127.0.0.1:${port}/nowhere`)).rejects.toBeInstanceOf(HandshakeError);
  });

  it('[wsref] handleUpgrade works from a framework-style upgrade listener with new WebSocketServer({})', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({});
    echo(wss);
    const handed: Array<Promise<Session | undefined>> = [];
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (request.url === '/framework') handed.push(wss.handleUpgrade(request, socket, head));
      else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    const session = await client(`ws://127.0.0.1:${port}/framework`);
    expect(await roundTrip(session, 'routed')).toBe('routed');
    expect(handed).toHaveLength(1);
    expect(await handed[0]).toBeDefined();
    expect(wss.clients.size).toBe(1);
    // A refused handshake resolves with undefined rather than rejecting.
    const { head } = await rawUpgrade(port, '/framework', resources, { 'Sec-WebSocket-Key': null });
    expect(head.status).toBe(400);
    expect(await handed[1]).toBeUndefined();
  });

  it('[wsref] frames sent in the same TCP write as the upgrade request are delivered', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({ server });
    const received: unknown[] = [];
    wss.on('connection', (session) => session.on('message', (m) => received.push(m)));
    const socket = await tcpConnect(port, resources);
    socket.write(
      Buffer.concat([
        Buffer.from(upgradeRequest('/', port)),
        encodeFrame(OP.text, 'eager one', { mask: true }),
        encodeFrame(OP.binary, Buffer.from([1, 2]), { mask: true }),
      ]),
    );
    const head = await readHead(socket);
    expect(head.status).toBe(101);
    await until(() => received.length === 2, 2_000, 'both eager messages');
    expect(received).toEqual(['eager one', Buffer.from([1, 2])]);
  });
});

describe('hooks: origin, authentication, subprotocols', () => {
  it('[6455-10.2-1] [6455-10.2-2] [6455-4.2.2-5] verifyOrigin refuses a foreign origin with 403 and accepts the expected one', async () => {
    const { server, port } = await startHttpServer(resources);
    const seen: Array<string | undefined> = [];
    const rejected: number[] = [];
    const wss = endpoint({
      server,
      verifyOrigin: (origin) => {
        seen.push(origin);
        return origin === 'https://app.example';
      },
    });
    wss.on('rejected', (status) => rejected.push(status));
    const foreign = await rawUpgrade(port, '/', resources, { Origin: 'https://evil.example' });
    expect(foreign.head.status).toBe(403);
    await expect(client(`ws://127.0.0.1:${port}/`, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
    const good = await client(`ws://127.0.0.1:${port}/`, { origin: 'https://App.Example' });
    expect(good.readyState).toBe(1);
    // The hook sees the origin lower-cased (RFC 6455 §4.2.2 step 4 "converted to lowercase").
    expect(seen).toEqual(['https://evil.example', 'https://evil.example', 'https://app.example']);
    expect(rejected).toEqual([403, 403]);
  });

  it('[6455-4.2.2-4] [6455-4.2.2-5] a synchronous authenticate hook refuses with 401 and accepts a good token', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({ server, authenticate: (request) => request.headers.authorization === 'Bearer good' });
    const refused = await rawUpgrade(port, '/', resources, { Authorization: 'Bearer bad' });
    expect(refused.head.status).toBe(401);
    await expect(client(`ws://127.0.0.1:${port}/`)).rejects.toThrow(/401/);
    const accepted = await client(`ws://127.0.0.1:${port}/`, { headers: { Authorization: 'Bearer good' } });
    expect(accepted.readyState).toBe(1);
  });

  it('[6455-4.2.2-5] an async authenticate hook can refuse with a custom status, headers and body', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({
      server,
      authenticate: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (request.headers.cookie === 'session=ok') return true;
        return { status: 429, headers: { 'Retry-After': '7' }, body: 'slow down' };
      },
    });
    const refused = await rawUpgrade(port, '/', resources, { Cookie: 'session=nope' });
    expect(refused.head.status).toBe(429);
    expect(refused.head.headers['retry-after']).toBe('7');
    refused.socket.resume();
    const body = await withTimeout(
      new Promise<string>((resolve) => {
        let text = refused.head.rest.toString();
        refused.socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        refused.socket.on('close', () => resolve(text));
      }),
      2_000,
      'refusal body',
    );
    expect(body).toBe('slow down');
    const accepted = await client(`ws://127.0.0.1:${port}/`, { headers: { Cookie: 'session=ok' } });
    expect(accepted.readyState).toBe(1);
  });

  it('[6455-4.2.2-8] [6455-4.2.2-9] subprotocols from a list: the first one the client offers that the server speaks; none → no header', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({ server, protocols: ['chat.v2', 'chat.v1'] });
    const serverSide = nextEvent<[Session]>(wss, 'connection');
    const session = await client(`ws://127.0.0.1:${port}/`, { protocols: ['chat.v1', 'chat.v2'] });
    expect(session.protocol).toBe('chat.v1');
    expect((await serverSide)[0].protocol).toBe('chat.v1');
    const none = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Protocol': 'mqtt' });
    expect(none.head.status).toBe(101);
    expect(none.head.headers['sec-websocket-protocol']).toBeUndefined();
  });

  it('[6455-4.2.2-8] subprotocols from a function given the offer and the request', async () => {
    const { server, port } = await startHttpServer(resources);
    const calls: Array<[readonly string[], string | undefined]> = [];
    endpoint({
      server,
      protocols: (offered, request) => {
        calls.push([offered, request.url]);
        return offered.includes('b') ? 'b' : undefined;
      },
    });
    const session = await client(`ws://127.0.0.1:${port}/p?q`, { protocols: ['a', 'b', 'c'] });
    expect(session.protocol).toBe('b');
    expect(calls).toEqual([[['a', 'b', 'c'], '/p?q']]);
    const unchosen = await client(`ws://127.0.0.1:${port}/`, { protocols: 'z' });
    expect(unchosen.protocol).toBe('');
  });
});

describe('hooks that misbehave', () => {
  it('[wsref] an authenticate hook that throws becomes a 500, reported on error; the server keeps serving', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({
      server,
      authenticate: (request) => {
        if (request.url === '/boom') throw new Error('hook bug');
        return true;
      },
    });
    const errors: Error[] = [];
    wss.on('error', (e) => errors.push(e));
    const { head } = await rawUpgrade(port, '/boom', resources);
    expect(head.status).toBe(500);
    expect(errors.map((e) => e.message)).toEqual(['hook bug']);
    expect((await client(`ws://127.0.0.1:${port}/fine`)).readyState).toBe(1);
  });

  it('[6455-4.2.2-5] a refusal whose header cannot be sent, or a rejected listener that throws, still gets an HTTP error and no unhandled rejection', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({ server, authenticate: (request) => (request.url === '/bad-header' ? { status: 401, headers: { 'bad header': 'x' } } : { status: 403 }) });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    resources.defer(() => process.off('unhandledRejection', onUnhandled));
    expect((await rawUpgrade(port, '/bad-header', resources)).head.status).toBe(500);
    wss.on('rejected', () => {
      throw new Error('listener bug');
    });
    expect((await rawUpgrade(port, '/throwing-listener', resources)).head.status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let a rejection surface, if any
    expect(unhandled).toEqual([]);
    expect(await httpGet(port, '/')).toEqual({ status: 200, body: 'hello' });
  });

  it('[wsref] a refusal with a status that is not an error status (200) becomes a 500 instead of crashing', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({ server, authenticate: () => ({ status: 200 }) });
    const { head } = await rawUpgrade(port, '/', resources);
    expect(head.status).toBe(500);
    expect(await httpGet(port, '/')).toEqual({ status: 200, body: 'hello' });
  });
});

describe('refusing bad requests', () => {
  it('[6455-4.2.2-6] [6455-4.4-1] a request for version 8 is refused with 426 and Sec-WebSocket-Version: 13', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({ server });
    const { head } = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Version': '8' });
    expect(head.status).toBe(426);
    expect(head.headers['sec-websocket-version']).toBe('13');
  });

  it('[6455-4.2.1-1] [6455-10.7-4] a request without Sec-WebSocket-Key gets 400 and the socket is closed', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({ server });
    let connections = 0;
    wss.on('connection', () => connections++);
    const { socket, head } = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Key': null });
    expect(head.status).toBe(400);
    expect(head.headers.connection?.toLowerCase()).toBe('close');
    socket.resume();
    await socketClosed(socket);
    expect(connections).toBe(0);
  });

  it('[6455-4.2.2-12] an accepted request gets a 101 whose Sec-WebSocket-Accept matches the key', async () => {
    const { server, port } = await startHttpServer(resources);
    endpoint({ server });
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const { head } = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Key': key });
    expect(head.status).toBe(101);
    expect(head.headers['sec-websocket-accept']).toBe(acceptFor(key));
    expect(head.headers.upgrade?.toLowerCase()).toBe('websocket');
  });

  it('[wsref] an authenticate hook that never settles: the socket is destroyed at handshakeTimeout', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = endpoint({ server, handshakeTimeout: 150, authenticate: () => new Promise<boolean>(() => {}) });
    let connections = 0;
    wss.on('connection', () => connections++);
    const socket = await tcpConnect(port, resources);
    socket.on('error', () => {});
    const started = Date.now();
    socket.write(
      `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${'A'.repeat(22)}==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    await socketClosed(socket, 2_000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(120);
    expect(elapsed).toBeLessThan(1_500);
    expect(received).toBe('');
    expect(connections).toBe(0);
  });
});
