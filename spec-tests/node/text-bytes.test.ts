// Text as bytes (issue #15 step 4): `textAs: 'bytes'` hands a text message to the application as
// its UTF-8, undecoded, after the same validation as ever (RFC 6455 §8.1: invalid UTF-8 fails
// the connection with 1007, as soon as it arrives); `send(bytes, { binary: false })` sends bytes
// as text unchanged, but only valid UTF-8 (RFC 6455 §5.6), also when a code point is split
// between fragments (§5.4). The peers are the `ws` package (HTTP/1.1) and Node's own HTTP/2
// client speaking raw frames on an extended CONNECT stream (RFC 8441), plus wsref's client over h2c.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer as WsServer } from 'ws';
import { connect, WebSocketServer, type ServerOptions, type Session } from '../../src/index.js';
import { checkTextToSend } from '../../src/node/outgoing-text.js';
import { closeBody, encodeFrame, nextEvent, OP, Resources, startHttpServer, until, withTimeout } from '../helpers/node-peers.js';
import { connectHttp2, extendedConnect, frameCount, openStream, startHttp2Endpoint } from '../interop/http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type MessageArgs = [data: string | Buffer, isBinary: boolean];
type CloseArgs = [code: number, reason: string];

/** One-, two-, three- and four-byte code points, then enough ASCII to need a 16-bit length. */
const TEXT = `aé€😀 κόσμε ${'x'.repeat(300)}`;
const UTF8 = Buffer.from(TEXT, 'utf8');

/** A wsref server whose sessions are handed to the test; `options` are the endpoint's. */
async function ourServer(options: ServerOptions = {}) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...options });
  resources.defer(() => wss.close({ timeout: 100 }));
  const sessions: Session[] = [];
  wss.on('connection', (session) => sessions.push(session));
  return { port, sessions };
}

/** A `ws` client to `port`, open, and the server session it made. */
async function wsClientOf(server: { port: number; sessions: Session[] }): Promise<[WebSocket, Session]> {
  const before = server.sessions.length;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  resources.defer(() => ws.terminate());
  await nextEvent(ws, 'open', 5_000);
  await until(() => server.sessions.length > before, 2_000, 'the server session');
  return [ws, server.sessions[before]!];
}

/** The next message `ws` receives, as ws hands it over (always a Buffer). */
const wsMessage = (ws: WebSocket) => nextEvent<[Buffer, boolean]>(ws, 'message', 5_000);

