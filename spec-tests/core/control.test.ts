// Tests for src/core/control.ts and the control-frame handling of src/core/connection.ts —
// RFC 6455 §5.5 (control frames ≤ 125 bytes, never fragmented), §5.5.2 (ping → pong with the
// same data), §5.5.3 (pong), §5.4 (control frames between the fragments of a message).
import { describe, expect, it } from 'vitest';
import { checkControlPayloadToSend, checkReceivedControlFrame } from '../../src/core/messages/control-frames.js';
import { ProtocolError } from '../../src/core/errors.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import {
  clientFrame,
  closeBody,
  concat,
  decodeFrames,
  feed,
  hex,
  openEndpoint,
  pseudoRandomBytes,
  text,
  utf8,
} from '../helpers/core-pair.js';
import { Connection } from '../../src/core/connection.js';

describe('control frame rules (RFC 6455 §5.5)', () => {
  it('[6455-5.5-1, 6455-5.4-2] checkReceivedControlFrame: FIN required, at most 125 bytes, else 1002 with the row that was broken', () => {
    expect(() => checkReceivedControlFrame(true, 0)).not.toThrow();
    expect(() => checkReceivedControlFrame(true, 125)).not.toThrow();
    const rows = { long: ['6455-5.5-1', 'WSREF_CONTROL_FRAME_TOO_LONG'], fragmented: ['6455-5.4-2', 'WSREF_CONTROL_FRAME_FRAGMENTED'] };
    for (const [fin, length, row] of [[true, 126, rows.long], [true, 65536, rows.long], [false, 0, rows.fragmented], [false, 5, rows.fragmented]] as const) {
      let caught: ProtocolError | undefined;
      try {
        checkReceivedControlFrame(fin, length);
      } catch (error) {
        caught = error as ProtocolError;
      }
      expect([caught?.closeCode, caught?.rule, caught?.code]).toEqual([1002, ...row]);
    }
  });

  it('[6455-5.5-1] checkControlPayloadToSend: 125 bytes pass, 126 throw RangeError', () => {
    expect(() => checkControlPayloadToSend(new Uint8Array(125))).not.toThrow();
    expect(() => checkControlPayloadToSend(new Uint8Array(126))).toThrow(RangeError);
  });
});

describe('receiving ping and pong (RFC 6455 §5.5.2, §5.5.3)', () => {
  it('[6455-5.5.2-1, 6455-5.5.2-2, 6455-5.5.2-3] the server answers a ping at once with an unmasked pong carrying the same data', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, hex('89 85 37 fa 21 3d 7f 9f 4d 51 58')); // masked ping "Hello"
    expect(log.takeWritten()).toEqual(hex('8a 05 48 65 6c 6c 6f'));
    expect(log.events).toEqual([{ type: 'ping', payload: utf8('Hello') }]);
  });

  it('[6455-5.5.2-2, 6455-5.1-1] the client answers the §5.7 unmasked ping with the §5.7 masked pong', () => {
    const { conn, log } = openEndpoint('client'); // masks with 37 fa 21 3d
    feed(conn, hex('89 05 48 65 6c 6c 6f'));
    expect(log.takeWritten()).toEqual(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('[6455-5.5.2-2] echoes empty and 125-byte ping payloads exactly', () => {
    for (const payload of [new Uint8Array(0), pseudoRandomBytes(125, 3), utf8('x')]) {
      const { conn, log } = openEndpoint('server');
      feed(conn, clientFrame({ opcode: Opcode.Ping, payload }));
      const [pong] = decodeFrames(log.takeWritten());
      expect(pong).toMatchObject({ opcode: Opcode.Pong, fin: true, masked: false });
      expect(pong!.payload).toEqual(payload);
    }
  });

  it('[6455-5.5.2-2] answers every ping, each with its own data', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, concat(...['a', 'bb', 'ccc'].map((s) => clientFrame({ opcode: Opcode.Ping, payload: utf8(s) }))));
    expect(decodeFrames(log.takeWritten()).map((f) => [f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
      [Opcode.Pong, 'a'],
      [Opcode.Pong, 'bb'],
      [Opcode.Pong, 'ccc'],
    ]);
  });

  it('[6455-5.5.2-3] the pong is output before the ping event is even pulled', () => {
    const conn = new Connection({ role: 'server' });
    conn.establish(undefined, []);
    expect(conn.nextEvent()).toEqual({ type: 'open' });
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('now') }));
    const pongs = decodeFrames(concat(...conn.dataToSend()));
    expect(pongs.map((f) => [f.opcode, text(f.payload)])).toEqual([[Opcode.Pong, 'now']]);
    expect(conn.nextEvent()).toEqual({ type: 'ping', payload: utf8('now') });
  });

  it('[wsref] with autoPong off, a ping is reported but not answered', () => {
    const { conn, log } = openEndpoint('server', { autoPong: false });
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('p') }));
    expect(log.writes).toEqual([]);
    expect(log.events).toEqual([{ type: 'ping', payload: utf8('p') }]);
  });

  it('[6455-6.2-2] a pong is reported and not answered', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58')); // the §5.7 masked pong
    expect(log.writes).toEqual([]);
    expect(log.events).toEqual([{ type: 'pong', payload: utf8('Hello') }]);
  });

  it('[6455-5.5.2-2] no pong for a ping that follows a received close frame', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, concat(clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }), clientFrame({ opcode: Opcode.Ping, payload: utf8('late') })));
    expect(decodeFrames(log.takeWritten()).map((f) => f.opcode)).toEqual([Opcode.Close]);
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('later') }));
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
    expect(log.ofType('ping')).toEqual([]);
  });

  it('[6455-5.5.2-2] still answers a ping after sending a close frame, until the peer’s close arrives', () => {
    const { conn, log } = openEndpoint('server');
    conn.close(1000);
    log.takeWritten();
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('still there?') }));
    const frames = decodeFrames(log.takeWritten());
    expect(frames.map((f) => f.opcode)).toEqual([Opcode.Pong]);
    expect(frames[0]!.payload).toEqual(utf8('still there?'));
  });
});

