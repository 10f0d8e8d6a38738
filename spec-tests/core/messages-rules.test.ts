// Tests for src/core/messages/ written against its surviving mutants (`npm run mutate -- --mutate
// 'src/core/messages/**/*.ts'`). RFC 6455 §8.1 / RFC 3629: every lead byte with the second bytes at
// each range edge of §4's ABNF, against the platform's fatal UTF-8 decoder, whole and cut into
// pieces; §5.5's control frame rules at their edges; §9's decoding order and what the assembler
// tells an extension (its own RSV bits, the first frame, the room left under the §10.4 limit).
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/core/errors.js';
import type { Extension, IncomingFrameInfo, OutgoingFrameInfo } from '../../src/core/extensions/extension.js';
import { maxDeflatedSize, SYNC_FLUSH_ALLOWANCE } from '../../src/core/extensions/deflate-codec.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { MessageAssembler } from '../../src/core/messages/message-assembler.js';
import { MessageSender } from '../../src/core/messages/message-sender.js';
import { FrameWriter } from '../../src/core/framing/frame-writer.js';
import { RULES } from '../../src/core/rules.js';
import { checkControlPayloadToSend, checkReceivedControlFrame } from '../../src/core/messages/control-frames.js';
import { isValidUtf8, Utf8Validator } from '../../src/core/messages/utf8.js';
import { referenceValidUtf8 } from '../helpers/core-pair.js';


/** The second bytes at the edge of every range RFC 3629 §4 gives a second byte (and ASCII, and 0xFF). */
const SECOND_BYTES = [0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff];

/** Every lead byte, each edge second byte, then 0–2 continuation bytes 0x80: 7,680 short texts. */
function* leadPairs(): Generator<Uint8Array> {
  for (let lead = 0; lead < 256; lead++) {
    for (const second of SECOND_BYTES) {
      for (let tail = 0; tail <= 2; tail++) {
        const bytes = new Uint8Array(2 + tail).fill(0x80);
        bytes[0] = lead;
        bytes[1] = second;
        yield bytes;
      }
    }
  }
}

/** Runs a whole message through a fresh validator in the given pieces; true when it is accepted. */
function validateInPieces(pieces: Uint8Array[]): boolean {
  const validator = new Utf8Validator();
  for (const piece of pieces) if (!validator.push(piece)) return false;
  return validator.finish();
}

