// wsref's WebSocketServer inside a Node http2 server (RFC 8441), against Node's own HTTP/2 client
// (nghttp2, a peer we did not write) speaking raw RFC 6455 frames on extended CONNECT streams:
// SETTINGS_ENABLE_CONNECT_PROTOCOL (§3), the handshake and its refusals (§4–§5), echo, the
// closing handshake as END_STREAM and a failure as RST_STREAM(CANCEL) (§5), and HTTP/1.1
// upgrades and ordinary requests still served by the same server (allowHTTP1).
import http2 from 'node:http2';
import type net from 'node:net';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, WebSocketServer } from '../../src/index.js';
import { closeBody, encodeFrame, hasOpenssl, listen, nextEvent, OP, Resources, systemPeerGate, withTimeout } from '../helpers/node-peers.js';
import { connectHttp2, extendedConnect, frameCount, openStream, startHttp2Endpoint } from './http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const runTls = systemPeerGate('openssl (a self-signed certificate for HTTP/2 over TLS)', hasOpenssl());

async function get(client: http2.ClientHttp2Session, path: string): Promise<string> {
  const opened = await openStream(client, { ':method': 'GET', ':path': path });
  opened.stream.end();
  await opened.ended;
  return opened.body();
}

describe.runIf(runTls)('over TLS (h2), Node http2 client', () => {
  it('[8441-3-1, 8441-3-3] the server sends SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, and ordinary requests still reach the application', async () => {
    const { origin } = await startHttp2Endpoint(resources);
    const client = await connectHttp2(resources, origin);
    expect(client.remoteSettings.enableConnectProtocol).toBe(true);
    expect(await get(client, '/')).toBe('page');
    expect(await get(client, '/ws')).toBe('page'); // a GET on the WebSocket path is the application's
    expect(client.remoteSettings.enableConnectProtocol).toBe(true); // never withdrawn
  });

  it('[8441-5-1, 8441-5-2] an extended CONNECT becomes an OPEN session on that stream: 200, echo of text and binary, the request is the CONNECT', async () => {
    const endpoint = await startHttp2Endpoint(resources, { options: { protocols: ['chat'] } });
    const client = await connectHttp2(resources, endpoint.origin);
    const opened = await openStream(client, extendedConnect('https', { 'sec-websocket-protocol': 'superchat, chat' }));
    expect(opened.response).toMatchObject({ ':status': 200, 'sec-websocket-protocol': 'chat' });
    expect(opened.response!['sec-websocket-accept']).toBeUndefined();
    opened.stream.write(encodeFrame(OP.text, 'hello over h2', { mask: true }));
    opened.stream.write(encodeFrame(OP.binary, Buffer.alloc(70_000, 7), { mask: true }));
    const [text, binary] = await frameCount(opened.frames, 2, 'two echoes');
    expect([text!.opcode, text!.payload.toString(), text!.masked]).toEqual([OP.text, 'hello over h2', false]);
    expect([binary!.opcode, binary!.payload.equals(Buffer.alloc(70_000, 7))]).toEqual([OP.binary, true]);
    const [{ session, request }] = endpoint.connections as [typeof endpoint.connections[0]];
    expect([request.method, request.httpVersion, request.headers[':protocol']]).toEqual(['CONNECT', '2.0', 'websocket']);
    expect(session.protocol).toBe('chat');
    expect(session.remoteAddress).toBe('127.0.0.1');
  });

  it('[8441-5-1] closing handshake both ways maps onto the stream: close frames exchanged, then END_STREAM (no RST_STREAM)', async () => {
    const endpoint = await startHttp2Endpoint(resources);
    const client = await connectHttp2(resources, endpoint.origin);
    const opened = await openStream(client, extendedConnect('https'));
    await until(() => endpoint.connections.length === 1);
    const serverClosed = nextEvent<[number, string, boolean]>(endpoint.connections[0]!.session, 'close', 3_000);
    opened.stream.write(encodeFrame(OP.close, closeBody(4001, 'client says bye'), { mask: true }));
    const [answer] = await frameCount(opened.frames, 1, 'the close answer');
    expect([answer!.opcode, answer!.payload.readUInt16BE(0), answer!.payload.subarray(2).toString()]).toEqual([OP.close, 4001, 'client says bye']);
    await withTimeout(opened.ended, 2_000, 'END_STREAM from the server');
    opened.stream.end();
    expect(await withTimeout(opened.closed, 2_000, 'stream close')).toBe(0);
    expect(await withTimeout(serverClosed, 2_000, 'server close')).toEqual([4001, 'client says bye', true]);

    // And the server starts one: code and reason arrive, the client answers, END_STREAM follows.
    const second = await openStream(client, extendedConnect('https'));
    await until(() => endpoint.connections.length === 2);
    const session = endpoint.connections[1]!.session;
    const closed = nextEvent<[number, string, boolean]>(session, 'close', 3_000);
    session.close(4002, 'server says bye');
    const [frame] = await frameCount(second.frames, 1, 'the server close');
    expect([frame!.payload.readUInt16BE(0), frame!.payload.subarray(2).toString()]).toEqual([4002, 'server says bye']);
    second.stream.end(encodeFrame(OP.close, frame!.payload, { mask: true }));
    expect(await closed).toEqual([4002, 'server says bye', true]);
    expect(await withTimeout(second.closed, 2_000, 'stream close')).toBe(0);
  });

  it('[wsref] a dropped session resets its stream with CANCEL (RFC 8441 §5), and other streams of the connection live on', async () => {
    const endpoint = await startHttp2Endpoint(resources);
    const client = await connectHttp2(resources, endpoint.origin);
    const first = await openStream(client, extendedConnect('https'));
    const second = await openStream(client, extendedConnect('https'));
    await until(() => endpoint.connections.length === 2);
    endpoint.connections[0]!.session.terminate();
    expect(await withTimeout(first.closed, 2_000, 'reset')).toBe(http2.constants.NGHTTP2_CANCEL);
    second.stream.write(encodeFrame(OP.text, 'still here', { mask: true }));
    const [echo] = await frameCount(second.frames, 1, 'echo on the other stream');
    expect(echo!.payload.toString()).toBe('still here');
  });

  it('[8441-4-3, 8441-5-1] refusals: no :protocol (a tunnel) 400, :protocol not websocket 400, a wrong version 400 + version, unknown path 404', async () => {
    const { origin, connections } = await startHttp2Endpoint(resources);
    const client = await connectHttp2(resources, origin);
    const cases: Array<[http2.OutgoingHttpHeaders, number]> = [
      [{ ':method': 'CONNECT', ':authority': '127.0.0.1:22' }, 400],
      [extendedConnect('https', { ':protocol': 'webtransport' }), 400],
      [extendedConnect('https', { 'sec-websocket-version': '8' }), 400],
      [extendedConnect('http'), 400], // 8441-5-2: http on a TLS connection
      [extendedConnect('https', { ':path': '/elsewhere' }), 404],
    ];
    for (const [headers, status] of cases) {
      const opened = await openStream(client, headers);
      expect(opened.response?.[':status'], JSON.stringify(headers)).toBe(status);
      await opened.ended;
      if (headers['sec-websocket-version'] === '8') expect(opened.response!['sec-websocket-version']).toBe('13');
      if (headers[':protocol'] === undefined) expect(opened.body()).toMatch(/tunnel/);
    }
    expect(connections).toHaveLength(0);
    expect(await get(client, '/')).toBe('page'); // the connection survived them all
  });

  it('[wsref] a refusal Node cannot send (an authenticate hook\'s malformed header) or a throwing \'rejected\' listener cancels the stream; the process and the connection live on', async () => {
    const { origin, wss } = await startHttp2Endpoint(resources, {
      options: { authenticate: (request) => (request.url === '/ws?bad' ? { status: 401, headers: { 'bad header': 'x' } } : false) },
    });
    const client = await connectHttp2(resources, origin);
    const bad = await openStream(client, extendedConnect('https', { ':path': '/ws?bad' }));
    expect([bad.response, await withTimeout(bad.closed, 2_000, 'reset')]).toEqual([undefined, http2.constants.NGHTTP2_CANCEL]);
    wss.on('rejected', () => {
      throw new Error('a logging bug');
    });
    const thrown = await openStream(client, extendedConnect('https'));
    expect([thrown.response, await withTimeout(thrown.closed, 2_000, 'reset')]).toEqual([undefined, http2.constants.NGHTTP2_CANCEL]);
    expect(await get(client, '/')).toBe('page');
  });

  it('[wsref] a sec-websocket-key (undici sends one) is ignored as RFC 8441 §5 says: 200 and no sec-websocket-accept', async () => {
    const { origin, connections } = await startHttp2Endpoint(resources);
    const client = await connectHttp2(resources, origin);
    const opened = await openStream(client, extendedConnect('https', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }));
    expect(opened.response?.[':status']).toBe(200);
    expect(opened.response).not.toHaveProperty('sec-websocket-accept');
    await until(() => connections.length === 1);
  });

  it('[wsref] with allowHTTP1 one server takes HTTP/1.1 upgrades (ws client) and HTTP/2 streams at once, and each session says which it runs on', async () => {
    const endpoint = await startHttp2Endpoint(resources, { allowHTTP1: true });
    const ws = new WebSocket(`wss://127.0.0.1:${endpoint.port}/ws`, { rejectUnauthorized: false });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open', 5_000);
    const echoed = nextEvent<[Buffer]>(ws, 'message', 5_000);
    ws.send('over http/1.1');
    expect(String((await echoed)[0])).toBe('over http/1.1');
    const client = await connectHttp2(resources, endpoint.origin);
    const opened = await openStream(client, extendedConnect('https'));
    expect(opened.response?.[':status']).toBe(200);
    expect(endpoint.connections.map((c) => c.request.httpVersion)).toEqual(['1.1', '2.0']);
    expect(endpoint.connections.map((c) => c.session.transport)).toEqual(['http/1.1', 'h2']);
  });
});

