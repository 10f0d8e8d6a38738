// Tests for src/core/handshake-client.ts — RFC 6455 §4.1 (the client's request, and its checks
// of the server's response), §11.3 (how often each header may appear).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HandshakeError } from '../../src/core/errors.js';
import { buildClientRequest, validateServerResponse, type ClientRequestOptions } from '../../src/core/handshake/client-handshake.js';
import { computeAccept, type Sha1 } from '../../src/core/handshake/accept-key.js';
import { headerValues, HttpHeadParser, type HeaderList, type ParsedHead, type ParsedRequestHead } from '../../src/core/handshake/http-head.js';
import { parseWebSocketUri } from '../../src/core/handshake/uri.js';

const sha1: Sha1 = (data) => new Uint8Array(createHash('sha1').update(data).digest());
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

function parseRequest(text: string): ParsedRequestHead {
  const r = new HttpHeadParser().push(new TextEncoder().encode(text));
  expect(r).not.toBeNull();
  expect(r!.rest.length).toBe(0);
  if (r!.head.kind !== 'request') throw new Error('expected a request');
  return r!.head;
}

function build(extra: Partial<ClientRequestOptions> = {}, uri = 'ws://example.com/chat'): ParsedRequestHead {
  return parseRequest(buildClientRequest({ uri: parseWebSocketUri(uri), key: KEY, ...extra }));
}

const one = (headers: HeaderList, name: string): string => {
  const values = headerValues(headers, name);
  expect(values, name).toHaveLength(1);
  return values[0]!;
};

