// Tests for src/core/connection.ts, the answer to a peer's close frame — RFC 6455 §5.5.1: an
// endpoint that receives a close frame it has not provoked answers with one of its own,
// promptly. wsref echoes the peer's code and reason unless the application, told of the close
// frame in the handler's `closeFrame` callback, calls `close(code, reason)` there.
import { describe, expect, it } from 'vitest';
import { closeReasonFrom, decodeCloseBody } from '../../src/core/closing/close-codes.js';
import { ReadyState } from '../../src/core/connection.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { clientFrame, closeBody, decodeFrames, feed, frame, hex, openEndpoint, openPair, utf8 } from '../helpers/core-pair.js';

/** A reason that fills the 123 bytes a close frame leaves for it, mixing 1-, 2-, 3- and 4-byte UTF-8. */
const FULL_REASON = 'é€😀'.repeat(13) + 'x'.repeat(6); // (2 + 3 + 4) × 13 + 6 = 123 bytes
/** A reason that starts with U+FEFF (a UTF-8 byte order mark): part of the reason, not stripped. */
const BOM_REASON = '\ufeffstill here';

/** The close frames a recorder's connection wrote, decoded independently of the core. */
function closesWritten(written: Uint8Array) {
  return decodeFrames(written).filter((f) => f.opcode === Opcode.Close);
}

describe('the default answer echoes code and reason (RFC 6455 §5.5.1)', () => {
  it.each([
    ['4000 with non-ASCII', 4000, 'fermé — 閉じる ✓'],
    ['a full 123-byte reason', 4999, FULL_REASON],
    ['a reason starting with U+FEFF', 1000, BOM_REASON],
  ])('[6455-5.5.1-3, 6455-5.5.1-6, 6455-5.5.1-7] server: %s comes back byte for byte', (_label, code, reason) => {
    const { conn, log } = openEndpoint('server');
    const body = closeBody(code, reason);
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: body }));
    expect(log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code, reason }]);
    expect(closesWritten(log.takeWritten())).toMatchObject([{ masked: false, payload: body }]);
    expect(conn.transportClosed()).toEqual({ code, reason, wasClean: true });
  });

  it('[6455-5.5.1-3, 6455-5.5.1-6] client: the echo is masked and carries the server’s reason', () => {
    const { conn, log } = openEndpoint('client');
    feed(conn, frame({ opcode: Opcode.Close, payload: closeBody(4000, 'server says ✗') }));
    expect(closesWritten(log.takeWritten())).toMatchObject([{ masked: true, payload: closeBody(4000, 'server says ✗') }]);
  });

  it('[6455-7.4.1-3, 6455-5.5.1-6] a close without a body is answered without one: 1005 is reported, never sent', () => {
    const { conn, log } = openEndpoint('server');
    feed(conn, clientFrame({ opcode: Opcode.Close }));
    expect(log.takeWritten()).toEqual(hex('88 00'));
    expect(log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code: 1005, reason: '' }]);
  });

  it('[6455-5.5.1-6, 6455-7.1.2-2] after a close() of our own, the peer’s close is not answered again', () => {
    const { conn, log } = openEndpoint('client');
    conn.close(1000, 'mine');
    log.takeWritten();
    let answered: boolean | undefined;
    log.onCloseFrame = () => {
      conn.close(4001, 'too late'); // our close is already out: nothing to answer
      answered = true;
    };
    feed(conn, frame({ opcode: Opcode.Close, payload: closeBody(1000, 'mine') }));
    expect(answered).toBe(true);
    expect(closesWritten(log.takeWritten())).toEqual([]);
  });
});

describe('the reason as it came (RFC 6455 §5.5.1, WHATWG "handle connection close")', () => {
  it('[6455-5.5.1-3] [whatwg-closeWebSocket] a leading U+FEFF is part of the reason: "UTF-8 decode without BOM" keeps it', () => {
    expect(decodeCloseBody(closeBody(1000, BOM_REASON))).toEqual({ code: 1000, reason: BOM_REASON });
    expect(decodeCloseBody(hex('03 e8 ef bb bf')).reason).toBe('\ufeff');
  });

  it('[6455-5.5-1] [6455-7.1.7-3] our own failure message becomes a reason that fits: printable ASCII, at most 123 bytes', () => {
    expect(closeReasonFrom('bad byte é\n')).toBe('bad byte ??');
    expect(closeReasonFrom('€'.repeat(200))).toBe('?'.repeat(123));
  });
});

