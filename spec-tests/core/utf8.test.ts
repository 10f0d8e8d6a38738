// Tests for src/core/utf8.ts — RFC 6455 §8.1 and §5.6: text must be valid UTF-8 (RFC 3629),
// checked whole (`isValidUtf8`) and incrementally (`Utf8Validator`) with fail-fast reporting.
// The reference is the platform's fatal TextDecoder, which implements the WHATWG/RFC 3629 rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidUtf8, Utf8Validator } from '../../src/core/messages/utf8.js';
import { hex, referenceValidUtf8 as referenceValid } from '../helpers/core-pair.js';


/**
 * Reference for "these bytes can still begin a valid text": valid as is, or made valid by
 * appending at most 3 bytes. The candidates cover every second-byte range RFC 3629 allows
 * (80, 90, A0, BF), so any viable cut sequence has a completion among them.
 */
const COMPLETION_BYTES = [0x80, 0x90, 0xa0, 0xbf];
const COMPLETIONS: number[][] = COMPLETION_BYTES.flatMap((a) => [
  [a],
  ...COMPLETION_BYTES.flatMap((b) => [[a, b], ...COMPLETION_BYTES.map((c) => [a, b, c])]),
]);
function referenceViable(bytes: Uint8Array): boolean {
  if (referenceValid(bytes)) return true;
  for (const suffix of COMPLETIONS) {
    const extended = new Uint8Array(bytes.length + suffix.length);
    extended.set(bytes);
    extended.set(suffix, bytes.length);
    if (referenceValid(extended)) return true;
  }
  return false;
}

/** Runs the validator over pieces: the index of the first piece it rejects (or -1), and finish(). */
function runValidator(pieces: Uint8Array[]): { rejectedAt: number; finished: boolean | undefined } {
  const validator = new Utf8Validator();
  for (let i = 0; i < pieces.length; i++) {
    if (!validator.push(pieces[i]!)) return { rejectedAt: i, finished: undefined };
  }
  return { rejectedAt: -1, finished: validator.finish() };
}

function validatorVerdict(pieces: Uint8Array[]): boolean {
  const { rejectedAt, finished } = runValidator(pieces);
  return rejectedAt === -1 && finished === true;
}

const VALID: [string, string][] = [
  ['empty', ''],
  ['ASCII', '48 65 6c 6c 6f 00 7f'],
  ['κόσμε (Autobahn 6.2)', 'ce ba e1 bd b9 cf 83 ce bc ce b5'],
  ['U+0080, the first 2-byte code point', 'c2 80'],
  ['U+07FF, the last 2-byte code point', 'df bf'],
  ['U+0800, the first 3-byte code point', 'e0 a0 80'],
  ['U+D7FF, just below the surrogates', 'ed 9f bf'],
  ['U+E000, just above the surrogates', 'ee 80 80'],
  ['U+FFFD and the noncharacters U+FFFE, U+FFFF', 'ef bf bd ef bf be ef bf bf'],
  ['U+10000, the first 4-byte code point', 'f0 90 80 80'],
  ['U+10FFFF, the last code point', 'f4 8f bf bf'],
  ['a mixture', '41 c3 a9 e2 82 ac f0 9f 98 80 42'],
];

