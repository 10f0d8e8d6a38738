// RFC 6455 §4.2.1, §4.2.2, §4.4 and §10 against hostile opening handshakes, sent as raw bytes
// to a real WebSocketServer on 127.0.0.1: missing and repeated headers, wrong versions, bad keys,
// wrong methods and HTTP versions, floods of headers (CVE-2024-37890 in ws), pathological list
// values (CVE-2021-32640 in ws), slowloris, slow application hooks, and cross-site WebSocket
// hijacking (the `verifyOrigin` hook). After each attack the server must still serve.

import { afterEach, describe, expect, it } from 'vitest';
import { connect, HandshakeError } from '../../src/index.js';
import { newKey, Resources, startRawServer, upgradeRequest, withTimeout } from '../helpers/node-peers.js';
import { echoRoundTrip, httpGet, rawExchange, startEchoServer } from './net-kit.js';
import { trickleHandshake } from './slowloris-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** A request head with the given lines (each "Name: value"), for requests upgradeRequest cannot shape. */
function requestWith(port: number, lines: readonly string[], start = 'GET /echo HTTP/1.1'): string {
  return [start, `Host: 127.0.0.1:${port}`, ...lines, '', ''].join('\r\n');
}

const VALID_LINES = (key = newKey()) => ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];

/** After an attack: a WebSocket echo and a plain HTTP request both still work. */
async function expectStillServing(port: number): Promise<void> {
  expect(await echoRoundTrip(`ws://127.0.0.1:${port}/echo`)).toBe('still serving');
  expect((await httpGet(port)).status).toBe(200);
}

