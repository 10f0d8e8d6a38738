// Tests for src/core/connection.ts, closing half — RFC 6455 §5.5.1 (close frames), §7.1
// (the closing handshake, who closes TCP first), §7.1.5/§7.4 (status codes reported and sent),
// §7.2.1 (transport lost).
import { describe, expect, it } from 'vitest';
import { Connection, ReadyState } from '../../src/core/connection.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import {
  AUTOBAHN_INVALID_CODES,
  AUTOBAHN_VALID_CODES,
  clientFrame,
  closeBody,
  concat,
  decodeFrames,
  feed,
  frame,
  hex,
  openEndpoint,
  openPair,
  Recorder,
  utf8,
} from '../helpers/core-pair.js';

/** The close frame(s) an endpoint wrote since the last look. */
function closeFramesWritten(log: Recorder) {
  return decodeFrames(log.takeWritten()).filter((f) => f.opcode === Opcode.Close);
}

describe('receiving a close frame (RFC 6455 §5.5.1)', () => {
  it.each(AUTOBAHN_VALID_CODES.map((c) => [c]))('[6455-5.5.1-2, 6455-5.5.1-3, 6455-5.5.1-6, 6455-7.4.1-1] accepts code %i and echoes it with its reason (Autobahn 7.7.x)', (code) => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(code, 'why') }));
    expect(log.events).toEqual([
      { type: 'closeFrame', code, reason: 'why' },
      { type: 'closeTransport', immediately: true },
    ]);
    const [reply] = closeFramesWritten(log);
    expect(reply!.payload).toEqual(closeBody(code, 'why')); // the code and the reason, as they came
  });

  it.each(AUTOBAHN_INVALID_CODES.map((c) => [c]))('[6455-5.5.1-2, 6455-7.4.1-3, 6455-7.4.1-4] fails with 1002 on code %i (Autobahn 7.9.x)', (code) => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(code) }));
    expect(log.failCode).toBe(1002);
    expect(log.ofType('closeFrame')).toEqual([]);
    const [reply] = closeFramesWritten(log);
    expect(reply!.payload.subarray(0, 2)).toEqual(hex('03 ea'));
  });

  it('[6455-7.4.1-6] fails with 1002 on code 1015, and accepts the IANA codes 1012–1014', () => {
    const bad = openEndpoint('client');
    feed(bad.conn, frame({ opcode: Opcode.Close, payload: closeBody(1015) }));
    expect(bad.log.failCode).toBe(1002);
    for (const code of [1012, 1013, 1014]) {
      const ok = openEndpoint('client');
      feed(ok.conn, frame({ opcode: Opcode.Close, payload: closeBody(code) }));
      expect(ok.log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code, reason: '' }]);
    }
  });

  it('[6455-5.5.1-2] a 1-byte close body fails with 1002 (Autobahn 7.3.2)', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, hex('88 01 03'));
    expect(log.failCode).toBe(1002);
  });

  it('[6455-5.5.1-3, 6455-8.1-1] a close reason that is not UTF-8 fails with 1007 (Autobahn 7.5.1)', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: concat(hex('03 e8'), hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64')) }));
    expect(log.failCode).toBe(1007);
    const [reply] = closeFramesWritten(log);
    expect(reply!.payload.subarray(0, 2)).toEqual(hex('03 ef'));
  });

  it('[6455-5.5.1-1, 6455-5.5.1-6] an empty close is answered with an empty close and reported as 1005', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close }));
    expect(log.takeWritten()).toEqual(hex('88 00'));
    expect(log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code: 1005, reason: '' }]);
    expect(conn.transportClosed()).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  it('[6455-5.5.1-6, 6455-5.5.1-7] the application hears of the close first; the answer is written before receive() returns', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, frame({ opcode: Opcode.Close, payload: closeBody(1000) }));
    expect(log.timeline).toEqual(['closeFrame', 'write', 'closeTransport']);
  });

  it('[6455-7.1.1-1] bytes after the close frame are discarded: in the same chunk and in later chunks', () => {
    const { conn, log } = openEndpoint('server');
    feed(
      conn,
      concat(
        clientFrame({ opcode: Opcode.Text, payload: utf8('before') }),
        clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }),
        clientFrame({ opcode: Opcode.Text, payload: utf8('after') }),
        hex('ff ff ff'),
      ),
    );
    feed(conn, clientFrame({ opcode: Opcode.Text, payload: utf8('later') }));
    feed(conn, hex('83 00')); // even a violation is not looked at
    expect(log.events.map((e) => e.type)).toEqual(['message', 'closeFrame', 'closeTransport']);
    expect(log.ofType('message')).toEqual([{ type: 'message', data: utf8('before'), isText: true }]);
  });
});

