// Tests for src/core/extension-header.ts — RFC 6455 §9.1 / §4.3 Sec-WebSocket-Extensions grammar,
// and the 1#token list of Sec-WebSocket-Protocol (§4.1 step 10).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/core/errors.js';
import { parseExtensionHeader, parseTokenList, serializeExtensionHeader, type ExtensionOffer } from '../../src/core/handshake/extension-header.js';

function rejects(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('expected a HandshakeError');
}

describe('parseExtensionHeader (RFC 6455 §9.1)', () => {
  it('[wsref] parses a single extension without parameters', () => {
    expect(parseExtensionHeader('permessage-deflate')).toEqual([{ name: 'permessage-deflate', params: [] }]);
  });

  it('[wsref] parses the RFC 6455 §9.1 examples', () => {
    expect(parseExtensionHeader('deflate-stream')).toEqual([{ name: 'deflate-stream', params: [] }]);
    expect(parseExtensionHeader('mux; max-channels=4; flow-control, deflate-stream')).toEqual([
      { name: 'mux', params: [['max-channels', '4'], ['flow-control', true]] },
      { name: 'deflate-stream', params: [] },
    ]);
    expect(parseExtensionHeader('private-extension')).toEqual([{ name: 'private-extension', params: [] }]);
  });

  it('[wsref] keeps the order of extensions and parameters, and keeps repeated parameters for the extension to judge', () => {
    expect(parseExtensionHeader('b; y; x=1; y=2, a, b')).toEqual([
      { name: 'b', params: [['y', true], ['x', '1'], ['y', '2']] },
      { name: 'a', params: [] },
      { name: 'b', params: [] },
    ]);
  });

  it('[wsref] allows spaces and tabs around every separator (implied *LWS)', () => {
    expect(parseExtensionHeader(' \tfoo \t; \ta \t= \t1 \t; b\t, \tbar ')).toEqual([
      { name: 'foo', params: [['a', '1'], ['b', true]] },
      { name: 'bar', params: [] },
    ]);
  });

  it('[wsref] ignores empty list elements but requires at least one extension (1#extension)', () => {
    expect(parseExtensionHeader(', ,foo,,  ,bar,')).toEqual([
      { name: 'foo', params: [] },
      { name: 'bar', params: [] },
    ]);
    expect(rejects(() => parseExtensionHeader('')).status).toBe(400);
    expect(rejects(() => parseExtensionHeader(' , ,')).status).toBe(400);
  });

  it('[6455-4.3-1] [6455-9.1-2] unquotes quoted-string values, which must still be tokens', () => {
    expect(parseExtensionHeader('permessage-deflate; client_max_window_bits="10"')).toEqual([
      { name: 'permessage-deflate', params: [['client_max_window_bits', '10']] },
    ]);
    // quoted-pair unescaping: "\1\0" is 10
    expect(parseExtensionHeader('x; a="\\1\\0"')).toEqual([{ name: 'x', params: [['a', '10']] }]);
    for (const bad of ['x; a=""', 'x; a="1 0"', 'x; a="1,0"', 'x; a="a;b"', 'x; a="\\""', 'x; a="é"', 'x; a="a=b"']) {
      expect(rejects(() => parseExtensionHeader(bad)).message, bad).toMatch(/not a token|empty/);
    }
  });

  it('[6455-9.1-1] rejects values that break the grammar with a 400 that says where', () => {
    const cases = [
      'foo;',
      'foo; ',
      'foo;;a',
      'foo; =1',
      'foo; a=',
      'foo; a= ,bar',
      'foo bar',
      'foo; a=1 2',
      'foo; a b',
      '"foo"',
      'foo/1',
      ';foo',
      'foo; a="1',
      'foo; a="1\\',
      'foo; a=1"',
      'foo=1',
      'fo\u00f6',
      'foo\r\nbar',
    ];
    for (const text of cases) {
      const error = rejects(() => parseExtensionHeader(text));
      expect(error.status, text).toBe(400);
      expect([error.rule, error.code], text).toEqual(['6455-9.1-1', 'WSREF_EXTENSIONS_MALFORMED']);
    }
    // The message says where: a learner reads it, so it stays tested.
    expect(rejects(() => parseExtensionHeader('foo; a=1 2')).message).toMatch(/at character 9 .*expected "," or ";"/);
  });

  it('[6455-9.1-3] treats several header lines as one comma-joined list', () => {
    const split = parseExtensionHeader(['foo', 'bar; baz=2']);
    expect(split).toEqual(parseExtensionHeader('foo, bar; baz=2'));
    expect(split).toEqual([
      { name: 'foo', params: [] },
      { name: 'bar', params: [['baz', '2']] },
    ]);
    // An empty line among others is an empty list element; all lines empty is no extension at all.
    expect(parseExtensionHeader(['foo', ''])).toEqual([{ name: 'foo', params: [] }]);
    expect(rejects(() => parseExtensionHeader(['', ' '])).code).toBe('WSREF_EXTENSIONS_EMPTY');
    expect(rejects(() => parseExtensionHeader(['foo', 'bar;'])).message).toMatch(/header line 2/);
  });

  it('[wsref] serializes names and parameters, values bare', () => {
    expect(
      serializeExtensionHeader([
        { name: 'permessage-deflate', params: [['client_max_window_bits', true], ['server_max_window_bits', '10']] },
        { name: 'x-webkit-deflate-frame', params: [] },
      ]),
    ).toBe('permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-webkit-deflate-frame');
    expect(serializeExtensionHeader([])).toBe('');
  });

  it('[wsref] refuses to serialize names or values that are not tokens (TypeError: caller bug)', () => {
    expect(() => serializeExtensionHeader([{ name: 'a b', params: [] }])).toThrow(TypeError);
    expect(() => serializeExtensionHeader([{ name: 'a', params: [['p;', true]] }])).toThrow(TypeError);
    expect(() => serializeExtensionHeader([{ name: 'a', params: [['p', '1, b']] }])).toThrow(TypeError);
    expect(() => serializeExtensionHeader([{ name: 'a', params: [['p', '']] }])).toThrow(TypeError);
  });
});

