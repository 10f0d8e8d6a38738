// wsref's own client over HTTP/2 (RFC 8441): `connect(url, { http2: true })` opens each WebSocket
// as an extended CONNECT stream, several to one origin share one HTTP/2 connection, which closes
// when the last has ended; a server whose SETTINGS do not allow extended CONNECT (§3) and a
// refusal are reported, never hung on. The servers are Node http2 servers: one with wsref's
// endpoint, one without (a plain HTTP/2 server that never offered RFC 8441).
import type http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, HandshakeError, WebSocketServer, type Session } from '../../src/index.js';
import { hasOpenssl, listen, nextEvent, Resources, selfSignedCertificate, startHttpServer, systemPeerGate, withTimeout } from '../helpers/node-peers.js';
import { startHttp2Endpoint } from './http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const runTls = systemPeerGate('openssl (a self-signed certificate for HTTP/2 over TLS)', hasOpenssl());
const tls = { rejectUnauthorized: false };

function echo(session: Session, data: string | Buffer): Promise<[string | Buffer, boolean]> {
  const reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
  session.send(data);
  return reply;
}

describe.runIf(runTls)('connect(url, { http2: true })', () => {
  it('[8441-3-2, 8441-4-1, 8441-4-2, 8441-5-1, 8441-5-2] two WebSockets to one origin share one HTTP/2 connection, echo, close cleanly, and the connection closes after the last', async () => {
    const endpoint = await startHttp2Endpoint(resources, { options: { protocols: ['chat'], perMessageDeflate: true } });
    const h2Sessions: http2.ServerHttp2Session[] = [];
    endpoint.server.on('session', (s: http2.ServerHttp2Session) => h2Sessions.push(s));
    const url = `wss://127.0.0.1:${endpoint.port}/ws`;
    const [a, b] = await Promise.all([
      connect(url, { http2: true, tls, protocols: ['chat'], perMessageDeflate: true }),
      connect(url, { http2: true, tls }),
    ]);
    resources.defer(() => { a.terminate(); b.terminate(); });
    expect([a.readyState, a.protocol, a.extensions]).toEqual([1, 'chat', expect.stringMatching(/^permessage-deflate/)]);
    expect(await echo(a, 'over h2')).toEqual(['over h2', false]);
    const big = Buffer.alloc(200_000, 3);
    const [back, isBinary] = await echo(b, big);
    expect([isBinary, Buffer.compare(back as Buffer, big)]).toEqual([true, 0]);
    expect(h2Sessions).toHaveLength(1);
    expect(endpoint.connections.map((c) => [c.request.method, c.request.headers[':scheme'], c.request.headers[':path']])).toEqual([
      ['CONNECT', 'https', '/ws'], ['CONNECT', 'https', '/ws'],
    ]);
    const aClosed = nextEvent<[number, string, boolean]>(a, 'close', 5_000);
    a.close(4000, 'a is done');
    expect(await aClosed).toEqual([4000, 'a is done', true]);
    expect(h2Sessions[0]!.closed).toBe(false); // b still uses it
    const bClosed = nextEvent<[number, string, boolean]>(b, 'close', 5_000);
    b.close(1000);
    expect((await bClosed)[2]).toBe(true);
    await withTimeout(new Promise((resolve) => (h2Sessions[0]!.closed ? resolve(undefined) : h2Sessions[0]!.once('close', resolve))), 3_000, 'the HTTP/2 connection to close');
  });

  it('[8441-3-2] a server whose SETTINGS never allowed extended CONNECT is refused with a clear error, and a 404 is a HandshakeError', async () => {
    const plain = http2.createSecureServer({ ...selfSignedCertificate()! }, (_req, res) => res.end('no websockets here'));
    const port = await listen(plain as unknown as net.Server);
    const open = new Set<http2.ServerHttp2Session>();
    plain.on('session', (s: http2.ServerHttp2Session) => open.add(s));
    resources.defer(() => { for (const s of open) s.destroy(); return new Promise((resolve) => plain.close(resolve)); });
    await expect(connect(`wss://127.0.0.1:${port}/ws`, { http2: true, tls })).rejects.toThrow(/ENABLE_CONNECT_PROTOCOL/);

    const endpoint = await startHttp2Endpoint(resources);
    const refused = connect(`wss://127.0.0.1:${endpoint.port}/nowhere`, { http2: true, tls });
    await expect(refused).rejects.toBeInstanceOf(HandshakeError);
    await expect(refused).rejects.toMatchObject({ status: 404 });
  });

  it('[8441-3-2] http2: \'auto\' uses HTTP/2 where the SETTINGS allow extended CONNECT, HTTP/1.1 where they do not, where there is no h2, and for ws://; session.transport says which', async () => {
    // 1. An HTTP/2 server with wsref attached (and HTTP/1.1 allowed): HTTP/2 is used.
    const h2 = await startHttp2Endpoint(resources, { allowHTTP1: true });
    const viaH2 = await connect(`wss://127.0.0.1:${h2.port}/ws`, { http2: 'auto', tls });
    resources.defer(() => viaH2.terminate());
    // 2. An HTTP/2 server that never offered RFC 8441, upgrades routed to wsref by hand: HTTP/1.1.
    const noConnect = http2.createSecureServer({ ...selfSignedCertificate()!, allowHTTP1: true });
    const routed = new WebSocketServer({ path: '/ws' });
    noConnect.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => void routed.handleUpgrade(request, socket, head));
    // 3. An HTTPS server that speaks HTTP/1.1 only (no h2 in ALPN): HTTP/1.1.
    const h1 = https.createServer({ ...selfSignedCertificate()! });
    const h1wss = new WebSocketServer({ server: h1 as unknown as http.Server, path: '/ws' });
    const versions: string[] = [];
    for (const wss of [routed, h1wss]) wss.on('connection', (_session, request) => versions.push(request.httpVersion));
    const open = new Set<{ destroy(): void }>();
    for (const server of [noConnect, h1] as net.Server[]) server.on('connection', (socket: net.Socket) => open.add(socket));
    resources.defer(async () => {
      for (const wss of [routed, h1wss]) await wss.close({ timeout: 100 });
      for (const socket of open) socket.destroy();
    });
    const [noConnectPort, h1Port] = [await listen(noConnect as unknown as net.Server), await listen(h1)];
    const sessions = [
      await connect(`wss://127.0.0.1:${noConnectPort}/ws`, { http2: 'auto', tls }),
      await connect(`wss://127.0.0.1:${h1Port}/ws`, { http2: 'auto', tls }),
    ];
    // 4. ws:// never guesses h2c (HTTP/2 without TLS is by prior knowledge only): HTTP/1.1.
    const { server: plainHttp, port: plainPort } = await startHttpServer(resources);
    const plainWss = new WebSocketServer({ server: plainHttp, path: '/ws' });
    plainWss.on('connection', (_session, request) => versions.push(request.httpVersion));
    sessions.push(await connect(`ws://127.0.0.1:${plainPort}/ws`, { http2: 'auto' }));
    for (const s of sessions) resources.defer(() => s.terminate());
    resources.defer(() => plainWss.close({ timeout: 100 }));
    expect(h2.connections.map((c) => c.request.httpVersion)).toEqual(['2.0']);
    expect(versions).toEqual(['1.1', '1.1', '1.1']);
    expect([viaH2, ...sessions].map((s) => s.transport)).toEqual(['h2', 'http/1.1', 'http/1.1', 'http/1.1']);
    expect(await echo(viaH2, 'auto')).toEqual(['auto', false]);
  });
});

describe('connect(url, { http2: true }) without TLS (h2c)', () => {
  it('[wsref] the client opens its connection window wide (RFC 9113 §6.9), so the server\'s messages on 20 WebSockets never wait on one another: the server may send at least every stream\'s window at once', async () => {
    const streams = 20;
    const endpoint = await startHttp2Endpoint(resources, { tls: false });
    const h2Sessions: http2.ServerHttp2Session[] = [];
    endpoint.server.on('session', (s: http2.ServerHttp2Session) => h2Sessions.push(s));
    const sessions = await Promise.all(Array.from({ length: streams }, () => connect(`ws://127.0.0.1:${endpoint.port}/ws`, { http2: true })));
    for (const s of sessions) resources.defer(() => s.terminate());
    const message = Buffer.alloc(1024, 6);
    const echoes = await Promise.all(sessions.map((s) => echo(s, message)));
    expect(echoes.every(([data]) => Buffer.compare(data as Buffer, message) === 0)).toBe(true);
    expect(h2Sessions).toHaveLength(1);
    // Node's default would be 65,535 octets for all of them together (RFC 9113 §6.9.2).
    expect(h2Sessions[0]!.state.remoteWindowSize).toBeGreaterThanOrEqual(streams * 65_535);
  });
});
