// Tests for src/core/frame-parser.ts — RFC 6455 §5.2–§5.3 and §5.5 header rules: the receive
// state machine that turns bytes arriving in arbitrary pieces into frame-start / payload / end.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import { FrameParser, type FrameSink } from '../../src/core/framing/frame-parser.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { concat, firstDifference, frame, hex, pseudoRandomBytes, RFC_MASK_KEY, splitAt, utf8 } from '../helpers/core-pair.js';

interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  length: number;
  payload: Uint8Array;
  ended: boolean;
}

/** A sink that records frames with their joined payload. */
class RecordingSink implements FrameSink {
  readonly frames: ParsedFrame[] = [];
  payloadCalls = 0;
  private pieces: Uint8Array[] = [];
  frameStart(fin: boolean, rsv: number, opcode: number, payloadLength: number): void {
    this.pieces = [];
    this.frames.push({ fin, rsv, opcode, length: payloadLength, payload: new Uint8Array(0), ended: false });
  }
  framePayload(piece: Uint8Array): void {
    this.payloadCalls++;
    this.pieces.push(piece.slice());
  }
  frameEnd(): void {
    const current = this.frames[this.frames.length - 1]!;
    current.payload = concat(...this.pieces);
    current.ended = true;
  }
}

type Role = 'client' | 'server';
/** A parser as the given role uses it: the server expects masked frames, the client unmasked ones. */
function parserFor(role: Role): { parser: FrameParser; sink: RecordingSink } {
  const sink = new RecordingSink();
  return { parser: new FrameParser({ expectMasked: role === 'server' }, sink), sink };
}

/** Parses `bytes` (cut at `cuts`); returns the frames, or the close code and rule (`WSREF_…`) of the ProtocolError thrown. */
function parse(role: Role, bytes: Uint8Array, cuts: number[] = []): { frames: ParsedFrame[]; code?: number; rule?: string; parser: FrameParser } {
  const { parser, sink } = parserFor(role);
  for (const piece of splitAt(bytes, cuts)) {
    try {
      parser.push(piece);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return { frames: sink.frames, code: error.closeCode, rule: error.code, parser };
    }
  }
  return { frames: sink.frames, parser };
}

/** Every way to cut `bytes` into two pieces, plus byte-at-a-time. */
function allSplits(bytes: Uint8Array): number[][] {
  const splits: number[][] = [[]];
  for (let i = 1; i < bytes.length; i++) splits.push([i]);
  splits.push(Array.from({ length: bytes.length }, (_, i) => i));
  return splits;
}

const F = (fin: boolean, opcode: number, payload: Uint8Array, rsv = 0) => ({ fin, rsv, opcode, length: payload.length, payload, ended: true });

describe('RFC 6455 §5.7 examples, decoded', () => {
  const hello = utf8('Hello');
  const examples: { name: string; role: Role; bytes: Uint8Array; frames: ParsedFrame[] }[] = [
    { name: 'single-frame unmasked text (client receives)', role: 'client', bytes: hex('81 05 48 65 6c 6c 6f'), frames: [F(true, Opcode.Text, hello)] },
    { name: 'single-frame masked text (server receives)', role: 'server', bytes: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), frames: [F(true, Opcode.Text, hello)] },
    {
      name: 'fragmented unmasked text',
      role: 'client',
      bytes: hex('01 03 48 65 6c 80 02 6c 6f'),
      frames: [F(false, Opcode.Text, utf8('Hel')), F(true, Opcode.Continuation, utf8('lo'))],
    },
    { name: 'unmasked ping', role: 'client', bytes: hex('89 05 48 65 6c 6c 6f'), frames: [F(true, Opcode.Ping, hello)] },
    { name: 'masked pong', role: 'server', bytes: hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), frames: [F(true, Opcode.Pong, hello)] },
  ];

  for (const example of examples) {
    it(`[6455-5.2-1, 6455-6.2-1, 6455-6.2-7] ${example.name}, split at every byte boundary`, () => {
      for (const cuts of allSplits(example.bytes)) {
        const result = parse(example.role, example.bytes, cuts);
        expect(result.code).toBeUndefined();
        expect(result.frames).toEqual(example.frames);
      }
    });
  }

  it('[6455-5.2-6, 6455-6.2-1] 256 bytes of binary in one unmasked frame (82 7E 0100)', () => {
    const data = pseudoRandomBytes(256, 4);
    const bytes = concat(hex('82 7e 01 00'), data);
    for (const cuts of [[], [1], [2], [3], [4], [100]]) {
      expect(parse('client', bytes, cuts).frames).toEqual([F(true, Opcode.Binary, data)]);
    }
  });

  it('[6455-5.2-5, 6455-5.2-6, 6455-6.2-1] 64 KiB of binary in one unmasked frame (82 7F 0000000000010000)', () => {
    const data = pseudoRandomBytes(65536, 6);
    const bytes = concat(hex('82 7f 00 00 00 00 00 01 00 00'), data);
    for (const cuts of [[], [5], [10], [9, 11, 30000]]) {
      const { frames, code } = parse('client', bytes, cuts);
      expect(code).toBeUndefined();
      expect(frames).toHaveLength(1);
      expect(frames[0]!.length).toBe(65536);
      expect(firstDifference(frames[0]!.payload, data)).toBe(-1);
    }
  });
});