describe('invalid control frames fail the connection with 1002 (RFC 6455 §5.5)', () => {
  const cases: [string, Uint8Array, string][] = [
    ['a ping of 126 bytes', clientFrame({ opcode: Opcode.Ping, payload: new Uint8Array(126) }), 'WSREF_CONTROL_FRAME_TOO_LONG'],
    ['a pong of 126 bytes', clientFrame({ opcode: Opcode.Pong, payload: new Uint8Array(126) }), 'WSREF_CONTROL_FRAME_TOO_LONG'],
    ['a close of 126 bytes', clientFrame({ opcode: Opcode.Close, payload: closeBody(1000, 'x'.repeat(124)) }), 'WSREF_CONTROL_FRAME_TOO_LONG'],
    ['a ping without FIN', clientFrame({ opcode: Opcode.Ping, fin: false, payload: utf8('a') }), 'WSREF_CONTROL_FRAME_FRAGMENTED'],
    ['a close without FIN', clientFrame({ opcode: Opcode.Close, fin: false, payload: closeBody(1000) }), 'WSREF_CONTROL_FRAME_FRAGMENTED'],
    ['a ping with RSV1', clientFrame({ opcode: Opcode.Ping, rsv: 0x40 }), 'WSREF_CONTROL_FRAME_RSV'],
    ['a pong with RSV3', clientFrame({ opcode: Opcode.Pong, rsv: 0x10 }), 'WSREF_CONTROL_FRAME_RSV'],
  ];
  it.each(cases)('[6455-5.5-1, 6455-5.4-2, 6455-5.2-3] %s', (_name, bytes, code) => {
    const { conn, log } = openEndpoint('server');
    feed(conn, bytes);
    expect(log.failCode).toBe(1002);
    expect((log.errors[0] as ProtocolError).code).toBe(code);
    const written = decodeFrames(log.takeWritten());
    expect(written.map((f) => f.opcode)).toEqual([Opcode.Close]); // no pong
    expect(written[0]!.payload.subarray(0, 2)).toEqual(hex('03 ea'));
    expect(log.ofType('ping')).toEqual([]);
  });
});

