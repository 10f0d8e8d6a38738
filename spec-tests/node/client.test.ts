// Tests for src/node/client.ts against raw `net` servers that play the server's part by hand —
// RFC 6455 §4.1 (the client's opening handshake: what it sends, how it checks the 101, one
// CONNECTING attempt per address) and §5.3/§10.3 (a fresh masking key for every frame).
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, HandshakeError, type Session } from '../../src/index.js';
import {
  acceptFor,
  OP,
  readFrames,
  readHead,
  Resources,
  startRawServer,
  until,
  withTimeout,
  type RawFrame,
  type RawHead,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** A correct 101 for a request, plus extra header lines. */
function switching(request: RawHead, extra = ''): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${acceptFor(request.headers['sec-websocket-key'] ?? '')}\r\n${extra}\r\n`
  );
}

/** A raw server that reads each request head and lets `answer` reply; records the requests. */
async function handshakeServer(answer: (request: RawHead, socket: net.Socket) => void) {
  const requests: RawHead[] = [];
  const sockets: net.Socket[] = [];
  const { port } = await startRawServer(resources, (socket) => {
    sockets.push(socket);
    void readHead(socket, 5_000).then(
      (head) => {
        requests.push(head);
        answer(head, socket);
      },
      () => socket.destroy(),
    );
  });
  return { port, requests, sockets };
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Session> {
  const session = await connect(url, { handshakeTimeout: 2_000, ...options });
  resources.defer(() => session.terminate());
  return session;
}

describe('the client checks the 101 response (RFC 6455 §4.1)', () => {
  /** Wrong answers to a handshake that offered subprotocol "chat" and no extension. */
  const badAnswers: Record<string, (request: RawHead) => string> = {
    'wrong accept': () =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor('x')}\r\n\r\n`,
    'no upgrade': (r) =>
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(r.headers['sec-websocket-key']!)}\r\n\r\n`,
    'no connection': (r) =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptFor(r.headers['sec-websocket-key']!)}\r\n\r\n`,
    'unoffered subprotocol': (r) => switching(r, 'Sec-WebSocket-Protocol: superchat\r\n'),
    'unoffered extension': (r) => switching(r, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'),
    '200 ok': () => 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  };

  it.each([
    ['[6455-4.1-39] [6455-4.1-36] a wrong Sec-WebSocket-Accept', 'wrong accept'],
    ['[6455-4.1-37] a missing Upgrade header', 'no upgrade'],
    ['[6455-4.1-38] a missing Connection header', 'no connection'],
    ['[6455-4.1-41] a subprotocol that was not offered', 'unoffered subprotocol'],
    ['[6455-4.1-40] [6455-9-2] [7692-5-12] an extension that was not offered', 'unoffered extension'],
    ['[6455-4.1-42] 200 OK instead of 101', '200 ok'],
  ])('%s: connect rejects with HandshakeError and drops the connection', async (_name, kind) => {
    const answer = badAnswers[kind]!;
    const server = await handshakeServer((request, socket) => socket.write(answer(request)));
    const attempt = connect(`ws://127.0.0.1:${server.port}/`, { handshakeTimeout: 2_000, protocols: ['chat'] });
    await expect(attempt).rejects.toBeInstanceOf(HandshakeError);
    // The client closes its side: the raw server sees the TCP connection end.
    await until(() => server.sockets[0]?.readableEnded === true || server.sockets[0]?.destroyed === true, 2_000, 'client closes TCP');
  });

  it('[6455-4.1-36] the same server with a correct 101 is accepted (the checks are not over-strict)', async () => {
    const server = await handshakeServer((request, socket) => socket.write(switching(request, 'Sec-WebSocket-Protocol: chat\r\n')));
    const session = await client(`ws://127.0.0.1:${server.port}/`, { protocols: ['chat'] });
    expect(session.protocol).toBe('chat');
    expect(session.readyState).toBe(1);
  });
});

