// Tests for src/core/handshake/extended-connect.ts — RFC 8441 §4–§5: the WebSocket opening
// handshake as an extended CONNECT on an HTTP/2 stream, built and checked on both sides, with
// subprotocols and extensions negotiated by the same code as RFC 6455 §4.2.2.
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/core/errors.js';
import {
  answerExtendedConnect,
  buildExtendedConnectRequest,
  Http2ErrorCode,
  isExtendedConnect,
  MalformedStreamError,
  validateExtendedConnect,
  validateExtendedConnectResponse,
  type Http2Headers,
} from '../../src/core/handshake/extended-connect.js';
import { parseWebSocketUri } from '../../src/core/handshake/uri.js';
import { permessageDeflate } from '../../src/core/extensions/permessage-deflate.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';

const codec = createZlibCodec();
/** RFC 8441 §5.1's example request. */
const EXAMPLE: Http2Headers = {
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':path': '/chat',
  ':authority': 'server.example.com',
  'sec-websocket-protocol': 'chat, superchat',
  'sec-websocket-extensions': 'permessage-deflate',
  'sec-websocket-version': '13',
  origin: 'http://www.example.com',
};
const without = (name: string): Http2Headers => Object.fromEntries(Object.entries(EXAMPLE).filter(([n]) => n !== name));
const refusal = (headers: Http2Headers, secure = true): HandshakeError | MalformedStreamError => {
  try {
    validateExtendedConnect(headers, secure);
  } catch (error) {
    if (error instanceof HandshakeError || error instanceof MalformedStreamError) return error;
    throw error;
  }
  throw new Error('the request was accepted');
};

describe('the client builds the extended CONNECT', () => {
  it('[8441-4-1, 8441-4-2, 8441-5-1, 8441-5-2] wss gives :protocol websocket, :scheme https, :path, :authority and version 13, as in §5.1', () => {
    const request = buildExtendedConnectRequest({
      uri: parseWebSocketUri('wss://server.example.com/chat'),
      protocols: ['chat', 'superchat'],
      extensions: [permessageDeflate({ codec })],
      origin: 'http://www.example.com',
    });
    expect(request).toMatchObject({ ...EXAMPLE, 'sec-websocket-extensions': expect.stringMatching(/^permessage-deflate/) });
    expect(validateExtendedConnect(request, true).path).toBe('/chat');
  });

  it('[8441-5-2, 8441-5-3] ws gives :scheme http; no key, no Upgrade, no Connection, no Host; query kept in :path', () => {
    const request = buildExtendedConnectRequest({ uri: parseWebSocketUri('ws://127.0.0.1:8080/a?b=1'), headers: { Cookie: 'x=1' } });
    expect(request).toEqual({
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/a?b=1', ':authority': '127.0.0.1:8080',
      'sec-websocket-version': '13', cookie: 'x=1',
    });
  });

  it('[wsref] refuses misuse: repeated or bad subprotocols, extra fields the handshake owns or HTTP/2 forbids, CR/LF', () => {
    const uri = parseWebSocketUri('ws://h/');
    expect(() => buildExtendedConnectRequest({ uri, protocols: ['a', 'a'] })).toThrow(TypeError);
    expect(() => buildExtendedConnectRequest({ uri, protocols: ['a b'] })).toThrow(TypeError);
    for (const name of ['Sec-WebSocket-Key', ':protocol', 'Upgrade', 'connection', 'Transfer-Encoding']) {
      expect(() => buildExtendedConnectRequest({ uri, headers: { [name]: 'x' } }), name).toThrow(TypeError);
    }
    expect(() => buildExtendedConnectRequest({ uri, headers: { cookie: 'a\r\nb: c' } })).toThrow(TypeError);
    expect(() => buildExtendedConnectRequest({ uri, origin: 'http://a\r\n' })).toThrow(TypeError);
  });
});

