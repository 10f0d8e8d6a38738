// Tests for the places where wsref's WHATWG `WebSocket` (src/node/whatwg*.ts, webidl.ts,
// credentials.ts) used to differ from the WHATWG WebSockets Standard (issue #13 item 3): what
// send() sends, URL credentials, the event constructors' Web IDL conversions, a close reason or
// message starting with U+FEFF, one task per event, and the error event's Node-only `cause`.
// Each name cites the standard's section as [whatwg-…] (the requirement catalog covers the RFCs
// only), plus [wsref] for the traceability check. Loopback only, servers on port 0.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocketServer as WsServer } from 'ws';
import { CloseEvent, HandshakeError, MessageEvent, ProtocolError, WebSocket, type WebSocketErrorEvent } from '../../src/index.js';
import { answerHandshake, cleanups, expectDomException, opened, record, startRawServer, startServer, track } from '../helpers/whatwg.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The next `error` event of `ws`, with its Node-only `cause`. */
function nextError(ws: WebSocket): Promise<WebSocketErrorEvent> {
  return new Promise((resolve) => ws.addEventListener('error', (e) => resolve(e as WebSocketErrorEvent), { once: true }));
}

/** Waits (bounded) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await delay(10);
  expect(condition()).toBe(true);
}

describe('send(data): the bytes as they were at the call [whatwg-websocket-send]', () => {
  it('[wsref][whatwg-websocket-send] an ArrayBuffer or view sent behind a pending Blob goes out as it was, not as changed later', async () => {
    const received: number[][] = [];
    const { port } = await startServer({}, (session) => session.on('message', (data) => received.push([...(data as Buffer)])));
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    const view = new Uint8Array([1, 2, 3]);
    const buffer = new Uint8Array([4, 5]).buffer;
    ws.send(new Blob([new Uint8Array([0])])); // read asynchronously: what follows must wait for it
    ws.send(view);
    ws.send(buffer);
    view.fill(0xee); // the caller reuses its memory before the Blob has been read
    new Uint8Array(buffer).fill(0xff);
    await until(() => received.length === 3);
    expect(received).toEqual([[0], [1, 2, 3], [4, 5]]);
  });

  it('[wsref][whatwg-websocket-send] a view of a SharedArrayBuffer, or one itself, is a TypeError (BufferSource is not [AllowShared])', async () => {
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const shared = new SharedArrayBuffer(4);
    // Web IDL converts the argument before the method's steps: TypeError even while CONNECTING.
    expect(() => ws.send(new Uint8Array(shared))).toThrow(TypeError);
    await opened(ws);
    expect(() => ws.send(new Uint8Array(shared))).toThrow(TypeError);
    expect(() => ws.send(new DataView(shared))).toThrow(TypeError);
    expect(() => ws.send(shared as unknown as ArrayBuffer)).toThrow(TypeError);
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('credentials in the URL [whatwg-concept-websocket-establish]', () => {
  const expected = `Basic ${Buffer.from('us er:p@ss:wörd').toString('base64')}`;
  /** A wsref server that answers 401 unless the request carries `expected`. */
  const basicAuthServer = () =>
    startServer({
      authenticate: (request) =>
        request.headers.authorization === expected ? true : { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="wsref"' } },
    });

  it('[wsref][whatwg-concept-websocket-establish] ws://user:pass@host/ connects: a 401 is retried once with Authorization: Basic of the percent-decoded user and password', async () => {
    const { port, requests } = await basicAuthServer();
    const ws = track(new WebSocket(`ws://us%20er:p%40ss%3Aw%C3%B6rd@127.0.0.1:${port}/echo`));
    expect(ws.url).toBe(`ws://us%20er:p%40ss%3Aw%C3%B6rd@127.0.0.1:${port}/echo`);
    await opened(ws);
    // The server saw one upgrade that it accepted: the retry with the header, after a 401 to the first.
    expect(requests.map((r) => r.headers.authorization)).toEqual([expected]);
    expect(requests[0]!.url).toBe('/echo');
    ws.send('in');
    expect(((await once(ws, 'message'))[0] as MessageEvent).data).toBe('in');
  });

  it('[wsref][whatwg-concept-websocket-establish] without credentials the 401 fails the connection: error (cause: the 401) and close 1006; an explicit Authorization header is not replaced', async () => {
    const { port, requests } = await basicAuthServer();
    const bare = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    const { events, closed } = record(bare);
    const errors: WebSocketErrorEvent[] = [];
    bare.onerror = (e) => errors.push(e as WebSocketErrorEvent);
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(events).toEqual(['error', 'close']);
    expect(errors[0]!.cause).toBeInstanceOf(HandshakeError);
    expect(errors[0]!.cause.message).toMatch(/401/);
    // The URL's credentials are not used when the application set Authorization itself (Fetch).
    const own = new WebSocket(`ws://us%20er:p%40ss%3Aw%C3%B6rd@127.0.0.1:${port}/echo`, [], { headers: { Authorization: 'Bearer x' } });
    expect(await record(own).closed).toMatchObject({ code: 1006 });
    expect(requests).toHaveLength(0);
  });
});