describe('the closing handshake (RFC 6455 §7.1)', () => {
  it('[6455-7.1.2-1, 6455-7.1.2-2, 6455-5.5.1-9, 6455-5.5.1-10, 6455-7.1.1-3, 6455-7.1.1-5] started by the client: the server closes TCP at once, the client waits', () => {
    const pair = openPair();
    pair.client.conn.close(1000, 'done');
    expect(pair.client.conn.readyState).toBe(ReadyState.CLOSING);
    const sent = decodeFrames(pair.clientToServer());
    expect(sent).toMatchObject([{ opcode: Opcode.Close, masked: true, payload: closeBody(1000, 'done') }]);
    expect(pair.server.log.events).toEqual([
      { type: 'closeFrame', code: 1000, reason: 'done' },
      { type: 'closeTransport', immediately: true },
    ]);
    pair.serverToClient();
    expect(pair.client.log.events).toEqual([
      { type: 'closeFrame', code: 1000, reason: 'done' }, // the server echoed code and reason
      { type: 'closeTransport', immediately: false },
    ]);
    expect(pair.server.conn.transportClosed()).toEqual({ code: 1000, reason: 'done', wasClean: true });
    expect(pair.client.conn.transportClosed()).toEqual({ code: 1000, reason: 'done', wasClean: true });
    expect(pair.client.conn.readyState).toBe(ReadyState.CLOSED);
  });

  it('[6455-7.1.2-1, 6455-7.3-1, 6455-7.1.1-3, 6455-7.1.1-5, 6455-5.5.1-10] started by the server: still the server closes TCP immediately and the client waits', () => {
    const pair = openPair();
    pair.server.conn.close(1001, 'shutting down');
    pair.serverToClient();
    expect(pair.client.log.events).toEqual([
      { type: 'closeFrame', code: 1001, reason: 'shutting down' },
      { type: 'closeTransport', immediately: false },
    ]);
    const reply = decodeFrames(pair.clientToServer());
    expect(reply).toMatchObject([{ opcode: Opcode.Close, masked: true, payload: closeBody(1001, 'shutting down') }]);
    expect(pair.server.log.events).toEqual([
      { type: 'closeFrame', code: 1001, reason: 'shutting down' },
      { type: 'closeTransport', immediately: true },
    ]);
    expect(pair.server.conn.transportClosed().wasClean).toBe(true);
    expect(pair.client.conn.transportClosed()).toEqual({ code: 1001, reason: 'shutting down', wasClean: true });
  });

  it('[6455-5.5.1-6, 6455-7.1.2-2] both sides closing at once: each gets the other’s close, neither sends a second one', () => {
    const pair = openPair();
    pair.client.conn.close(1000, 'c');
    pair.server.conn.close(1001, 's');
    pair.clientToServer();
    pair.serverToClient();
    expect(closeFramesWritten(pair.client.log)).toEqual([]);
    expect(closeFramesWritten(pair.server.log)).toEqual([]);
    expect(pair.client.log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code: 1001, reason: 's' }]);
    expect(pair.server.log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code: 1000, reason: 'c' }]);
    expect(pair.client.conn.transportClosed().wasClean).toBe(true);
    expect(pair.server.conn.transportClosed().wasClean).toBe(true);
  });

  it('[6455-7.1.2-1, 6455-7.4-1, 6455-7.4.1-2] close(code, reason) sends exactly that code and reason, 1003 included', () => {
    const { conn, log } = openEndpoint('server');
    conn.close(1003, 'text only, please');
    expect(log.takeWritten()).toEqual(concat(hex('88 13 03 eb'), utf8('text only, please')));
  });

  it('[6455-5.5.1-1] close() without a code sends an empty close frame', () => {
    const { conn, log } = openEndpoint('server');
    conn.close();
    expect(log.takeWritten()).toEqual(hex('88 00'));
  });

  it('[wsref] a second close() sends nothing more', () => {
    const { conn, log } = openEndpoint('client');
    conn.close(1000);
    conn.close(1001, 'again');
    expect(closeFramesWritten(log)).toHaveLength(1);
  });

  it('[6455-5.5-1, 6455-7.4.1-3, 6455-7.4.1-4, 6455-7.4.1-6] close() refuses a reason over 123 bytes and the reserved codes, changing nothing', () => {
    const { conn, log } = openEndpoint('server');
    expect(() => conn.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => conn.close(1000, '€'.repeat(41) + 'x')).toThrow(RangeError); // 124 bytes in 42 characters
    for (const code of [1005, 1006, 1015, 999, 1004, 2000, 5000]) expect(() => conn.close(code)).toThrow(RangeError);
    expect(() => conn.close(undefined, 'reason without code')).toThrow(TypeError);
    expect(log.writes).toEqual([]);
    expect(conn.readyState).toBe(ReadyState.OPEN);
    conn.close(1000, '€'.repeat(41)); // 123 bytes: fits
    expect(closeFramesWritten(log)[0]!.payload).toHaveLength(125);
  });
});