describe('the server checks the extended CONNECT', () => {
  it('[8441-5-1] accepts RFC 8441 §5.1\'s example and reads what RFC 6455 §4.2.1 needs from it', () => {
    expect(isExtendedConnect(EXAMPLE)).toBe(true);
    expect(validateExtendedConnect(EXAMPLE, true)).toMatchObject({
      version: 13, protocols: ['chat', 'superchat'], extensions: [{ name: 'permessage-deflate', params: [] }],
      origin: 'http://www.example.com', host: 'server.example.com', path: '/chat', scheme: 'https',
    });
  });

  it('[8441-5-1] refuses a :protocol other than websocket with 400, and a CONNECT without :protocol (no :scheme/:path) with 400', () => {
    expect(refusal({ ...EXAMPLE, ':protocol': 'webtransport' })).toMatchObject({ name: 'HandshakeError', status: 400, rule: '8441-5-1', code: 'WSREF_H2_PROTOCOL_NOT_WEBSOCKET' });
    expect(refusal({ ...EXAMPLE, ':protocol': 'WebSocket' })).toMatchObject({ status: 400, code: 'WSREF_H2_PROTOCOL_NOT_WEBSOCKET' });
    expect(isExtendedConnect(without(':protocol'))).toBe(false);
  });

  it('[8441-4-3] a plain CONNECT (a tunnel to :authority) is refused, never treated as a WebSocket or a tunnel', () => {
    const plain = { ':method': 'CONNECT', ':authority': 'elsewhere.example:22', 'sec-websocket-version': '13' };
    expect(refusal(plain)).toMatchObject({ name: 'HandshakeError', status: 400, rule: '8441-4-3', code: 'WSREF_H2_PROTOCOL_MISSING' });
  });

  it('[8441-4-2] an extended CONNECT without :scheme or :path is malformed: reset with PROTOCOL_ERROR (RFC 9113 §8.1.1)', () => {
    for (const name of [':scheme', ':path']) {
      expect(refusal(without(name)), name).toMatchObject({ name: 'MalformedStreamError', code: Http2ErrorCode.PROTOCOL_ERROR });
    }
    // RFC 9113 §8.5: and a CONNECT without :protocol may not carry them.
    expect(refusal(without(':protocol'))).toMatchObject({ name: 'MalformedStreamError', code: 0x1 });
  });

  it('[8441-5-3] Connection or Upgrade (or any connection-specific field) makes the request malformed', () => {
    for (const name of ['connection', 'upgrade', 'keep-alive', 'transfer-encoding']) {
      expect(refusal({ ...EXAMPLE, [name]: name === 'upgrade' ? 'websocket' : 'Upgrade' }), name).toBeInstanceOf(MalformedStreamError);
    }
  });

  it('[8441-5-2] :scheme must match the connection: https over TLS, http without', () => {
    expect(validateExtendedConnect({ ...EXAMPLE, ':scheme': 'http' }, false).scheme).toBe('http');
    const mismatch = { status: 400, rule: '8441-5-2', code: 'WSREF_H2_SCHEME_MISMATCH' };
    expect(refusal({ ...EXAMPLE, ':scheme': 'http' }, true)).toMatchObject(mismatch);
    expect(refusal(EXAMPLE, false)).toMatchObject(mismatch);
    expect(refusal({ ...EXAMPLE, ':scheme': 'wss' })).toMatchObject(mismatch);
  });

  it('[wsref] ignores a Sec-WebSocket-Key (RFC 8441 §5: not processed, no accept answered); refuses a missing :authority and another method', () => {
    // RFC 8441 §5: the key and accept are not processed — ignored, not refused (undici sends a key).
    expect(validateExtendedConnect({ ...EXAMPLE, 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }, true).path).toBe('/chat');
    expect(answerExtendedConnect(validateExtendedConnect({ ...EXAMPLE, 'sec-websocket-key': 'x' }, true)).headers).not.toHaveProperty('sec-websocket-accept');
    expect(refusal(without(':authority'))).toMatchObject({ status: 400, code: 'WSREF_H2_AUTHORITY_MISSING' });
    expect(refusal({ ...EXAMPLE, ':method': 'GET' })).toMatchObject({ status: 405, code: 'WSREF_H2_REQUEST_NOT_CONNECT', headers: { allow: 'CONNECT' } });
  });

  it('[wsref] a missing, repeated or wrong version is 400 with sec-websocket-version: 13 (RFC 6455 §4.4; 426 needs Upgrade, which HTTP/2 forbids)', () => {
    for (const version of [undefined, '8', '14', 'x', ['13', '13']]) {
      const error = refusal({ ...without('sec-websocket-version'), ...(version ? { 'sec-websocket-version': version } : {}) });
      expect(error, String(version)).toMatchObject({ name: 'HandshakeError', status: 400, headers: { 'sec-websocket-version': '13' } });
      expect(error.code, String(version)).toBe(Array.isArray(version) ? 'WSREF_H2_VERSION_REPEATED' : 'WSREF_H2_VERSION_NOT_13');
    }
  });

  it('[wsref] repeated subprotocols, a malformed extension list and a repeated origin are 400, as over HTTP/1.1', () => {
    expect(refusal({ ...EXAMPLE, 'sec-websocket-protocol': 'chat, chat' })).toMatchObject({ status: 400, code: 'WSREF_H2_PROTOCOL_REPEATED' });
    expect(refusal({ ...EXAMPLE, 'sec-websocket-extensions': 'permessage-deflate;;' })).toMatchObject({ status: 400, code: 'WSREF_EXTENSIONS_MALFORMED' });
    expect(refusal({ ...EXAMPLE, origin: ['http://a', 'http://b'] })).toMatchObject({ status: 400, code: 'WSREF_H2_ORIGIN_REPEATED' });
  });
});

