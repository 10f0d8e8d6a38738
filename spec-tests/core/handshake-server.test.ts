// Tests for src/core/handshake-server.ts — RFC 6455 §4.2.1 (reading the client's handshake),
// §4.2.2 (answering it), §4.4 (versions), §10.2 (origin), §11.3 (header repetition).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/core/errors.js';
import { validateServerResponse } from '../../src/core/handshake/client-handshake.js';
import {
  buildRejectResponse,
  buildServerResponse,
  selectSubprotocol,
  validateClientRequest,
  type ClientRequestHead,
} from '../../src/core/handshake/server-handshake.js';
import { type Sha1 } from '../../src/core/handshake/accept-key.js';
import { headerListFromRaw, headerValues, HttpHeadParser, type HeaderList, type ParsedResponseHead } from '../../src/core/handshake/http-head.js';

const sha1: Sha1 = (data) => new Uint8Array(createHash('sha1').update(data).digest());
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

const BASE: ReadonlyArray<readonly [string, string]> = [
  ['Host', 'server.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', KEY],
  ['Sec-WebSocket-Version', '13'],
];

const request = (headers: HeaderList, method = 'GET', httpVersion = '1.1'): ClientRequestHead => ({ method, httpVersion, headers });
const without = (name: string) => BASE.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
const replaced = (name: string, value: string): HeaderList => [...without(name), [name, value]];

