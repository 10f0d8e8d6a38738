// Tests for src/core/mask.ts — RFC 6455 §5.3 (client-to-server masking): byte i of the payload
// is XORed with byte (i mod 4) of the key. The word-at-a-time fast path must agree with the
// naive definition for every alignment, starting position and length.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskInPlace, maskInto } from '../../src/core/framing/mask.js';
import { firstDifference, hex, pseudoRandomBytes, RFC_MASK_KEY, utf8 } from '../helpers/core-pair.js';

/** The definition in §5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-j, j = i MOD 4. */
function naiveMask(data: Uint8Array, maskKey: number, position = 0): Uint8Array {
  const key = [maskKey >>> 24, (maskKey >>> 16) & 0xff, (maskKey >>> 8) & 0xff, maskKey & 0xff];
  return data.map((byte, i) => byte ^ key[(position + i) % 4]!);
}

/** A view of `length` bytes at `byteOffset` inside a larger buffer filled with a canary. */
function viewAt(byteOffset: number, content: Uint8Array): { view: Uint8Array; backing: Uint8Array } {
  const backing = new Uint8Array(byteOffset + content.length + 8).fill(0xa5);
  const view = backing.subarray(byteOffset, byteOffset + content.length);
  view.set(content);
  return { view, backing };
}

describe('maskInPlace (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-6.2-7] masks the §5.7 "Hello" with key 37 fa 21 3d, and unmasks it back', () => {
    const data = utf8('Hello');
    maskInPlace(data, RFC_MASK_KEY);
    expect(data).toEqual(hex('7f 9f 4d 51 58'));
    maskInPlace(data, RFC_MASK_KEY);
    expect(data).toEqual(utf8('Hello'));
  });

  it('[6455-5.3-1, 6455-6.2-7] equals byte-by-byte XOR at every byteOffset 0–7, position 0–3 and size 0–100', () => {
    const key = 0x9e3779b9;
    for (let size = 0; size <= 100; size++) {
      const content = pseudoRandomBytes(size, size + 1);
      for (let byteOffset = 0; byteOffset < 8; byteOffset++) {
        for (let position = 0; position < 4; position++) {
          const { view, backing } = viewAt(byteOffset, content);
          maskInPlace(view, key, position);
          expect(firstDifference(view, naiveMask(content, key, position))).toBe(-1);
          // Nothing outside the view was touched (the word loop must not overrun).
          expect(backing.subarray(0, byteOffset).every((b) => b === 0xa5)).toBe(true);
          expect(backing.subarray(byteOffset + size).every((b) => b === 0xa5)).toBe(true);
        }
      }
    }
  });

  it('[6455-5.3-1, 6455-6.2-7] equals byte-by-byte XOR for large payloads at every alignment', () => {
    for (const size of [1021, 4096, 65539, 1 << 20]) {
      const content = pseudoRandomBytes(size, size);
      for (let byteOffset = 0; byteOffset < 8; byteOffset += 3) {
        const { view } = viewAt(byteOffset, content);
        maskInPlace(view, 0x01020304, byteOffset);
        expect(firstDifference(view, naiveMask(content, 0x01020304, byteOffset))).toBe(-1);
      }
    }
  });

  it('[6455-6.2-7] unmasking a payload piece by piece (with its running position) equals unmasking it whole', () => {
    const content = pseudoRandomBytes(300, 3);
    const whole = naiveMask(content, RFC_MASK_KEY);
    const pieces = content.slice();
    for (const [start, end] of [[0, 1], [1, 7], [7, 40], [40, 41], [41, 300]] as const) {
      maskInPlace(pieces.subarray(start, end), RFC_MASK_KEY, start);
    }
    expect(pieces).toEqual(whole);
  });

  it('[6455-6.2-7] uses only the position modulo 4, even for positions beyond 2^32', () => {
    const content = pseudoRandomBytes(64, 5);
    const far = content.slice();
    maskInPlace(far, RFC_MASK_KEY, 2 ** 40 + 2);
    expect(far).toEqual(naiveMask(content, RFC_MASK_KEY, 2));
  });

  it('[6455-5.3-1, 6455-6.2-7] property: equals the naive XOR for any data, key, alignment and position', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 7 }),
        fc.nat({ max: 1 << 30 }),
        (content, key, byteOffset, position) => {
          const { view, backing } = viewAt(byteOffset, content);
          maskInPlace(view, key, position);
          expect(view).toEqual(naiveMask(content, key, position));
          expect(backing.subarray(byteOffset + content.length).every((b) => b === 0xa5)).toBe(true);
          maskInPlace(view, key, position);
          expect(view).toEqual(content); // masking is its own inverse
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('maskInto (RFC 6455 §5.3, client send path)', () => {
  it('[6455-5.1-1, 6455-5.3-1] writes the masked copy at the offset and leaves the source untouched', () => {
    const source = pseudoRandomBytes(77, 11);
    const before = source.slice();
    const target = new Uint8Array(90).fill(0x5a);
    maskInto(target, 6, source, 0xcafebabe);
    expect(source).toEqual(before);
    expect(target.subarray(6, 83)).toEqual(naiveMask(source, 0xcafebabe));
    expect(target.subarray(0, 6).every((b) => b === 0x5a)).toBe(true);
    expect(target.subarray(83).every((b) => b === 0x5a)).toBe(true);
  });

  it('[6455-5.3-1] property: maskInto at any offset equals the naive XOR of the source', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 0xffffffff }), fc.nat({ max: 13 }), (source, key, offset) => {
        const target = new Uint8Array(offset + source.length);
        maskInto(target, offset, source, key);
        expect(target.subarray(offset)).toEqual(naiveMask(source, key));
      }),
      { numRuns: 300 },
    );
  });
});