describe('h2c (HTTP/2 without TLS)', () => {
  it('[8441-5-2] :scheme http is accepted on a connection without TLS, https refused', async () => {
    const { origin } = await startHttp2Endpoint(resources, { tls: false });
    const client = await connectHttp2(resources, origin);
    expect((await openStream(client, extendedConnect('https'))).response?.[':status']).toBe(400);
    const opened = await openStream(client, extendedConnect('http'));
    expect(opened.response?.[':status']).toBe(200);
    opened.stream.write(encodeFrame(OP.text, 'h2c', { mask: true }));
    expect((await frameCount(opened.frames, 1, 'echo'))[0]!.payload.toString()).toBe('h2c');
  });

  it('[8441-3-1, 8441-5-1] a server made without a request handler still takes extended CONNECTs (Node raises them only once a \'request\' listener exists) and answers other requests 404', async () => {
    const server = http2.createServer(); // no handler: Node's compatibility layer is off until someone listens
    const wss = new WebSocketServer({ server });
    wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
    const port = await listen(server as unknown as net.Server);
    resources.defer(async () => {
      await wss.close({ timeout: 100 });
      await new Promise((resolve) => server.close(resolve));
    });
    const client = await connectHttp2(resources, `http://127.0.0.1:${port}`);
    resources.defer(() => client.close());
    const opened = await openStream(client, extendedConnect('http'));
    expect(opened.response?.[':status']).toBe(200);
    opened.stream.write(encodeFrame(OP.text, 'no handler', { mask: true }));
    expect((await frameCount(opened.frames, 1, 'echo'))[0]!.payload.toString()).toBe('no handler');
    const page = await openStream(client, { ':method': 'GET', ':path': '/' });
    page.stream.end();
    expect(page.response?.[':status']).toBe(404);
  });
});