describe('the server answers and the client checks the answer', () => {
  it('[8441-5-1] :status 200 with the subprotocol and permessage-deflate chosen by the RFC 6455 negotiation; the client accepts it', () => {
    const request = validateExtendedConnect(EXAMPLE, true);
    const answer = answerExtendedConnect(request, { protocols: ['superchat', 'chat'], extensions: [permessageDeflate({ codec })], headers: { 'Set-Cookie': 'a=b' } });
    expect(answer.headers).toEqual({ ':status': 200, 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': 'permessage-deflate', 'set-cookie': 'a=b' });
    expect(answer.extensions.map((e) => e.name)).toEqual(['permessage-deflate']);
    const accepted = validateExtendedConnectResponse(answer.headers, { protocols: ['chat', 'superchat'], extensions: [permessageDeflate({ codec })] });
    expect(accepted.protocol).toBe('chat');
    expect(accepted.extensions.map((e) => e.responseParams)).toEqual([[]]);
    for (const e of [...answer.extensions, ...accepted.extensions]) e.dispose();
  });

  it('[wsref] no protocols or extensions configured: :status 200 alone; a chooser returning an unoffered protocol or a reserved extra field is misuse', () => {
    const request = validateExtendedConnect(EXAMPLE, true);
    expect(answerExtendedConnect(request).headers).toEqual({ ':status': 200 });
    expect(() => answerExtendedConnect(request, { protocols: () => 'other' })).toThrow(TypeError);
    expect(() => answerExtendedConnect(request, { headers: { 'Sec-WebSocket-Accept': 'x' } })).toThrow(TypeError);
    expect(() => answerExtendedConnect(request, { headers: { connection: 'close' } })).toThrow(TypeError);
  });

  it('[wsref] the client fails on a status other than 200, an unoffered subprotocol, or extensions it did not offer', () => {
    const fails = (headers: Http2Headers) => () => validateExtendedConnectResponse(headers, { protocols: ['chat'] });
    expect(fails({ ':status': 400 })).toThrow(expect.objectContaining({ name: 'HandshakeError', status: 400, code: 'WSREF_H2_RESPONSE_NOT_200' }));
    expect(fails({ ':status': 101 })).toThrow(expect.objectContaining({ status: 101, code: 'WSREF_H2_RESPONSE_NOT_200' }));
    expect(fails({ ':status': 200, 'sec-websocket-protocol': 'superchat' })).toThrow(expect.objectContaining({ rule: '6455-4.1-41', code: 'WSREF_H2_RESPONSE_PROTOCOL_NOT_OFFERED' }));
    expect(fails({ ':status': 200, 'sec-websocket-protocol': ['chat', 'chat'] })).toThrow(expect.objectContaining({ code: 'WSREF_H2_RESPONSE_PROTOCOL_REPEATED' }));
    expect(fails({ ':status': 200, 'sec-websocket-extensions': 'permessage-deflate' })).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_NOT_OFFERED' }));
    expect(fails({ ':status': 200, 'sec-websocket-extensions': ';' })).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSIONS_MALFORMED' }));
    expect(validateExtendedConnectResponse({ ':status': 200 }, {}).protocol).toBeUndefined();
  });
});
