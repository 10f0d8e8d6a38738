// Tests for src/node/whatwg.ts — the WHATWG WebSocket interface for Node ("The WebSocket
// interface", "Feedback from the protocol", "The CloseEvent interface"), over loopback against
// this project's WebSocketServer and raw `net` servers that misbehave on purpose. Rules that are
// the WHATWG standard's own (not RFC 6455's) are cited as [wsref].
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CloseEvent, WebSocket } from '../../src/index.js';
import { answerHandshake, cleanups, expectDomException, nextMessage, opened, record, startRawServer, startServer, track } from '../helpers/whatwg.js';

describe('constructor (WHATWG "new WebSocket(url, protocols)")', () => {
  it('[wsref] has the readyState constants on the class and on instances, read-only', async () => {
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(() => ((ws as { OPEN: number }).OPEN = 7)).toThrow(TypeError);
    expect(ws.readyState).toBe(WebSocket.CONNECTING);
    expect(ws).toBeInstanceOf(EventTarget);
  });

  it('[6455-3-2] refuses a URL with a fragment, even an empty one, with a SyntaxError DOMException', () => {
    expectDomException(() => new WebSocket('ws://127.0.0.1:1/chat#room'), 'SyntaxError');
    expectDomException(() => new WebSocket('ws://127.0.0.1:1/#'), 'SyntaxError');
  });

  it('[wsref] refuses relative URLs, unparsable URLs and other schemes with SyntaxError', () => {
    expectDomException(() => new WebSocket('/echo'), 'SyntaxError');
    expectDomException(() => new WebSocket('ws://[oops/'), 'SyntaxError');
    expectDomException(() => new WebSocket('ftp://127.0.0.1/'), 'SyntaxError');
    expectDomException(() => new WebSocket('file:///tmp/x'), 'SyntaxError');
  });

  it('[wsref] turns http: into ws: and https: into wss:, and connects', async () => {
    const { port, requests } = await startServer();
    const ws = track(new WebSocket(`http://127.0.0.1:${port}/echo?x=1`));
    expect(ws.url).toBe(`ws://127.0.0.1:${port}/echo?x=1`);
    await opened(ws);
    expect(requests[0]!.url).toBe('/echo?x=1');
    const secure = new WebSocket('HTTPS://example.invalid/a b');
    expect(secure.url).toBe('wss://example.invalid/a%20b');
    secure.onerror = () => {};
    secure.close();
  });

  it('[6455-4.1-32] refuses subprotocol names that are not tokens, and duplicates, with SyntaxError', () => {
    for (const bad of ['', 'a b', 'a,b', 'chat/1', 'é', '"q"']) {
      expectDomException(() => new WebSocket('ws://127.0.0.1:1/', [bad]), 'SyntaxError');
    }
    expectDomException(() => new WebSocket('ws://127.0.0.1:1/', ['chat', 'chat']), 'SyntaxError');
    expectDomException(() => new WebSocket('ws://127.0.0.1:1/', 'a b'), 'SyntaxError');
  });

  it('[6455-4.1-31] offers the subprotocols (a string is a list of one) and reports the one the server chose', async () => {
    const { port, requests } = await startServer({ protocols: ['chat.v2', 'chat.v1', 'other'] });
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`, ['chat.v1', 'chat.v2']));
    expect(ws.protocol).toBe('');
    await opened(ws);
    expect(ws.protocol).toBe('chat.v1'); // this server takes the client's order of preference
    expect(requests[0]!.headers['sec-websocket-protocol']).toBe('chat.v1, chat.v2');
    const single = track(new WebSocket(`ws://127.0.0.1:${port}/echo`, 'chat.v1'));
    await opened(single);
    expect(single.protocol).toBe('chat.v1');
  });

  it('[wsref] fails when subprotocols were offered and the server selected none: error, then close 1006, never open', async () => {
    const { port } = await startServer({ protocols: ['other'] });
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`, ['chat']));
    const { events, closed } = record(ws);
    const event = await closed;
    expect(events).toEqual(['error', 'close']);
    expect(event).toMatchObject({ code: 1006, wasClean: false });
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('[6455-4.1-12] a refused TCP connection fires error then close with 1006', async () => {
    const port = await startRawServer(() => {});
    const closedPort = port; // a server that is then closed: nothing listens
    await cleanups.pop()!();
    const ws = new WebSocket(`ws://127.0.0.1:${closedPort}/`);
    const { events, closed } = record(ws);
    expect(await closed).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(events).toEqual(['error', 'close']);
  });

  it('[wsref] passes the Node options through: headers, and permessage-deflate offered by default or not at all', async () => {
    const { port, requests } = await startServer({ perMessageDeflate: true });
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`, [], { headers: { Authorization: 'Bearer t0k3n' } }));
    await opened(ws);
    expect(requests[0]!.headers.authorization).toBe('Bearer t0k3n');
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    const plain = track(new WebSocket(`ws://127.0.0.1:${port}/echo`, [], { perMessageDeflate: false }));
    await opened(plain);
    expect(requests[1]!.headers['sec-websocket-extensions']).toBeUndefined();
    expect(plain.extensions).toBe('');
  });
});