describe('parseTokenList (Sec-WebSocket-Protocol, RFC 6455 §4.1 step 10)', () => {
  it('[6455-4.1-32] [6455-11.3.4-1] parses comma-separated tokens across header lines, in order', () => {
    expect(parseTokenList('chat, superchat')).toEqual(['chat', 'superchat']);
    expect(parseTokenList(['chat', ' superchat ,v2.json'])).toEqual(['chat', 'superchat', 'v2.json']);
  });

  it('[6455-4.1-32] ignores empty elements and rejects elements that are not tokens', () => {
    expect(parseTokenList(' ,chat,, ,x,')).toEqual(['chat', 'x']);
    for (const bad of ['chat superchat', 'a;b', '"chat"', 'a/b', 'chät', 'a=b', '(x)']) {
      expect(rejects(() => parseTokenList(bad)).status, bad).toBe(400);
    }
  });

  it('[6455-4.1-32] rejects a list with no element at all', () => {
    expect(rejects(() => parseTokenList('')).status).toBe(400);
    expect(rejects(() => parseTokenList(' , ')).status).toBe(400);
  });

  it('[wsref] keeps duplicates so the caller can reject them', () => {
    expect(parseTokenList('a, b, a')).toEqual(['a', 'b', 'a']);
  });
});

describe('linear time on hostile input (CVE-2021-32640 was a ReDoS here)', () => {
  const MB = 1 << 20;
  const timed = (fn: () => void): number => {
    const start = performance.now();
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(HandshakeError);
    }
    return performance.now() - start;
  };

  it('[wsref] 1 MB of commas, spaces and semicolons parses or fails within 2 s (linear; a quadratic scan would take minutes)', () => {
    expect(timed(() => parseExtensionHeader(' ,\t,'.repeat(MB / 4)))).toBeLessThan(2000); // scanned to the end: no element
    expect(timed(() => parseExtensionHeader(', ; \t,'.repeat(MB / 6)))).toBeLessThan(2000);
    expect(timed(() => parseExtensionHeader('a' + ' ,'.repeat(MB / 2)))).toBeLessThan(2000);
    expect(timed(() => parseExtensionHeader('a' + ' ;'.repeat(MB / 2)))).toBeLessThan(2000);
    expect(timed(() => parseTokenList(' ,'.repeat(MB / 2)))).toBeLessThan(2000);
  });

  it('[wsref] 1 MB of pathological patterns parses or fails within 2 s (linear; a quadratic scan would take minutes)', () => {
    const inputs = [
      'a' + ' '.repeat(MB) + 'b', // the CVE-2021-32640 shape: token, a long run of spaces, token
      'a;b=' + ' '.repeat(MB) + 'c', // long whitespace run inside a parameter
      'a;b="' + 'x'.repeat(MB), // unterminated quoted string
      'a;b="' + 'x'.repeat(MB) + '"', // a huge quoted value
      'x'.repeat(MB) + ' ;', // huge token, then a broken parameter
      ('x'.repeat(1000) + ';').repeat(MB / 1001),
    ];
    for (const input of inputs) expect(timed(() => parseExtensionHeader(input))).toBeLessThan(2000);
    expect(timed(() => parseTokenList('a' + ' '.repeat(MB) + 'b'))).toBeLessThan(2000);
    expect(timed(() => parseTokenList('x'.repeat(MB) + '('))).toBeLessThan(2000);
  });

  it('[wsref] 1 MB that yields half a million list elements or escapes stays within 2 s (linear but allocation-bound; quadratic work would take minutes)', () => {
    const inputs = [
      'a' + ';b'.repeat(MB / 2), // one extension with half a million parameters
      'a,'.repeat(MB / 2) + '=', // half a million extensions, broken at the very end
      'a;b="' + '\\a'.repeat(MB / 2) + '"', // half a million quoted-pairs
    ];
    for (const input of inputs) expect(timed(() => parseExtensionHeader(input))).toBeLessThan(2000);
    expect(timed(() => parseTokenList('ab,'.repeat(MB / 3) + '('))).toBeLessThan(2000);
  });
});

