// The Node services injected into the core, and the runtime's text decoding (RFC 6455 §5.6, §8.1:
// text messages are UTF-8; the application receives them as strings).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeText, nativeUtf8Check } from '../../src/node/platform.js';

const reference = new TextDecoder('utf-8', { fatal: true });

describe('decoding text messages', () => {
  it.each([0, 1, 255, 256, 1024, 70_000])('[6455-5.6-1] an ASCII message of %i bytes decodes to the same string as a UTF-8 decoder', (size) => {
    const bytes = Buffer.alloc(size, 'The quick brown fox {"jumps":1}\n');
    expect(decodeText(bytes)).toBe(reference.decode(bytes));
  });

  it('[6455-5.6-1] non-ASCII text of any size is decoded as UTF-8, never as Latin-1', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 400 }), fc.nat(2000), (text, padding) => {
        const bytes = Buffer.from('a'.repeat(padding) + text, 'utf8');
        expect(nativeUtf8Check(bytes)).toBe(true);
        expect(decodeText(bytes)).toBe(reference.decode(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
