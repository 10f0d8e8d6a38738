// Tests for src/core/closing/ written against its surviving mutants (`npm run mutate -- --mutate
// 'src/core/closing/**/*.ts'`): RFC 6455 §7.4 and the IANA close code registry (§11.7) as the status
// table states them, §5.5.1's close body at its edges (the 123-byte reason, a reason that begins
// with U+FEFF), and how a local message is made fit to be a close reason.
import { describe, expect, it } from 'vitest';
import {
  CLOSE_CODES,
  closeReasonFrom,
  decodeCloseBody,
  encodeCloseBody,
  isWireCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from '../../src/core/closing/close-codes.js';
import { closeBody, concat, hex } from '../helpers/core-pair.js';

/** The registry's name for each code (RFC 6455 §7.4.1 and §11.7; 1012–1014 were registered later). */
const REGISTRY_NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'Reserved',
  1005: 'No Status Received',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
};

describe('the status code table (RFC 6455 §7.4.1, §11.7)', () => {
  it('[6455-7.4.1-1] each code carries its registry name, a meaning, and where it is defined', () => {
    for (const info of CLOSE_CODES) {
      expect(info.name).toBe(REGISTRY_NAMES[info.code]);
      expect(info.meaning.length).toBeGreaterThan(20);
      expect(info.source).toBe(info.code >= 1012 && info.code <= 1014 ? 'IANA registry' : 'RFC 6455 §7.4.1');
    }
  });

  it('[6455-7.4.1-1, 6455-7.4.1-3, 6455-7.4.1-4, 6455-7.4.1-6] who sends each code: 1010 only a client, 1011–1014 a server, the local-only codes nobody', () => {
    const sentBy = Object.fromEntries(CLOSE_CODES.map((info) => [info.code, info.sentBy]));
    expect(sentBy).toEqual({
      1000: 'either', 1001: 'either', 1002: 'either', 1003: 'either', 1004: 'nobody', 1005: 'nobody',
      1006: 'nobody', 1007: 'either', 1008: 'either', 1009: 'either', 1010: 'client', 1011: 'server',
      1012: 'server', 1013: 'server', 1014: 'server', 1015: 'nobody',
    });
  });

  it('[6455-7.4.1-1] the edges of the sendable ranges: 1000 and 1014 in, 999 and 1015 out; 3000–4999 in, 2999 and 5000 out', () => {
    expect([999, 1000, 1014, 1015, 2999, 3000, 4999, 5000].map(isWireCloseCode)).toEqual([false, true, true, false, false, true, true, false]);
  });
});

describe('the close body at its edges (RFC 6455 §5.5.1)', () => {
  it('[6455-5.5.1-3] a reason that begins with U+FEFF keeps it: the reason is not a document with a byte order mark', () => {
    expect(decodeCloseBody(concat(hex('0f a0'), hex('ef bb bf 68 69'))).reason).toBe('\uFEFFhi');
  });

  it('[6455-7.4.1-1] a close code that may not be sent is refused by its row, and the message names the code', () => {
    expect(() => decodeCloseBody(closeBody(1016))).toThrowError(expect.objectContaining({ code: 'WSREF_CLOSE_CODE_INVALID', closeCode: 1002 }));
    expect(() => decodeCloseBody(closeBody(1016))).toThrowError('invalid close code 1016');
  });

  it('[6455-5.5.1-3] without an injected check the reason is checked by the core: 0xff is refused', () => {
    expect(() => decodeCloseBody(hex('03 e8 ff'))).toThrowError(expect.objectContaining({ rule: '6455-8.1-1', closeCode: 1007 }));
  });

  it('[6455-5.5-1, 6455-5.5.1-3] a reason of exactly 123 bytes fits (125 with the code); one more byte is refused', () => {
    const reason = 'r'.repeat(MAX_CLOSE_REASON_BYTES);
    const body = encodeCloseBody(4000, reason);
    expect(body.length).toBe(125);
    expect(decodeCloseBody(body)).toEqual({ code: 4000, reason });
    expect(() => encodeCloseBody(4000, `${reason}r`)).toThrowError(RangeError);
    expect(() => encodeCloseBody(4000, `${reason}r`)).toThrowError(/124 bytes; at most 123/);
  });

  it('[6455-5.5.1-2] the code goes out big-endian in both bytes (4999 = 0x13 0x87), the body has no byte more', () => {
    expect(Array.from(encodeCloseBody(4999))).toEqual([0x13, 0x87]);
    expect(Array.from(closeBody(4999))).toEqual([0x13, 0x87]);
  });

  it('[6455-7.4.1-3, 6455-7.4.1-4] the error for an unsendable code says which code and why', () => {
    expect(() => encodeCloseBody(1005)).toThrowError(new RangeError('close code 1005 may not be sent (RFC 6455 §7.4)'));
    expect(() => encodeCloseBody(undefined, 'why')).toThrowError(new TypeError('a close reason needs a close code'));
  });
});

describe('a local message made fit to be a close reason (RFC 6455 §5.5.1)', () => {
  it('[6455-5.5.1-3] printable ASCII from space to tilde is kept; control characters and DEL become "?"', () => {
    expect(closeReasonFrom(' az~')).toBe(' az~');
    expect(closeReasonFrom('a\x1fb\x7fc\td')).toBe('a?b?c?d');
  });

  it('[6455-5.5-1, 6455-5.5.1-3] it is cut to 123 characters, which are 123 bytes once nothing but ASCII is left', () => {
    expect(closeReasonFrom('x'.repeat(200))).toBe('x'.repeat(MAX_CLOSE_REASON_BYTES));
    expect(closeReasonFrom('short')).toBe('short');
  });
});