describe("receiving text as bytes: textAs: 'bytes' (RFC 6455 §5.6, §8.1)", () => {
  it('[6455-5.6-1] text arrives as a string by default, and as a Buffer of the same UTF-8 with isBinary false with textAs bytes', async () => {
    const plain = await ourServer();
    const [wsPlain, sessionPlain] = await wsClientOf(plain);
    const asString = nextEvent<MessageArgs>(sessionPlain, 'message');
    wsPlain.send(TEXT);
    expect(await asString).toEqual([TEXT, false]);

    const bytes = await ourServer({ textAs: 'bytes' });
    const [ws, session] = await wsClientOf(bytes);
    const asBytes = nextEvent<MessageArgs>(session, 'message');
    ws.send(TEXT);
    const [data, isBinary] = await asBytes;
    expect([Buffer.isBuffer(data), isBinary]).toEqual([true, false]);
    expect(Buffer.compare(data as Buffer, UTF8)).toBe(0);
    // Binary is unchanged: a Buffer with isBinary true.
    const binary = nextEvent<MessageArgs>(session, 'message');
    ws.send(Buffer.from([0xff, 0xfe]));
    expect(await binary).toEqual([Buffer.from([0xff, 0xfe]), true]);
  });

  it('[6455-8.1-1, 6455-5.6-1] with textAs bytes, invalid UTF-8 still fails the connection with 1007, at the fragment that carries it', async () => {
    const server = await ourServer({ textAs: 'bytes' });
    const [ws, session] = await wsClientOf(server);
    const messages: MessageArgs[] = [];
    session.on('message', (...args) => messages.push(args));
    const valid = nextEvent<MessageArgs>(session, 'message');
    ws.send(Buffer.from('ok'), { binary: false });
    await valid;
    const closed = nextEvent<CloseArgs>(ws, 'close', 5_000);
    // `ws` does not check what it sends: the first fragment is not UTF-8, and the message never ends.
    ws.send(Buffer.from([0x61, 0xc0, 0xaf]), { binary: false, fin: false });
    const [code] = await closed;
    expect(code).toBe(1007);
    expect(messages.map(([data, isBinary]) => [Buffer.isBuffer(data), String(data), isBinary])).toEqual([[true, 'ok', false]]);
  });

  it("[6455-5.6-1] wsref's client: textAs bytes hands over the ws server's text as a Buffer, isBinary false", async () => {
    const wss = new WsServer({ host: '127.0.0.1', port: 0 });
    await nextEvent(wss, 'listening');
    resources.defer(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
    wss.on('connection', (ws) => ws.send(TEXT));
    const client = await connect(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`, { textAs: 'bytes' });
    resources.defer(() => client.terminate());
    const [data, isBinary] = await nextEvent<MessageArgs>(client, 'message');
    expect([Buffer.isBuffer(data), isBinary, Buffer.compare(data as Buffer, UTF8)]).toEqual([true, false, 0]);
  });
});

describe('sending bytes as text: send(bytes, { binary: false }) (RFC 6455 §5.6)', () => {
  it('[6455-5.6-1] valid UTF-8 bytes go out as a text message, unchanged; a received Buffer echoes back as text', async () => {
    const server = await ourServer({ textAs: 'bytes' });
    const [ws, session] = await wsClientOf(server);
    const handedOver: unknown[] = [];
    session.on('message', (data, isBinary) => {
      handedOver.push(data);
      session.send(data, { binary: isBinary });
    });
    const echo = wsMessage(ws);
    ws.send(TEXT);
    const [data, isBinary] = await echo;
    expect([isBinary, data.toString('utf8')]).toEqual([false, TEXT]);
    expect(handedOver.map((d) => Buffer.isBuffer(d))).toEqual([true]); // sent back as the bytes received, never a string
  });

  it('[6455-5.6-1, 6455-8.1-1] bytes that are not UTF-8 throw a TypeError and nothing is sent; the session stays OPEN', async () => {
    const server = await ourServer();
    const [ws, session] = await wsClientOf(server);
    const received: Array<[string, boolean]> = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => received.push([data.toString('latin1'), isBinary]));
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      expect(() => session.send(Buffer.from(bad), { binary: false })).toThrow(TypeError);
    }
    expect(() => session.send(new Uint8Array([0x61, 0x80]).buffer, { binary: false })).toThrow(/UTF-8/);
    expect(session.readyState).toBe(1);
    const after = wsMessage(ws);
    session.send(Buffer.from('after'), { binary: false });
    await after;
    expect(received).toEqual([['after', false]]);
  });

  it("[6455-5.6-1] wsref's client checks too: invalid bytes as text throw before anything is masked or sent", async () => {
    const wss = new WsServer({ host: '127.0.0.1', port: 0 });
    await nextEvent(wss, 'listening');
    resources.defer(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()); }));
    const received: Array<[string, boolean]> = [];
    wss.on('connection', (ws) => ws.on('message', (data: Buffer, isBinary: boolean) => received.push([data.toString('latin1'), isBinary])));
    const client = await connect(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`);
    resources.defer(() => client.terminate());
    expect(() => client.send(Buffer.from([0xf4, 0x90, 0x80, 0x80]), { binary: false })).toThrow(TypeError);
    client.send(Buffer.from('€', 'utf8'), { binary: false });
    await until(() => received.length === 1, 5_000, 'the valid message');
    expect(received).toEqual([[Buffer.from('€').toString('latin1'), false]]);
  });

  it('[6455-5.6-1, 6455-5.4-6] a code point split between fragments is accepted; a string cannot finish it, nor can the message end inside it', async () => {
    const server = await ourServer();
    const [ws, session] = await wsClientOf(server);
    const euro = Buffer.from('€', 'utf8'); // E2 82 AC
    const first = wsMessage(ws);
    session.send(Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]), { binary: false, fin: false });
    session.send(euro.subarray(1, 2), { fin: false }); // a continuation: text like its first frame
    expect(() => session.send('5', { fin: false })).toThrow(TypeError); // the € is still open
    expect(() => session.send(Buffer.alloc(0), { fin: true })).toThrow(/whole UTF-8 code point/);
    session.send(Buffer.from([0xac, 0x35]), { fin: true }); // AC ends the €, then '5'
    const [data, isBinary] = await first;
    expect([isBinary, data.toString('utf8')]).toEqual([false, 'price €5']);
  });

  it('[6455-5.6-1, 6455-8.1-1] split anywhere into fragments, UTF-8 is accepted exactly when a fatal decoder accepts the whole', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const valid = (bytes: Uint8Array) => { try { decoder.decode(bytes); return true; } catch { return false; } };
    const cases = [UTF8.subarray(0, 14), Buffer.from([0x61, 0xf0, 0x9f, 0x98]), Buffer.from([0xe2, 0x82, 0xac, 0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x8f, 0xbf, 0xbf, 0xc3])];
    let checked = 0;
    for (const whole of cases) {
      for (let a = 0; a <= whole.length; a++) {
        for (let b = a; b <= whole.length; b++) {
          const pieces = [whole.subarray(0, a), whole.subarray(a, b), whole.subarray(b)];
          let accepted = true;
          let open: Uint8Array = new Uint8Array(0);
          try {
            pieces.forEach((piece, i) => (open = checkTextToSend(piece, open, i === pieces.length - 1)));
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
            accepted = false;
          }
          expect(accepted, `${whole.toString('hex')} cut at ${a}, ${b}`).toBe(valid(whole));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});

describe('over HTTP/2 (RFC 8441): the option reaches sessions on extended CONNECT streams', () => {
  it('[6455-5.6-1, 8441-5-1] the server hands text over as a Buffer and echoes it as text; invalid UTF-8 still closes with 1007', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false, options: { textAs: 'bytes' } });
    const client = await connectHttp2(resources, endpoint.origin);
    const opened = await openStream(client, extendedConnect('http'));
    await until(() => endpoint.connections.length === 1, 2_000, 'the session');
    const received = nextEvent<MessageArgs>(endpoint.connections[0]!.session, 'message');
    opened.stream.write(encodeFrame(OP.text, UTF8, { mask: true }));
    const [data, isBinary] = await received;
    expect([Buffer.isBuffer(data), isBinary, Buffer.compare(data as Buffer, UTF8)]).toEqual([true, false, 0]);
    const [echo] = await frameCount(opened.frames, 1, 'the echo');
    expect([echo!.opcode, Buffer.compare(echo!.payload, UTF8)]).toEqual([OP.text, 0]);

    opened.stream.write(encodeFrame(OP.text, Buffer.from([0xce, 0xba, 0xff]), { mask: true }));
    const [, close] = await frameCount(opened.frames, 2, 'the close frame');
    expect([close!.opcode, close!.payload.readUInt16BE(0)]).toEqual([OP.close, 1007]);
    opened.stream.end(encodeFrame(OP.close, closeBody(1007), { mask: true }));
  });

  it("[6455-5.6-1, 8441-4-1] wsref's client over h2c: textAs bytes reaches its session", async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false });
    const client = await connect(`ws://127.0.0.1:${endpoint.port}/ws`, { http2: true, textAs: 'bytes' });
    resources.defer(() => client.terminate());
    expect(client.transport).toBe('h2');
    const echo = nextEvent<MessageArgs>(client, 'message');
    client.send(TEXT);
    const [data, isBinary] = await withTimeout(echo, 5_000, 'the echo');
    expect([Buffer.isBuffer(data), isBinary, Buffer.compare(data as Buffer, UTF8)]).toEqual([true, false, 0]);
  });
});

describe('textAs takes two values (clear errors for bad options)', () => {
  it("[6455-5.6-1] a textAs other than 'string' or 'bytes' is refused with a TypeError by the server and by connect(), before any connection", async () => {
    const { server } = await startHttpServer(resources);
    expect(() => new WebSocketServer({ server, textAs: 'buffer' as never })).toThrow(/textAs must be 'string' or 'bytes', got "buffer"/);
    // No server listens on port 1: the option is refused before any connection is tried.
    await expect(connect('ws://127.0.0.1:1/', { textAs: 'String' as never })).rejects.toThrow(TypeError);
    expect(() => new WebSocketServer({ server, textAs: 'bytes' })).not.toThrow();
  });
});
