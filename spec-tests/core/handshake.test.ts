// Tests for src/core/handshake.ts and base64.ts — RFC 6455 §1.3, §4.1 step 7, §4.2.2 step 5.4,
// plus the RFC's sample handshake taken through both halves (handshake-client/-server.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeBase64, isBase64Of16Bytes } from '../../src/core/handshake/base64.js';
import { buildClientRequest, validateServerResponse } from '../../src/core/handshake/client-handshake.js';
import { buildServerResponse, validateClientRequest } from '../../src/core/handshake/server-handshake.js';
import { computeAccept, generateKey, WEBSOCKET_GUID, type Sha1 } from '../../src/core/handshake/accept-key.js';
import { HttpHeadParser, type ParsedHead } from '../../src/core/handshake/http-head.js';
import { parseWebSocketUri } from '../../src/core/handshake/uri.js';

const sha1: Sha1 = (data) => new Uint8Array(createHash('sha1').update(data).digest());
const parse = (text: string): ParsedHead => new HttpHeadParser().push(new TextEncoder().encode(text))!.head;

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

describe('Sec-WebSocket-Key (RFC 6455 §4.1 step 7)', () => {
  it('[6455-4.1-25] is 16 random bytes, base64-encoded', () => {
    let asked = -1;
    const key = generateKey((n) => {
      asked = n;
      return Uint8Array.from({ length: n }, (_, i) => i + 1);
    });
    expect(asked).toBe(16);
    // The RFC's example bytes 0x01..0x10 (§4.1 step 7; the RFC prints the last character
    // with its unused bits set, "EC==", the canonical form ends "EA==").
    expect(key).toBe('AQIDBAUGBwgJCgsMDQ4PEA==');
    expect(isBase64Of16Bytes(key)).toBe(true);
  });

  it('[6455-4.1-26] takes new random bytes for every key', () => {
    let call = 0;
    const randomBytes = (n: number) => {
      call++;
      return Uint8Array.from({ length: n }, (_, i) => (call * 37 + i) & 0xff);
    };
    const keys = new Set(Array.from({ length: 20 }, () => generateKey(randomBytes)));
    expect(keys.size).toBe(20);
    const real = Array.from({ length: 50 }, () => generateKey((n) => crypto.getRandomValues(new Uint8Array(n))));
    expect(new Set(real).size).toBe(50);
  });

  it('[wsref] refuses a randomBytes that returns the wrong length', () => {
    expect(() => generateKey(() => new Uint8Array(15))).toThrow(TypeError);
  });

  it('[wsref] isBase64Of16Bytes accepts exactly 22 base64 characters plus "=="', () => {
    expect(isBase64Of16Bytes(RFC_KEY)).toBe(true);
    expect(isBase64Of16Bytes('AQIDBAUGBwgJCgsMDQ4PEC==')).toBe(true); // the RFC's example as printed
    for (const bad of ['', 'dGhlIHNhbXBsZSBub25jZQ=', 'dGhlIHNhbXBsZSBub25jZQ===', 'dGhlIHNhbXBsZSBub25jZQAA', 'dGhlIHNhbXBsZSBub25j-Q==', 'dGhlIHNhbXBsZSBub25jZ Q==', 'c2hvcnQ=', 'AAAAAAAAAAAAAAAAAAAAAAA=']) {
      expect(isBase64Of16Bytes(bad), bad).toBe(false);
    }
  });

  it('[wsref] encodeBase64 matches RFC 4648 test vectors', () => {
    const enc = (s: string) => encodeBase64(new TextEncoder().encode(s));
    expect(['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar'].map(enc)).toEqual(['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']);
    const big = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
    expect(encodeBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });
});

describe('Sec-WebSocket-Accept (RFC 6455 §1.3, §4.2.2 step 5.4)', () => {
  it('[6455-4.1-39] computes the RFC sample value: base64(SHA-1(key + GUID))', () => {
    expect(WEBSOCKET_GUID).toBe('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(computeAccept(RFC_KEY, sha1)).toBe(RFC_ACCEPT);
  });

  it('[6455-4.1-39] hashes the key as text, without decoding it, ignoring surrounding whitespace', () => {
    let hashed = '';
    const spy: Sha1 = (data) => {
      hashed = new TextDecoder().decode(data);
      return sha1(data);
    };
    expect(computeAccept(` \t${RFC_KEY} `, spy)).toBe(RFC_ACCEPT);
    expect(hashed).toBe(`${RFC_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`);
  });

  it('[wsref] refuses a sha1 that does not return 20 bytes', () => {
    expect(() => computeAccept(RFC_KEY, () => new Uint8Array(16))).toThrow(TypeError);
  });
});

describe('the RFC 6455 §1.3 sample handshake, end to end', () => {
  const RFC_REQUEST =
    'GET /chat HTTP/1.1\r\n' +
    'Host: server.example.com\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${RFC_KEY}\r\n` +
    'Origin: http://example.com\r\n' +
    'Sec-WebSocket-Protocol: chat, superchat\r\n' +
    'Sec-WebSocket-Version: 13\r\n\r\n';

  it('[6455-4.2.2-1] [6455-4.2.2-12] the server accepts the sample request and answers with the sample response', () => {
    const head = parse(RFC_REQUEST);
    if (head.kind !== 'request') throw new Error('expected a request');
    const hs = validateClientRequest(head);
    expect(hs).toMatchObject({ key: RFC_KEY, version: 13, protocols: ['chat', 'superchat'], extensions: [], origin: 'http://example.com', host: 'server.example.com' });
    const response = buildServerResponse({ key: hs.key, protocol: 'chat' }, sha1);
    expect(response).toBe(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${RFC_ACCEPT}\r\n` +
        'Sec-WebSocket-Protocol: chat\r\n\r\n',
    );
  });

  it('[6455-4.1-17] [6455-4.1-36] the client builds the sample request and accepts the sample response', () => {
    const request = buildClientRequest({
      uri: parseWebSocketUri('ws://server.example.com/chat'),
      key: RFC_KEY,
      origin: 'http://example.com',
      protocols: ['chat', 'superchat'],
    });
    // Same header fields as the RFC's example (order is not significant, §1.3).
    const sortedLines = (s: string) => s.split('\r\n').filter(Boolean).sort();
    expect(sortedLines(request)).toEqual(sortedLines(RFC_REQUEST));
    const result = validateServerResponse(
      parse(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${RFC_ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n`),
      { key: RFC_KEY, protocols: ['chat', 'superchat'] },
      sha1,
    );
    expect(result.protocol).toBe('chat');
    expect(result.extensions).toEqual([]);
  });
});