describe('malformed handshakes get the status the RFC names', () => {
  const cases: Array<{ ids: string; name: string; headers: Record<string, string | null>; status: number }> = [
    { ids: '[6455-4.2.1-1]', name: 'no Sec-WebSocket-Key', headers: { 'Sec-WebSocket-Key': null }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'no Sec-WebSocket-Version', headers: { 'Sec-WebSocket-Version': null }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'no Host', headers: { Host: null }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'Upgrade: h2c instead of websocket', headers: { Upgrade: 'h2c' }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'a key of 15 bytes', headers: { 'Sec-WebSocket-Key': Buffer.alloc(15, 1).toString('base64') }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'a key of 17 bytes', headers: { 'Sec-WebSocket-Key': Buffer.alloc(17, 1).toString('base64') }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'a key that is not base64', headers: { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'a subprotocol offered twice', headers: { 'Sec-WebSocket-Protocol': 'chat, chat' }, status: 400 },
    { ids: '[6455-4.2.1-1]', name: 'a malformed extension list', headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; ;' }, status: 400 },
  ];
  for (const c of cases) {
    it(`${c.ids} [6455-10.7-4] ${c.name}: ${c.status}, connection closed`, async () => {
      const { port } = await startEchoServer(resources);
      const answer = await rawExchange(port, upgradeRequest('/echo', port, c.headers));
      expect(answer.head?.status).toBe(c.status);
      expect(answer.closed).toBe(true);
    });
  }

  for (const name of ['Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Host', 'Origin']) {
    it(`[6455-4.2.1-1] [6455-10.7-4] a repeated ${name} header: 400`, async () => {
      const { port } = await startEchoServer(resources);
      const repeated = name === 'Sec-WebSocket-Key' ? `${name}: ${newKey()}` : name === 'Host' ? 'Host: example.com' : name === 'Origin' ? 'Origin: https://a.example' : `${name}: 13`;
      const extra = name === 'Origin' ? ['Origin: https://b.example', repeated] : [repeated];
      const answer = await rawExchange(port, requestWith(port, [...VALID_LINES(), ...extra]));
      expect(answer.head?.status).toBe(400);
    });
  }

  for (const version of ['8', '12', '14', '255']) {
    it(`[6455-4.2.2-6] [6455-4.4-1] Sec-WebSocket-Version ${version}: 426 with Sec-WebSocket-Version: 13`, async () => {
      const { port } = await startEchoServer(resources);
      const answer = await rawExchange(port, upgradeRequest('/echo', port, { 'Sec-WebSocket-Version': version }));
      expect(answer.head?.status).toBe(426);
      expect(answer.head?.headers['sec-websocket-version']).toBe('13');
    });
  }

  it('[6455-4.2.1-1] [6455-4.1-19] a POST upgrade: 405 with Allow: GET', async () => {
    const { port } = await startEchoServer(resources);
    const answer = await rawExchange(port, requestWith(port, [...VALID_LINES(), 'Content-Length: 0'], 'POST /echo HTTP/1.1'));
    expect(answer.head?.status).toBe(405);
    expect(answer.head?.headers.allow).toBe('GET');
  });

  it('[6455-4.2.1-1] [6455-4.1-19] an HTTP/1.0 upgrade: 400', async () => {
    const { port } = await startEchoServer(resources);
    const answer = await rawExchange(port, requestWith(port, VALID_LINES(), 'GET /echo HTTP/1.0'));
    expect(answer.head?.status).toBe(400);
  });

  it('[6455-4.2.2-7] an upgrade for a path no endpoint serves: 404', async () => {
    const { port } = await startEchoServer(resources);
    const answer = await rawExchange(port, upgradeRequest('/nothing-here', port));
    expect(answer.head?.status).toBe(404);
  });
});

describe('floods of headers (CVE-2024-37890 in ws: a crash when headers exceed maxHeadersCount)', () => {
  it('[6455-10.7-4] [wsref] 2,000 headers before the WebSocket ones: answered (the key is past Node\'s maxHeadersCount), no crash, still serving', async () => {
    const { port, server } = await startEchoServer(resources);
    // Node keeps the first server.maxHeadersCount (null: 2,000) headers and drops the rest, so
    // the WebSocket headers after them never reach us: the request is missing its key.
    expect(server.maxHeadersCount ?? 2_000).toBe(2_000);
    const junk = Array.from({ length: 2_000 }, (_, i) => `X-${i}: y`);
    const answer = await rawExchange(port, requestWith(port, [...junk, ...VALID_LINES()]));
    expect(answer.head?.status).toBe(400);
    await expectStillServing(port);
  });

  it('[6455-10.7-4] [wsref] 2,000 headers after the WebSocket ones: the handshake succeeds or is refused cleanly, still serving', async () => {
    const { port } = await startEchoServer(resources);
    const junk = Array.from({ length: 2_000 }, (_, i) => `X-${i}: y`);
    const answer = await rawExchange(port, requestWith(port, [...VALID_LINES(), ...junk]), 1_000);
    expect([101, 400, 431]).toContain(answer.head?.status);
    await expectStillServing(port);
  });

  it('[6455-10.7-4] [wsref] 100 KiB of headers: Node\'s HTTP parser answers 431, the server keeps serving', async () => {
    const { port } = await startEchoServer(resources);
    const answer = await rawExchange(port, requestWith(port, [...VALID_LINES(), `X-Big: ${'a'.repeat(100 * 1024)}`]));
    expect(answer.head?.status).toBe(431);
    expect(answer.closed).toBe(true);
    await expectStillServing(port);
  });
});

describe('pathological list values through the server (CVE-2021-32640 in ws: a ReDoS)', () => {
  // Node's default maxHeaderSize is 16 KiB for the whole head; these values take nearly all of it.
  // (The core parsers get 1 MB directly in fuzz-core.test.ts.)
  const LARGEST = 15 * 1024;
  const values: Array<[string, string, string]> = [
    ['Sec-WebSocket-Protocol', 'commas and spaces', ', '.repeat(LARGEST / 2)],
    ['Sec-WebSocket-Protocol', 'spaces then a bad character', ' '.repeat(LARGEST) + '\u0001'],
    ['Sec-WebSocket-Extensions', 'commas and spaces', ', '.repeat(LARGEST / 2)],
    ['Sec-WebSocket-Extensions', 'semicolons', 'x' + ';'.repeat(LARGEST)],
    ['Sec-WebSocket-Extensions', 'an unterminated quoted value', 'x; a="' + '\\a'.repeat(LARGEST / 2)],
  ];
  for (const [header, name, value] of values) {
    it(`[6455-10.7-4] [wsref] ${header} with 15 KiB of ${name}: refused with 400 at once, still serving`, async () => {
      const { port } = await startEchoServer(resources);
      const answer = await rawExchange(port, upgradeRequest('/echo', port, { [header]: value }));
      expect(answer.head?.status).toBe(400);
      expect(answer.ms).toBeLessThan(1_000);
      await expectStillServing(port);
    });
  }

  it('[6455-4.2.2-8] [wsref] 15 KiB of valid subprotocol tokens: chosen from fast, no crash', async () => {
    const { port } = await startEchoServer(resources, { protocols: ['chat'] });
    const offered = Array.from({ length: 2_000 }, (_, i) => `p${i}`).join(', ') + ', chat';
    const answer = await rawExchange(port, upgradeRequest('/echo', port, { 'Sec-WebSocket-Protocol': offered }), 500);
    expect(answer.head?.status).toBe(101);
    expect(answer.head?.headers['sec-websocket-protocol']).toBe('chat');
    expect(answer.ms).toBeLessThan(1_000);
  });
});

describe('slow handshakes', () => {
  it('[6455-10.7-2] [6455-7.1.1-2] slowloris: a request head trickled byte by byte is dropped at the HTTP server\'s headersTimeout (408)', async () => {
    // The WebSocketServer lives in the application's http.Server and never sees an incomplete
    // head: Node's HTTP layer reads it, so its timeouts are the defence (docs/security-defences.md).
    // Here scaled down (a 400 ms deadline, 25 bytes/s); slowloris-shipped-servers.test.ts trickles
    // 1 byte/s at the real RECOMMENDED_HTTP_SERVER_OPTIONS.
    const { port } = await startEchoServer(resources, {}, { headersTimeout: 400, requestTimeout: 800, connectionsCheckingInterval: 50 });
    const outcome = await trickleHandshake(port, { path: '/echo', intervalMs: 40, giveUpMs: 3_000 });
    expect(outcome.closed).toBe(true);
    expect(outcome.sent).toBeLessThan(outcome.requestLength); // dropped before the head was complete
    expect(outcome.ms).toBeLessThan(2_000);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
    await expectStillServing(port);
  });

  it('[wsref] upgraded sessions are not cut by the HTTP server\'s requestTimeout', async () => {
    // A hardened http.Server (small headersTimeout/requestTimeout) must not end WebSocket
    // sessions: Node stops timing a socket once it is upgraded.
    const { url } = await startEchoServer(resources, {}, { headersTimeout: 300, requestTimeout: 500, connectionsCheckingInterval: 50 });
    const session = await connect(url);
    resources.defer(() => session.terminate());
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(session.readyState).toBe(1);
    const reply = new Promise<string>((resolve) => session.once('message', (data) => resolve(String(data))));
    session.send('alive');
    expect(await withTimeout(reply, 2_000, 'echo')).toBe('alive');
  });

  it('[wsref] a handshake stuck in the application\'s authenticate hook is dropped at handshakeTimeout', async () => {
    const { port, wss } = await startEchoServer(resources, { handshakeTimeout: 300, authenticate: () => new Promise<boolean>(() => {}) });
    let connections = 0;
    wss.on('connection', () => connections++);
    const answer = await rawExchange(port, upgradeRequest('/echo', port), 3_000);
    expect(answer.closed).toBe(true);
    expect(answer.head).toBeUndefined(); // dropped, not answered
    expect(answer.ms).toBeGreaterThanOrEqual(250);
    expect(answer.ms).toBeLessThan(2_000);
    expect(connections).toBe(0);
  });
});

describe('hostile servers against our client', () => {
  it('[6455-4.1-42] [wsref] a server that accepts TCP but never answers: connect() fails at handshakeTimeout and lets the socket go', async () => {
    let serverSide: import('node:net').Socket | undefined;
    const { port } = await startRawServer(resources, (socket) => {
      serverSide = socket;
      socket.resume(); // reads (and so sees the client's FIN), never writes
    });
    const started = performance.now();
    await expect(connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 300 })).rejects.toThrow(/timed out after 300 ms/);
    expect(performance.now() - started).toBeLessThan(2_000);
    await withTimeout(new Promise((resolve) => (serverSide!.closed ? resolve(null) : serverSide!.once('close', resolve))), 2_000, 'the client letting go');
  });

  it('[6455-4.1-42] [wsref] a server that refuses with 403 but keeps the TCP connection open: connect() fails at once with the HandshakeError', async () => {
    const { port } = await startRawServer(resources, (socket) => {
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'); // and then nothing: no close, no reading
    });
    const started = performance.now();
    const attempt = connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 3_000 });
    await expect(attempt).rejects.toBeInstanceOf(HandshakeError);
    await expect(attempt).rejects.toThrow(/403/);
    expect(performance.now() - started).toBeLessThan(1_000); // not after the close timeout or the handshake timeout
  });

  it('[6455-4.1-42] [wsref] a server that streams an endless response head: the client stops reading at 16 KiB', async () => {
    let written = 0;
    const { port } = await startRawServer(resources, (socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\n');
      const line = Buffer.from(`X-Padding: ${'a'.repeat(1_000)}\r\n`);
      const flood = setInterval(() => {
        if (socket.destroyed || written > 64 * 1024 * 1024) return clearInterval(flood);
        socket.write(line);
        written += line.length;
      }, 0);
      socket.once('close', () => clearInterval(flood));
    });
    const attempt = connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 5_000 });
    await expect(attempt).rejects.toBeInstanceOf(HandshakeError);
    await expect(attempt).rejects.toThrow(/16384|too large|431/i);
    expect(written).toBeLessThan(4 * 1024 * 1024); // refused long before the flood ended
  });
});

