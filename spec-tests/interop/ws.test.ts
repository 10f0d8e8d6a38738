// Interoperability with the `ws` package (a peer we did not write), over loopback, both ways:
// its client against our server and our client against its server. RFC 6455 §5 (framing at the
// 7-bit/16-bit/64-bit length boundaries 125/126/65535/65536), §6 (text and binary messages),
// §7 (close codes and reasons in both directions), RFC 7692 (permessage-deflate negotiated and used).
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer as WsServer } from 'ws';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, Resources, startHttpServer, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** Payload sizes on both sides of each frame-length encoding boundary (RFC 6455 §5.2), and 1 MiB. */
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

/** Deterministic, poorly compressible bytes so a size really is on the wire at that size. */
function bytesOf(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
const textOf = (size: number): string => 'ab€'.repeat(Math.ceil(size / 5)).slice(0, size);

type CloseArgs = [code: number, reason: string, wasClean: boolean];

/** Our server, echoing every message with its type. */
async function ourEchoServer(perMessageDeflate: boolean) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, perMessageDeflate });
  resources.defer(() => wss.close({ timeout: 100 }));
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
  return { wss, port };
}

/** A `ws` server on 127.0.0.1:0 echoing every message with its type. */
async function wsEchoServer(perMessageDeflate: boolean) {
  const wss = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  await nextEvent(wss, 'listening');
  resources.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  return { wss, port: (wss.address() as { port: number }).port };
}

/** Sends with a `ws` client and waits for the echo. */
function wsRoundTrip(ws: WebSocket, data: Buffer | string): Promise<[Buffer, boolean]> {
  const reply = new Promise<[Buffer, boolean]>((resolve) => ws.once('message', (d: Buffer, isBinary: boolean) => resolve([d, isBinary])));
  ws.send(data, { binary: typeof data !== 'string' });
  return withTimeout(reply, 5_000, 'ws echo');
}

function ourRoundTrip(session: Session, data: Buffer | string): Promise<[string | Buffer, boolean]> {
  const reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
  session.send(data);
  return reply;
}

/** Each interop suite runs without and with compression; the RFC 7692 ids apply to the second. */
const MODES = [
  { perMessageDeflate: false, mode: 'no compression', ids: '' },
  { perMessageDeflate: true, mode: 'permessage-deflate on both sides', ids: '[7692-5-5] [7692-5-13] [7692-6.1-1] [7692-6.2-1]' },
];

describe.each(MODES)('$ids ws client → our server ($mode)', ({ perMessageDeflate }) => {
  it('[6455-5.1-1] [6455-6.2-7] [6455-6.1-4] text and binary of sizes 0, 125, 126, 65535, 65536 and 1 MiB round-trip', async () => {
    const { port } = await ourEchoServer(perMessageDeflate);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open');
    expect(ws.extensions.startsWith('permessage-deflate')).toBe(perMessageDeflate);
    for (const size of SIZES) {
      const binary = bytesOf(size, size + 1);
      const [echoedBinary, wasBinary] = await wsRoundTrip(ws, binary);
      expect(wasBinary, `binary ${size}`).toBe(true);
      expect(echoedBinary.equals(binary), `binary ${size}`).toBe(true);
      const text = textOf(size);
      const [echoedText, wasText] = await wsRoundTrip(ws, text);
      expect(wasText, `text ${size}`).toBe(false);
      expect(echoedText.toString('utf8'), `text ${size}`).toBe(text);
    }
  });

  it('[6455-5.5.1-2] [6455-5.5.1-3] [6455-7.4-1] close codes and reasons both ways', async () => {
    const { wss, port } = await ourEchoServer(perMessageDeflate);
    // The ws client closes: our server sees its code and reason.
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open');
    const [ours] = await accepted;
    const ourClose = nextEvent<CloseArgs>(ours, 'close');
    const wsClose = nextEvent<[number, Buffer]>(ws, 'close');
    ws.close(4001, 'ws says bye');
    expect(await ourClose).toEqual([4001, 'ws says bye', true]);
    expect((await wsClose)[0]).toBe(4001);
    // Our server closes: the ws client sees our code and reason.
    const accepted2 = nextEvent<[Session]>(wss, 'connection');
    const ws2 = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => ws2.terminate());
    await nextEvent(ws2, 'open');
    const [ours2] = await accepted2;
    const ws2Close = nextEvent<[number, Buffer]>(ws2, 'close');
    const ours2Close = nextEvent<CloseArgs>(ours2, 'close');
    ours2.close(1011, 'server ✗ error');
    const [code, reason] = await ws2Close;
    expect([code, reason.toString()]).toEqual([1011, 'server ✗ error']);
    expect((await ours2Close).slice(0, 1)).toEqual([1011]);
  });
});