describe('control frames inside a fragmented message (RFC 6455 §5.4)', () => {
  it('[6455-5.4-1, 6455-5.4-5, 6455-5.4-3] ping and pong between fragments are handled and the message arrives whole', () => {
    const { conn, log } = openEndpoint('server');
    const bytes = concat(
      clientFrame({ opcode: Opcode.Text, fin: false, payload: utf8('frag') }),
      clientFrame({ opcode: Opcode.Ping, payload: utf8('p1') }),
      clientFrame({ opcode: Opcode.Continuation, fin: false, payload: utf8('men') }),
      clientFrame({ opcode: Opcode.Pong, payload: utf8('q') }),
      clientFrame({ opcode: Opcode.Ping, payload: utf8('p2') }),
      clientFrame({ opcode: Opcode.Continuation, fin: true, payload: utf8('ted') }),
    );
    for (const cuts of [[], Array.from({ length: bytes.length }, (_, i) => i)]) {
      const endpoint = cuts.length === 0 ? { conn, log } : openEndpoint('server');
      feed(endpoint.conn, bytes, cuts);
      expect(endpoint.log.events).toEqual([
        { type: 'ping', payload: utf8('p1') },
        { type: 'pong', payload: utf8('q') },
        { type: 'ping', payload: utf8('p2') },
        { type: 'message', data: utf8('fragmented'), isText: true },
      ]);
      expect(decodeFrames(endpoint.log.takeWritten()).map((f) => [f.opcode, new TextDecoder().decode(f.payload)])).toEqual([
        [Opcode.Pong, 'p1'],
        [Opcode.Pong, 'p2'],
      ]);
    }
  });

  it('[6455-5.4-5, 6455-5.5.1-6] a close between fragments is answered; the unfinished message is dropped', () => {
    const { conn, log } = openEndpoint('server');
    feed(
      conn,
      concat(
        clientFrame({ opcode: Opcode.Binary, fin: false, payload: utf8('part') }),
        clientFrame({ opcode: Opcode.Close, payload: closeBody(1001, 'bye') }),
        clientFrame({ opcode: Opcode.Continuation, fin: true, payload: utf8('rest') }),
      ),
    );
    expect(log.events).toEqual([
      { type: 'closeFrame', code: 1001, reason: 'bye' },
      { type: 'closeTransport', immediately: true },
    ]);
    expect(decodeFrames(log.takeWritten())).toMatchObject([{ opcode: Opcode.Close, payload: closeBody(1001, 'bye') }]); // the echo
  });

  it('[6455-5.4-1] the sender may put pings between the fragments it sends', () => {
    const { conn, log } = openEndpoint('server');
    conn.sendFrame(utf8('a'), true, false);
    conn.ping(utf8('mid'));
    conn.sendFrame(utf8('b'), true, true);
    expect(decodeFrames(log.takeWritten()).map((f) => [f.opcode, f.fin])).toEqual([
      [Opcode.Text, false],
      [Opcode.Ping, true],
      [Opcode.Continuation, true],
    ]);
  });
});

describe('sending ping and pong (RFC 6455 §5.5.2–§5.5.3)', () => {
  it('[6455-5.5.2-4, 6455-5.5.2-1] ping() sends a ping frame with the data', () => {
    const { conn, log } = openEndpoint('server');
    conn.ping(utf8('Hello'));
    conn.ping();
    expect(log.takeWritten()).toEqual(hex('89 05 48 65 6c 6c 6f 89 00'));
  });

  it('[6455-5.5.3-2] pong() sends an unsolicited pong', () => {
    const { conn, log } = openEndpoint('client');
    conn.pong(utf8('Hello'));
    expect(log.takeWritten()).toEqual(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('[6455-5.5-1] ping() and pong() accept 125 bytes and throw RangeError for 126, writing nothing', () => {
    const { conn, log } = openEndpoint('server');
    conn.ping(new Uint8Array(125));
    conn.pong(new Uint8Array(125));
    expect(decodeFrames(log.takeWritten()).map((f) => f.payload.length)).toEqual([125, 125]);
    expect(() => conn.ping(new Uint8Array(126))).toThrow(RangeError);
    expect(() => conn.pong(new Uint8Array(126))).toThrow(RangeError);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
    expect(conn.readyState).toBe(1); // misuse does not close the connection
  });

  it('[6455-5.5.2-4] ping() before the connection is open throws', () => {
    const conn = new Connection({ role: 'server' });
    expect(() => conn.ping()).toThrow(TypeError);
  });

  it('[6455-5.1-4] the server never masks its control frames', () => {
    const { conn, log } = openEndpoint('server');
    conn.ping(utf8('a'));
    conn.pong(utf8('b'));
    conn.close(1000, 'c');
    expect(decodeFrames(log.takeWritten()).map((f) => f.masked)).toEqual([false, false, false]);
  });
});
