// RFC 6455 §4.2 on Node, §10 (denial of service): WebSocketServer's WSREF_SLOW_HEAD_TIMEOUT
// warning. wsref's handshakeTimeout starts once Node's HTTP server has read a complete request
// head; until then only that server's headersTimeout (or requestTimeout), checked every
// connectionsCheckingInterval, bounds a slow client. When that bound is more than twice
// handshakeTimeout, the user is told once per http.Server.

import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, RECOMMENDED_HTTP_SERVER_OPTIONS, SLOW_HEAD_WARNING_CODE, WebSocketServer } from '../../src/index.js';
import { listen, Resources } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** Collects the WSREF_SLOW_HEAD_TIMEOUT warnings this process emits until cleanup. */
function slowHeadWarnings(): Error[] {
  const warnings: Error[] = [];
  const listener = (warning: Error & { code?: string }) => {
    if (warning.code === SLOW_HEAD_WARNING_CODE) warnings.push(warning);
  };
  process.on('warning', listener);
  resources.defer(() => process.off('warning', listener));
  return warnings;
}

/** An http.Server with `options`, registered for cleanup (it is closed even if it never listened). */
function httpServer(options: http.ServerOptions): http.Server {
  const server = http.createServer(options);
  resources.defer(() => new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined))));
  return server;
}

/** Lets process.emitWarning (which emits on the next tick) deliver. */
const warningsDelivered = () => new Promise((resolve) => setImmediate(resolve));

describe('WSREF_SLOW_HEAD_TIMEOUT', () => {
  it('[wsref] an http.Server with Node\'s default timeouts (a head may take 60 s + 30 s) warns once, however many endpoints share it', async () => {
    const warnings = slowHeadWarnings();
    const server = httpServer({});
    new WebSocketServer({ server, path: '/a' });
    new WebSocketServer({ server, path: '/b' });
    await listen(server);
    new WebSocketServer({ server, path: '/c' }); // attached to a server that already listens
    await warningsDelivered();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('up to 90 s (a 60000 ms deadline, checked every 30000 ms)');
    expect(warnings[0]!.message).toContain('handshakeTimeout (10000 ms)');
    expect(warnings[0]!.message).toContain('RECOMMENDED_HTTP_SERVER_OPTIONS');
  });

  it('[wsref] no warning for an http.Server created with RECOMMENDED_HTTP_SERVER_OPTIONS (a head may take 11 s)', async () => {
    const warnings = slowHeadWarnings();
    const server = httpServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS });
    new WebSocketServer({ server, path: '/a' });
    new WebSocketServer({ server, path: '/b', handshakeTimeout: 6_000 });
    await listen(server);
    await warningsDelivered();
    expect(warnings).toEqual([]);
  });

  it('[wsref] "far above" means more than twice handshakeTimeout, counting the checking interval', async () => {
    const warnings = slowHeadWarnings();
    const head = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 }; // up to 11 s
    const atTwice = httpServer(head);
    new WebSocketServer({ server: atTwice, handshakeTimeout: 5_500 }); // 11 s = 2 × 5.5 s: not far
    const aboveTwice = httpServer(head);
    new WebSocketServer({ server: aboveTwice, handshakeTimeout: 5_000 }); // 11 s > 2 × 5 s
    const patient = httpServer({});
    new WebSocketServer({ server: patient, handshakeTimeout: 45_000 }); // 90 s = 2 × 45 s
    await Promise.all([listen(atTwice), listen(aboveTwice), listen(patient)]);
    await warningsDelivered();
    expect(warnings.map((w) => w.message.match(/up to [\d.]+ s/)?.[0])).toEqual(['up to 11 s']);
    expect(warnings[0]!.message).toContain('handshakeTimeout (5000 ms)');
  });

  it('[wsref] settings assigned after the WebSocketServer was made, before listen, count; no deadline at all warns', async () => {
    const warnings = slowHeadWarnings();
    const hardenedLater = httpServer({ connectionsCheckingInterval: 1_000 });
    new WebSocketServer({ server: hardenedLater });
    hardenedLater.headersTimeout = 8_000; // 9 s ≤ 20 s: no warning
    const unbounded = httpServer({ headersTimeout: 0, requestTimeout: 0 });
    new WebSocketServer({ server: unbounded });
    await Promise.all([listen(hardenedLater), listen(unbounded)]);
    await warningsDelivered();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('forever (neither headersTimeout nor requestTimeout is set)');
  });

  it('[wsref] without a server option (the application routes upgrades to handleUpgrade), the server of the first upgrade is checked: one warning', async () => {
    const warnings = slowHeadWarnings();
    const server = httpServer({});
    const wss = new WebSocketServer();
    server.on('upgrade', (request, socket, head) => void wss.handleUpgrade(request, socket, head));
    const port = await listen(server);
    await warningsDelivered();
    expect(warnings).toEqual([]); // nothing is known about the server before an upgrade arrives
    for (let i = 0; i < 2; i++) {
      const session = await connect(`ws://127.0.0.1:${port}/`);
      session.terminate();
    }
    await warningsDelivered();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('up to 90 s');
  });
});