describe('UTF-8 at every lead byte and every edge of a second byte (RFC 6455 §8.1, RFC 3629 §4)', () => {
  it('[6455-8.1-1, 6455-5.6-1] isValidUtf8 agrees with a fatal decoder on every lead byte, each edge second byte and 0–2 continuations', () => {
    const disagreements: string[] = [];
    for (const bytes of leadPairs()) {
      if (isValidUtf8(bytes) !== referenceValidUtf8(bytes)) disagreements.push(Array.from(bytes, (b) => b.toString(16)).join(' '));
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
  });

  it('[6455-8.1-1, 6455-5.6-1] the incremental validator agrees too when the text is cut after its first byte, or after its second', () => {
    const disagreements: string[] = [];
    for (const bytes of leadPairs()) {
      const expected = referenceValidUtf8(bytes);
      const afterFirst = validateInPieces([bytes.subarray(0, 1), bytes.subarray(1)]);
      const afterSecond = validateInPieces([bytes.subarray(0, 2), bytes.subarray(2)]);
      if (afterFirst !== expected || afterSecond !== expected) disagreements.push(Array.from(bytes, (b) => b.toString(16)).join(' '));
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
  });

  it('[6455-8.1-1] a four-byte code point cut after each of its bytes is accepted whole and refused at the first bad continuation', () => {
    const emoji = new Uint8Array([0xf0, 0x9f, 0x98, 0x80]); // U+1F600
    for (let cut = 1; cut < 4; cut++) {
      expect(validateInPieces([emoji.subarray(0, cut), emoji.subarray(cut)])).toBe(true);
      const validator = new Utf8Validator();
      expect(validator.push(emoji.subarray(0, cut))).toBe(true);
      const bad = emoji.slice(cut);
      bad[0] = 0x41; // an ASCII byte where a continuation must stand
      expect(validator.push(bad)).toBe(false);
    }
  });

  it('[6455-8.1-1] a piece that only continues the pending code point leaves it pending until the last byte', () => {
    const validator = new Utf8Validator();
    expect(validator.push(new Uint8Array([0x61, 0xf0]))).toBe(true);
    expect(validator.push(new Uint8Array([0x9f]))).toBe(true);
    expect(validator.push(new Uint8Array([0x98]))).toBe(true);
    expect(validator.finish()).toBe(false); // three of four bytes: the text ends inside a code point
    expect(validateInPieces([new Uint8Array([0x61, 0xf0]), new Uint8Array([0x9f]), new Uint8Array([0x98]), new Uint8Array([0x80, 0x62])])).toBe(true);
  });
});

describe('the whole-buffer check the Node layer plugs in (RFC 6455 §8.1)', () => {
  it('[6455-8.1-1, 6455-5.6-1] it is asked only about whole code points: the pushed buffer itself when it holds nothing else, never an empty slice', () => {
    const asked: Uint8Array[] = [];
    const validator = new Utf8Validator((bytes) => {
      asked.push(bytes);
      return isValidUtf8(bytes);
    });
    const whole = Uint8Array.of(0x41, 0xc3, 0xa9);
    expect(validator.push(whole)).toBe(true);
    expect(asked).toEqual([whole]);
    expect(asked[0]).toBe(whole); // no new view per piece
    for (const byte of [0xf0, 0x9f, 0x98]) expect(validator.push(Uint8Array.of(byte))).toBe(true);
    expect(validator.push(Uint8Array.of(0x80))).toBe(true); // completes U+1F600 by hand
    expect(asked).toHaveLength(1);
    expect(validator.finish()).toBe(true);
  });
});

describe('control frames at their edges (RFC 6455 §5.5)', () => {
  it('[6455-5.5-1, 6455-5.4-2] a received control frame of 125 bytes with FIN passes; 126, or no FIN, names its row', () => {
    expect(() => checkReceivedControlFrame(true, 125)).not.toThrow();
    expect(() => checkReceivedControlFrame(true, 0)).not.toThrow();
    expect(() => checkReceivedControlFrame(true, 126)).toThrowError(expect.objectContaining({ code: 'WSREF_CONTROL_FRAME_TOO_LONG', closeCode: 1002 }));
    expect(() => checkReceivedControlFrame(true, 126)).toThrowError('control frame payload of 126 bytes (max 125)');
    expect(() => checkReceivedControlFrame(false, 0)).toThrowError(expect.objectContaining({ code: 'WSREF_CONTROL_FRAME_FRAGMENTED', closeCode: 1002 }));
  });

  it('[6455-5.5-1] a ping or pong to send: the error names the length and the limit', () => {
    expect(() => checkControlPayloadToSend(new Uint8Array(125))).not.toThrow();
    expect(() => checkControlPayloadToSend(new Uint8Array(126))).toThrowError(
      new RangeError('ping/pong payload is 126 bytes; control frames carry at most 125 (RFC 6455 §5.5)'),
    );
  });
});

/** A transforming extension that appends its marker byte to every piece it decodes, and records what it was told. */
function markingExtension(name: string, rsvBits: number, marker: number) {
  const seen: { frames: IncomingFrameInfo[]; limits: number[] } = { frames: [], limits: [] };
  const extension: Extension = {
    name,
    rsvBits,
    responseParams: [],
    startIncomingFrame: (frame) => {
      seen.frames.push(frame);
      return true;
    },
    decodeChunk: (data, out, limit) => {
      seen.limits.push(limit);
      out.push(Uint8Array.of(...data, marker));
    },
    endIncomingFrame: () => {},
    encodeFrame: (payload) => ({ payload, rsv: 0 }),
    dispose: () => {},
  };
  return { extension, seen };
}

describe('extensions on the receive path (RFC 6455 §9, §10.4)', () => {
  it('[6455-5.8-1, 6455-5.2-2] incoming data is decoded in the reverse order of the negotiated list; each extension sees only its RSV bits', () => {
    const first = markingExtension('x-first', 0x40, 0x61);
    const second = markingExtension('x-second', 0x20, 0x62);
    const assembler = new MessageAssembler(1000, isValidUtf8);
    assembler.useExtensions([first.extension, second.extension]);
    assembler.startFrame(false, 0x60, Opcode.Binary, 1);
    assembler.payload(Uint8Array.of(0x30));
    expect(assembler.endFrame()).toBeUndefined();
    assembler.startFrame(true, 0x00, Opcode.Continuation, 1);
    assembler.payload(Uint8Array.of(0x31));
    const message = assembler.endFrame();
    // x-second (last negotiated) decodes first, then x-first: each piece gets "b" then "a".
    expect(Array.from(message!.data)).toEqual([0x30, 0x62, 0x61, 0x31, 0x62, 0x61]);
    expect(first.seen.frames.map(({ rsv, firstFrameOfMessage, fin }) => ({ rsv, firstFrameOfMessage, fin }))).toEqual([
      { rsv: 0x40, firstFrameOfMessage: true, fin: false },
      { rsv: 0x00, firstFrameOfMessage: false, fin: true },
    ]);
    expect(second.seen.frames.map(({ rsv }) => rsv)).toEqual([0x20, 0x00]);
  });

  it('[6455-5.8-1, 6455-5.4-3] a transforming extension is told the end of a frame once, at its end, with FIN; its output there joins the message', () => {
    const calls: string[] = [];
    const { extension } = markingExtension('x-end', 0x40, 0);
    const assembler = new MessageAssembler(1000, isValidUtf8);
    assembler.useExtensions([{
      ...extension,
      decodeChunk: (data, out) => {
        calls.push(`chunk ${data.length}`);
        out.push(data);
      },
      endIncomingFrame: (fin, out) => {
        calls.push(`end ${fin}`);
        out.push(Uint8Array.of(fin ? 0xee : 0xdd));
      },
    }]);
    assembler.startFrame(false, 0x40, Opcode.Binary, 3);
    assembler.payload(Uint8Array.of(1));
    assembler.payload(Uint8Array.of(2, 3));
    expect(assembler.endFrame()).toBeUndefined();
    assembler.startFrame(true, 0, Opcode.Continuation, 2);
    assembler.payload(Uint8Array.of(4));
    assembler.payload(Uint8Array.of(5));
    const message = assembler.endFrame();
    expect(calls).toEqual(['chunk 1', 'chunk 2', 'end false', 'chunk 1', 'chunk 1', 'end true']);
    expect(Array.from(message!.data)).toEqual([1, 2, 3, 0xdd, 4, 5, 0xee]);
  });

  it('[6455-10.4-1] an extension is told how many bytes the message may still grow by', () => {
    const marking = markingExtension('x-mark', 0x40, 0x21);
    const assembler = new MessageAssembler(100, isValidUtf8);
    assembler.useExtensions([marking.extension]);
    assembler.startFrame(false, 0x40, Opcode.Binary, 9);
    assembler.payload(new Uint8Array(9)); // 10 bytes once decoded
    assembler.endFrame();
    assembler.startFrame(true, 0, Opcode.Continuation, 1);
    assembler.payload(new Uint8Array(1));
    expect(marking.seen.limits).toEqual([100, 90]);
  });

  it('[6455-10.4-1, 6455-10.4-2] an extension that stops at the limit with 1009 becomes the message-size row, its error the cause; other errors pass unchanged', () => {
    const stopped = new ProtocolError(RULES.MESSAGE_TOO_BIG, { what: 'inflated data', limit: 10 });
    const other = new ProtocolError(RULES.RSV_WITHOUT_EXTENSION, { rsv: '0x40' });
    for (const thrown of [stopped, other]) {
      const assembler = new MessageAssembler(10, isValidUtf8);
      const { extension } = markingExtension('x-throw', 0x40, 0);
      assembler.useExtensions([{ ...extension, decodeChunk: () => { throw thrown; } }]);
      assembler.startFrame(true, 0x40, Opcode.Binary, 3);
      let caught: unknown;
      try {
        assembler.payload(new Uint8Array(3));
      } catch (error) {
        caught = error;
      }
      if (thrown === other) {
        expect(caught).toBe(other);
      } else {
        expect(caught).toMatchObject({ code: 'WSREF_MESSAGE_TOO_BIG', closeCode: 1009, cause: stopped });
        expect((caught as Error).message).toBe('message of more than 10 bytes once inflated exceeds maxMessageSize 10');
      }
    }
  });

  it('[6455-10.4-2] compressed frames may carry the limit’s DEFLATE bound plus 16 bytes per frame on the wire, not a byte more', () => {
    const limit = 1000;
    const wireLimit = maxDeflatedSize(limit);
    const { extension } = markingExtension('x-mark', 0x40, 0x21);
    const fits = new MessageAssembler(limit, isValidUtf8);
    fits.useExtensions([extension]);
    fits.startFrame(false, 0x40, Opcode.Binary, wireLimit);
    fits.startFrame(true, 0, Opcode.Continuation, 2 * SYNC_FLUSH_ALLOWANCE);
    const over = new MessageAssembler(limit, isValidUtf8);
    over.useExtensions([extension]);
    over.startFrame(false, 0x40, Opcode.Binary, wireLimit);
    expect(() => over.startFrame(true, 0, Opcode.Continuation, 2 * SYNC_FLUSH_ALLOWANCE + 1)).toThrowError(
      `compressed data of ${wireLimit + 2 * SYNC_FLUSH_ALLOWANCE + 1} bytes exceeds the wire limit ${wireLimit + 2 * SYNC_FLUSH_ALLOWANCE} for maxMessageSize ${limit}`,
    );
  });
});

describe('the sending half: MessageSender (RFC 6455 §5.4, §6.1, §9)', () => {
  it('[6455-5.4-3, 6455-5.8-1, 6455-5.3-1] a fragmented message goes out as first frame then continuations through every extension; a client masks an extension’s own output in place, the application’s bytes in a copy', () => {
    const told: OutgoingFrameInfo[] = [];
    const { extension } = markingExtension('x-pass', 0, 0);
    const compressed = new Uint8Array(2048).fill(0x11); // an encoder's fresh buffer: the writer may change it
    const compressing: Extension = { ...extension, rsvBits: 0x40, encodeFrame: (payload, frame) => {
      told.push(frame);
      return frame.compress ? { payload: compressed, rsv: 0x40 } : { payload, rsv: 0 };
    } };
    const writer = new FrameWriter(() => 0x01020304);
    const sender = new MessageSender(writer, [compressing, extension]); // the second leaves the payload as it is
    const application = new Uint8Array(2048).fill(0x22);
    sender.sendFrame(application, false, false, true);
    expect(() => sender.sendMessage(application, false, true)).toThrowError(TypeError);
    sender.sendFrame(application, false, true, false);
    const chunks = writer.take();
    expect(told.map(({ opcode, fin, firstFrameOfMessage, compress }) => [opcode, fin, firstFrameOfMessage, compress])).toEqual([
      [Opcode.Binary, false, true, true],
      [Opcode.Continuation, true, false, false],
    ]);
    expect(chunks.map((c) => c.length)).toEqual([8, 2048, 8 + 2048]);
    expect(Array.from(chunks[0]!.subarray(0, 2))).toEqual([0x42, 0xfe]); // RSV1 from the extension, binary, no FIN
    expect(chunks[1]).toBe(compressed);
    expect(compressed[0]).toBe(0x11 ^ 0x01);
    expect(chunks[2]![0]).toBe(0x80); // FIN, continuation
    expect(application.every((b) => b === 0x22)).toBe(true);
  });
});
