// Tests for WebSocketServer.close() over loopback — graceful shutdown: every session gets a close
// frame with 1001 Going Away (RFC 6455 §7.4.1, "a server going down"), the closing handshakes are
// waited for (§7.1.2), and a peer that never answers is dropped at the timeout (§7.1.1).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, OP, rawUpgrade, readFrames, Resources, startHttpServer, withTimeout, type RawFrame } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

describe('graceful shutdown', () => {
  it('[6455-7.3-1] [6455-7.1.2-1] wss.close() sends 1001 to every session, waits for the closing handshakes, and resolves', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server });
    resources.defer(() => wss.close({ timeout: 100 }));
    const clients: Session[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await connect(`ws://127.0.0.1:${port}/`);
      resources.defer(() => c.terminate());
      clients.push(c);
    }
    await withTimeout(
      (async () => {
        while (wss.clients.size < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      })(),
      1_000,
      'three server sessions',
    );
    const serverSessions = [...wss.clients];
    const serverCloses = serverSessions.map((s) => nextEvent<CloseArgs>(s, 'close'));
    const clientCloses = clients.map((c) => nextEvent<CloseArgs>(c, 'close'));
    const started = Date.now();
    await withTimeout(wss.close({ timeout: 3_000 }), 3_500, 'wss.close()');
    expect(Date.now() - started).toBeLessThan(2_000); // resolved by the handshakes, not the timeout
    for (const args of await Promise.all(clientCloses)) expect(args).toEqual([1001, 'server shutting down', true]);
    for (const args of await Promise.all(serverCloses)) expect(args).toEqual([1001, 'server shutting down', true]); // echoed
    expect(wss.clients.size).toBe(0);
    // The HTTP server itself keeps running; new upgrades find no endpoint.
    const { head } = await rawUpgrade(port, '/', resources);
    expect(head.status).toBe(404);
  });

  it('[6455-7.1.1-2] a session whose peer never answers is dropped when the shutdown timeout ends', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server });
    resources.defer(() => wss.close({ timeout: 100 }));
    const good = await connect(`ws://127.0.0.1:${port}/`);
    resources.defer(() => good.terminate());
    const { socket, head } = await rawUpgrade(port, '/', resources);
    const frames: RawFrame[] = [];
    readFrames(socket, head.rest, (f) => frames.push(f)); // reads the close frame, never answers
    while (wss.clients.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const goodClose = nextEvent<CloseArgs>(good, 'close');
    const closes: CloseArgs[] = [];
    for (const s of wss.clients) s.on('close', (...args) => closes.push(args));
    const started = Date.now();
    await withTimeout(wss.close({ timeout: 200 }), 2_000, 'wss.close()');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_500);
    expect((await goodClose)[0]).toBe(1001);
    expect(frames.map((f) => [f.opcode, f.payload.readUInt16BE(0)])).toEqual([[OP.close, 1001]]);
    expect(closes.map(([, , wasClean]) => wasClean).sort()).toEqual([false, true]);
    expect(wss.clients.size).toBe(0);
  });

  it('[wsref] after close(), handleUpgrade refuses new handshakes with 503', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({});
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void wss.handleUpgrade(request, socket, head));
    await wss.close();
    const { head } = await rawUpgrade(port, '/', resources);
    expect(head.status).toBe(503);
  });

  it('[wsref] a handshake still in its authenticate hook when close() is called is refused with 503, not accepted', async () => {
    const { server, port } = await startHttpServer(resources);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const wss = new WebSocketServer({ server, authenticate: async () => (await gate, true) });
    let connections = 0;
    wss.on('connection', () => connections++);
    const pending = rawUpgrade(port, '/', resources);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the request is inside the hook
    await wss.close({ timeout: 100 });
    release();
    const { head } = await pending;
    expect(head.status).toBe(503);
    expect(connections).toBe(0);
    expect(wss.clients.size).toBe(0);
  });
});
