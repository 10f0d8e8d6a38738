// Tests for src/core/message-assembler.ts — RFC 6455 §5.4 (fragmentation), §5.2 (reserved
// bits), §6.2 (receiving data), §8.1 (UTF-8 of text, fail-fast) and §10.4 (size limits, 1009).
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import type { Extension } from '../../src/core/extensions/extension.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { type AssembledMessage, MessageAssembler } from '../../src/core/messages/message-assembler.js';
import { isValidUtf8 } from '../../src/core/messages/utf8.js';
import { clientFrame, concat, decodeFrames, feed, hex, openEndpoint, utf8 } from '../helpers/core-pair.js';

interface DataFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
  rsv?: number;
}

/** Feeds frames to an assembler; returns the messages, or the close code of the first ProtocolError. */
function assemble(frames: DataFrame[], maxMessageSize = 1 << 20): { messages: Omit<AssembledMessage, 'type'>[]; code?: number; rule?: string } {
  const assembler = new MessageAssembler(maxMessageSize, isValidUtf8);
  const messages: Omit<AssembledMessage, 'type'>[] = [];
  try {
    for (const f of frames) {
      assembler.startFrame(f.fin, f.rsv ?? 0, f.opcode, f.payload.length);
      if (f.payload.length > 0) assembler.payload(f.payload);
      const message = assembler.endFrame();
      if (message) messages.push({ data: message.data.slice(), isText: message.isText });
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { messages, code: error.closeCode, rule: error.code };
  }
  return { messages };
}

const T = (s: string, fin = true): DataFrame => ({ fin, opcode: Opcode.Text, payload: utf8(s) });
const B = (bytes: number[], fin = true): DataFrame => ({ fin, opcode: Opcode.Binary, payload: new Uint8Array(bytes) });
const C = (s: string | number[], fin = true): DataFrame => ({
  fin,
  opcode: Opcode.Continuation,
  payload: typeof s === 'string' ? utf8(s) : new Uint8Array(s),
});

describe('fragmentation (RFC 6455 §5.4)', () => {
  it('[6455-5.2-1, 6455-5.4-7, 6455-6.2-3] an unfragmented message is one frame with FIN, typed by its opcode', () => {
    expect(assemble([T('hi'), B([1, 2])]).messages).toEqual([
      { data: utf8('hi'), isText: true },
      { data: new Uint8Array([1, 2]), isText: false },
    ]);
  });

  it('[6455-5.4-3, 6455-5.4-7, 6455-6.2-3] a fragmented message is joined in order and typed by its first frame', () => {
    expect(assemble([T('He', false), C('l', false), C('lo')]).messages).toEqual([{ data: utf8('Hello'), isText: true }]);
    expect(assemble([B([1], false), C([2, 3], false), C([4])]).messages).toEqual([{ data: new Uint8Array([1, 2, 3, 4]), isText: false }]);
  });

  it('[6455-6.2-4] after the final fragment the next data frame starts a new message', () => {
    expect(assemble([T('a', false), C('b'), B([9]), T('c')]).messages).toEqual([
      { data: utf8('ab'), isText: true },
      { data: new Uint8Array([9]), isText: false },
      { data: utf8('c'), isText: true },
    ]);
  });

  it('[6455-5.4-12, 6455-6.2-1] a continuation frame with no message in progress fails with 1002', () => {
    expect(assemble([C('x')])).toMatchObject({ code: 1002, rule: 'WSREF_CONTINUATION_WITHOUT_MESSAGE' });
    expect(assemble([C('x', false)])).toMatchObject({ code: 1002, rule: 'WSREF_CONTINUATION_WITHOUT_MESSAGE' });
    expect(assemble([T('done'), C('more')])).toEqual({ messages: [{ data: utf8('done'), isText: true }], code: 1002, rule: 'WSREF_CONTINUATION_WITHOUT_MESSAGE' });
  });

  it('[6455-5.4-4, 6455-5.4-12] a new text or binary frame inside a fragmented message fails with 1002', () => {
    expect(assemble([T('a', false), T('b')])).toMatchObject({ code: 1002, rule: 'WSREF_DATA_FRAME_INSIDE_MESSAGE' });
    expect(assemble([T('a', false), B([1])])).toMatchObject({ code: 1002, rule: 'WSREF_DATA_FRAME_INSIDE_MESSAGE' });
    expect(assemble([B([1], false), C([2], false), B([3], false)]).code).toBe(1002);
    expect(assemble([B([1], false), T('x')]).code).toBe(1002);
  });

  it('[6455-5.4-6, 6455-5.4-7] empty fragments anywhere, and a zero-length message', () => {
    expect(assemble([T('')]).messages).toEqual([{ data: new Uint8Array(0), isText: true }]);
    expect(assemble([B([])]).messages).toEqual([{ data: new Uint8Array(0), isText: false }]);
    expect(assemble([T('', false), C('', false), C('')]).messages).toEqual([{ data: new Uint8Array(0), isText: true }]);
    expect(assemble([T('', false), C('a', false), C('', false), C('b'), T('')]).messages).toEqual([
      { data: utf8('ab'), isText: true },
      { data: new Uint8Array(0), isText: true },
    ]);
  });

  it('[6455-5.4-6, 6455-5.4-3] many fragments (3000 of one byte each) arrive as one message in order', () => {
    const frames: DataFrame[] = [B([0], false)];
    for (let i = 1; i < 2999; i++) frames.push(C([i & 0xff], false));
    frames.push(C([2999 & 0xff]));
    const { messages } = assemble(frames);
    expect(messages).toHaveLength(1);
    expect(Array.from(messages[0]!.data)).toEqual(Array.from({ length: 3000 }, (_, i) => i & 0xff));
  });
});

describe('reserved bits (RFC 6455 §5.2)', () => {
  it('[6455-5.2-3, 6455-5.2-8, 6455-5.2-9, 6455-5.2-10] RSV1, RSV2 or RSV3 without a negotiated extension fails with 1002', () => {
    for (const rsv of [0x40, 0x20, 0x10, 0x70]) {
      expect(assemble([{ ...T('x'), rsv }])).toMatchObject({ code: 1002, rule: 'WSREF_RSV_WITHOUT_EXTENSION' });
      expect(assemble([T('x', false), { ...C('y'), rsv }]).code).toBe(1002);
    }
  });

  it('[6455-5.2-2, 6455-5.8-1] an RSV bit claimed by a negotiated extension is accepted; the others still fail', () => {
    const passThrough: Extension = {
      name: 'x-test',
      rsvBits: 0x40,
      responseParams: [],
      startIncomingFrame: () => false, // no payload transformation needed
      decodeChunk: () => {},
      endIncomingFrame: () => {},
      encodeFrame: (payload) => ({ payload, rsv: 0 }),
      dispose: () => {},
    };
    const assembler = new MessageAssembler(1000, isValidUtf8);
    assembler.useExtensions([passThrough]);
    assembler.startFrame(true, 0x40, Opcode.Binary, 1);
    assembler.payload(new Uint8Array([7]));
    expect(assembler.endFrame()).toEqual({ type: 'message', data: new Uint8Array([7]), isText: false });
    expect(() => assembler.startFrame(true, 0x20, Opcode.Binary, 0)).toThrow(ProtocolError);
  });
});

describe('text must be UTF-8 (RFC 6455 §5.6, §8.1)', () => {
  it('[6455-5.6-1] a code point split between fragments is fine', () => {
    const euro = utf8('€'); // e2 82 ac
    const frames: DataFrame[] = [
      { fin: false, opcode: Opcode.Text, payload: euro.subarray(0, 1) },
      { fin: false, opcode: Opcode.Continuation, payload: euro.subarray(1, 2) },
      { fin: true, opcode: Opcode.Continuation, payload: euro.subarray(2) },
    ];
    expect(assemble(frames).messages).toEqual([{ data: euro, isText: true }]);
  });

  it('[6455-8.1-1] invalid UTF-8 fails with 1007 in the fragment where it appears, before the message ends', () => {
    const frames: DataFrame[] = [
      { fin: false, opcode: Opcode.Text, payload: hex('ce ba e1 bd b9 cf 83 ce bc ce b5') },
      { fin: false, opcode: Opcode.Continuation, payload: hex('f4 90 80 80') },
    ];
    expect(assemble(frames)).toMatchObject({ code: 1007, rule: 'WSREF_TEXT_NOT_UTF8' });
  });

  it('[6455-5.6-1, 6455-8.1-1] a text message ending inside a code point fails with 1007 at its final frame', () => {
    expect(assemble([T('a', false), { fin: true, opcode: Opcode.Continuation, payload: hex('e2 82') }])).toMatchObject({ code: 1007, rule: 'WSREF_TEXT_ENDS_MID_CHARACTER' });
    expect(assemble([{ fin: true, opcode: Opcode.Text, payload: hex('f0') }]).code).toBe(1007);
  });

  it('[6455-6.2-3, 6455-8.1-1] only text messages are held to UTF-8: binary ones may carry any bytes', () => {
    expect(assemble([B([0xff, 0xfe]), T('ok')]).messages).toEqual([
      { data: new Uint8Array([0xff, 0xfe]), isText: false },
      { data: utf8('ok'), isText: true },
    ]);
    expect(assemble([T('é'), T('ü'), { fin: true, opcode: Opcode.Text, payload: hex('ff') }])).toEqual({
      messages: [
        { data: utf8('é'), isText: true },
        { data: utf8('ü'), isText: true },
      ],
      code: 1007,
      rule: 'WSREF_TEXT_NOT_UTF8',
    });
  });
});

describe('message size limit (RFC 6455 §10.4)', () => {
  it('[6455-10.4-1, 6455-10.4-2] a frame header announcing more than the limit fails with 1009 before any payload', () => {
    const assembler = new MessageAssembler(1000, isValidUtf8);
    let code: number | undefined;
    try {
      assembler.startFrame(true, 0, Opcode.Binary, 1001);
    } catch (error) {
      code = (error as ProtocolError).closeCode;
    }
    expect(code).toBe(1009);
  });

  it('[6455-10.4-1, 6455-10.4-2] fragments whose sum exceeds the limit fail with 1009; exactly the limit is fine', () => {
    expect(assemble([B(new Array(600).fill(1), false), C(new Array(400).fill(2))], 1000).messages[0]!.data).toHaveLength(1000);
    expect(assemble([B(new Array(600).fill(1), false), C(new Array(401).fill(2))], 1000)).toMatchObject({ code: 1009, rule: 'WSREF_MESSAGE_TOO_BIG' });
    // The limit is per message: two messages of 1000 bytes each are fine.
    expect(assemble([B(new Array(1000).fill(1)), B(new Array(1000).fill(1))], 1000).messages).toHaveLength(2);
  });

  it('[6455-10.4-1] the connection fails with 1009 on a too-big frame header before its payload arrives', () => {
    const { conn, log } = openEndpoint('server', { maxMessageSize: 1024 });
    const bytes = clientFrame({ opcode: Opcode.Binary, payload: new Uint8Array(2000) });
    feed(conn, bytes.subarray(0, 8)); // header (8 bytes: 2 + 2 + 4) only
    expect(log.failCode).toBe(1009);
    const [close] = decodeFrames(log.takeWritten());
    expect(close!.opcode).toBe(Opcode.Close);
    expect(close!.payload.subarray(0, 2)).toEqual(hex('03 f1'));
  });

  it('[6455-10.4-1] the connection fails with 1009 when fragments add up past the limit', () => {
    const { conn, log } = openEndpoint('client', { maxMessageSize: 100 });
    feed(
      conn,
      concat(
        ...Array.from({ length: 10 }, (_, i) => new Uint8Array([i === 0 ? 0x02 : 0x00, 11, ...new Array(11).fill(i)])),
      ),
    );
    expect(log.failCode).toBe(1009);
    expect(log.ofType('message')).toEqual([]);
  });
});