describe('the request the client sends (RFC 6455 §4.1)', () => {
  it('[6455-4.1-17] [6455-4.1-19] [6455-4.1-20] [6455-4.1-21] [6455-4.1-22] [6455-4.1-23] [6455-4.1-24] [6455-4.1-25] [6455-4.1-26] [6455-4.1-29] [6455-4.1-30] [6455-4.1-34] a GET with the required fields, a fresh 16-byte key, and the custom headers', async () => {
    const server = await handshakeServer((request, socket) => socket.write(switching(request)));
    await client(`ws://127.0.0.1:${server.port}/chat?room=1`, {
      headers: { Authorization: 'Bearer t0k3n', 'X-Trace': 'abc' },
      origin: 'https://app.example',
    });
    await client(`ws://127.0.0.1:${server.port}/chat?room=1`);
    const [first, second] = server.requests as [RawHead, RawHead];
    expect(first.startLine).toBe('GET /chat?room=1 HTTP/1.1');
    expect(first.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(first.headers.upgrade?.toLowerCase()).toBe('websocket');
    expect(first.headers.connection?.toLowerCase()).toContain('upgrade');
    expect(first.headers['sec-websocket-version']).toBe('13');
    expect(Buffer.from(first.headers['sec-websocket-key']!, 'base64')).toHaveLength(16);
    expect(first.headers['sec-websocket-key']).not.toBe(second.headers['sec-websocket-key']);
    expect(first.headers.authorization).toBe('Bearer t0k3n');
    expect(first.headers['x-trace']).toBe('abc');
    expect(first.headers.origin).toBe('https://app.example');
    expect(second.headers.origin).toBeUndefined();
  });

  it('[wsref] connect times out against a server that accepts TCP but never answers', async () => {
    const server = await handshakeServer(() => {});
    const started = Date.now();
    await expect(connect(`ws://127.0.0.1:${server.port}/`, { handshakeTimeout: 150 })).rejects.toThrow(/timed out/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_500);
    await until(() => server.sockets[0]?.destroyed === true || server.sockets[0]?.readableEnded === true, 2_000, 'client drops TCP');
  });

  it('[6455-4.1-12] a refused TCP connection rejects connect', async () => {
    // A port that was just listening and is now closed refuses connections.
    const { server, port } = await startRawServer(resources, () => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 1_000 })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('one CONNECTING attempt per address (RFC 6455 §4.1 step 2)', () => {
  it('[6455-4.1-5] [6455-4.1-6] [6455-4.1-7] three simultaneous connects reach the server one after another', async () => {
    const events: string[] = [];
    let count = 0;
    const server = await handshakeServer((request, socket) => {
      const n = ++count;
      events.push(`request ${n}`);
      // Answer slowly; the second attempt must not even start before this answer.
      setTimeout(() => {
        events.push(`101 ${n}`);
        socket.write(switching(request));
      }, 60);
    });
    const sessions = await withTimeout(
      Promise.all([0, 1, 2].map(() => client(`ws://127.0.0.1:${server.port}/`))),
      3_000,
      'three connects',
    );
    expect(sessions.map((s) => s.readyState)).toEqual([1, 1, 1]);
    expect(events).toEqual(['request 1', '101 1', 'request 2', '101 2', 'request 3', '101 3']);
  });

  it('[6455-4.1-5] [6455-4.1-7] a failed attempt also lets the next one go', async () => {
    const events: string[] = [];
    let count = 0;
    const server = await handshakeServer((request, socket) => {
      const n = ++count;
      events.push(`request ${n}`);
      setTimeout(() => {
        events.push(`answer ${n}`);
        socket.write(n === 1 ? 'HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' : switching(request));
      }, 60);
    });
    const results = await Promise.allSettled([client(`ws://127.0.0.1:${server.port}/`), client(`ws://127.0.0.1:${server.port}/`)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(events).toEqual(['request 1', 'answer 1', 'request 2', 'answer 2']);
  });

  it('[6455-4.1-5] attempts to different ports are not serialized', async () => {
    const events: string[] = [];
    const slow = await handshakeServer((request, socket) => {
      events.push('slow request');
      setTimeout(() => socket.write(switching(request)), 200);
    });
    const fast = await handshakeServer((request, socket) => {
      events.push('fast request');
      socket.write(switching(request));
    });
    const slowAttempt = client(`ws://127.0.0.1:${slow.port}/`);
    await until(() => events.length === 1, 1_000, 'slow request arrives');
    await client(`ws://127.0.0.1:${fast.port}/`);
    expect(events).toEqual(['slow request', 'fast request']);
    await slowAttempt;
  });
});

describe('masking (RFC 6455 §5.3, §10.3)', () => {
  it('[6455-5.1-1] [6455-5.3-1] [6455-5.3-2] [6455-5.3-3] [6455-10.3-1] [6455-6.1-8] every client frame is masked, with a fresh key each time', async () => {
    const frames: RawFrame[] = [];
    const server = await handshakeServer((request, socket) => {
      socket.write(switching(request));
      readFrames(socket, request.rest, (frame) => frames.push(frame));
    });
    const session = await client(`ws://127.0.0.1:${server.port}/`);
    const payload = Buffer.alloc(300, 0x41); // same data each time: keys must still differ
    for (let i = 0; i < 98; i++) session.send(i % 2 === 0 ? payload : payload.toString('latin1'));
    session.ping('p');
    session.close(1000, 'done');
    await until(() => frames.length === 100, 2_000, '100 frames');
    expect(frames.every((f) => f.masked)).toBe(true);
    expect(new Set(frames.map((f) => f.maskKey.toString('hex'))).size).toBe(100);
    expect(frames.slice(0, 98).every((f) => f.payload.equals(payload))).toBe(true);
    expect(frames.map((f) => f.opcode).slice(96)).toEqual([OP.binary, OP.text, OP.ping, OP.close]);
  });
});
