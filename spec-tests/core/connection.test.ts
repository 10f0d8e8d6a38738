// Tests for src/core/connection.ts, framing half — RFC 6455 §5 (frames in and out, masking,
// fragmentation), §6 (sending and receiving data), §7.1.7 and §10.7 (failing the connection on
// bad input). Closing is in connection-closing.test.ts, the opening handshake in
// connection-handshake.test.ts, property tests in connection-properties.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, createMaskKeySource, ReadyState } from '../../src/core/connection.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import {
  clientFrame,
  closeBody,
  concat,
  decodeFrames,
  feed,
  firstDifference,
  frame,
  hex,
  openEndpoint,
  openPair,
  pseudoRandomBytes,
  Recorder,
  RFC_MASK_KEY,
  utf8,
} from '../helpers/core-pair.js';

const hello = utf8('Hello');

describe('RFC 6455 §5.7 examples through the connection', () => {
  it('[6455-6.2-1, 6455-6.2-3] the client receives the unmasked "Hello" text frame as a text message', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, hex('81 05 48 65 6c 6c 6f'));
    expect(log.events).toEqual([{ type: 'message', data: hello, isText: true }]);
  });

  it('[6455-6.2-7, 6455-6.2-3] the server receives and unmasks the masked "Hello" text frame', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(log.events).toEqual([{ type: 'message', data: hello, isText: true }]);
  });

  it('[6455-5.4-7, 6455-5.4-3] the client receives the fragmented "Hel" + "lo" as one message', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, hex('01 03 48 65 6c'));
    expect(log.events).toEqual([]);
    feed(conn, hex('80 02 6c 6f'));
    expect(log.events).toEqual([{ type: 'message', data: hello, isText: true }]);
  });

  it('[6455-6.2-2, 6455-5.5.2-2] the client receives the unmasked ping; the server receives the masked pong', () => {
    const client = openEndpoint('client');
    feed(client.conn, hex('89 05 48 65 6c 6c 6f'));
    expect(client.log.events).toEqual([{ type: 'ping', payload: hello }]);
    const server = openEndpoint('server');
    feed(server.conn, hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(server.log.events).toEqual([{ type: 'pong', payload: hello }]);
  });

  it('[6455-6.2-1, 6455-5.2-6] the client receives 256 bytes and 64 KiB of binary in single frames', () => {
    const small = pseudoRandomBytes(256, 1);
    const big = pseudoRandomBytes(65536, 2);
    const { conn, log } = openEndpoint('client');
    feed(conn, concat(hex('82 7e 01 00'), small, hex('82 7f 00 00 00 00 00 01 00 00'), big), [3, 200, 262, 270, 40000]);
    const messages = log.ofType('message');
    expect(messages.map((m) => [m.isText, m.data.length])).toEqual([[false, 256], [false, 65536]]);
    expect(firstDifference(messages[0]!.data, small)).toBe(-1);
    expect(firstDifference(messages[1]!.data, big)).toBe(-1);
  });

  it('[6455-5.1-4, 6455-6.1-4, 6455-6.1-9] the server sends "Hello" as 81 05 48 65 6c 6c 6f', () => {
    const { conn, log } = openEndpoint('server');
    conn.send(hello, true);
    expect(log.takeWritten()).toEqual(hex('81 05 48 65 6c 6c 6f'));
  });

  it('[6455-5.1-1, 6455-5.3-1, 6455-6.1-8] the client sends "Hello" as 81 85 37 fa 21 3d 7f 9f 4d 51 58', () => {
    const { conn, log } = openEndpoint('client'); // masking key 37 fa 21 3d
    conn.send(hello, true);
    expect(log.takeWritten()).toEqual(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('[6455-6.1-5, 6455-6.1-6, 6455-6.1-7] the server sends "Hel" + "lo" as 01 03 48 65 6c / 80 02 6c 6f', () => {
    const { conn, log } = openEndpoint('server');
    conn.sendFrame(utf8('Hel'), true, false);
    expect(log.takeWritten()).toEqual(hex('01 03 48 65 6c'));
    conn.sendFrame(utf8('lo'), true, true);
    expect(log.takeWritten()).toEqual(hex('80 02 6c 6f'));
  });

  it('[6455-6.1-4, 6455-5.2-6] the server sends 256 bytes as 82 7E 0100 and 64 KiB as 82 7F 0000000000010000', () => {
    const { conn, log } = openEndpoint('server');
    const small = pseudoRandomBytes(256, 3);
    const big = pseudoRandomBytes(65536, 4);
    conn.send(small, false);
    expect(log.takeWritten()).toEqual(concat(hex('82 7e 01 00'), small));
    conn.send(big, false);
    expect(firstDifference(log.takeWritten(), concat(hex('82 7f 00 00 00 00 00 01 00 00'), big))).toBe(-1);
  });
});

describe('masking (RFC 6455 §5.1, §5.3, §10.3)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('[6455-5.1-1, 6455-5.3-1, 6455-6.1-8] every frame the client sends is masked: data, fragments, ping, pong, close', () => {
    const { conn, log } = openEndpoint('client');
    conn.send(utf8('text'), true);
    conn.send(pseudoRandomBytes(2000, 1), false);
    conn.sendFrame(utf8('a'), false, false);
    conn.sendFrame(utf8('b'), false, true);
    conn.ping(utf8('p'));
    conn.pong();
    conn.send(new Uint8Array(0), false);
    conn.close(1000, 'bye');
    const frames = decodeFrames(log.takeWritten());
    expect(frames.map((f) => f.opcode)).toEqual([1, 2, 2, 0, 9, 10, 2, 8]);
    expect(frames.every((f) => f.masked)).toBe(true);
    expect(frames[0]!.payload).toEqual(utf8('text'));
    expect(frames[7]!.payload).toEqual(closeBody(1000, 'bye'));
  });

  it('[6455-5.1-4] no frame the server sends is masked', () => {
    const { conn, log } = openEndpoint('server');
    conn.send(utf8('text'), true);
    conn.send(pseudoRandomBytes(2000, 1), false);
    conn.sendFrame(utf8('a'), false, false);
    conn.sendFrame(utf8('b'), false, true);
    conn.ping();
    conn.pong();
    conn.close(1001);
    expect(decodeFrames(log.takeWritten()).map((f) => f.masked)).toEqual([false, false, false, false, false, false, false]);
  });

  it('[6455-5.3-2, 6455-10.3-1] the client takes a fresh masking key for every frame', () => {
    let calls = 0;
    const keys = [0x01020304, 0xa0b0c0d0, 0xdeadbeef, 0x00000000, 0xffffffff];
    const { conn, log } = openEndpoint('client', { maskKeys: () => keys[calls++ % keys.length]! });
    conn.send(utf8('one'), true);
    conn.send(utf8('two'), true);
    conn.ping(utf8('three'));
    conn.send(pseudoRandomBytes(3000, 5), false);
    conn.close(1000);
    expect(calls).toBe(5);
    const frames = decodeFrames(log.takeWritten());
    expect(frames.map((f) => f.maskKey)).toEqual(keys);
    expect(frames.slice(0, 3).map((f) => new TextDecoder().decode(f.payload))).toEqual(['one', 'two', 'three']);
  });

  it('[6455-5.3-2, 6455-5.3-3, 6455-10.3-1] default keys come from crypto.getRandomValues and do not repeat', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const log = new Recorder();
    const conn = log.attach(new Connection({ role: 'client' }));
    conn.establish(undefined, []);
    for (let i = 0; i < 300; i++) conn.send(utf8('x'), true);
    expect(spy).toHaveBeenCalled();
    const keys = decodeFrames(log.takeWritten()).map((f) => f.maskKey);
    expect(keys).toHaveLength(300);
    // 300 random 32-bit keys collide with probability ≈ 1e-5; a counter or constant would not pass.
    expect(new Set(keys).size).toBeGreaterThanOrEqual(299);
  });

  it('[6455-5.3-3] createMaskKeySource refills from the CSPRNG when its pool runs out', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const next = createMaskKeySource();
    for (let i = 0; i < 2500; i++) next();
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it('[wsref] the client masks a copy: the application’s buffer is left as it was', () => {
    const { conn, log } = openEndpoint('client');
    for (const size of [5, 2000, 70000]) {
      const data = pseudoRandomBytes(size, size);
      const before = data.slice();
      conn.send(data, false);
      expect(firstDifference(data, before)).toBe(-1);
      const [sent] = decodeFrames(log.takeWritten());
      expect(firstDifference(sent!.payload, before)).toBe(-1);
    }
  });

  it('[6455-5.1-2, 6455-5.1-3, 6455-7.1.7-2, 6455-7.1.7-3] the server fails with 1002 on an unmasked client frame', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, concat(hex('81 05 48 65 6c 6c 6f'), clientFrame({ opcode: Opcode.Text, payload: utf8('after') })));
    const written = decodeFrames(log.takeWritten());
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ opcode: Opcode.Close, masked: false });
    expect(written[0]!.payload.subarray(0, 2)).toEqual(hex('03 ea'));
    expect(log.events.map((e) => e.type)).toEqual(['error', 'closeTransport']);
    expect(log.failCode).toBe(1002);
    expect(log.ofType('closeTransport')).toEqual([{ type: 'closeTransport', immediately: true }]);
    // The failure takes effect when its event is pulled; its close frame leaves before TCP closes (§7.1.7).
    expect(log.timeline).toEqual(['error', 'write', 'closeTransport']);
  });

  it('[6455-5.1-5, 6455-5.1-6, 6455-7.1.7-1, 6455-7.1.7-3] the client fails with 1002 on a masked server frame', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    const written = decodeFrames(log.takeWritten());
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ opcode: Opcode.Close, masked: true });
    expect(written[0]!.payload.subarray(0, 2)).toEqual(hex('03 ea'));
    expect(log.ofType('message')).toEqual([]);
    expect(log.failCode).toBe(1002);
    expect(log.timeline).toEqual(['error', 'write', 'closeTransport']);
  });
});