describe('buildClientRequest (RFC 6455 §4.1)', () => {
  it('[6455-4.1-18] [6455-4.1-19] writes a valid HTTP/1.1 GET request ending with an empty line', () => {
    const text = buildClientRequest({ uri: parseWebSocketUri('ws://example.com/chat'), key: KEY });
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    expect(text.startsWith('GET /chat HTTP/1.1\r\n')).toBe(true);
    const head = parseRequest(text);
    expect(head.method).toBe('GET');
    expect(head.httpVersion).toBe('1.1');
  });

  it('[6455-4.1-20] uses the resource name (path and query) as the Request-URI', () => {
    expect(build({}, 'ws://example.com/a/b?x=1&y=%23').target).toBe('/a/b?x=1&y=%23');
    expect(build({}, 'wss://example.com').target).toBe('/');
  });

  it('[6455-4.1-21] sends Host with the port only when it is not the default', () => {
    expect(one(build({}, 'ws://example.com/').headers, 'Host')).toBe('example.com');
    expect(one(build({}, 'ws://example.com:8080/').headers, 'Host')).toBe('example.com:8080');
    expect(one(build({}, 'wss://example.com:443/').headers, 'Host')).toBe('example.com');
    expect(one(build({}, 'ws://[::1]:9001/').headers, 'Host')).toBe('[::1]:9001');
  });

  it('[6455-4.1-22] [6455-4.1-23] sends Upgrade: websocket and Connection: Upgrade', () => {
    const { headers } = build();
    expect(one(headers, 'Upgrade')).toBe('websocket');
    expect(one(headers, 'Connection')).toBe('Upgrade');
  });

  it('[6455-4.1-24] [6455-4.1-25] [6455-11.3.1-1] sends the key exactly once, and refuses a key that is not base64 of 16 bytes', () => {
    expect(one(build().headers, 'Sec-WebSocket-Key')).toBe(KEY);
    for (const key of ['', 'abc', 'dGhlIHNhbXBsZSBub25jZQ', 'dGhlIHNhbXBsZSBub25jZQ==\r\nX: 1']) {
      expect(() => buildClientRequest({ uri: parseWebSocketUri('ws://h/'), key }), key).toThrow(TypeError);
    }
  });

  it('[6455-4.1-29] [6455-4.1-30] [6455-11.3.5-2] sends Sec-WebSocket-Version: 13 exactly once', () => {
    expect(one(build().headers, 'Sec-WebSocket-Version')).toBe('13');
  });

  it('[6455-4.1-28] sends Origin when one is given, and none otherwise', () => {
    expect(one(build({ origin: 'http://www.example.com' }).headers, 'Origin')).toBe('http://www.example.com');
    expect(headerValues(build().headers, 'Origin')).toEqual([]);
    expect(() => build({ origin: 'http://a\r\nX: 1' })).toThrow(TypeError);
  });

  it('[6455-4.1-31] sends Sec-WebSocket-Protocol only when protocols are offered, in preference order', () => {
    expect(one(build({ protocols: ['chat', 'superchat'] }).headers, 'Sec-WebSocket-Protocol')).toBe('chat, superchat');
    expect(headerValues(build({ protocols: [] }).headers, 'Sec-WebSocket-Protocol')).toEqual([]);
    expect(headerValues(build().headers, 'Sec-WebSocket-Protocol')).toEqual([]);
  });

  it('[6455-4.1-32] refuses subprotocols that are empty, contain separators or non-ASCII, or repeat', () => {
    for (const bad of [[''], ['a b'], ['a,b'], ['a;b'], ['(x)'], ['chät'], ['x\r\ny'], ['a', 'b', 'a']]) {
      expect(() => build({ protocols: bad }), JSON.stringify(bad)).toThrow(TypeError);
    }
    // U+0021..U+007E without separators is allowed.
    expect(one(build({ protocols: ["!#$%&'*+-.^_`|~09AZaz"] }).headers, 'Sec-WebSocket-Protocol')).toBe("!#$%&'*+-.^_`|~09AZaz");
  });

  it('[6455-4.1-33] sends a Sec-WebSocket-Extensions offer when given, and refuses a malformed one', () => {
    const offer = 'permessage-deflate; client_max_window_bits';
    expect(one(build({ extensions: offer }).headers, 'Sec-WebSocket-Extensions')).toBe(offer);
    expect(headerValues(build().headers, 'Sec-WebSocket-Extensions')).toEqual([]);
    for (const bad of ['', 'a;', 'a\r\nX: 1', 'a b']) expect(() => build({ extensions: bad }), bad).toThrow(TypeError);
  });

  it('[6455-4.1-34] sends extra headers such as Authorization and Cookie', () => {
    const { headers } = build({ headers: { Authorization: 'Basic dXNlcjpwYXNz', Cookie: 'a=1; b=2', 'X-Trace': '' } });
    expect(one(headers, 'Authorization')).toBe('Basic dXNlcjpwYXNz');
    expect(one(headers, 'Cookie')).toBe('a=1; b=2');
    expect(one(headers, 'X-Trace')).toBe('');
  });

  it('[wsref] refuses extra headers that would override the handshake or inject lines (TypeError)', () => {
    for (const name of ['Host', 'upgrade', 'CONNECTION', 'Sec-WebSocket-Key', 'sec-websocket-version', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'Sec-WebSocket-Accept', 'Origin', 'Content-Length', 'Transfer-Encoding']) {
      expect(() => build({ headers: { [name]: 'x' } }), name).toThrow(/set by the WebSocket handshake/);
    }
    for (const value of ['a\r\nX-Evil: 1', 'a\nb', 'a\rb', 'a\x00b', 'ä']) {
      expect(() => build({ headers: { 'X-Ok': value } }), JSON.stringify(value)).toThrow(TypeError);
    }
    for (const name of ['', 'X Y', 'X:Y', 'X\r\nY']) expect(() => build({ headers: { [name]: 'v' } }), JSON.stringify(name)).toThrow(TypeError);
  });

  it('[wsref] refuses a hand-made URI whose resource name or host could inject header lines', () => {
    const uri = parseWebSocketUri('ws://example.com/');
    expect(() => buildClientRequest({ uri: { ...uri, resourceName: '/a HTTP/1.1\r\nX: y' }, key: KEY })).toThrow(TypeError);
    expect(() => buildClientRequest({ uri: { ...uri, resourceName: 'chat' }, key: KEY })).toThrow(TypeError);
    expect(() => buildClientRequest({ uri: { ...uri, hostHeader: 'a\r\nX: y' }, key: KEY })).toThrow(TypeError);
  });
});

const OK_RESPONSE: ReadonlyArray<readonly [string, string]> = [
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Accept', ACCEPT],
];

function response(headers: HeaderList, status = 101, httpVersion = '1.1'): ParsedHead {
  return { kind: 'response', httpVersion, status, reason: status === 101 ? 'Switching Protocols' : 'Nope', headers };
}

function failure(head: ParsedHead, protocols: readonly string[] = []): HandshakeError {
  try {
    validateServerResponse(head, { key: KEY, protocols }, sha1);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeError);
    return error as HandshakeError;
  }
  throw new Error('expected the response to be refused');
}

const without = (name: string) => OK_RESPONSE.filter(([n]) => n !== name);
const withHeader = (name: string, value: string): HeaderList => [...without(name), [name, value]];