describe('the application may choose the answer (RFC 6455 §5.5.1, §7.4)', () => {
  it('[6455-5.5.1-6, 6455-7.4-1, 6455-7.1.2-1] close(code, reason) inside closeFrame is the answer, the only one, before receive() returns', () => {
    const { conn, log } = openEndpoint('server');
    log.onCloseFrame = (info) => {
      expect(conn.readyState).toBe(ReadyState.CLOSING);
      expect(log.writes).toEqual([]); // nothing answered yet: the choice is still open
      conn.close(4100, `seen ${info.code}: ${info.reason}`);
      conn.close(4200, 'a second close() is ignored');
    };
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(log.timeline).toEqual(['closeFrame', 'write', 'closeTransport']);
    expect(closesWritten(log.takeWritten())).toMatchObject([{ payload: closeBody(4100, 'seen 4000: bye') }]);
    // What the application reports is still the peer's close (§7.1.5), and the handshake is clean.
    expect(conn.transportClosed()).toEqual({ code: 4000, reason: 'bye', wasClean: true });
  });

  it('[6455-5.5.1-1, 6455-5.5.1-6] close() without arguments inside closeFrame answers with an empty body', () => {
    const { conn, log } = openEndpoint('server');
    log.onCloseFrame = () => conn.close();
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(log.takeWritten()).toEqual(hex('88 00'));
  });

  it('[6455-5.5.1-6, 6455-5.5.1-7, 6455-5.5-1] a reason that does not fit throws to the caller; the echo still goes out', () => {
    const { conn, log } = openEndpoint('server');
    let refused: unknown;
    log.onCloseFrame = () => {
      try {
        conn.close(4001, 'x'.repeat(124));
      } catch (error) {
        refused = error;
      }
    };
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }));
    expect(refused).toBeInstanceOf(RangeError);
    expect(closesWritten(log.takeWritten())).toMatchObject([{ payload: closeBody(4000, 'bye') }]);
    expect(conn.transportClosed().wasClean).toBe(true);
  });

  it('[6455-7.1.7-2, 6455-7.1.7-3, 6455-5.5.1-6] a closeFrame callback that throws: the answer is a 1011 close, the connection fails, receive() does not throw', () => {
    const { conn, log } = openEndpoint('server');
    log.onCloseFrame = () => {
      throw new Error('application bug');
    };
    expect(() => feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(4000, 'bye') }))).not.toThrow();
    const [answer] = closesWritten(log.takeWritten());
    expect(answer!.payload.subarray(0, 2)).toEqual(hex('03 f3'));
    expect(new TextDecoder().decode(answer!.payload.subarray(2))).toMatch(/application bug/);
    expect(log.errors[0]!.cause).toBeInstanceOf(Error);
    expect(log.events.at(-1)).toEqual({ type: 'closeTransport', immediately: true });
    expect(conn.transportClosed()).toEqual({ code: 4000, reason: 'bye', wasClean: false });
  });

  it('[6455-5.5.1-6, 6455-7.1.2-1, 6455-7.1.2-2] between two cores: the client closes, the server’s application answers with its own code and reason', () => {
    const pair = openPair();
    pair.server.log.onCloseFrame = () => pair.server.conn.close(4002, 'server’s own answer');
    pair.client.conn.close(4000, 'client leaves');
    pair.clientToServer();
    pair.serverToClient();
    expect(pair.client.log.ofType('closeFrame')).toEqual([{ type: 'closeFrame', code: 4002, reason: 'server’s own answer' }]);
    expect(pair.client.conn.transportClosed()).toEqual({ code: 4002, reason: 'server’s own answer', wasClean: true });
    expect(pair.server.conn.transportClosed()).toEqual({ code: 4000, reason: 'client leaves', wasClean: true });
  });

  it('[6455-5.5.1-5] data cannot be sent from closeFrame: the connection is CLOSING', () => {
    const { conn, log } = openEndpoint('server');
    let refused: unknown;
    log.onCloseFrame = () => {
      try {
        conn.send(utf8('late'), true);
      } catch (error) {
        refused = error;
      }
    };
    feed(conn, clientFrame({ opcode: Opcode.Close, payload: closeBody(1000) }));
    expect(refused).toBeInstanceOf(TypeError);
    expect(decodeFrames(log.takeWritten()).map((f) => f.opcode)).toEqual([Opcode.Close]);
  });
});