const INVALID: [string, string][] = [
  ['a lone continuation byte', '80'],
  ['a lone continuation byte after ASCII', '41 bf 41'],
  ['too many continuation bytes', 'c3 a9 80'],
  ['overlong 2-byte (C0 80 for NUL)', 'c0 80'],
  ['overlong 2-byte (C1 BF)', 'c1 bf'],
  ['overlong 3-byte (E0 80 80)', 'e0 80 80'],
  ['overlong 3-byte (E0 9F BF)', 'e0 9f bf'],
  ['overlong 4-byte (F0 80 80 80)', 'f0 80 80 80'],
  ['overlong 4-byte (F0 8F BF BF)', 'f0 8f bf bf'],
  ['overlong slash (C0 AF)', 'c0 af'],
  ['UTF-16 high surrogate U+D800 (ED A0 80)', 'ed a0 80'],
  ['UTF-16 low surrogate U+DFFF (ED BF BF)', 'ed bf bf'],
  ['a surrogate pair in CESU-8', 'ed a0 80 ed b0 80'],
  ['U+110000, beyond U+10FFFF (F4 90 80 80)', 'f4 90 80 80'],
  ['F5 lead', 'f5 80 80 80'],
  ['F7 lead', 'f7 bf bf bf'],
  ['5-byte form', 'f8 88 80 80 80'],
  ['6-byte form', 'fc 84 80 80 80 80'],
  ['FE', 'fe'],
  ['FF', 'ff'],
  ['truncated 2-byte sequence', 'c2'],
  ['truncated 3-byte sequence', 'e0 a0'],
  ['truncated 4-byte sequence', 'f0 90 80'],
  ['κόσμε then a truncated sequence', 'ce ba e1 bd b9 cf 83 ce bc ce b5 e1 80'],
  ['truncated sequence followed by ASCII', 'e1 80 41'],
  ['truncated 4-byte sequence followed by ASCII', 'f0 90 80 41'],
  ['lead byte followed by a lead byte', 'c2 c2 80'],
];

describe('UTF-8 table (RFC 6455 §8.1, RFC 3629)', () => {
  it('[6455-5.6-1, 6455-8.1-1] the reference decoder agrees with the table (sanity check of the test)', () => {
    for (const [, bytes] of VALID) expect(referenceValid(hex(bytes))).toBe(true);
    for (const [, bytes] of INVALID) expect(referenceValid(hex(bytes))).toBe(false);
  });

  it.each(VALID)('[6455-5.6-1] accepts %s', (_name, bytes) => {
    const data = hex(bytes);
    expect(isValidUtf8(data)).toBe(true);
    expect(validatorVerdict([data])).toBe(true);
    // One byte at a time, too.
    expect(validatorVerdict(Array.from(data, (b) => new Uint8Array([b])))).toBe(true);
  });

  it.each(INVALID)('[6455-8.1-1] rejects %s', (_name, bytes) => {
    const data = hex(bytes);
    expect(isValidUtf8(data)).toBe(false);
    expect(validatorVerdict([data])).toBe(false);
    expect(validatorVerdict(Array.from(data, (b) => new Uint8Array([b])))).toBe(false);
  });

  it('[6455-5.6-1] a frame may end inside a code point as long as the message completes it', () => {
    // "€" (e2 82 ac) spread over three pieces, and 😀 (f0 9f 98 80) over two.
    expect(validatorVerdict([hex('41 e2'), hex('82'), hex('ac 42')])).toBe(true);
    expect(validatorVerdict([hex('f0 9f'), hex('98 80')])).toBe(true);
    // Empty pieces change nothing.
    expect(validatorVerdict([hex(''), hex('f0'), hex(''), hex('9f 98 80'), hex('')])).toBe(true);
  });
});