describe('flow control: a WebSocket is held back by its own stream only', () => {
  // Node's http2 leaves the connection-level window at 65,535 octets (RFC 9113 §6.9.2), shared by
  // every stream: with more than about 60 WebSockets each sending 1 KiB, the rest waited a round
  // trip for a WINDOW_UPDATE, and the server's cost per message grew with the streams (issue #15).
  it('[wsref] the server opens the connection window wide (RFC 9113 §6.9) once a WebSocket arrives: 100 streams with a 1 KiB message each all fit in it, ordinary requests leave it alone', async () => {
    const streams = 100;
    const { origin } = await startHttp2Endpoint(resources, { tls: false });
    const client = await connectHttp2(resources, origin);
    const page = await openStream(client, { ':method': 'GET', ':path': '/' });
    page.stream.end();
    await page.ended;
    expect(client.state.remoteWindowSize).toBe(65_535); // a connection without a WebSocket keeps the default

    const opened = await Promise.all(Array.from({ length: streams }, () => openStream(client, extendedConnect('http'))));
    expect(opened.map((o) => o.response?.[':status'])).toEqual(Array(streams).fill(200));
    // What the server lets this client send on the connection, as its WINDOW_UPDATE on stream 0 said:
    // at least every stream's own window (65,535 octets each), so none waits for the others.
    expect(client.state.remoteWindowSize).toBeGreaterThanOrEqual(streams * 65_535);
    const message = Buffer.alloc(1024, 5);
    for (const { stream } of opened) stream.write(encodeFrame(OP.binary, message, { mask: true }));
    const echoes = await Promise.all(opened.map(({ frames }) => frameCount(frames, 1, 'an echo')));
    expect(echoes.every(([frame]) => frame!.payload.equals(message))).toBe(true);
  });

  it('[wsref] with the connection window open, a paused session still stops its peer at its stream\'s window (65,535 octets) while another WebSocket on the connection keeps echoing; resumed, the rest arrives', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false });
    const client = await connectHttp2(resources, endpoint.origin);
    const slow = await openStream(client, extendedConnect('http'));
    const busy = await openStream(client, extendedConnect('http'));
    await until(() => endpoint.connections.length === 2);
    const [paused] = endpoint.connections as [typeof endpoint.connections[0]];
    paused.session.pause();
    const large = Buffer.alloc(300_000, 9);
    slow.stream.write(encodeFrame(OP.binary, large, { mask: true }));
    const arrived = () => paused.request.stream.readableLength;
    await until(() => arrived() === 65_535);
    busy.stream.write(encodeFrame(OP.text, 'still flowing', { mask: true }));
    expect((await frameCount(busy.frames, 1, 'the other stream\'s echo'))[0]!.payload.toString()).toBe('still flowing');
    expect(arrived()).toBe(65_535); // no more than its stream window, though the connection's is far larger
    paused.session.resume();
    const [echo] = await frameCount(slow.frames, 1, 'the large echo');
    expect(echo!.payload.equals(large)).toBe(true);
  });
});