describe('properties', () => {
  const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
  const token = fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 12 });
  const offer: fc.Arbitrary<ExtensionOffer> = fc.record({
    name: token,
    params: fc.array(fc.tuple(token, fc.oneof(token, fc.constant(true as const))), { maxLength: 5 }),
  });

  it('[6455-9.1-1] serialize then parse gives back the same extensions', () => {
    fc.assert(
      fc.property(fc.array(offer, { minLength: 1, maxLength: 6 }), (offers) => {
        expect(parseExtensionHeader(serializeExtensionHeader(offers))).toEqual(offers);
      }),
      { numRuns: 500 },
    );
  });

  it('[6455-4.3-1] a value written as a quoted-string parses like the bare token', () => {
    fc.assert(
      fc.property(token, token, token, (name, param, value) => {
        const quoted = `"${value.replace(/[a-z]/g, (c) => `\\${c}`)}"`;
        expect(parseExtensionHeader(`${name}; ${param}=${quoted}`)).toEqual(parseExtensionHeader(`${name}; ${param}=${value}`));
      }),
      { numRuns: 300 },
    );
  });

  it('[wsref] random input never throws anything but HandshakeError', () => {
    const unit = fc.oneof(fc.constantFrom(',', ';', '=', '"', '\\', ' ', '\t', 'a', 'b', '1', '\u00e9', '\r', '\n', '/'), fc.string({ maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 40 }), { minLength: 1, maxLength: 3 }), (values) => {
        for (const parse of [() => parseExtensionHeader(values), () => parseTokenList(values)]) {
          try {
            parse();
          } catch (error) {
            expect(error).toBeInstanceOf(HandshakeError);
            expect((error as HandshakeError).status).toBe(400);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