describe('invalid frames fail the connection (RFC 6455 §5.2, §5.4, §7.1.7, §10.7)', () => {
  it('[6455-5.2-4] each reserved opcode 0x3–0x7 and 0xB–0xF fails the connection with 1002', () => {
    for (const opcode of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      for (const role of ['client', 'server'] as const) {
        const { conn, log } = openEndpoint(role);
        const bad = role === 'server' ? clientFrame({ opcode, payload: utf8('r') }) : frame({ opcode, payload: utf8('r') });
        feed(conn, bad);
        expect(log.failCode).toBe(1002);
        expect(decodeFrames(log.takeWritten()).map((f) => f.opcode)).toEqual([Opcode.Close]);
      }
    }
  });

  it('[6455-5.2-3, 6455-5.2-8, 6455-5.2-9, 6455-5.2-10] a data frame with RSV1, RSV2 or RSV3 and no extension fails with 1002', () => {
    for (const rsv of [0x40, 0x20, 0x10]) {
      const { conn, log } = openEndpoint('server');
      feed(conn, clientFrame({ opcode: Opcode.Text, rsv, payload: utf8('x') }));
      expect(log.failCode).toBe(1002);
      expect(log.ofType('message')).toEqual([]);
    }
  });

  it('[6455-5.4-12] a continuation without a started message fails with 1002', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, hex('80 02 6c 6f'));
    expect(log.failCode).toBe(1002);
  });

  it('[6455-5.4-4, 6455-5.4-12] a new text or binary frame during a fragmented message fails with 1002', () => {
    for (const second of [hex('81 01 41'), hex('82 01 41'), hex('01 01 41')]) {
      const { conn, log } = openEndpoint('client');
      feed(conn, concat(hex('01 03 48 65 6c'), second));
      expect(log.failCode).toBe(1002);
      expect(log.ofType('message')).toEqual([]);
    }
  });

  it('[6455-7.1.7-5] nothing is processed after a failure: not the rest of the chunk, not later chunks, not a close reply', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, concat(clientFrame({ opcode: 0x3 }), clientFrame({ opcode: Opcode.Text, payload: utf8('ignored') })));
    const afterFailure = log.events.length;
    log.takeWritten();
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('p') }));
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }));
    expect(log.events.length).toBe(afterFailure);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
    expect(log.ofType('message')).toEqual([]);
  });

  it('[6455-10.7-1, 6455-10.7-3] the close frame of a failure carries the RFC’s code and a short ASCII reason', () => {
    const cases: [Uint8Array, number][] = [
      [clientFrame({ opcode: 0xb }), 1002],
      [clientFrame({ opcode: Opcode.Text, payload: hex('ff') }), 1007],
      [clientFrame({ opcode: Opcode.Binary, payload: new Uint8Array(200) }), 1009],
    ];
    for (const [bytes, code] of cases) {
      const { conn, log } = openEndpoint('server', { maxMessageSize: 100 });
      feed(conn, bytes);
      const [close] = decodeFrames(log.takeWritten());
      expect(close!.opcode).toBe(Opcode.Close);
      expect((close!.payload[0]! << 8) | close!.payload[1]!).toBe(code);
      expect(close!.payload.length).toBeLessThanOrEqual(125);
      expect(Array.from(close!.payload.subarray(2)).every((b) => b >= 0x20 && b <= 0x7e)).toBe(true);
      expect(conn.readyState).toBe(ReadyState.CLOSING);
    }
  });

  it('[6455-10.7-1] receive() never throws for bad input', () => {
    const { conn } = openEndpoint('server');
    expect(() => feed(conn, hex('ff ff ff ff ff ff ff ff ff ff ff ff ff ff'))).not.toThrow();
    expect(() => feed(conn, hex('00'))).not.toThrow();
  });
});