function refusal(req: ClientRequestHead): HandshakeError {
  try {
    validateClientRequest(req);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('expected the request to be refused');
}

function parseResponse(text: string): { head: ParsedResponseHead; body: string } {
  const r = new HttpHeadParser().push(new TextEncoder().encode(text));
  expect(r).not.toBeNull();
  if (r!.head.kind !== 'response') throw new Error('expected a response');
  return { head: r!.head, body: new TextDecoder().decode(r!.rest) };
}

describe('validateClientRequest (RFC 6455 §4.2.1)', () => {
  it('[6455-4.2.2-1] accepts a minimal valid request and returns what the server needs', () => {
    expect(validateClientRequest(request(BASE))).toEqual({
      key: KEY,
      version: 13,
      protocols: [],
      extensions: [],
      origin: undefined,
      host: 'server.example.com',
      headers: BASE,
    });
  });

  it('[6455-4.2.1-1] accepts header fields in any order and names in any case (Node rawHeaders too)', () => {
    const raw = ['sec-websocket-version', '13', 'CONNECTION', 'keep-alive, Upgrade', 'sec-websocket-key', KEY, 'upgrade', 'WebSocket', 'host', 'h:8080'];
    const hs = validateClientRequest(request(headerListFromRaw(raw)));
    expect(hs.key).toBe(KEY);
    expect(hs.host).toBe('h:8080');
  });

  it('[6455-4.2.1-1] refuses a method other than GET with 405 and Allow: GET', () => {
    for (const method of ['POST', 'get', 'HEAD', 'CONNECT']) {
      const error = refusal(request(BASE, method));
      expect(error.status).toBe(405);
      expect(error.code).toBe('WSREF_REQUEST_NOT_GET');
      expect(error.headers).toEqual({ Allow: 'GET' });
    }
  });

  it('[6455-4.2.1-1] refuses HTTP versions below 1.1 with 400, and accepts later ones', () => {
    for (const v of ['1.0', '0.9']) expect([refusal(request(BASE, 'GET', v)).status, refusal(request(BASE, 'GET', v)).code], v).toEqual([400, 'WSREF_REQUEST_BELOW_HTTP11']);
    for (const v of ['x', '']) expect(refusal(request(BASE, 'GET', v)).status, v).toBe(400);
    expect(validateClientRequest(request(BASE, 'GET', '2.0')).version).toBe(13);
  });

  it('[6455-4.2.1-1] refuses a missing, empty or repeated Host with 400', () => {
    for (const headers of [without('Host'), replaced('Host', '')]) expect(refusal(request(headers))).toMatchObject({ status: 400, rule: '6455-4.2.1-1', code: 'WSREF_REQUEST_HOST_MISSING' });
    expect(refusal(request([...BASE, ['host', 'other.example']]))).toMatchObject({ status: 400, rule: '6455-4.2.1-1', code: 'WSREF_REQUEST_HOST_REPEATED' });
  });

  it('[6455-4.2.1-1] requires Upgrade to contain "websocket" in any letter case (400 otherwise)', () => {
    const upgradeRefused = { status: 400, code: 'WSREF_REQUEST_UPGRADE_NOT_WEBSOCKET' };
    expect(refusal(request(without('Upgrade')))).toMatchObject(upgradeRefused);
    for (const v of ['h2c', 'websockets', '', 'web socket']) expect(refusal(request(replaced('Upgrade', v))), v).toMatchObject(upgradeRefused);
    for (const v of ['WebSocket', 'WEBSOCKET', 'h2c, websocket']) expect(validateClientRequest(request(replaced('Upgrade', v))).key, v).toBe(KEY);
  });

  it('[6455-4.2.1-1] requires Connection to contain the token "Upgrade" in any letter case (400 otherwise)', () => {
    const connectionRefused = { status: 400, code: 'WSREF_REQUEST_CONNECTION_NOT_UPGRADE' };
    expect(refusal(request(without('Connection')))).toMatchObject(connectionRefused);
    for (const v of ['keep-alive', 'upgrades', '']) expect(refusal(request(replaced('Connection', v))), v).toMatchObject(connectionRefused);
    expect(validateClientRequest(request(replaced('Connection', 'keep-alive, UPGRADE'))).key).toBe(KEY);
    expect(validateClientRequest(request([...without('Connection'), ['Connection', 'keep-alive'], ['Connection', 'upgrade']])).key).toBe(KEY);
  });

  it('[6455-4.2.1-1] requires a Sec-WebSocket-Key that is base64 of 16 bytes (400 otherwise)', () => {
    expect(refusal(request(without('Sec-WebSocket-Key')))).toMatchObject({ status: 400, code: 'WSREF_REQUEST_KEY_MISSING' });
    for (const v of ['', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ==dGhl', 'c2hvcnQ=', 'dGhlIHNhbXBsZSBub25jZSEh']) {
      expect(refusal(request(replaced('Sec-WebSocket-Key', v))), v).toMatchObject({ status: 400, code: 'WSREF_REQUEST_KEY_MALFORMED' });
    }
  });

  it('[6455-11.3.1-1] refuses a request with Sec-WebSocket-Key more than once (400)', () => {
    const error = refusal(request([...BASE, ['Sec-WebSocket-Key', 'AQIDBAUGBwgJCgsMDQ4PEA==']]));
    expect(error).toMatchObject({ status: 400, rule: '6455-11.3.1-1', code: 'WSREF_REQUEST_KEY_REPEATED' });
  });

  it('[6455-4.2.2-6] [6455-4.4-1] answers a version other than 13 with 426 and Sec-WebSocket-Version: 13', () => {
    for (const v of ['8', '7', '25', '0', '12', '255']) {
      const error = refusal(request(replaced('Sec-WebSocket-Version', v)));
      expect(error, v).toMatchObject({ status: 426, rule: '6455-4.2.2-6', code: 'WSREF_REQUEST_VERSION_UNSUPPORTED' });
      expect(error.headers).toEqual({ 'Sec-WebSocket-Version': '13' });
    }
  });

  it('[6455-4.2.1-1] refuses a missing or malformed Sec-WebSocket-Version with 400, still naming version 13', () => {
    for (const headers of [without('Sec-WebSocket-Version'), replaced('Sec-WebSocket-Version', 'thirteen'), replaced('Sec-WebSocket-Version', '013'), replaced('Sec-WebSocket-Version', '13, 8'), replaced('Sec-WebSocket-Version', '')]) {
      const error = refusal(request(headers));
      expect(error.status).toBe(400);
      expect(error.headers).toEqual({ 'Sec-WebSocket-Version': '13' });
    }
  });

  it('[6455-11.3.5-2] refuses a request with Sec-WebSocket-Version more than once (400), even if both say 13', () => {
    expect(refusal(request([...BASE, ['Sec-WebSocket-Version', '13']]))).toMatchObject({ status: 400, rule: '6455-11.3.5-2', code: 'WSREF_REQUEST_VERSION_REPEATED' });
  });

  it('[6455-11.3.4-1] combines Sec-WebSocket-Protocol lines into one list, in order', () => {
    const hs = validateClientRequest(request([...BASE, ['Sec-WebSocket-Protocol', 'chat, superchat'], ['Sec-WebSocket-Protocol', 'v2']]));
    expect(hs.protocols).toEqual(['chat', 'superchat', 'v2']);
  });

  it('[6455-4.1-32] [6455-4.2.1-1] refuses subprotocol lists with non-tokens, no element, or repeats (400)', () => {
    for (const v of ['chat superchat', '', 'a;b', '"chat"']) {
      expect(refusal(request([...BASE, ['Sec-WebSocket-Protocol', v]])), v).toMatchObject({ status: 400, rule: '6455-4.1-32', code: 'WSREF_TOKEN_LIST_MALFORMED' });
    }
    expect(refusal(request([...BASE, ['Sec-WebSocket-Protocol', 'a'], ['Sec-WebSocket-Protocol', 'b, a']]))).toMatchObject({ rule: '6455-4.1-32', code: 'WSREF_REQUEST_PROTOCOL_REPEATED' });
  });

  it('[6455-11.3.2-1] [6455-9.1-3] combines Sec-WebSocket-Extensions lines into one list, in order', () => {
    const hs = validateClientRequest(request([...BASE, ['Sec-WebSocket-Extensions', 'foo'], ['Sec-WebSocket-Extensions', 'bar; baz=2']]));
    expect(hs.extensions).toEqual([
      { name: 'foo', params: [] },
      { name: 'bar', params: [['baz', '2']] },
    ]);
  });

  it('[6455-9.1-1] [6455-4.2.1-1] refuses a malformed Sec-WebSocket-Extensions with 400', () => {
    for (const v of ['permessage-deflate;', 'a b', '', 'x; y="1 2"']) {
      const error = refusal(request([...BASE, ['Sec-WebSocket-Extensions', v]]));
      expect([error.status, error.rule], v).toEqual([400, '6455-9.1-1']);
    }
  });

  it('[6455-4.2.1-2] reports no origin when Origin is absent, so the request is not taken as a browser one', () => {
    expect(validateClientRequest(request(BASE)).origin).toBeUndefined();
  });

  it('[6455-4.2.2-4] gives the origin lower-cased, for the server to decide on', () => {
    expect(validateClientRequest(request([...BASE, ['Origin', 'HTTP://WWW.Example.COM']])).origin).toBe('http://www.example.com');
    expect(refusal(request([...BASE, ['Origin', 'http://a'], ['Origin', 'http://b']])).status).toBe(400);
  });

  it('[6455-4.2.1-1] never throws anything but HandshakeError on random requests', () => {
    const names = fc.constantFrom('Host', 'Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'Origin', 'X');
    const value = fc.oneof(fc.constantFrom('websocket', 'Upgrade', KEY, '13', '8', 'chat, x', 'a; b="c"', 'h', ''), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(names, value), { maxLength: 10 }), fc.constantFrom('GET', 'POST', ''), fc.constantFrom('1.1', '1.0', '2.0', '', '1.1.1'), (headers, method, version) => {
        try {
          validateClientRequest(request(headers, method, version));
        } catch (error) {
          expect(error).toBeInstanceOf(HandshakeError);
          expect([400, 405, 426]).toContain((error as HandshakeError).status);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('buildServerResponse (RFC 6455 §4.2.2 step 5)', () => {
  it('[6455-4.2.2-12] writes a valid 101 response with Upgrade, Connection and the Accept proof', () => {
    const { head, body } = parseResponse(buildServerResponse({ key: KEY }, sha1));
    expect(head).toMatchObject({ status: 101, httpVersion: '1.1', reason: 'Switching Protocols' });
    expect(headerValues(head.headers, 'Upgrade')).toEqual(['websocket']);
    expect(headerValues(head.headers, 'Connection')).toEqual(['Upgrade']);
    expect(headerValues(head.headers, 'Sec-WebSocket-Accept')).toEqual([ACCEPT]);
    expect(body).toBe('');
    // A client accepts what the server wrote.
    expect(validateServerResponse(head, { key: KEY, protocols: [] }, sha1).protocol).toBeUndefined();
  });

  it('[6455-4.2.2-9] sends no Sec-WebSocket-Protocol when no subprotocol was chosen', () => {
    const { head } = parseResponse(buildServerResponse({ key: KEY }, sha1));
    expect(headerValues(head.headers, 'Sec-WebSocket-Protocol')).toEqual([]);
  });

  it('[6455-11.3.4-2] [6455-4.2.2-8] sends the chosen subprotocol once, and refuses a non-token (empty included)', () => {
    const { head } = parseResponse(buildServerResponse({ key: KEY, protocol: 'chat' }, sha1));
    expect(headerValues(head.headers, 'Sec-WebSocket-Protocol')).toEqual(['chat']);
    for (const bad of ['', 'a b', 'chat, superchat', 'x\r\nY: z']) expect(() => buildServerResponse({ key: KEY, protocol: bad }, sha1), bad).toThrow(TypeError);
  });

  it('[6455-11.3.2-2] [6455-11.3.3-1] sends Sec-WebSocket-Extensions and Sec-WebSocket-Accept on one line each', () => {
    const { head } = parseResponse(buildServerResponse({ key: KEY, extensions: 'permessage-deflate; server_no_context_takeover, x-ext' }, sha1));
    expect(headerValues(head.headers, 'Sec-WebSocket-Extensions')).toEqual(['permessage-deflate; server_no_context_takeover, x-ext']);
    expect(headerValues(head.headers, 'Sec-WebSocket-Accept')).toHaveLength(1);
    expect(validateServerResponse(head, { key: KEY, protocols: [] }, sha1).extensions.map((e) => e.name)).toEqual(['permessage-deflate', 'x-ext']);
  });

  it('[6455-9.1-1] refuses to send a malformed extensions value (TypeError)', () => {
    for (const bad of ['', 'a;', 'a b', 'a\r\nX: y']) expect(() => buildServerResponse({ key: KEY, extensions: bad }, sha1), bad).toThrow(TypeError);
  });

  it('[wsref] sends extra headers, but not ones that override the handshake or inject lines (TypeError)', () => {
    const { head } = parseResponse(buildServerResponse({ key: KEY, headers: { 'Set-Cookie': 'sid=1' } }, sha1));
    expect(headerValues(head.headers, 'Set-Cookie')).toEqual(['sid=1']);
    for (const name of ['Upgrade', 'connection', 'Sec-WebSocket-Accept', 'sec-websocket-protocol', 'Sec-WebSocket-Extensions', 'Content-Length']) {
      expect(() => buildServerResponse({ key: KEY, headers: { [name]: 'x' } }, sha1), name).toThrow(TypeError);
    }
    expect(() => buildServerResponse({ key: KEY, headers: { 'X-A': '1\r\n\r\nHTTP/1.1 200 OK' } }, sha1)).toThrow(TypeError);
    expect(() => buildServerResponse({ key: 'not a key' }, sha1)).toThrow(TypeError);
  });
});

describe('buildRejectResponse (RFC 6455 §4.2.1, §4.2.2, §4.4, §10.2)', () => {
  it('[6455-4.2.1-1] [6455-10.7-4] writes a complete 400 response that closes the connection', () => {
    const text = buildRejectResponse(400);
    const { head, body } = parseResponse(text);
    expect(head).toMatchObject({ status: 400, reason: 'Bad Request' });
    expect(headerValues(head.headers, 'Connection')).toEqual(['close']);
    expect(headerValues(head.headers, 'Content-Type')).toEqual(['text/plain; charset=utf-8']);
    expect(headerValues(head.headers, 'Content-Length')).toEqual([String(body.length)]);
    expect(body).toBe('Bad Request');
  });

  it('[6455-4.2.2-6] [6455-4.4-1] carries a HandshakeError\'s 426 and Sec-WebSocket-Version header', () => {
    let error: HandshakeError | undefined;
    try {
      validateClientRequest(request(replaced('Sec-WebSocket-Version', '8')));
    } catch (e) {
      error = e as HandshakeError;
    }
    const { head, body } = parseResponse(buildRejectResponse(error!.status, { headers: error!.headers, body: error!.message }));
    expect(head).toMatchObject({ status: 426, reason: 'Upgrade Required' });
    expect(headerValues(head.headers, 'Sec-WebSocket-Version')).toEqual(['13']);
    expect(body).toMatch(/version 8/);
  });

  it('[6455-4.2.2-5] [6455-10.2-2] refuses an unwanted origin with 403 Forbidden', () => {
    const { head, body } = parseResponse(buildRejectResponse(403, { body: 'origin not allowed' }));
    expect(head).toMatchObject({ status: 403, reason: 'Forbidden' });
    expect(body).toBe('origin not allowed');
  });

  it('[6455-4.2.2-7] answers an unavailable service with 404 Not Found', () => {
    expect(parseResponse(buildRejectResponse(404)).head).toMatchObject({ status: 404, reason: 'Not Found' });
  });

  it('[6455-4.2.2-3] can redirect with a 3xx status and Location', () => {
    const { head } = parseResponse(buildRejectResponse(307, { headers: { Location: 'wss://other.example/chat' } }));
    expect(head).toMatchObject({ status: 307, reason: 'Temporary Redirect' });
    expect(headerValues(head.headers, 'Location')).toEqual(['wss://other.example/chat']);
  });

  it('[wsref] counts Content-Length in UTF-8 bytes, allows a custom Content-Type, refuses framing headers', () => {
    const text = buildRejectResponse(400, { body: 'héllo ✓', headers: { 'Content-Type': 'application/json' } });
    const bytes = new TextEncoder().encode(text);
    const r = new HttpHeadParser().push(bytes)!;
    expect(headerValues(r.head.headers, 'Content-Length')).toEqual([String(new TextEncoder().encode('héllo ✓').length)]);
    expect(r.rest.length).toBe(new TextEncoder().encode('héllo ✓').length);
    expect(headerValues(r.head.headers, 'Content-Type')).toEqual(['application/json']);
    for (const name of ['Connection', 'content-length', 'Transfer-Encoding']) expect(() => buildRejectResponse(400, { headers: { [name]: 'x' } }), name).toThrow(TypeError);
  });

  it('[wsref] refuses statuses that do not refuse (RangeError) and names unknown ones by class', () => {
    for (const s of [101, 200, 299, 600, 400.5, NaN]) expect(() => buildRejectResponse(s), String(s)).toThrow(RangeError);
    expect(parseResponse(buildRejectResponse(418)).head.reason).toBe('Client Error');
    expect(parseResponse(buildRejectResponse(599)).head.reason).toBe('Server Error');
  });
});

describe('selectSubprotocol (RFC 6455 §4.2.2 step 4)', () => {
  it('[6455-4.2.2-8] picks the first offered subprotocol the server supports (client preference order)', () => {
    expect(selectSubprotocol(['v2', 'v1'], ['v1', 'v2'])).toBe('v2');
    expect(selectSubprotocol(['a', 'v1'], ['v1', 'v2'])).toBe('v1');
  });

  it('[6455-4.2.2-9] returns undefined when nothing matches, so no header is sent', () => {
    expect(selectSubprotocol(['a', 'b'], ['c'])).toBeUndefined();
    expect(selectSubprotocol([], ['c'])).toBeUndefined();
    expect(selectSubprotocol(['Chat'], ['chat'])).toBeUndefined();
  });

  it('[6455-4.2.2-8] lets a function choose, but only among the offered values (TypeError otherwise)', () => {
    expect(selectSubprotocol(['a', 'b'], (offered) => offered[1])).toBe('b');
    expect(selectSubprotocol(['a', 'b'], () => undefined)).toBeUndefined();
    expect(() => selectSubprotocol(['a', 'b'], () => 'c')).toThrow(TypeError);
    expect(() => selectSubprotocol([], () => '')).toThrow(TypeError);
  });
});