describe('events and readyState (WHATWG "Feedback from the protocol")', () => {
  it('[wsref] goes CONNECTING → OPEN (open event, fired after the constructor returns) → CLOSING on close() → CLOSED (close event)', async () => {
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const states: number[] = [];
    const { events, closed } = record(ws);
    ws.addEventListener('open', () => states.push(ws.readyState));
    await opened(ws);
    ws.close(1000, 'done');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const event = await closed;
    expect(states).toEqual([WebSocket.OPEN]);
    expect(events).toEqual(['open', 'close']);
    expect(event).toBeInstanceOf(CloseEvent);
    // The server's close frame echoes our code and reason (RFC 6455 §5.5.1).
    expect(event).toMatchObject({ type: 'close', code: 1000, reason: 'done', wasClean: true });
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('[6455-5.5.1-6] a server-initiated close: the close event carries its code and reason, cleanly, without error', async () => {
    const { port } = await startServer({}, (session) => session.on('message', () => session.close(4001, 'bye now')));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const { events, closed } = record(ws);
    await opened(ws);
    ws.send('please close');
    expect(await closed).toMatchObject({ code: 4001, reason: 'bye now', wasClean: true });
    expect(events).toEqual(['open', 'close']);
  });

  it('[6455-7.2.1-2] a connection lost without a close frame fires error, then close 1006 not clean', async () => {
    const { port } = await startServer({}, (session) => session.on('message', () => session.terminate()));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const { events, closed } = record(ws);
    await opened(ws);
    ws.send('drop me');
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(events).toEqual(['open', 'error', 'close']);
  });

  it('[6455-5.1-5] a masked frame from the server fails the connection: error before close, code 1006', async () => {
    const port = await startRawServer((socket) => answerHandshake(socket, Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x21 ^ 2])));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: false }));
    const { events, closed } = record(ws);
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(events).toEqual(['open', 'error', 'close']);
  });

  it('[wsref] close() while CONNECTING fails the connection: CLOSING at once, then error and close 1006, never open', async () => {
    const port = await startRawServer(() => {}); // accepts TCP, never answers the handshake
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const { events, closed } = record(ws);
    await new Promise((r) => setTimeout(r, 50));
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(events).toEqual(['error', 'close']);
  });

  it('[wsref] close() right after the constructor abandons the attempt too', async () => {
    const { port, sessions } = await startServer();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    const { events, closed } = record(ws);
    ws.close();
    expect(await closed).toMatchObject({ code: 1006, wasClean: false });
    expect(events).toEqual(['error', 'close']);
    expect(sessions.every((s) => s.readyState === WebSocket.CLOSED || s.readyState === WebSocket.CLOSING)).toBe(true);
  });

  it('[wsref] a message that arrives with the 101 response is delivered after open', async () => {
    const port = await startRawServer((socket) => answerHandshake(socket, Buffer.from([0x81, 0x05, ...Buffer.from('early')])));
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/`, [], { perMessageDeflate: false }));
    const { events } = record(ws);
    const message = await nextMessage(ws);
    expect(message.data).toBe('early');
    expect(events.slice(0, 2)).toEqual(['open', 'message']);
  });

  it('[wsref] drops messages that arrive after close() was called (readyState is no longer OPEN)', async () => {
    const { port } = await startServer({}, (session) =>
      session.on('message', () => {
        for (let i = 0; i < 3; i++) session.send(`late ${i}`);
      }),
    );
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const { events, closed } = record(ws);
    await opened(ws);
    ws.send('go');
    ws.close(1000);
    await closed;
    expect(events).toEqual(['open', 'close']);
  });

  it('[wsref] event handler attributes: set, replaced in place, removed with null, alongside addEventListener', async () => {
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    const calls: string[] = [];
    ws.onmessage = () => calls.push('first handler');
    ws.addEventListener('message', () => calls.push('listener'));
    ws.onmessage = function (this: WebSocket, event) {
      calls.push(`handler ${(event as MessageEvent).data} ${this === ws}`);
    };
    expect(typeof ws.onmessage).toBe('function');
    await opened(ws);
    ws.send('a');
    await nextMessage(ws);
    expect(calls).toEqual(['handler a true', 'listener']);
    ws.onmessage = null;
    expect(ws.onmessage).toBeNull();
    ws.send('b');
    await nextMessage(ws);
    expect(calls).toEqual(['handler a true', 'listener', 'listener']);
    let opens = 0;
    ws.onopen = () => opens++;
    expect(opens).toBe(0);
  });
});

describe('send() and messages', () => {
  it('[wsref] throws InvalidStateError while CONNECTING', async () => {
    const { port } = await startServer();
    const ws = track(new WebSocket(`ws://127.0.0.1:${port}/echo`));
    expectDomException(() => ws.send('too early'), 'InvalidStateError');
  });

  it('[6455-6.1-6] strings go as text and come back as strings; the MessageEvent origin is the URL origin', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    ws.send('héllo 👋');
    const event = await nextMessage(ws);
    expect(event).toBeInstanceOf(MessageEvent);
    expect(event.data).toBe('héllo 👋');
    expect(event.origin).toBe(`ws://127.0.0.1:${port}`);
  });

  it('[6455-6.1-6] ArrayBuffer, a view of part of a buffer, and a DataView go as binary; binaryType arraybuffer gives ArrayBuffers', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    ws.binaryType = 'arraybuffer';
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const received: number[][] = [];
    ws.onmessage = (e) => {
      const data = (e as MessageEvent).data;
      expect(data).toBeInstanceOf(ArrayBuffer);
      received.push([...new Uint8Array(data as ArrayBuffer)]);
    };
    ws.send(whole.buffer);
    ws.send(whole.subarray(2, 5));
    ws.send(new DataView(whole.buffer, 6, 2));
    ws.send(new Uint8Array(0));
    for (let i = 0; i < 100 && received.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual([[1, 2, 3, 4, 5, 6, 7, 8], [3, 4, 5], [7, 8], []]);
  });

  it('[wsref] binary messages are Blobs by default; invalid binaryType values are ignored', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    expect(ws.binaryType).toBe('blob');
    ws.binaryType = 'nonsense' as 'blob';
    expect(ws.binaryType).toBe('blob');
    ws.send(new Uint8Array([9, 8, 7]));
    const event = await nextMessage(ws);
    expect(event.data).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (event.data as Blob).arrayBuffer())]).toEqual([9, 8, 7]);
  });

  it('[wsref] a Blob is read asynchronously but keeps its place: later sends wait for it', async () => {
    const seen: string[] = [];
    const { port } = await startServer({}, (session) =>
      session.on('message', (data, isBinary) => seen.push(isBinary ? `binary ${(data as Buffer).length}` : `text ${String(data)}`)),
    );
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    ws.send('first');
    ws.send(new Blob([new Uint8Array(200_000)]));
    ws.send('after the blob');
    ws.send(new Uint8Array([1]));
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(200_000);
    ws.close(1000);
    await once(ws, 'close');
    expect(seen).toEqual(['text first', 'binary 200000', 'text after the blob', 'binary 1']);
  });

  it('[wsref] bufferedAmount counts sent bytes, returns to 0 when flushed, and only grows once closed', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`, [], { perMessageDeflate: false })));
    expect(ws.bufferedAmount).toBe(0);
    ws.send('12345');
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < 100 && ws.bufferedAmount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(ws.bufferedAmount).toBe(0);
    ws.close();
    ws.send('abc'); // CLOSING: not sent, not thrown, counted
    expect(ws.bufferedAmount).toBe(3);
    await once(ws, 'close');
    ws.send(new Uint8Array(4));
    ws.send('€'); // 3 UTF-8 bytes
    expect(ws.bufferedAmount).toBe(10);
  });
});

describe('close() (WHATWG "close(code, reason)")', () => {
  it('[wsref] accepts 1000 and 3000–4999 only: other codes throw InvalidAccessError; [Clamp] rounds', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    for (const code of [0, 999, 1001, 1005, 2999, 5000, 65535, -1]) expectDomException(() => ws.close(code), 'InvalidAccessError');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close(2999.6); // clamps and rounds to 3000
    expect((await once(ws, 'close'))[0]).toMatchObject({ code: 3000, wasClean: true });
  });

  it('[6455-5.5-1] a reason over 123 UTF-8 bytes throws SyntaxError; 123 bytes are sent', async () => {
    const closes: Array<[number, string]> = [];
    const { port } = await startServer({}, (session) => session.on('close', (code, reason) => closes.push([code, reason])));
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    expectDomException(() => ws.close(1000, 'x'.repeat(124)), 'SyntaxError');
    expectDomException(() => ws.close(1000, '€'.repeat(42)), 'SyntaxError'); // 126 bytes in 42 characters
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close(4999, 'y'.repeat(123));
    await once(ws, 'close');
    for (let i = 0; i < 100 && closes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closes).toEqual([[4999, 'y'.repeat(123)]]);
  });

  it('[6455-5.5.1-1] close() without arguments sends a close frame with no body: both sides report 1005', async () => {
    const closes: number[] = [];
    const { port } = await startServer({}, (session) => session.on('close', (code) => closes.push(code)));
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    ws.close();
    expect((await once(ws, 'close'))[0]).toMatchObject({ code: 1005, wasClean: true });
    for (let i = 0; i < 100 && closes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(closes).toEqual([1005]);
  });

  it('[wsref] close() when already CLOSING or CLOSED does nothing (but still validates its arguments)', async () => {
    const { port } = await startServer();
    const ws = track(await opened(new WebSocket(`ws://127.0.0.1:${port}/echo`)));
    ws.close(1000);
    ws.close(3001);
    expectDomException(() => ws.close(1002), 'InvalidAccessError');
    expect((await once(ws, 'close'))[0]).toMatchObject({ code: 1000 });
    ws.close(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('[wsref] CloseEvent has code, reason and wasClean, defaulting to 0, "" and false', () => {
    const blank = new CloseEvent('close');
    expect(blank).toBeInstanceOf(Event);
    expect([blank.code, blank.reason, blank.wasClean]).toEqual([0, '', false]);
    const full = new CloseEvent('close', { code: 4000, reason: 'r', wasClean: true });
    expect([full.type, full.code, full.reason, full.wasClean]).toEqual(['close', 4000, 'r', true]);
  });
});