describe('cross-site WebSocket hijacking: the verifyOrigin hook', () => {
  const allowed = new Set(['https://app.example']);
  const verifyOrigin = (origin: string | undefined) => origin !== undefined && allowed.has(origin);

  it('[6455-10.2-1] [6455-10.2-2] [6455-4.2.2-5] a foreign Origin is refused with 403 and no session opens', async () => {
    const { port, wss } = await startEchoServer(resources, { verifyOrigin });
    const rejected: number[] = [];
    wss.on('rejected', (status) => rejected.push(status));
    let connections = 0;
    wss.on('connection', () => connections++);
    const answer = await rawExchange(port, upgradeRequest('/echo', port, { Origin: 'https://evil.example' }));
    expect(answer.head?.status).toBe(403);
    expect(answer.closed).toBe(true);
    expect(rejected).toEqual([403]);
    expect(connections).toBe(0);
    // Our client sees the refusal as a HandshakeError.
    await expect(connect(`ws://127.0.0.1:${port}/echo`, { origin: 'https://evil.example' })).rejects.toBeInstanceOf(HandshakeError);
  });

  it('[6455-10.2-1] the expected Origin is accepted (compared lower-cased, as §4.2.2 serializes it)', async () => {
    const { port } = await startEchoServer(resources, { verifyOrigin });
    const session = await connect(`ws://127.0.0.1:${port}/echo`, { origin: 'HTTPS://APP.EXAMPLE' });
    resources.defer(() => session.terminate());
    expect(session.readyState).toBe(1);
  });

  it('[6455-4.2.1-2] [6455-10.2-1] a request without Origin reaches the hook as undefined (here refused: 403)', async () => {
    const { port } = await startEchoServer(resources, { verifyOrigin });
    const answer = await rawExchange(port, upgradeRequest('/echo', port));
    expect(answer.head?.status).toBe(403);
  });
});