describe('event constructors convert their arguments (Web IDL) [whatwg-the-closeevent-interface]', () => {
  it('[wsref][whatwg-the-closeevent-interface] new CloseEvent() without a type throws TypeError; the init is converted: unsigned short modulo 2^16, boolean, USVString', () => {
    expect(() => new (CloseEvent as unknown as new () => CloseEvent)()).toThrow(TypeError);
    const converted = new CloseEvent('close', { code: 70000, wasClean: 'yes', reason: 123 } as never);
    expect([converted.code, converted.wasClean, converted.reason]).toEqual([4464, true, '123']);
    const edges = new CloseEvent('x', { code: -1, reason: 'a\ud800', wasClean: 0 } as never);
    expect([edges.code, edges.reason, edges.wasClean]).toEqual([65535, 'a\ufffd', false]);
    expect(new CloseEvent('x', { code: NaN } as never).code).toBe(0);
    expect(new CloseEvent('x', null as never).code).toBe(0);
    expect(() => new CloseEvent('x', 5 as never)).toThrow(TypeError);
    expect(() => new CloseEvent(Symbol('t') as never)).toThrow(TypeError);
    expect(new CloseEvent(7 as never).type).toBe('7');
    expect(new CloseEvent('x', { bubbles: 1 } as never).bubbles).toBe(true);
    // Attributes are read-only getters on the prototype, enumerable, as Web IDL defines them.
    expect(Object.getOwnPropertyDescriptor(CloseEvent.prototype, 'code')).toMatchObject({ enumerable: true, set: undefined });
    expect(Object.keys(converted)).not.toContain('code');
    expect(Object.prototype.toString.call(converted)).toBe('[object CloseEvent]');
  });

  it('[wsref][whatwg-feedback-from-the-protocol] MessageEvent: type required, origin a USVString, data null by default; still a Node MessageEvent', () => {
    expect(() => new (MessageEvent as unknown as new () => MessageEvent)()).toThrow(TypeError);
    const event = new MessageEvent('message', { origin: 5, lastEventId: 6 } as never);
    expect([event.data, event.origin, event.lastEventId]).toEqual([null, '5', '6']);
    expect(event).toBeInstanceOf(globalThis.MessageEvent);
    expect(Object.prototype.toString.call(event)).toBe('[object MessageEvent]');
  });
});

describe('UTF-8 decode without BOM, with a real peer (npm ws) [whatwg-feedback-from-the-protocol]', () => {
  it('[wsref][whatwg-feedback-from-the-protocol] a text message and a close reason that start with U+FEFF keep it', async () => {
    const server = new WsServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await once(server, 'listening');
    server.on('connection', (peer) => {
      peer.send('\ufeffhello');
      peer.close(4000, '\ufeffbye');
    });
    const ws = track(new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`));
    const messages: unknown[] = [];
    ws.onmessage = (e) => messages.push((e as MessageEvent).data);
    const { closed } = record(ws);
    const event = await closed;
    expect(messages).toEqual(['\ufeffhello']);
    expect(event.reason).toBe('\ufeffbye');
    expect(event.reason.length).toBe(4);
    expect(event).toMatchObject({ code: 4000, wasClean: true });
  });
});

describe('text is a string, whatever the Node options say [whatwg-feedback-from-the-protocol]', () => {
  it("[wsref][whatwg-feedback-from-the-protocol] a textAs: 'bytes' slipped in from plain JavaScript still gives MessageEvent.data as a string", async () => {
    const server = new WsServer({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    await once(server, 'listening');
    server.on('connection', (peer) => peer.send('héllo'));
    const options = { textAs: 'bytes' } as unknown as ConstructorParameters<typeof WebSocket>[2];
    const ws = track(new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`, [], options));
    const data = await new Promise((resolve) => (ws.onmessage = (e) => resolve((e as MessageEvent).data)));
    expect(data).toBe('héllo');
  });
});