describe('the cost of a stream as a session\'s transport', () => {
  it('[wsref] every HTTP/2 stream a session runs on keeps one hidden class in V8, shared and in fast mode, on the server and in wsref\'s client (no accessor or method made per stream)', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false });
    const clients = await Promise.all([1, 2, 3].map(() => connect(`ws://127.0.0.1:${endpoint.port}/ws`, { http2: true })));
    for (const client of clients) resources.defer(() => client.terminate());
    await until(() => endpoint.connections.length === 3);
    const serverStreams = endpoint.connections.map((c) => c.request.stream);
    const clientStreams = clients.map((client) => Reflect.get(client, 'transportStream') as object);
    for (const streams of [serverStreams, clientStreams]) {
      expect(streams.map((stream) => hasFastProperties(stream))).toEqual([true, true, true]);
      expect([haveSameMap(streams[0]!, streams[1]!), haveSameMap(streams[1]!, streams[2]!)]).toEqual([true, true]);
    }
    expect(clients.map((client) => client.remoteAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });
});

/** V8's own answers: whether an object keeps fast properties, whether two share a hidden class. */
function hasFastProperties(value: object): boolean {
  v8.setFlagsFromString('--allow-natives-syntax');
  return (new Function('value', 'return %HasFastProperties(value)') as (value: object) => boolean)(value);
}
function haveSameMap(a: object, b: object): boolean {
  v8.setFlagsFromString('--allow-natives-syntax');
  return (new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean)(a, b);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached in 2 s');
}
