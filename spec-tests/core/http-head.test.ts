// Tests for src/core/http-head.ts — the HTTP/1.1 message head under RFC 6455 §4 handshakes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/core/errors.js';
import { headerListFromRaw, headerValues, HttpHeadParser, isToken, type HttpHeadResult } from '../../src/core/handshake/http-head.js';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

/** Feeds `input` in the given pieces; returns the result and the bytes that followed the head. */
function feed(parser: HttpHeadParser, pieces: Uint8Array[]): { result: HttpHeadResult; after: number[] } {
  let result: HttpHeadResult | null = null;
  const after: number[] = [];
  for (const piece of pieces) {
    if (result === null) {
      result = parser.push(piece);
      if (result) after.push(...result.rest);
    } else {
      after.push(...piece);
    }
  }
  if (result === null) throw new Error('head incomplete');
  return { result, after };
}

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof HandshakeError)) throw error;
    // Each status comes from its rows: 400 from the grammar, 431 from one of the two limits.
    expect(error.status === 400 ? ['WSREF_HTTP_HEAD_MALFORMED'] : ['WSREF_HTTP_HEAD_TOO_LARGE', 'WSREF_HTTP_HEAD_TOO_MANY_FIELDS']).toContain(error.code);
    return error.status;
  }
  return undefined;
}

const RFC_RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  'Sec-WebSocket-Protocol: chat\r\n\r\n';

const RFC_REQUEST =
  'GET /chat HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n\r\n';