describe('payload length forms (RFC 6455 §5.2)', () => {
  it('[6455-5.2-6] decodes lengths 0, 125, 126, 65535 and 65536 in both roles, whatever the cut', () => {
    for (const length of [0, 1, 125, 126, 127, 65535, 65536]) {
      const data = pseudoRandomBytes(length, length + 3);
      for (const role of ['client', 'server'] as const) {
        const bytes = frame({ opcode: Opcode.Binary, payload: data, ...(role === 'server' ? { maskKey: 0x12345678 } : {}) });
        for (const cuts of [[], [1], [2], [3], [5], [9], [13], [bytes.length - 1]]) {
          const { frames, code } = parse(role, bytes, cuts);
          expect(code).toBeUndefined();
          expect(frames).toHaveLength(1);
          expect(frames[0]!.length).toBe(length);
          expect(firstDifference(frames[0]!.payload, data)).toBe(-1);
        }
      }
    }
  });

  it('[6455-5.2-6] fails with 1002 on a 16-bit length that would fit in 7 bits (0, 124, 125)', () => {
    for (const n of [0, 124, 125]) {
      const bytes = concat(hex('82 7e'), new Uint8Array([n >> 8, n & 0xff]), new Uint8Array(n));
      expect(parse('client', bytes)).toMatchObject({ code: 1002, rule: 'WSREF_LENGTH_NOT_MINIMAL' });
      expect(parse('client', bytes).frames).toEqual([]);
    }
    // 126 in the 16-bit form is minimal and accepted.
    expect(parse('client', concat(hex('82 7e 00 7e'), new Uint8Array(126))).code).toBeUndefined();
  });

  it('[6455-5.2-6] fails with 1002 on a 64-bit length that would fit in 16 bits (0, 125, 65535)', () => {
    for (const n of [0, 125, 65535]) {
      const bytes = concat(hex('82 7f 00 00 00 00 00 00'), new Uint8Array([n >> 8, n & 0xff]));
      expect(parse('client', bytes)).toMatchObject({ code: 1002, rule: 'WSREF_LENGTH_NOT_MINIMAL' });
    }
    expect(parse('client', hex('82 7f 00 00 00 00 00 01 00 00')).code).toBeUndefined();
  });

  it('[6455-5.2-5] fails with 1002 when the most significant bit of the 64-bit length is set', () => {
    expect(parse('client', hex('82 7f 80 00 00 00 00 00 00 00'))).toMatchObject({ code: 1002, rule: 'WSREF_LENGTH_HIGH_BIT' });
    expect(parse('client', hex('82 7f ff ff ff ff ff ff ff ff'))).toMatchObject({ code: 1002, rule: 'WSREF_LENGTH_HIGH_BIT' });
    expect(parse('server', hex('82 ff 80 00 00 00 00 01 00 00 01 02 03 04')).code).toBe(1002);
  });

  it('[6455-10.4-1] refuses a 64-bit length beyond 2^53 − 1 (which no limit could admit) with 1009', () => {
    expect(parse('client', hex('82 7f 00 20 00 00 00 00 00 00'))).toMatchObject({ code: 1009, rule: 'WSREF_LENGTH_BEYOND_2_53' });
    expect(parse('client', hex('82 7f 7f ff ff ff ff ff ff ff')).code).toBe(1009);
    // 2^53 − 1 itself is representable: the header is accepted (and the payload awaited).
    const { frames, code } = parse('client', hex('82 7f 00 1f ff ff ff ff ff ff'));
    expect(code).toBeUndefined();
    expect(frames[0]!.length).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('header rules (RFC 6455 §5.1, §5.2, §5.5)', () => {
  it('[6455-5.2-4] fails with 1002 on each reserved opcode 0x3–0x7 and 0xB–0xF', () => {
    for (const opcode of [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      expect(parse('client', new Uint8Array([0x80 | opcode, 0x00]))).toMatchObject({ code: 1002, rule: 'WSREF_RESERVED_OPCODE' });
      expect(parse('server', new Uint8Array([0x80 | opcode, 0x80, 1, 2, 3, 4])).code).toBe(1002);
      // Also with a payload and without FIN.
      expect(parse('client', new Uint8Array([opcode, 0x01, 0x41])).code).toBe(1002);
    }
  });

  it('[6455-5.1-2, 6455-5.1-3] the server side fails with 1002 on an unmasked frame', () => {
    const result = parse('server', hex('81 05 48 65 6c 6c 6f'));
    expect(result).toMatchObject({ code: 1002, rule: 'WSREF_UNMASKED_CLIENT_FRAME' });
    expect(result.frames).toEqual([]);
    expect(parse('server', hex('89 00')).code).toBe(1002); // control frames too
  });

  it('[6455-5.1-5, 6455-5.1-6] the client side fails with 1002 on a masked frame', () => {
    const result = parse('client', hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    expect(result).toMatchObject({ code: 1002, rule: 'WSREF_MASKED_SERVER_FRAME' });
    expect(result.frames).toEqual([]);
    expect(parse('client', hex('8a 80 00 00 00 00')).code).toBe(1002);
  });

  it('[6455-5.5-1] fails with 1002 on a control frame longer than 125 bytes, before its payload', () => {
    for (const opcode of [Opcode.Close, Opcode.Ping, Opcode.Pong]) {
      // Only the header: the parser must not wait for 126 payload bytes to refuse the frame.
      expect(parse('client', new Uint8Array([0x80 | opcode, 126, 0, 126])).code).toBe(1002);
      expect(parse('client', new Uint8Array([0x80 | opcode, 127, 0, 0, 0, 0, 0, 1, 0, 0])).code).toBe(1002);
      // 125 is the most a control frame carries.
      expect(parse('client', concat(new Uint8Array([0x80 | opcode, 125]), new Uint8Array(125))).code).toBeUndefined();
    }
  });

  it('[6455-5.4-2, 6455-5.5-1] fails with 1002 on a control frame without FIN', () => {
    for (const opcode of [Opcode.Close, Opcode.Ping, Opcode.Pong]) {
      expect(parse('client', new Uint8Array([opcode, 0])).code).toBe(1002);
      expect(parse('server', new Uint8Array([opcode, 0x80, 9, 9, 9, 9])).code).toBe(1002);
    }
  });

  it('[6455-5.2-2] reports the RSV bits of a frame to the sink (their meaning is the receiver’s business)', () => {
    const { frames } = parse('client', hex('c1 00 a2 00 92 00'));
    expect(frames.map((f) => [f.rsv, f.opcode])).toEqual([[0x40, 1], [0x20, 2], [0x10, 2]]);
  });
});

describe('streaming behaviour', () => {
  it('[6455-6.2-1] parses many frames from one chunk, and the same frames split at every byte', () => {
    const frames = [
      frame({ opcode: Opcode.Text, fin: false, payload: utf8('a') }),
      frame({ opcode: Opcode.Ping, payload: utf8('p') }),
      frame({ opcode: Opcode.Continuation, fin: true, payload: new Uint8Array(0) }),
      frame({ opcode: Opcode.Binary, payload: pseudoRandomBytes(300, 1) }),
      frame({ opcode: Opcode.Pong }),
      frame({ opcode: Opcode.Binary, payload: pseudoRandomBytes(126, 2) }),
    ];
    const bytes = concat(...frames);
    const expected = parse('client', bytes).frames;
    expect(expected.map((f) => [f.opcode, f.length, f.fin])).toEqual([[1, 1, false], [9, 1, true], [0, 0, true], [2, 300, true], [10, 0, true], [2, 126, true]]);
    for (let cut = 1; cut < bytes.length; cut++) expect(parse('client', bytes, [cut]).frames).toEqual(expected);
    expect(parse('client', bytes, Array.from({ length: bytes.length }, (_, i) => i)).frames).toEqual(expected);
  });

  it('[6455-6.2-7] unmasks a payload arriving in pieces with the key phase carried across pieces', () => {
    const data = pseudoRandomBytes(1000, 8);
    const bytes = frame({ opcode: Opcode.Binary, payload: data, maskKey: 0xa1b2c3d4 });
    for (const cuts of [[9], [10, 11, 13], [7, 50, 51, 52, 53, 517]]) {
      const { frames } = parse('server', bytes, cuts);
      expect(firstDifference(frames[0]!.payload, data)).toBe(-1);
    }
  });

  it('[wsref] a zero-length frame is a start and an end with no payload call', () => {
    const { parser, sink } = parserFor('client');
    parser.push(hex('82 00'));
    expect(sink.frames).toEqual([F(true, Opcode.Binary, new Uint8Array(0))]);
    expect(sink.payloadCalls).toBe(0);
  });

  it('[wsref] a header split across pushes is held until complete (14-byte header, one byte at a time)', () => {
    const { parser, sink } = parserFor('server');
    const bytes = frame({ opcode: Opcode.Binary, payload: new Uint8Array(65536).fill(7), maskKey: 0x01020304 });
    for (let i = 0; i < 13; i++) {
      parser.push(bytes.slice(i, i + 1));
      expect(sink.frames).toEqual([]); // nothing reported before the key is complete
    }
    parser.push(bytes.slice(13, 14));
    expect(sink.frames).toHaveLength(1);
    parser.push(bytes.slice(14));
    expect(sink.frames[0]!.ended).toBe(true);
    expect(sink.frames[0]!.payload.every((b) => b === 7)).toBe(true);
  });

  it('[6455-7.1.7-5] after a violation the parser is stopped and ignores later bytes', () => {
    const { parser, sink } = parserFor('client');
    expect(() => parser.push(concat(hex('81 01 41'), hex('83 00'), hex('81 01 42')))).toThrow(ProtocolError);
    expect(parser.stopped).toBe(true);
    parser.push(hex('81 01 43'));
    expect(sink.frames.map((f) => f.payload)).toEqual([utf8('A')]);
  });

  it('[wsref] stop() makes the parser ignore everything after it, even mid-chunk when called from the sink', () => {
    const sink = new RecordingSink();
    let parser!: FrameParser;
    const stopping: FrameSink = {
      frameStart: (...args) => sink.frameStart(...args),
      framePayload: (p) => sink.framePayload(p),
      frameEnd: () => {
        sink.frameEnd();
        parser.stop();
      },
    };
    parser = new FrameParser({ expectMasked: false }, stopping);
    parser.push(concat(hex('88 00'), hex('81 01 41')));
    expect(sink.frames).toHaveLength(1);
    expect(parser.stopped).toBe(true);
  });

  it('[wsref] a ProtocolError thrown by the sink stops the parser and reaches the caller', () => {
    const parser = new FrameParser({ expectMasked: false }, {
      frameStart: () => {
        throw new ProtocolError(1007, 'sink says no');
      },
      framePayload: () => {},
      frameEnd: () => {},
    });
    expect(() => parser.push(hex('81 01 41'))).toThrow('sink says no');
    expect(parser.stopped).toBe(true);
  });

  it('[6455-6.2-7] unmasks the §5.7 masked frame with a key cut across pushes', () => {
    const bytes = frame({ opcode: Opcode.Text, payload: utf8('Hello'), maskKey: RFC_MASK_KEY });
    expect(bytes).toEqual(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    for (let cut = 1; cut < 6; cut++) expect(parse('server', bytes, [cut]).frames[0]!.payload).toEqual(utf8('Hello'));
  });
});
