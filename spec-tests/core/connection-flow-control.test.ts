// The connection's pull contract: `receive()` only queues — events (`nextEvent`/`events`) and
// bytes for the wire (`dataToSend`) wait until the runtime takes them, in order. Pausing input is
// just not draining: nothing is delivered, lost or reordered meanwhile (RFC 6455 §6.2: messages in
// the order received), and the answer to a close is decided by what the application does after
// pulling the `closing` event (RFC 6455 §5.5.1).

import { describe, expect, it } from 'vitest';
import { Connection, internalError, Opcode, ReadyState, type ConnectionEvent } from '../../src/core/index.js';
import { closeBody, concat, decodeFrames, frame, text, utf8 } from '../helpers/core-pair.js';

/** An OPEN client connection whose `open` event was already pulled. */
function openClient(): Connection {
  const conn = new Connection({ role: 'client', maskKeys: () => 0x37fa213d });
  conn.establish(undefined, []);
  expect(conn.nextEvent()).toEqual({ type: 'open' });
  return conn;
}

/** An OPEN server connection (it sends unmasked, so a large payload is queued as it is). */
function openServer(): Connection {
  const conn = new Connection({ role: 'server' });
  conn.establish(undefined, []);
  expect(conn.nextEvent()).toEqual({ type: 'open' });
  return conn;
}

const texts = (events: ConnectionEvent[]) => events.map((e) => (e.type === 'message' ? text(e.data) : e.type));
const opcodesOf = (chunks: readonly Uint8Array[]) => decodeFrames(concat(...chunks)).map((f) => f.opcode);