describe('UTF-8 checked as bytes arrive (RFC 6455 §8.1, Autobahn 6.4.x)', () => {
  const kosme = hex('ce ba e1 bd b9 cf 83 ce bc ce b5');
  const bad = hex('f4 90 80 80');
  const edited = utf8('edited');

  for (const role of ['server', 'client'] as const) {
    it(`[6455-8.1-1, 6455-5.6-1] ${role}: invalid bytes in the 2nd TCP piece of one text frame fail it (1007) when that piece arrives (6.4.3)`, () => {
      const { conn, log } = openEndpoint(role);
      const payload = concat(kosme, bad, edited);
      const bytes = role === 'server' ? clientFrame({ opcode: Opcode.Text, payload }) : frame({ opcode: Opcode.Text, payload });
      const headerLength = bytes.length - payload.length;
      feed(conn, bytes.subarray(0, headerLength + kosme.length));
      expect(log.events).toEqual([]);
      feed(conn, bytes.subarray(headerLength + kosme.length, headerLength + kosme.length + bad.length));
      expect(log.failCode).toBe(1007); // the frame is not complete yet: "edited" has not arrived
      feed(conn, bytes.subarray(headerLength + kosme.length + bad.length));
      expect(log.ofType('message')).toEqual([]);
      expect(log.ofType('error')).toHaveLength(1);
    });
  }

  it('[6455-8.1-1] the failure comes at the first impossible byte when the bad sequence is itself split (6.4.4)', () => {
    const { conn, log } = openEndpoint('client');
    const bytes = frame({ opcode: Opcode.Text, payload: concat(kosme, bad, edited) });
    const at = 2 + kosme.length;
    feed(conn, bytes.subarray(0, at));
    feed(conn, bytes.subarray(at, at + 1)); // F4: still possible (U+100000–U+10FFFF)
    expect(log.events).toEqual([]);
    feed(conn, bytes.subarray(at + 1, at + 2)); // 90: beyond U+10FFFF
    expect(log.failCode).toBe(1007);
  });

  it('[6455-5.6-1] a text frame may end inside a code point that the next fragment completes', () => {
    const { conn, log } = openEndpoint('client');
    const smiley = utf8('😀');
    feed(conn, concat(frame({ opcode: Opcode.Text, fin: false, payload: smiley.subarray(0, 1) }), frame({ opcode: Opcode.Continuation, payload: smiley.subarray(1) })));
    expect(log.events).toEqual([{ type: 'message', data: smiley, isText: true }]);
  });

  it('[6455-8.1-1] uses the injected UTF-8 check', () => {
    const { conn, log } = openEndpoint('client', { utf8Check: () => false });
    feed(conn, frame({ opcode: Opcode.Text, payload: utf8('fine') }));
    expect(log.failCode).toBe(1007);
  });
});