describe('HttpHeadParser', () => {
  it('[wsref] parses the RFC 6455 §1.3 sample server handshake', () => {
    const r = new HttpHeadParser().push(bytes(RFC_RESPONSE));
    expect(r).not.toBeNull();
    expect(r!.head).toEqual({
      kind: 'response',
      httpVersion: '1.1',
      status: 101,
      reason: 'Switching Protocols',
      headers: [
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
        ['Sec-WebSocket-Protocol', 'chat'],
      ],
    });
    expect(r!.rest.length).toBe(0);
  });

  it('[wsref] parses the RFC 6455 §1.3 sample client handshake, header order and case kept', () => {
    const r = new HttpHeadParser().push(bytes(RFC_REQUEST))!;
    expect(r.head.kind).toBe('request');
    if (r.head.kind !== 'request') return;
    expect(r.head.method).toBe('GET');
    expect(r.head.target).toBe('/chat');
    expect(r.head.httpVersion).toBe('1.1');
    expect(r.head.headers.map(([n]) => n)).toEqual([
      'Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Origin', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Version',
    ]);
  });

  it('[wsref] returns the bytes after the head (the first WebSocket frame) without losing any', () => {
    const frame = [0x81, 0x02, 0x68, 0x69];
    const input = new Uint8Array([...bytes(RFC_RESPONSE), ...frame]);
    const r = new HttpHeadParser().push(input)!;
    expect([...r.rest]).toEqual(frame);
  });

  it('[wsref] returns null until the empty line arrives, also when CRLFCRLF is split across pushes', () => {
    const p = new HttpHeadParser();
    expect(p.push(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r'))).toBeNull();
    expect(p.push(bytes('\n'))).toBeNull();
    expect(p.push(bytes('\r'))).toBeNull();
    const r = p.push(bytes('\nXY'));
    expect(r?.head.kind).toBe('response');
    expect(new TextDecoder().decode(r!.rest)).toBe('XY');
  });

  it('[wsref] copies what it keeps, so the caller may reuse a chunk after pushing it', () => {
    const p = new HttpHeadParser();
    const reused = bytes('HTTP/1.1 101 Switching Protocols\r\nA: 1');
    expect(p.push(reused)).toBeNull();
    reused.fill(0x21);
    const r = p.push(bytes('\r\n\r\n'))!;
    expect(r.head).toMatchObject({ status: 101, headers: [['A', '1']] });
  });

  it('[wsref] trims optional whitespace around values and keeps repeated headers as separate entries', () => {
    const r = new HttpHeadParser().push(bytes('HTTP/1.1 200 OK\r\nA:   x y \t\r\nA:\r\nb: 2\r\n\r\n'))!;
    expect(r.head.headers).toEqual([['A', 'x y'], ['A', ''], ['b', '2']]);
    expect(headerValues(r.head.headers, 'a')).toEqual(['x y', '']);
  });

  it('[wsref] accepts an empty reason phrase, with or without the space before it', () => {
    expect(new HttpHeadParser().push(bytes('HTTP/1.1 101 \r\n\r\n'))!.head).toMatchObject({ status: 101, reason: '' });
    expect(new HttpHeadParser().push(bytes('HTTP/1.1 101\r\n\r\n'))!.head).toMatchObject({ status: 101, reason: '' });
  });

  it('[wsref] keeps obs-text bytes in values as Latin-1 characters', () => {
    const input = new Uint8Array([...bytes('HTTP/1.1 200 OK\r\nX: a'), 0xe9, ...bytes('\r\n\r\n')]);
    expect(new HttpHeadParser().push(input)!.head.headers).toEqual([['X', 'a\u00e9']]);
  });

  it('[6455-10.7-1] [6455-10.7-4] rejects malformed heads with 400', () => {
    const cases: Record<string, string> = {
      'header without colon': 'HTTP/1.1 101 OK\r\nUpgrade websocket\r\n\r\n',
      'obs-fold': 'HTTP/1.1 101 OK\r\nUpgrade: web\r\n socket\r\n\r\n',
      'space before colon': 'HTTP/1.1 101 OK\r\nUpgrade : websocket\r\n\r\n',
      'empty field name': 'HTTP/1.1 101 OK\r\n: x\r\n\r\n',
      'separator in field name': 'HTTP/1.1 101 OK\r\nUp(grade): x\r\n\r\n',
      'control char in value': 'HTTP/1.1 101 OK\r\nX: a\x00b\r\n\r\n',
      'DEL in value': 'HTTP/1.1 101 OK\r\nX: a\x7fb\r\n\r\n',
      'bare LF': 'HTTP/1.1 101 OK\nUpgrade: websocket\r\n\r\n',
      'LF LF terminator': 'HTTP/1.1 101 OK\n\n',
      'bare CR': 'HTTP/1.1 101 OK\r\nX: a\rb\r\n\r\n',
      'bad version': 'HTTP/1.10 101 OK\r\n\r\n',
      'lowercase version': 'http/1.1 101 OK\r\n\r\n',
      'two-digit status': 'HTTP/1.1 10 OK\r\n\r\n',
      'non-digit status': 'HTTP/1.1 1x1 OK\r\n\r\n',
      'status glued to reason': 'HTTP/1.1 101OK\r\n\r\n',
      'request with 2 parts': 'GET /chat\r\n\r\n',
      'request with double space': 'GET  /chat HTTP/1.1\r\n\r\n',
      'method not a token': 'G(T /chat HTTP/1.1\r\n\r\n',
      'request version garbage': 'GET /chat HTTP/x\r\n\r\n',
      'non-ASCII target': 'GET /ch\u00e4t HTTP/1.1\r\n\r\n',
      'empty head': '\r\n\r\n',
      'leading empty line': '\r\nGET / HTTP/1.1\r\n\r\n',
    };
    for (const [name, text] of Object.entries(cases)) {
      const input = Uint8Array.from(text, (c) => c.charCodeAt(0));
      expect(statusOf(() => new HttpHeadParser().push(input)), name).toBe(400);
    }
  });

  it('[wsref] error messages say where the head is broken', () => {
    expect(() => new HttpHeadParser().push(bytes('HTTP/1.1 101 OK\r\nBroken\r\n\r\n'))).toThrow(expect.objectContaining({ code: 'WSREF_HTTP_HEAD_MALFORMED' }));
    expect(() => new HttpHeadParser().push(bytes('HTTP/1.1 101 OK\r\nX: 1\r\nBroken\r\n\r\n'))).toThrow(/line 3 has no colon/);
    expect(() => new HttpHeadParser().push(bytes('HTTP/1.1 101 OK\nX'))).toThrow(/bare LF at byte 15/);
  });

  it('[wsref] rejects a head larger than maxHeadBytes with 431, before the terminator arrives', () => {
    const p = new HttpHeadParser({ maxHeadBytes: 64 });
    expect(p.push(bytes('HTTP/1.1 101 OK\r\n'))).toBeNull();
    expect(statusOf(() => p.push(bytes('X: ' + 'a'.repeat(100))))).toBe(431);
  });

  it('[wsref] counts the terminator in maxHeadBytes: a head of exactly the limit passes, one byte more fails', () => {
    const head = 'HTTP/1.1 101 OK\r\nX: ab\r\n\r\n';
    expect(new HttpHeadParser({ maxHeadBytes: head.length }).push(bytes(head + 'rest'))).not.toBeNull();
    expect(statusOf(() => new HttpHeadParser({ maxHeadBytes: head.length - 1 }).push(bytes(head)))).toBe(431);
  });

  it('[wsref] rejects more than maxHeaders header lines with 431', () => {
    const head = (n: number) => 'HTTP/1.1 101 OK\r\n' + 'X: 1\r\n'.repeat(n) + '\r\n';
    expect(new HttpHeadParser({ maxHeaders: 5 }).push(bytes(head(5)))).not.toBeNull();
    expect(statusOf(() => new HttpHeadParser({ maxHeaders: 5 }).push(bytes(head(6))))).toBe(431);
  });

  it('[wsref] uses 16 KiB and 100 headers as default limits', () => {
    expect(statusOf(() => new HttpHeadParser().push(new Uint8Array(16 * 1024 + 1).fill(0x61)))).toBe(431);
    const many = 'HTTP/1.1 101 OK\r\n' + 'X: 1\r\n'.repeat(101) + '\r\n';
    expect(statusOf(() => new HttpHeadParser().push(bytes(many)))).toBe(431);
  });

  it('[wsref] refuses further pushes after completing or failing', () => {
    const done = new HttpHeadParser();
    done.push(bytes(RFC_RESPONSE));
    expect(() => done.push(bytes('x'))).toThrow(/after the parser completed/);
    const failed = new HttpHeadParser();
    expect(() => failed.push(bytes('HTTP/1.1 101 OK\n'))).toThrow(HandshakeError);
    expect(() => failed.push(bytes('\r\n'))).toThrow(/after the parser failed/);
  });

  it('[wsref] stays linear: ~1 MB of header lines in small pushes, and 16 KiB pushed one byte at a time', () => {
    const p = new HttpHeadParser({ maxHeadBytes: 1 << 20, maxHeaders: 100_000 });
    const line = bytes('X-Long: ' + 'v'.repeat(60) + '\r\n');
    const start = performance.now();
    p.push(bytes('HTTP/1.1 101 OK\r\n'));
    for (let i = 0; i < 14_000; i++) expect(p.push(line)).toBeNull();
    const r = p.push(bytes('\r\n'));
    expect(r?.head.headers.length).toBe(14_000);
    const slow = new HttpHeadParser();
    const byte = new Uint8Array(1);
    for (let i = 0; i < 16 * 1024 - 2; i++) {
      byte[0] = 0x61;
      slow.push(byte);
    }
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('[wsref] gives the same result for every split of the input into chunks', () => {
    const frame = [0x82, 0x03, 1, 2, 3];
    const inputs = [RFC_RESPONSE, RFC_REQUEST, 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'].map(
      (s) => new Uint8Array([...bytes(s), ...frame]),
    );
    fc.assert(
      fc.property(fc.constantFrom(...inputs), fc.array(fc.nat(), { maxLength: 12 }), (input, cutsRaw) => {
        const cuts = [...new Set(cutsRaw.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const pieces: Uint8Array[] = [];
        let last = 0;
        for (const c of [...cuts, input.length]) {
          pieces.push(input.subarray(last, c));
          last = c;
        }
        const whole = new HttpHeadParser().push(input)!;
        const split = feed(new HttpHeadParser(), pieces);
        expect(split.result.head).toEqual(whole.head);
        expect(split.after).toEqual(frame);
      }),
      { numRuns: 300 },
    );
  });

  it('[wsref] gives the same error or result for every split of random input, and throws only HandshakeError', () => {
    const alphabet = fc.constantFrom(...'HTTP/1.1 01GET:\r\n\tXa\x00\x7f'.split('').map((c) => c.charCodeAt(0)));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 80 }), fc.nat(), (arr, cut) => {
        const input = Uint8Array.from(arr);
        const k = cut % (input.length + 1);
        const outcome = (pieces: Uint8Array[]) => {
          const p = new HttpHeadParser({ maxHeadBytes: 60, maxHeaders: 4 });
          try {
            for (const piece of pieces) {
              const r = p.push(piece);
              if (r) return JSON.stringify(r.head);
            }
            return 'incomplete';
          } catch (error) {
            expect(error).toBeInstanceOf(HandshakeError);
            return `error ${(error as HandshakeError).status}`;
          }
        };
        expect(outcome([input.subarray(0, k), input.subarray(k)])).toBe(outcome([input]));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('header helpers', () => {
  it('[wsref] headerListFromRaw pairs up Node rawHeaders and rejects an odd length', () => {
    expect(headerListFromRaw(['Host', 'a', 'X-Y', 'b', 'host', 'c'])).toEqual([['Host', 'a'], ['X-Y', 'b'], ['host', 'c']]);
    expect(() => headerListFromRaw(['Host'])).toThrow(TypeError);
  });

  it('[wsref] headerValues matches names case-insensitively and keeps order', () => {
    expect(headerValues([['Host', 'a'], ['HOST', 'b'], ['x', 'c']], 'host')).toEqual(['a', 'b']);
  });

  it('[wsref] isToken accepts tchar strings only', () => {
    expect(isToken("permessage-deflate!#$%&'*+.^_`|~09az")).toBe(true);
    for (const s of ['', 'a b', 'a,b', 'a;b', 'a=b', '"a"', 'a/b', 'a\tb', 'é', 'a:b', '{a}']) expect(isToken(s), s).toBe(false);
  });
});