describe('events you pull (issue #14: receive() never calls into the application)', () => {
  it('[6455-6.2-1] [6455-5.4-7] receive() only queues: nothing is delivered before it is pulled, then everything in order', () => {
    const conn = openClient();
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('first') }), frame({ opcode: Opcode.Ping, payload: utf8('p') })));
    conn.receive(frame({ opcode: Opcode.Text, fin: false, payload: utf8('sec') }));
    conn.receive(frame({ opcode: Opcode.Continuation, payload: utf8('ond') }));
    expect(texts([...conn.events()])).toEqual(['first', 'ping', 'second']);
    expect(conn.nextEvent()).toBeUndefined();
  });

  it('[6455-5.5.2-3] output waits in order until taken; the returned array holds a frame header and its payload as adjacent chunks', () => {
    const conn = openClient();
    conn.send(utf8('a'), true);
    conn.receive(frame({ opcode: Opcode.Ping, payload: utf8('p') })); // the pong is queued behind 'a'
    conn.send(new Uint8Array(5000), false);
    const first = conn.dataToSend();
    expect(opcodesOf(first)).toEqual([Opcode.Text, Opcode.Pong, Opcode.Binary]);
    expect(first).toHaveLength(3); // masked from the application's buffer: one coalesced chunk per frame
    expect(conn.dataToSend()).toEqual([]); // taken once
  });

  it('[wsref] dataToSend() reuses two arrays: the one it returned stays valid until the next call', () => {
    const conn = openClient();
    conn.send(utf8('1'), true);
    const a = conn.dataToSend();
    conn.send(utf8('2'), true);
    const b = conn.dataToSend();
    expect(b).not.toBe(a);
    expect(decodeFrames(b[0]!).map((f) => text(f.payload))).toEqual(['2']);
    conn.send(utf8('3'), true);
    expect(conn.dataToSend()).toBe(a); // the first array again, refilled: no allocation per drain
  });

  it('[wsref] what dataToSend() handed out is let go at the next call, even when nothing new is queued: a quiet connection keeps no sent payload alive', () => {
    const conn = openServer();
    const payload = new Uint8Array(64 * 1024); // large: it follows its header uncopied
    conn.send(payload, false);
    const sent = conn.dataToSend();
    expect(sent).toContain(payload);
    expect(conn.dataToSend()).toEqual([]); // nothing new
    expect(sent).toHaveLength(0); // and the chunks written last time are no longer held
  });

  it('[6455-7.1.7-1] a protocol error behind a message fails the connection only once that message is pulled: the application may still answer it', () => {
    const conn = openClient();
    // Autobahn 3.2's shape: a good message, then a frame with RSV2 set and no extension, in one read.
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('Hello, world!') }), frame({ opcode: Opcode.Text, rsv: 0x20, payload: utf8('bad') })));
    expect(conn.dataToSend()).toEqual([]);
    const message = conn.nextEvent();
    expect(texts([message!])).toEqual(['Hello, world!']);
    expect(conn.readyState).toBe(ReadyState.OPEN);
    conn.send(utf8('Hello, world!'), true); // the echo
    expect(conn.closeTransport).toBe('no');
    expect(conn.nextEvent()).toMatchObject({ type: 'error', error: { closeCode: 1002 } });
    expect(conn.readyState).toBe(ReadyState.CLOSING);
    expect(opcodesOf(conn.dataToSend())).toEqual([Opcode.Text, Opcode.Close]);
    expect(conn.closeTransport).toBe('now');
  });

  it('[6455-5.5.1-6] [6455-7.1.2-1] a close frame behind a message: the message is answered while OPEN, then the close is heard and echoed', () => {
    const conn = openClient();
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('last words') }), frame({ opcode: Opcode.Close, payload: closeBody(1000) })));
    expect(texts([conn.nextEvent()!])).toEqual(['last words']);
    expect(conn.readyState).toBe(ReadyState.OPEN);
    conn.send(utf8('noted'), true);
    expect(conn.nextEvent()).toEqual({ type: 'closing', code: 1000, reason: '' });
    expect(conn.readyState).toBe(ReadyState.CLOSING);
    expect(conn.nextEvent()).toBeUndefined();
    expect(decodeFrames(concat(...conn.dataToSend())).map((f) => [f.opcode, text(f.payload.subarray(f.opcode === Opcode.Close ? 2 : 0))])).toEqual([
      [Opcode.Text, 'noted'],
      [Opcode.Close, ''],
    ]);
  });

  it('[6455-6.2-1] pausing is not draining: bytes received meanwhile queue behind the unpulled events, none lost or reordered', () => {
    const conn = openClient();
    for (const word of ['a', 'b']) conn.receive(frame({ opcode: Opcode.Text, payload: utf8(word) }));
    const pulled = [conn.nextEvent()]; // the runtime takes one, then pauses
    for (const word of ['c', 'd']) conn.receive(frame({ opcode: Opcode.Text, payload: utf8(word) }));
    pulled.push(...conn.events());
    expect(texts(pulled as ConnectionEvent[])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('[6455-5.5.1-6] [6455-5.5.1-7] the closing answer: undecided until `closing` is pulled; a close() then is the answer; else the echo at the next pull', () => {
    const answered = openClient();
    answered.receive(frame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(answered.readyState).toBe(ReadyState.OPEN); // the state advances as events are pulled
    expect(answered.dataToSend()).toEqual([]); // not yet heard: no answer yet
    expect(answered.closeTransport).toBe('no');
    expect(answered.nextEvent()).toEqual({ type: 'closing', code: 4000, reason: 'bye' });
    expect(answered.readyState).toBe(ReadyState.CLOSING);
    answered.close(4100, 'mine');
    const [answer] = decodeFrames(concat(...answered.dataToSend()));
    expect(answer!.payload).toEqual(closeBody(4100, 'mine'));
    expect(answered.closeTransport).toBe('after-grace'); // a client lets the server close TCP first (§7.1.1)

    const echoed = openClient();
    echoed.receive(frame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(echoed.nextEvent()?.type).toBe('closing');
    expect(echoed.nextEvent()).toBeUndefined(); // the next pull, with no answer chosen: the echo
    const frames = decodeFrames(concat(...echoed.dataToSend()));
    expect(frames.map((f) => [f.opcode, f.payload])).toEqual([[Opcode.Close, closeBody(4000, 'bye')]]);
    echoed.close(4100, 'too late'); // already answered: ignored
    expect(echoed.dataToSend()).toEqual([]);
    expect(echoed.transportClosed()).toEqual({ code: 4000, reason: 'bye', wasClean: true });
  });

  it('[6455-7.1.7-1] [6455-7.1.7-3] fail() by the runtime drops the events not yet pulled: nothing more from the peer is processed', () => {
    const conn = openClient();
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('one') }), frame({ opcode: Opcode.Text, payload: utf8('two') })));
    expect(texts([conn.nextEvent()!])).toEqual(['one']);
    conn.fail(internalError(new Error('listener bug'))); // the application failed while handling 'one'
    expect(texts([...conn.events()])).toEqual(['error']);
    conn.fail(internalError(new Error('again'))); // once failed, a second failure changes nothing
    expect(conn.nextEvent()).toBeUndefined();
  });

  it('[6455-7.1.7-2] [6455-7.1.7-3] fail() by the runtime (a listener threw): 1011 answers an unanswered close, the error is the next event, never clean', () => {
    const conn = openClient();
    conn.receive(frame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(conn.nextEvent()?.type).toBe('closing');
    const cause = new Error('listener bug');
    conn.fail(internalError(cause));
    const [answer] = decodeFrames(concat(...conn.dataToSend()));
    expect(answer!.payload.subarray(0, 2)).toEqual(new Uint8Array([0x03, 0xf3]));
    expect(conn.closeTransport).toBe('now');
    expect(conn.nextEvent()).toMatchObject({ type: 'error', error: { cause } });
    expect(conn.transportClosed().wasClean).toBe(false);
  });
});