describe('validateServerResponse (RFC 6455 §4.1)', () => {
  it('[6455-4.1-36] accepts a correct 101 response, with header names in any case', () => {
    expect(validateServerResponse(response(OK_RESPONSE), { key: KEY, protocols: [] }, sha1)).toEqual({
      protocol: undefined,
      extensions: [],
      headers: OK_RESPONSE,
    });
    const shouting: HeaderList = [['UPGRADE', 'WebSocket'], ['connection', 'keep-alive, UPGRADE'], ['sec-websocket-accept', ACCEPT]];
    expect(validateServerResponse(response(shouting), { key: KEY, protocols: [] }, sha1).protocol).toBeUndefined();
  });

  it('[6455-4.1-36] [6455-4.1-42] fails on any status but 101, and the error carries that status', () => {
    for (const status of [200, 301, 302, 400, 401, 403, 404, 426, 500]) {
      const error = failure(response(OK_RESPONSE, status));
      expect(error.status).toBe(status);
      expect([error.rule, error.code]).toEqual(['6455-4.1-42', 'WSREF_RESPONSE_NOT_101']);
      expect(error.message).toMatch(new RegExp(`${status}`));
    }
  });

  it('[6455-4.1-37] fails when Upgrade is missing, repeated, or not "websocket" (any case is fine)', () => {
    expect(failure(response(without('Upgrade'))).code).toBe('WSREF_RESPONSE_UPGRADE_MISSING');
    for (const v of ['websocket2', 'h2c', 'websocket, h2c', '', 'web socket']) {
      const error = failure(response(withHeader('Upgrade', v)));
      expect([error.rule, error.code], v).toEqual(['6455-4.1-37', 'WSREF_RESPONSE_UPGRADE_NOT_WEBSOCKET']);
    }
    expect(failure(response([...OK_RESPONSE, ['Upgrade', 'websocket']])).code).toBe('WSREF_RESPONSE_UPGRADE_REPEATED');
    expect(validateServerResponse(response(withHeader('Upgrade', 'WEBSOCKET')), { key: KEY, protocols: [] }, sha1)).toBeDefined();
  });

  it('[6455-4.1-38] fails when Connection lacks an "Upgrade" token; accepts it among other tokens or lines', () => {
    expect(failure(response(without('Connection'))).rule).toBe('6455-4.1-38');
    for (const v of ['keep-alive', 'upgraded', 'close', '', 'Upgrade-Insecure']) {
      expect(failure(response(withHeader('Connection', v))).code, v).toBe('WSREF_RESPONSE_CONNECTION_NOT_UPGRADE');
    }
    const ok = (headers: HeaderList) => validateServerResponse(response(headers), { key: KEY, protocols: [] }, sha1);
    expect(ok(withHeader('Connection', 'keep-alive, upgrade'))).toBeDefined();
    expect(ok([...without('Connection'), ['Connection', 'keep-alive'], ['Connection', ' UPGRADE ']])).toBeDefined();
  });

  it('[6455-4.1-39] fails when Sec-WebSocket-Accept is missing or wrong; surrounding whitespace is ignored', () => {
    expect(failure(response(without('Sec-WebSocket-Accept'))).code).toBe('WSREF_RESPONSE_ACCEPT_MISSING');
    const wrong = computeAccept('AQIDBAUGBwgJCgsMDQ4PEA==', sha1);
    for (const v of [wrong, '', ACCEPT.toLowerCase(), ACCEPT.slice(0, -1), `${ACCEPT}x`, KEY]) {
      const error = failure(response(withHeader('Sec-WebSocket-Accept', v)));
      expect([error.rule, error.code], v).toEqual(['6455-4.1-39', 'WSREF_RESPONSE_ACCEPT_MISMATCH']);
    }
    const spaced = withHeader('Sec-WebSocket-Accept', ` ${ACCEPT}\t`);
    expect(validateServerResponse(response(spaced), { key: KEY, protocols: [] }, sha1)).toBeDefined();
  });

  it('[6455-11.3.3-1] fails when Sec-WebSocket-Accept appears more than once, even with the right value', () => {
    const error = failure(response([...OK_RESPONSE, ['Sec-WebSocket-Accept', ACCEPT]]));
    expect([error.rule, error.code]).toEqual(['6455-11.3.3-1', 'WSREF_RESPONSE_ACCEPT_REPEATED']);
  });

  it('[6455-4.1-41] accepts an offered subprotocol and fails on one that was not offered', () => {
    const chosen = validateServerResponse(response([...OK_RESPONSE, ['Sec-WebSocket-Protocol', 'superchat']]), { key: KEY, protocols: ['chat', 'superchat'] }, sha1);
    expect(chosen.protocol).toBe('superchat');
    const error = failure(response([...OK_RESPONSE, ['Sec-WebSocket-Protocol', 'mqtt']]), ['chat']);
    expect([error.rule, error.code]).toEqual(['6455-4.1-41', 'WSREF_RESPONSE_PROTOCOL_NOT_OFFERED']);
    // Exact match: subprotocol names are case-sensitive.
    expect(failure(response([...OK_RESPONSE, ['Sec-WebSocket-Protocol', 'Chat']]), ['chat']).code).toBe('WSREF_RESPONSE_PROTOCOL_NOT_OFFERED');
  });

  it('[6455-4.1-41] fails on any subprotocol when none was offered, and on values that are not one token', () => {
    expect(failure(response([...OK_RESPONSE, ['Sec-WebSocket-Protocol', 'chat']]), []).code).toBe('WSREF_RESPONSE_PROTOCOL_NOT_OFFERED');
    for (const v of ['', 'chat, superchat', 'ch at']) {
      const error = failure(response([...OK_RESPONSE, ['Sec-WebSocket-Protocol', v]]), ['chat', 'superchat', 'ch at']);
      expect([error.rule, error.code], v).toEqual(['6455-4.1-41', 'WSREF_RESPONSE_PROTOCOL_NOT_TOKEN']);
    }
  });

  it('[6455-11.3.4-2] fails when Sec-WebSocket-Protocol appears more than once', () => {
    const twice: HeaderList = [...OK_RESPONSE, ['Sec-WebSocket-Protocol', 'chat'], ['Sec-WebSocket-Protocol', 'chat']];
    const error = failure(response(twice), ['chat']);
    expect([error.rule, error.code]).toEqual(['6455-11.3.4-2', 'WSREF_RESPONSE_PROTOCOL_REPEATED']);
  });

  it('[6455-9.1-1] fails when Sec-WebSocket-Extensions is malformed, and returns it parsed otherwise', () => {
    for (const v of ['permessage-deflate;', 'a b', 'x; y="a b"']) {
      expect(failure(response([...OK_RESPONSE, ['Sec-WebSocket-Extensions', v]])), v).toMatchObject({ rule: '6455-9.1-1', code: 'WSREF_EXTENSIONS_MALFORMED' });
    }
    expect(failure(response([...OK_RESPONSE, ['Sec-WebSocket-Extensions', '']])).code).toBe('WSREF_EXTENSIONS_EMPTY');
    const ok = validateServerResponse(response([...OK_RESPONSE, ['Sec-WebSocket-Extensions', 'permessage-deflate; server_max_window_bits=10']]), { key: KEY, protocols: [] }, sha1);
    expect(ok.extensions).toEqual([{ name: 'permessage-deflate', params: [['server_max_window_bits', '10']] }]);
  });

  it('[wsref] combines several Sec-WebSocket-Extensions lines, as RFC 6455 §4.2.2 step 6 lets a server split them', () => {
    const split: HeaderList = [...OK_RESPONSE, ['Sec-WebSocket-Extensions', 'a'], ['Sec-WebSocket-Extensions', 'b; c']];
    expect(validateServerResponse(response(split), { key: KEY, protocols: [] }, sha1).extensions).toEqual([
      { name: 'a', params: [] },
      { name: 'b', params: [['c', true]] },
    ]);
  });

  it('[6455-4.1-42] fails on a 101 over HTTP/1.0, and on a request where a response belongs', () => {
    failure(response(OK_RESPONSE, 101, '1.0'));
    failure({ kind: 'request', method: 'GET', target: '/', httpVersion: '1.1', headers: OK_RESPONSE });
  });

  it('[wsref] returns all response headers (e.g. Set-Cookie) to the caller', () => {
    const headers: HeaderList = [...OK_RESPONSE, ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']];
    expect(headerValues(validateServerResponse(response(headers), { key: KEY, protocols: [] }, sha1).headers, 'set-cookie')).toEqual(['a=1', 'b=2']);
  });

  it('[6455-4.1-42] random responses never throw anything but HandshakeError', () => {
    const names = fc.constantFrom('Upgrade', 'Connection', 'Sec-WebSocket-Accept', 'Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'X');
    const value = fc.oneof(fc.constantFrom('websocket', 'Upgrade', ACCEPT, 'chat', 'a; b=1', ''), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(names, value), { maxLength: 8 }), fc.constantFrom(101, 200, 400), fc.constantFrom('1.1', '1.0', '2.0', 'x'), (headers, status, version) => {
        try {
          validateServerResponse(response(headers, status, version), { key: KEY, protocols: ['chat'] }, sha1);
        } catch (error) {
          expect(error).toBeInstanceOf(HandshakeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
