// WebSocket over HTTP/2 (RFC 8441) with a real browser: Debian's Chromium loads a page over HTTPS
// from an http2 server (self-signed certificate made by the test, certificate errors ignored) and
// opens `new WebSocket('wss://…')` to the same origin. The server proves the socket came as an
// extended CONNECT stream on the page's own HTTP/2 connection (not an HTTP/1.1 upgrade: the
// server has no HTTP/1.1 at all), then text and binary echo at the frame-length boundaries
// (RFC 6455 §5.2) and 1 MiB with permessage-deflate (RFC 7692) negotiated, and close codes and
// reasons travel both ways (RFC 6455 §7).
import http2 from 'node:http2';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WebSocketServer, type Session } from '../../src/index.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { hasOpenssl, listen, Resources, selfSignedCertificate, systemPeerGate } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const runBrowser = browserTestsEnabled() && systemPeerGate('openssl (the test certificate)', hasOpenssl());

describe.runIf(runBrowser)('WebSocket over HTTP/2 with Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[8441-3-2, 8441-5-1, 8441-5-2] the page\'s wss:// socket is an extended CONNECT stream on the page\'s HTTP/2 connection; echo 0 B–1 MiB text and binary with permessage-deflate; close code and reason both ways', async () => {
    // HTTP/2 only (no allowHTTP1): a WebSocket that arrives at all came over HTTP/2.
    const server = http2.createSecureServer({ ...selfSignedCertificate()! });
    const pageConnections: http2.Http2Session[] = [];
    server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      pageConnections.push(req.stream.session!);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>wsref over HTTP/2</title><p>RFC 8441</p>');
    });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (s: http2.ServerHttp2Session) => sessions.add(s));
    const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: true });
    const accepted: Array<{ session: Session; request: http2.Http2ServerRequest; connection: http2.Http2Session | undefined }> = [];
    wss.on('connection', (session, request) => {
      const h2request = request as unknown as http2.Http2ServerRequest;
      accepted.push({ session, request: h2request, connection: h2request.stream.session });
      session.on('message', (data, isBinary) => {
        if (data === 'close me') session.close(4001, 'server says bye');
        else session.send(data, { binary: isBinary });
      });
    });
    const port = await listen(server as unknown as net.Server);
    resources.defer(async () => {
      await wss.close({ timeout: 200 });
      for (const s of sessions) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    resources.defer(() => context.close());
    const page = await context.newPage();
    const loaded = await page.goto(`https://127.0.0.1:${port}/`);
    expect(loaded?.ok()).toBe(true);

    const firstClosed = new Promise<[number, string, boolean]>((resolve) =>
      wss.once('connection', (session) => session.once('close', (...args) => resolve(args))),
    );
    const result = await page.evaluate(async (url: string) => {
      const sizes = [0, 125, 126, 65535, 65536, 1024 * 1024];
      const open = (): Promise<WebSocket> =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.binaryType = 'arraybuffer';
          ws.onopen = () => resolve(ws);
          ws.onerror = () => reject(new Error('WebSocket error'));
        });
      const echo = (ws: WebSocket, data: string | Uint8Array): Promise<string | ArrayBuffer> =>
        new Promise((resolve) => {
          ws.onmessage = (event) => resolve(event.data as string | ArrayBuffer);
          ws.send(data);
        });
      const ws = await open();
      const echoes: Array<[kind: string, size: number, same: boolean]> = [];
      for (const size of sizes) {
        const text = 'aé€'.repeat(size).slice(0, size);
        const back = await echo(ws, text);
        echoes.push(['text', size, back === text]);
        const bytes = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
        const got = new Uint8Array((await echo(ws, bytes)) as ArrayBuffer);
        echoes.push(['binary', size, got.length === size && got.every((b, i) => b === bytes[i])]);
      }
      const extensions = ws.extensions;
      ws.close(4000, 'page says bye');
      // A second socket, closed by the server.
      const second = await open();
      const serverClose = await new Promise<[number, string, boolean]>((resolve) => {
        second.onclose = (event) => resolve([event.code, event.reason, event.wasClean]);
        second.send('close me');
      });
      return { echoes, extensions, serverClose };
    }, `wss://127.0.0.1:${port}/ws`);

    expect(result.echoes.filter(([, , same]) => !same)).toEqual([]);
    expect(result.echoes).toHaveLength(12);
    expect(result.extensions).toMatch(/^permessage-deflate/);
    expect(result.serverClose).toEqual([4001, 'server says bye', true]);
    expect(await firstClosed).toEqual([4000, 'page says bye', true]);

    // The proof: both sockets were extended CONNECT streams on the connection that loaded the page.
    expect(accepted).toHaveLength(2);
    for (const { session, request, connection } of accepted) {
      expect([request.httpVersion, request.method, request.headers[':protocol'], request.headers[':scheme']]).toEqual(['2.0', 'CONNECT', 'websocket', 'https']);
      expect(connection).toBe(pageConnections[0]);
      expect(session.extensions).toMatch(/^permessage-deflate/);
    }
    expect(sessions.size).toBe(1); // one TCP connection for the page and both sockets
  });
});
