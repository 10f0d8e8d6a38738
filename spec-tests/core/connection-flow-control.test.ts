// Input flow control of the connection (`holdInput`/`resumeInput`): received bytes wait,
// unprocessed, until the application is ready — nothing answered, failed or delivered early,
// nothing lost, order kept (RFC 6455 §6.2: messages are delivered in the order received).

import { describe, expect, it } from 'vitest';
import { Opcode } from '../../src/core/index.js';
import { concat, decodeFrames, frame, openEndpoint, text, utf8 } from '../helpers/core-pair.js';

describe('holding the input', () => {
  it('[6455-6.2-1] held bytes are neither parsed nor answered until resumed, then processed in order', () => {
    const { conn, log } = openEndpoint('client');
    conn.holdInput();
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('first') }), frame({ opcode: Opcode.Ping, payload: utf8('p') })));
    conn.receive(frame({ opcode: Opcode.Text, payload: utf8('second') }));
    expect(log.events).toEqual([]);
    expect(log.writes).toEqual([]); // no pong yet: the ping has not been read
    conn.resumeInput();
    expect(log.ofType('message').map((m) => text(m.data))).toEqual(['first', 'second']);
    expect(decodeFrames(concat(...log.writes)).map((f) => f.opcode)).toEqual([Opcode.Pong]);
  });

  it('[6455-7.1.7-1] a protocol error behind a held message fails the connection only after that message was delivered', () => {
    const { conn, log } = openEndpoint('client');
    conn.holdInput();
    // Autobahn 3.2's shape: a good message, then a frame with RSV2 set and no extension.
    conn.receive(concat(frame({ opcode: Opcode.Text, payload: utf8('Hello, world!') }), frame({ opcode: Opcode.Text, rsv: 0x20, payload: utf8('bad') })));
    expect(log.failCode).toBeUndefined();
    let stateWhenHeard = -1;
    log.onMessage = () => (stateWhenHeard = conn.readyState);
    conn.resumeInput();
    expect(stateWhenHeard).toBe(1); // still OPEN: the application could answer it
    expect(log.failCode).toBe(1002);
  });

  it('[wsref] holding again while resuming keeps the rest queued, oldest first', () => {
    const { conn, log } = openEndpoint('client');
    conn.holdInput();
    for (const word of ['a', 'b', 'c']) conn.receive(frame({ opcode: Opcode.Text, payload: utf8(word) }));
    log.onMessage = (data) => {
      if (text(data) === 'a') conn.holdInput();
    };
    conn.resumeInput();
    expect(log.ofType('message').map((m) => text(m.data))).toEqual(['a']);
    conn.receive(frame({ opcode: Opcode.Text, payload: utf8('d') }));
    log.onMessage = undefined;
    conn.resumeInput();
    expect(log.ofType('message').map((m) => text(m.data))).toEqual(['a', 'b', 'c', 'd']);
  });
});