describe('after a close frame (RFC 6455 §5.5.1, §6.1)', () => {
  it('[6455-5.5.1-5, 6455-6.1-2, 6455-6.1-3] no data frame after close(): send and sendFrame throw and write nothing', () => {
    const { conn, log } = openEndpoint('client');
    conn.sendFrame(utf8('half'), true, false);
    conn.close(1000);
    log.takeWritten();
    expect(() => conn.send(utf8('x'), true)).toThrow(TypeError);
    expect(() => conn.sendFrame(utf8('rest'), true, true)).toThrow(TypeError);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
  });

  it('[6455-5.5.1-5] no data frame after replying to the peer’s close', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }));
    log.takeWritten();
    expect(() => conn.send(utf8('x'), false)).toThrow(TypeError);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
  });

  it('[6455-5.1-7] data the peer sends after our close, but before its own, is still delivered', () => {
    const pair = openPair();
    pair.server.conn.close(1000);
    pair.client.conn.send(utf8('last words'), true); // sent before the client saw our close
    pair.clientToServer();
    expect(pair.server.log.ofType('message')).toEqual([{ type: 'message', data: utf8('last words'), isText: true }]);
  });

  it('[6455-5.5.1-8] a sender may finish its fragmented message before closing', () => {
    const { conn, log } = openEndpoint('server');
    conn.sendFrame(utf8('a'), true, false);
    conn.sendFrame(utf8('b'), true, true);
    conn.close(1000);
    expect(decodeFrames(log.takeWritten()).map((f) => [f.opcode, f.fin])).toEqual([
      [Opcode.Text, false],
      [Opcode.Continuation, true],
      [Opcode.Close, true],
    ]);
  });

  it('[6455-7.1.7-5] a violation after our close fails the connection without a second close frame', () => {
    const { conn, log } = openEndpoint('server');
    conn.close(1000);
    log.takeWritten();
    feed(conn, clientFrame({ opcode: 0x5 }));
    expect(log.failCode).toBe(1002);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
    expect(log.ofType('closeTransport')).toEqual([{ type: 'closeTransport', immediately: true }]);
    expect(conn.transportClosed().wasClean).toBe(false);
  });
});

describe('when the transport closes (RFC 6455 §7.1.4–§7.1.6, §7.2.1)', () => {
  it('[6455-7.2.1-2] without any close frame: code 1006, not clean, CLOSED', () => {
    const { conn } = openEndpoint('client');
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(conn.readyState).toBe(ReadyState.CLOSED);
    // Calling it again changes nothing.
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('[6455-7.2.1-2] after our close but before the peer’s: code 1006, not clean', () => {
    const { conn } = openEndpoint('client');
    conn.close(1000);
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
  });

  it('[6455-7.1.7-1, 6455-7.1.7-2] after a failure: not clean, and nothing further is processed or sent', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Text, payload: hex('c0 80') }));
    expect(log.failCode).toBe(1007);
    expect(log.errors[0]).toMatchObject({ rule: '6455-8.1-1', code: 'WSREF_TEXT_NOT_UTF8' });
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
    log.takeWritten();
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }));
    expect(() => conn.send(utf8('x'), true)).toThrow(TypeError);
    conn.close(1000);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
  });

  it('[6455-7.1.7-4] once the transport is gone, close() sends no close frame the peer could not receive', () => {
    const { conn, log } = openEndpoint('server');
    conn.transportClosed();
    conn.close(1001, 'too late');
    expect(log.writes).toEqual([]);
    expect(() => conn.ping()).toThrow(TypeError);
  });

  it('[6455-7.1.1-1] after the transport closed, later bytes are ignored', () => {
    const { conn, log } = openEndpoint('client');
    conn.transportClosed();
    feed(conn, frame({ opcode: Opcode.Text, payload: utf8('late') }));
    expect(log.events).toEqual([]);
  });

  it('[wsref] transportClosed() during the handshake reports 1006 and ends in CLOSED', () => {
    const conn = new Connection({ role: 'server' });
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(conn.readyState).toBe(ReadyState.CLOSED);
  });
});