describe('fail-fast (Autobahn 6.4.x)', () => {
  it('[6455-8.1-1] rejects κόσμε + F4 90 80 80 on the second piece, before any third', () => {
    const validator = new Utf8Validator();
    expect(validator.push(hex('ce ba e1 bd b9 cf 83 ce bc ce b5'))).toBe(true);
    expect(validator.push(hex('f4 90 80 80'))).toBe(false);
  });

  it('[6455-8.1-1] rejects at the first impossible byte when fed byte by byte: F4 90, ED A0, E0 80, C0', () => {
    const cases: [string, number][] = [
      ['ce ba e1 bd b9 cf 83 ce bc ce b5 f4 90 80 80 65 64 69 74 65 64', 12],
      ['41 ed a0 80', 2],
      ['e0 80 80', 1],
      ['41 42 c0 80', 2],
      ['f5', 0],
      ['c2 41', 1],
    ];
    for (const [bytes, firstBad] of cases) {
      const pieces = Array.from(hex(bytes), (b) => new Uint8Array([b]));
      expect(runValidator(pieces).rejectedAt).toBe(firstBad);
    }
  });

  it('[6455-8.1-1] rejects a cut sequence whose bytes so far are already impossible (F0 80 at the end of a piece)', () => {
    const validator = new Utf8Validator();
    expect(validator.push(hex('41 f0 80'))).toBe(false);
    const other = new Utf8Validator();
    expect(other.push(hex('41 f4'))).toBe(true); // F4 can still become U+100000–U+10FFFF
    expect(other.push(hex('90'))).toBe(false); // … but not U+110000
  });

  it('[wsref] reset() forgets a code point left open by the previous message', () => {
    const validator = new Utf8Validator();
    expect(validator.push(hex('e2 82'))).toBe(true);
    validator.reset();
    expect(validator.push(hex('41'))).toBe(true);
    expect(validator.finish()).toBe(true);
  });

  it('[wsref] uses the injected whole-buffer check for complete code points', () => {
    const seen: number[][] = [];
    const validator = new Utf8Validator((bytes) => {
      seen.push(Array.from(bytes));
      return !bytes.includes(0x7e); // a strict check that refuses "~", to prove it is consulted
    });
    expect(validator.push(hex('41 42 e2'))).toBe(true);
    expect(validator.push(hex('82 ac 43'))).toBe(true);
    expect(validator.push(hex('7e'))).toBe(false);
    expect(seen).toEqual([[0x41, 0x42], [0x43], [0x7e]]);
  });
});

/** Bytes that are often valid or nearly valid UTF-8, not just noise. */
const utf8ishBytes = fc.oneof(
  fc.uint8Array({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => new TextEncoder().encode(s)),
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
    .map(([s, at, byte]) => {
      const bytes = new TextEncoder().encode(s);
      bytes[at % bytes.length] = byte; // one corrupted byte
      return bytes;
    }),
  fc
    .array(fc.constantFrom(0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff), { maxLength: 12 })
    .map((a) => new Uint8Array(a)),
);

describe('against the platform decoder (property tests)', () => {
  it('[6455-5.6-1, 6455-8.1-1] isValidUtf8 and Utf8Validator agree with a fatal TextDecoder, whole and in 2 or 3 pieces', () => {
    fc.assert(
      fc.property(utf8ishBytes, (bytes) => {
        const expected = referenceValid(bytes);
        expect(isValidUtf8(bytes)).toBe(expected);
        expect(validatorVerdict([bytes])).toBe(expected);
        for (let i = 0; i <= bytes.length; i++) {
          expect(validatorVerdict([bytes.subarray(0, i), bytes.subarray(i)])).toBe(expected);
          for (let j = i; j <= bytes.length; j++) {
            expect(validatorVerdict([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).toBe(expected);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('[6455-8.1-1] byte by byte, the validator rejects exactly at the first byte after which no completion is valid', () => {
    fc.assert(
      fc.property(utf8ishBytes, (bytes) => {
        let firstDead = -1;
        for (let i = 1; i <= bytes.length; i++) {
          if (!referenceViable(bytes.subarray(0, i))) {
            firstDead = i - 1;
            break;
          }
        }
        const pieces = Array.from(bytes, (b) => new Uint8Array([b]));
        expect(runValidator(pieces).rejectedAt).toBe(firstDead);
      }),
      { numRuns: 300 },
    );
  });

  it('[6455-8.1-1] with any cut into pieces, push() says false exactly when the bytes so far cannot begin valid text', () => {
    fc.assert(
      fc.property(utf8ishBytes, fc.array(fc.nat(), { maxLength: 4 }), (bytes, rawCuts) => {
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const bounds = [0, ...cuts, bytes.length];
        const validator = new Utf8Validator();
        for (let k = 1; k < bounds.length; k++) {
          const accepted = validator.push(bytes.subarray(bounds[k - 1], bounds[k]));
          expect(accepted).toBe(referenceViable(bytes.subarray(0, bounds[k])));
          if (!accepted) return;
        }
        expect(validator.finish()).toBe(referenceValid(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