describe.each(MODES)('$ids our client → ws server ($mode)', ({ perMessageDeflate }) => {
  it('[6455-5.1-4] [6455-6.2-1] [6455-6.1-4] text and binary of sizes 0, 125, 126, 65535, 65536 and 1 MiB round-trip', async () => {
    const { port } = await wsEchoServer(perMessageDeflate);
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate, handshakeTimeout: 2_000 });
    resources.defer(() => session.terminate());
    expect(session.extensions.startsWith('permessage-deflate')).toBe(perMessageDeflate);
    for (const size of SIZES) {
      const binary = bytesOf(size, size + 7);
      const [echoedBinary, wasBinary] = await ourRoundTrip(session, binary);
      expect(wasBinary, `binary ${size}`).toBe(true);
      expect(Buffer.isBuffer(echoedBinary) && echoedBinary.equals(binary), `binary ${size}`).toBe(true);
      const text = textOf(size);
      const [echoedText, wasText] = await ourRoundTrip(session, text);
      expect(wasText, `text ${size}`).toBe(false);
      expect(echoedText, `text ${size}`).toBe(text);
    }
  });

  it('[6455-5.5.1-2] [6455-5.5.1-3] [6455-7.4-1] close codes and reasons both ways', async () => {
    const { wss, port } = await wsEchoServer(perMessageDeflate);
    // We close: the ws server sees our code and reason.
    const theirs = nextEvent<[WebSocket]>(wss, 'connection');
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => session.terminate());
    const [ws] = await theirs;
    const wsClose = nextEvent<[number, Buffer]>(ws, 'close');
    const ourClose = nextEvent<CloseArgs>(session, 'close');
    session.close(4002, 'wsref says bye');
    const [code, reason] = await wsClose;
    expect([code, reason.toString()]).toEqual([4002, 'wsref says bye']);
    const [echoedCode, , wasClean] = await ourClose; // ws echoes the reason too; either is allowed
    expect([echoedCode, wasClean]).toEqual([4002, true]);
    // They close: we see their code and reason.
    const theirs2 = nextEvent<[WebSocket]>(wss, 'connection');
    const session2 = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => session2.terminate());
    const [ws2] = await theirs2;
    const ourClose2 = nextEvent<CloseArgs>(session2, 'close');
    ws2.close(1008, 'policy');
    expect(await ourClose2).toEqual([1008, 'policy', true]);
  });
});

describe('fragmented messages with ws (RFC 6455 §5.4)', () => {
  it.each([
    { perMessageDeflate: false, ids: '', mode: 'plain' },
    { perMessageDeflate: true, ids: '[7692-6.1-3]', mode: 'compressed' },
  ])('[6455-6.1-5] [6455-6.1-7] $ids a message we send in fragments arrives whole, and one ws sends in fragments reaches us whole ($mode)', async ({ perMessageDeflate }) => {
    const { wss, port } = await wsEchoServer(perMessageDeflate);
    const theirs = nextEvent<[WebSocket]>(wss, 'connection');
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
    resources.defer(() => session.terminate());
    const [ws] = await theirs;
    // Ours → ws (echoed back whole by ws as one message).
    let reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
    session.send('first ', { fin: false });
    session.ping('between fragments'); // control frames may interleave (§5.4)
    session.send('second ', { fin: false });
    session.send('and the end ✓', { fin: true });
    expect(await reply).toEqual(['first second and the end ✓', false]);
    // ws → ours, via ws's own fragmentation API.
    reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
    ws.send(Buffer.from('abc'), { binary: true, fin: false });
    ws.send(Buffer.from('def'), { binary: true, fin: false });
    ws.send(Buffer.from('ghi'), { binary: true, fin: true });
    const [data, isBinary] = await reply;
    expect(isBinary).toBe(true);
    expect(data).toEqual(Buffer.from('abcdefghi'));
  });
});

describe('permessage-deflate with ws really compresses', () => {
  it('[7692-6.1-1] [7692-6.2-1] [7692-7.2.2-2] [7692-7.2.2-4] 1 MiB of repetitive text travels as a few KiB, both ways, with context takeover', async () => {
    const { wss, port } = await wsEchoServer(true);
    const theirs = nextEvent<[WebSocket]>(wss, 'connection');
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    resources.defer(() => session.terminate());
    const [ws] = await theirs;
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    const text = 'the same sentence again and again. '.repeat(30_000);
    for (let i = 0; i < 3; i++) {
      const [echoed] = await ourRoundTrip(session, text);
      expect(echoed).toBe(text);
    }
    // ~3 MiB each way as text; with compression far less crossed the socket.
    expect(socket.bytesRead).toBeLessThan(100_000);
    expect(socket.bytesWritten).toBeLessThan(100_000);
  });
});