describe('sending (RFC 6455 §6.1)', () => {
  it('[6455-6.1-2] send, sendFrame, ping and pong throw while CONNECTING and write nothing', () => {
    const log = new Recorder();
    const conn = log.attach(new Connection({ role: 'client', maskKeys: () => RFC_MASK_KEY }));
    expect(conn.readyState).toBe(ReadyState.CONNECTING);
    expect(() => conn.send(hello, true)).toThrow(TypeError);
    expect(() => conn.sendFrame(hello, true, false)).toThrow(TypeError);
    expect(() => conn.ping()).toThrow(TypeError);
    expect(() => conn.pong()).toThrow(TypeError);
    expect(log.writes).toEqual([]);
  });

  it('[6455-5.1-7, 6455-6.1-1] both sides may send data once open: a pair exchanges messages', () => {
    const pair = openPair();
    pair.client.conn.send(utf8('ping?'), true);
    pair.server.conn.send(new Uint8Array([1, 2, 3]), false);
    pair.clientToServer();
    pair.serverToClient();
    expect(pair.server.log.events).toEqual([{ type: 'message', data: utf8('ping?'), isText: true }]);
    expect(pair.client.log.events).toEqual([{ type: 'message', data: new Uint8Array([1, 2, 3]), isText: false }]);
  });

  it('[6455-6.1-5, 6455-6.1-6, 6455-6.1-7, 6455-5.4-6] a message sent as fragments of any size: first typed, then continuations, FIN on the last', () => {
    const { conn, log } = openEndpoint('server');
    conn.sendFrame(new Uint8Array(0), false, false);
    conn.sendFrame(new Uint8Array(300), false, false);
    conn.sendFrame(new Uint8Array(1), false, false);
    conn.sendFrame(new Uint8Array(70000), false, true);
    conn.sendFrame(utf8('t'), true, true);
    const frames = decodeFrames(log.takeWritten());
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.length])).toEqual([
      [Opcode.Binary, false, 0],
      [Opcode.Continuation, false, 300],
      [Opcode.Continuation, false, 1],
      [Opcode.Continuation, true, 70000],
      [Opcode.Text, true, 1],
    ]);
  });

  it('[6455-6.1-4] data frames carry RSV bits 0 without extensions', () => {
    const { conn, log } = openEndpoint('client');
    conn.send(utf8('x'), true);
    conn.sendFrame(utf8('y'), false, false);
    conn.sendFrame(utf8('z'), false, true);
    expect(decodeFrames(log.takeWritten()).map((f) => f.rsv)).toEqual([0, 0, 0]);
  });

  it('[wsref] the server hands a large payload to the transport after its header without copying it', () => {
    const conn = new Connection({ role: 'server' });
    conn.establish(undefined, []);
    const big = new Uint8Array(100_000);
    conn.send(big, false);
    const chunks = conn.dataToSend();
    expect(chunks).toHaveLength(2); // header and payload as adjacent chunks
    expect(chunks[0]).toEqual(hex('82 7f 00 00 00 00 00 01 86 a0'));
    expect(chunks[1]).toBe(big);
  });
});

