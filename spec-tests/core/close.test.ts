// Tests for src/core/close.ts — RFC 6455 §7.4 (status codes), §5.5.1 (close frame body) and the
// IANA close code registry (§11.7): which codes may travel, and encoding/decoding of the body.
import { describe, expect, it } from 'vitest';
import {
  CLOSE_CODES,
  CloseCode,
  decodeCloseBody,
  encodeCloseBody,
  isWireCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from '../../src/core/closing/close-codes.js';
import { ProtocolError } from '../../src/core/errors.js';
import { AUTOBAHN_INVALID_CODES, AUTOBAHN_VALID_CODES, closeBody, concat, hex, utf8 } from '../helpers/core-pair.js';

/** The close code and rule (`WSREF_…`) of the ProtocolError `fn` throws, as `1002 WSREF_…`. */
function codeOfFailure(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return `${error.closeCode} ${error.code}`;
    throw error;
  }
  return undefined;
}

describe('isWireCloseCode (RFC 6455 §7.4)', () => {
  it('[6455-7.4.1-1, 6455-5.5.1-2] admits the codes a close frame may carry (Autobahn 7.7.x)', () => {
    for (const code of AUTOBAHN_VALID_CODES) expect(isWireCloseCode(code)).toBe(true);
    // The IANA registry adds 1012–1014.
    for (const code of [1012, 1013, 1014]) expect(isWireCloseCode(code)).toBe(true);
  });

  it('[6455-7.4.1-3, 6455-7.4.1-4, 6455-7.4.1-6] refuses 1005, 1006, 1015 and the unusable ranges (Autobahn 7.9.x)', () => {
    for (const code of [...AUTOBAHN_INVALID_CODES, 1015, 5000, 65535, -1, 1000.5, Number.NaN]) {
      expect(isWireCloseCode(code)).toBe(false);
    }
  });

  it('[6455-7.4.1-1] the status table agrees with isWireCloseCode for 1000–1015', () => {
    expect(CLOSE_CODES.map((c) => c.code)).toEqual(Array.from({ length: 16 }, (_, i) => 1000 + i));
    for (const info of CLOSE_CODES) expect(info.onWire).toBe(isWireCloseCode(info.code));
    expect(Object.values(CloseCode).sort()).toEqual(CLOSE_CODES.map((c) => c.code));
  });
});

describe('decodeCloseBody (RFC 6455 §5.5.1, §7.1.5)', () => {
  it('[6455-5.5.1-1] an empty body means "no status": reported as 1005', () => {
    expect(decodeCloseBody(new Uint8Array(0))).toEqual({ code: 1005, reason: '' });
  });

  it('[6455-5.5.1-2] a 1-byte body fails with 1002', () => {
    expect(codeOfFailure(() => decodeCloseBody(hex('03')))).toBe('1002 WSREF_CLOSE_BODY_ONE_BYTE');
  });

  it('[6455-5.5.1-2, 6455-5.5.1-3] reads the code big-endian and the UTF-8 reason after it', () => {
    expect(decodeCloseBody(hex('03 e8'))).toEqual({ code: 1000, reason: '' });
    expect(decodeCloseBody(closeBody(4001, 'bye ☃'))).toEqual({ code: 4001, reason: 'bye ☃' });
    expect(decodeCloseBody(hex('0b b8 6f 6b'))).toEqual({ code: 3000, reason: 'ok' });
  });

  it('[6455-5.5.1-2, 6455-7.4.1-1] accepts each valid code (Autobahn 7.7.x)', () => {
    for (const code of AUTOBAHN_VALID_CODES) expect(decodeCloseBody(closeBody(code, 'r')).code).toBe(code);
  });

  it('[6455-5.5.1-2, 6455-7.4.1-3, 6455-7.4.1-4] fails with 1002 on each invalid code (Autobahn 7.9.x)', () => {
    for (const code of [...AUTOBAHN_INVALID_CODES, 1015, 5000, 65535]) {
      expect(codeOfFailure(() => decodeCloseBody(closeBody(code)))).toBe('1002 WSREF_CLOSE_CODE_INVALID');
    }
  });

  it('[6455-5.5.1-3, 6455-8.1-1] fails with 1007 on a reason that is not UTF-8 (Autobahn 7.5.1)', () => {
    expect(codeOfFailure(() => decodeCloseBody(concat(hex('03 e8'), hex('ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64'))))).toBe('1007 WSREF_CLOSE_REASON_NOT_UTF8');
    expect(codeOfFailure(() => decodeCloseBody(hex('03 e8 c2')))).toBe('1007 WSREF_CLOSE_REASON_NOT_UTF8');
  });

  it('[wsref] uses the injected UTF-8 check', () => {
    expect(codeOfFailure(() => decodeCloseBody(closeBody(1000, 'fine'), () => false))).toBe('1007 WSREF_CLOSE_REASON_NOT_UTF8');
  });
});

describe('encodeCloseBody (RFC 6455 §5.5.1, §7.4)', () => {
  it('[6455-5.5.1-2, 6455-7.1.2-1] writes the code big-endian followed by the UTF-8 reason', () => {
    expect(encodeCloseBody(1000)).toEqual(hex('03 e8'));
    expect(encodeCloseBody(1001, 'going')).toEqual(concat(hex('03 e9'), utf8('going')));
    expect(encodeCloseBody(4999, 'é')).toEqual(hex('13 87 c3 a9'));
  });

  it('[6455-5.5.1-1] no code gives an empty body; a reason without a code is refused', () => {
    expect(encodeCloseBody()).toEqual(new Uint8Array(0));
    expect(() => encodeCloseBody(undefined, 'why')).toThrow(TypeError);
  });

  it('[6455-7.4.1-3, 6455-7.4.1-4, 6455-7.4.1-6] refuses to encode 1005, 1006, 1015 and other unsendable codes', () => {
    for (const code of [...AUTOBAHN_INVALID_CODES, 1015, 5000]) expect(() => encodeCloseBody(code)).toThrow(RangeError);
  });

  it('[6455-5.5-1, 6455-5.5.1-3] limits the reason to 123 bytes (UTF-8 bytes, not characters)', () => {
    expect(MAX_CLOSE_REASON_BYTES).toBe(123);
    expect(encodeCloseBody(1000, 'a'.repeat(123))).toHaveLength(125);
    expect(() => encodeCloseBody(1000, 'a'.repeat(124))).toThrow(RangeError);
    // 61 × "é" (2 bytes each) + "a" = 123 bytes fits; 62 × "é" = 124 bytes does not.
    expect(encodeCloseBody(1000, 'é'.repeat(61) + 'a')).toHaveLength(125);
    expect(() => encodeCloseBody(1000, 'é'.repeat(62))).toThrow(RangeError);
  });

  it('[6455-5.5.1-2] round-trips through decodeCloseBody', () => {
    for (const code of AUTOBAHN_VALID_CODES) {
      expect(decodeCloseBody(encodeCloseBody(code, `code ${code} ✓`))).toEqual({ code, reason: `code ${code} ✓` });
    }
  });
});
