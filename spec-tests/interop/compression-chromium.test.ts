// RFC 7692 permessage-deflate with a real browser: Debian's Chromium (driven by playwright-core)
// offers permessage-deflate on its own; a page from a plain HTTP server opens a WebSocket to our
// server (perMessageDeflate: true) through a tapping proxy. The page's `ws.extensions` (WHATWG:
// the extensions the server's answer named) must equal exactly what our server answered, and a
// 1 MiB compressible message must round-trip, travelling compressed both ways (RSV1, §6).
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WebSocketServer, type ServerOptions, type Session } from '../../src/index.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { listen, nextEvent, Resources, startHttpServer } from '../helpers/node-peers.js';
import { TapProxy } from './compression-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const runBrowser = browserTestsEnabled();

describe.runIf(runBrowser)('permessage-deflate with Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('[7692-5-1] [7692-5-5] [7692-5-13] [7692-6.1-1] [7692-6.2-1] [7692-7.1.2.2-1] Chromium offers permessage-deflate, sees exactly our default answer "permessage-deflate" in ws.extensions, and 1 MiB round-trips compressed', async () => {
    await browserRoundTrip(true, 'permessage-deflate');
  });

  it('[7692-5-13] [7692-7.1.1.1-3] [7692-7.1.1.2-2] [7692-7.1.1.2-3] [7692-7.1.2.1-4] [7692-7.1.2.2-3] Chromium accepts our server imposing all four parameters, sees exactly that answer in ws.extensions, and 1 MiB round-trips compressed', async () => {
    await browserRoundTrip(
      { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9',
    );
  });

  async function browserRoundTrip(options: NonNullable<ServerOptions['perMessageDeflate']>, answer: string): Promise<void> {
    // Our WebSocket server, behind the proxy that watches the frames.
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: options });
    resources.defer(() => wss.close({ timeout: 100 }));
    wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
    const accepted = nextEvent<[Session, http.IncomingMessage]>(wss, 'connection', 15_000);
    const { proxy, port: proxyPort } = await TapProxy.start(port);
    resources.defer(() => proxy.close());

    // The page, from a plain HTTP server of its own.
    const pageServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>wsref compression</title><p>compression test</p>');
    });
    const pagePort = await listen(pageServer);
    resources.defer(() => new Promise<void>((resolve) => (pageServer.closeAllConnections(), pageServer.close(() => resolve()))));

    const page = await browser.newPage();
    resources.defer(() => page.close());
    await page.goto(`http://127.0.0.1:${pagePort}/`);
    const result = await page.evaluate(async (url: string) => {
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error('WebSocket error'));
      });
      const unit = '{"symbol":"WSREF","bid":41.5,"ask":42.5,"note":"compressible"},';
      const message = unit.repeat(Math.ceil((1 << 20) / unit.length)).slice(0, 1 << 20);
      const echoed = await new Promise<string>((resolve) => {
        ws.onmessage = (event) => resolve(event.data as string);
        ws.send(message);
      });
      ws.close(1000);
      return { extensions: ws.extensions, length: echoed.length, same: echoed === message };
    }, `ws://127.0.0.1:${proxyPort}/ws`);

    const [session, request] = await accepted;
    // Chromium offers permessage-deflate with client_max_window_bits (no value: "limit me if
    // you like"; RFC 7692 §7.1.2.2) and nothing else ...
    expect(request.headers['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    // ... our server accepts it with the answer its options call for, which is what the page sees, exactly.
    expect(session.extensions).toBe(answer);
    expect(proxy.responseHead).toContain(`\r\nSec-WebSocket-Extensions: ${answer}\r\n`);
    expect(result.extensions).toBe(session.extensions);
    expect(result).toMatchObject({ length: 1 << 20, same: true });

    // On the wire: one compressed text message each way, far smaller than 1 MiB.
    for (const direction of ['toServer', 'toClient'] as const) {
      const frames = proxy.dataFrames(direction);
      expect(frames.length, direction).toBeGreaterThan(0);
      expect(frames[0]!.opcode).toBe(1);
      expect(frames[0]!.rsv & 4, `${direction}: RSV1 on the first frame`).toBe(4);
      const total = frames.reduce((sum, f) => sum + f.wireBytes, 0);
      expect(total, direction).toBeLessThan(64 * 1024);
    }
  }
});