describe('receiving (RFC 6455 §6.2)', () => {
  it('[6455-6.2-1, 6455-6.2-4, 6455-5.4-3] many frames in one chunk arrive as messages in order', () => {
    const { conn, log } = openEndpoint('server');
    const messages = Array.from({ length: 200 }, (_, i) => utf8(`message ${i}`));
    feed(conn, concat(...messages.map((payload, i) => clientFrame({ opcode: Opcode.Text, payload, maskKey: i * 0x01010101 }))));
    expect(log.events).toEqual(messages.map((data) => ({ type: 'message', data, isText: true })));
  });

  it('[6455-7.1.7-6, 6455-7.2.1-3, 6455-7.3-2] a client does not close on its own while the traffic is valid', () => {
    const { conn, log } = openEndpoint('client');
    for (let i = 0; i < 20; i++) {
      feed(conn, frame({ opcode: Opcode.Text, payload: utf8(`m${i}`) }));
      feed(conn, frame({ opcode: Opcode.Ping, payload: utf8(`p${i}`) }));
      feed(conn, frame({ opcode: Opcode.Pong }));
    }
    expect(decodeFrames(log.takeWritten()).every((f) => f.opcode === Opcode.Pong)).toBe(true);
    expect(log.ofType('closeTransport')).toEqual([]);
    expect(conn.readyState).toBe(ReadyState.OPEN);
  });

  it('[wsref] a Connection before establish() ignores frames it cannot yet interpret', () => {
    const log = new Recorder();
    const conn = log.attach(new Connection({ role: 'server' }));
    conn.receive(clientFrame({ opcode: Opcode.Text, payload: hello }));
    expect(log.events).toEqual([]);
    expect(conn.readyState).toBe(ReadyState.CONNECTING);
  });
});