describe('each event is its own task [whatwg-feedback-from-the-protocol]', () => {
  it('[wsref][whatwg-feedback-from-the-protocol] two messages in one network read: microtasks queued by the first handler run before the second message event', async () => {
    const two = Buffer.from([0x81, 0x03, ...Buffer.from('one'), 0x81, 0x03, ...Buffer.from('two')]);
    const port = await startRawServer((socket) => answerHandshake(socket, two));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: false }));
    const order: string[] = [];
    ws.onopen = () => void Promise.resolve().then(() => order.push('after open'));
    ws.onmessage = async (e) => {
      const data = (e as MessageEvent).data as string;
      order.push(data);
      await null; // two hops through the microtask queue: still before the next task
      await null;
      order.push(`after ${data}`);
    };
    await until(() => order.length === 5);
    expect(order).toEqual(['after open', 'one', 'after one', 'two', 'after two']);
  });

  it('[wsref][whatwg-feedback-from-the-protocol] a message and the close that follow in one read keep their order: message, then close', async () => {
    const bytes = Buffer.from([0x81, 0x02, ...Buffer.from('hi'), 0x88, 0x02, 0x03, 0xe8]);
    const port = await startRawServer((socket) => answerHandshake(socket, bytes));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: false }));
    const { events, closed } = record(ws);
    ws.onmessage = () => void queueMicrotask(() => events.push('microtask'));
    await closed;
    expect(events).toEqual(['open', 'message', 'microtask', 'close']);
  });
});

describe('the WebSocket interface object (Web IDL) [whatwg-the-websocket-interface]', () => {
  it('[wsref][whatwg-the-websocket-interface] new WebSocket() throws TypeError; the constants are read-only and not configurable; the class string is WebSocket', async () => {
    expect(() => new (WebSocket as unknown as new () => WebSocket)()).toThrow(TypeError);
    for (const target of [WebSocket, WebSocket.prototype]) {
      expect(Object.getOwnPropertyDescriptor(target, 'CLOSED')).toEqual({ value: 3, writable: false, enumerable: true, configurable: false });
    }
    expect(() => ((WebSocket as { OPEN: number }).OPEN = 9)).toThrow(TypeError);
    expect(Object.getOwnPropertyDescriptor(WebSocket.prototype, 'url')).toMatchObject({ enumerable: true, set: undefined });
    expect([WebSocket.length, WebSocket.prototype.send.length, WebSocket.prototype.close.length]).toEqual([1, 1, 0]);
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    expect(Object.prototype.toString.call(ws)).toBe('[object WebSocket]');
    expectDomException(() => new WebSocket(`ws://127.0.0.1:${port}/#x`), 'SyntaxError');
  });

  it('[wsref][whatwg-the-websocket-interface] operations and setters called on something else throw TypeError before checking their arguments', () => {
    // close(0) on a WebSocket would be an InvalidAccessError; on null it is the wrong `this` first.
    expect(() => WebSocket.prototype.close.call(null, 0)).toThrow(TypeError);
    expect(() => WebSocket.prototype.send.call({}, 'x')).toThrow(TypeError);
    const binaryType = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'binaryType')!.set!;
    expect(() => binaryType.call({}, 'not a binary type')).toThrow(TypeError);
  });
});

describe('the error event says why, on Node only [whatwg-feedback-from-the-protocol]', () => {
  it('[wsref][whatwg-feedback-from-the-protocol] subprotocol mismatch and refused TCP: the error event is a plain Event with a non-enumerable cause', async () => {
    const { port } = await startServer({ protocols: ['other'] });
    const mismatch = new WebSocket(`ws://127.0.0.1:${port}/echo`, ['chat']);
    const event = await nextError(mismatch);
    expect(Object.getPrototypeOf(event)).toBe(Event.prototype);
    expect(event.cause.message).toMatch(/subprotocol/);
    expect(Object.keys(event)).not.toContain('cause');
    expect(mismatch.readyState).toBe(WebSocket.CLOSED); // close follows in the same task
    const closedPort = await startRawServer(() => {});
    await cleanups.pop()!(); // nothing listens there now
    const refused = new WebSocket(`ws://127.0.0.1:${closedPort}/`);
    const refusal = await nextError(refused);
    expect((refusal.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('[wsref][whatwg-feedback-from-the-protocol] a protocol violation by the server: the cause is the ProtocolError with its close code', async () => {
    // A masked frame from a server (RFC 6455 §5.1) fails the connection with 1002.
    const port = await startRawServer((socket) => answerHandshake(socket, Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61 ^ 1])));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: false }));
    const event = await nextError(ws);
    expect(event.cause).toBeInstanceOf(ProtocolError);
    expect((event.cause as ProtocolError).closeCode).toBe(1002);
  });
});
