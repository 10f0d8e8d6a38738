// Tests for src/core/messages/ written against its surviving mutants (`npm run mutate -- --mutate
// 'src/core/messages/**/*.ts'`). RFC 6455 §8.1 / RFC 3629: every lead byte with the second bytes at
// each range edge of §4's ABNF, against the platform's fatal UTF-8 decoder, whole and cut into
// pieces; §5.5's control frame rules at their edges.
import { describe, expect, it } from 'vitest';
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
