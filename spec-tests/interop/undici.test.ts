// Interoperability with undici's WHATWG `WebSocket` client (the one behind Node's global
// WebSocket; a peer we did not write) against our server, over loopback: RFC 6455 §6 (text and
// binary messages), §7 (the closing handshake with code and reason), RFC 7692 when it offers it.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, Resources, startHttpServer, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

async function ourEchoServer(options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...options });
  resources.defer(() => wss.close({ timeout: 100 }));
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
  return { wss, port };
}

function open(url: string, protocols?: string[]): Promise<UndiciWebSocket> {
  const ws = new UndiciWebSocket(url, protocols);
  ws.binaryType = 'arraybuffer';
  resources.defer(() => {
    if (ws.readyState < 2) ws.close();
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(ws), { once: true });
      ws.addEventListener('error', () => reject(new Error('undici WebSocket failed to open')), { once: true });
    }),
    3_000,
    'undici open',
  );
}

function nextMessage(ws: UndiciWebSocket): Promise<string | ArrayBuffer> {
  return withTimeout(
    new Promise((resolve) => ws.addEventListener('message', (event) => resolve(event.data as string | ArrayBuffer), { once: true })),
    3_000,
    'undici message',
  );
}

function closeEvent(ws: UndiciWebSocket): Promise<{ code: number; reason: string; wasClean: boolean }> {
  return withTimeout(
    new Promise((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }), { once: true })),
    3_000,
    'undici close',
  );
}

describe('undici WebSocket → our server', () => {
  it('[6455-6.1-6] [6455-6.2-3] [6455-4.2.2-8] text and binary round-trip, and the chosen subprotocol reaches the client', async () => {
    const { port } = await ourEchoServer({ protocols: ['graphql-ws'] });
    const ws = await open(`ws://127.0.0.1:${port}/`, ['other', 'graphql-ws']);
    expect(ws.protocol).toBe('graphql-ws');
    let reply = nextMessage(ws);
    ws.send('hello from undici ✓');
    expect(await reply).toBe('hello from undici ✓');
    for (const size of [0, 125, 126, 70_000]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
      reply = nextMessage(ws);
      ws.send(bytes);
      const echoed = await reply;
      expect(echoed, `binary ${size}`).toBeInstanceOf(ArrayBuffer);
      expect(Buffer.from(echoed as ArrayBuffer).equals(Buffer.from(bytes)), `binary ${size}`).toBe(true);
    }
  });

  it('[6455-7.1.2-1] [6455-5.5.1-6] closing: undici closes with a code and reason; our server closes with its own', async () => {
    const { wss, port } = await ourEchoServer();
    let accepted = nextEvent<[Session]>(wss, 'connection');
    const ws = await open(`ws://127.0.0.1:${port}/`);
    const [ours] = await accepted;
    const ourClose = nextEvent<CloseArgs>(ours, 'close');
    const theirClose = closeEvent(ws);
    ws.close(4100, 'undici leaving');
    expect(await ourClose).toEqual([4100, 'undici leaving', true]);
    expect(await theirClose).toMatchObject({ code: 4100, wasClean: true });

    accepted = nextEvent<[Session]>(wss, 'connection');
    const ws2 = await open(`ws://127.0.0.1:${port}/`);
    const [ours2] = await accepted;
    const theirClose2 = closeEvent(ws2);
    ours2.close(1001, 'going away');
    expect(await theirClose2).toEqual({ code: 1001, reason: 'going away', wasClean: true });
  });

  it('[7692-5-5] [7692-6.2-1] with permessage-deflate enabled on our server, it is negotiated and data round-trips', async () => {
    const { wss, port } = await ourEchoServer({ perMessageDeflate: true });
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const ws = await open(`ws://127.0.0.1:${port}/`);
    const [ours] = await accepted;
    // undici offers permessage-deflate; both sides agree it is in use.
    expect(ours.extensions).toMatch(/^permessage-deflate/);
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    const text = 'compress me '.repeat(10_000);
    const reply = nextMessage(ws);
    ws.send(text);
    expect(await reply).toBe(text);
  });
});
