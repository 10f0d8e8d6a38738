// Tests for src/core/connection.ts + handshaker.ts — the opening handshake driven from bytes
// (RFC 6455 §4.1 client, §4.2 server) as the connection state machine runs it, and what happens
// when it fails (§4.2.1, §7.2.1, §7.2.2, §10.7). The handshake checks themselves are tested in
// handshake*.test.ts; here the point is the connection's behaviour around them.
import { describe, expect, it } from 'vitest';
import { Connection, ReadyState } from '../../src/core/connection.js';
import { computeAccept } from '../../src/core/handshake/accept-key.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import {
  clientFrame,
  concat,
  decodeFrames,
  feed,
  frame,
  handshakePair,
  Recorder,
  RFC_MASK_KEY,
  sha1,
  utf8,
} from '../helpers/core-pair.js';

const latin1 = new TextDecoder('latin1');
const RFC_REQUEST =
  'GET /chat HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n\r\n';

function serverConnection(protocols?: string[]): { conn: Connection; log: Recorder } {
  const log = new Recorder();
  const conn = log.attach(new Connection({ role: 'server', server: { sha1, ...(protocols ? { protocols } : {}) } }));
  return { conn, log };
}

/** A client connection with a fixed key nonce ("the sample nonce" of RFC 6455 §1.3). */
function clientConnection(): { conn: Connection; log: Recorder; key: string } {
  const log = new Recorder();
  const conn = log.attach(new Connection(
    {
      role: 'client',
      maskKeys: () => RFC_MASK_KEY,
      client: {
        uri: { secure: false, host: 'server.example.com', port: 80, resourceName: '/chat', hostHeader: 'server.example.com' },
        sha1,
        randomBytes: (n) => utf8('the sample nonce').subarray(0, n),
      },
    },
  ));
  return { conn, log, key: 'dGhlIHNhbXBsZSBub25jZQ==' };
}

function response(accept: string, extra = ''): Uint8Array {
  return utf8(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extra}\r\n`);
}

describe('server role reading the raw request (RFC 6455 §4.2)', () => {
  it('[6455-10.7-1] answers the RFC’s sample request with 101 and the sample Sec-WebSocket-Accept, then is OPEN', () => {
    const { conn, log } = serverConnection(['chat']);
    feed(conn, utf8(RFC_REQUEST));
    const answer = latin1.decode(log.takeWritten());
    expect(answer.startsWith('HTTP/1.1 101 ')).toBe(true);
    expect(answer).toMatch(/\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i);
    expect(answer).toMatch(/\r\nSec-WebSocket-Protocol: chat\r\n/i);
    expect(answer.endsWith('\r\n\r\n')).toBe(true);
    expect(log.events).toEqual([{ type: 'open' }]);
    expect(conn.readyState).toBe(ReadyState.OPEN);
    expect(conn.protocol).toBe('chat');
    expect(conn.extensions).toBe('');
  });

  it('[6455-6.2-1] frames in the same chunk as the request are not lost, and the request may arrive split anywhere', () => {
    const bytes = concat(utf8(RFC_REQUEST), clientFrame({ opcode: Opcode.Text, payload: utf8('first') }));
    const expectedAnswer = (() => {
      const { conn, log } = serverConnection(['chat']);
      feed(conn, bytes);
      expect(log.events).toEqual([{ type: 'open' }, { type: 'message', data: utf8('first'), isText: true }]);
      return log.takeWritten();
    })();
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const { conn, log } = serverConnection(['chat']);
      feed(conn, bytes, [cut, cut + 1]);
      expect(log.events).toEqual([{ type: 'open' }, { type: 'message', data: utf8('first'), isText: true }]);
      expect(log.takeWritten()).toEqual(expectedAnswer);
    }
  });

  const badRequests: [string, string, number][] = [
    ['no Upgrade header', RFC_REQUEST.replace('Upgrade: websocket\r\n', ''), 400],
    ['version 8', RFC_REQUEST.replace('Version: 13', 'Version: 8'), 426],
    ['POST', RFC_REQUEST.replace('GET', 'POST'), 405],
    ['a bad key', RFC_REQUEST.replace('dGhlIHNhbXBsZSBub25jZQ==', 'short'), 400],
  ];
  it.each(badRequests)('[6455-10.7-4, 6455-7.2.2-1] a request with %s: HTTP error written, error event, transport closed', (_name, request, status) => {
    const { conn, log } = serverConnection();
    feed(conn, concat(utf8(request), clientFrame({ opcode: Opcode.Text, payload: utf8('smuggled') })));
    const answer = latin1.decode(log.takeWritten());
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    if (status === 426) expect(answer).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/i);
    expect(log.events.map((e) => e.type)).toEqual(['error', 'closeTransport']);
    expect(log.ofType('error')[0]).toMatchObject({ kind: 'handshake', code: status });
    expect(log.ofType('closeTransport')[0]!.immediately).toBe(true);
    expect(conn.readyState).not.toBe(ReadyState.OPEN);
    expect(() => conn.send(utf8('x'), true)).toThrow(TypeError);
  });

  it('[6455-7.2.2-1, 6455-10.7-2] after a refused request, later bytes are not processed as frames', () => {
    const { conn, log } = serverConnection();
    feed(conn, utf8(RFC_REQUEST.replace('Version: 13', 'Version: 7')));
    log.takeWritten();
    const before = log.events.length;
    feed(conn, clientFrame({ opcode: Opcode.Text, payload: utf8('smuggled') }));
    feed(conn, clientFrame({ opcode: Opcode.Ping, payload: utf8('p') }));
    feed(conn, utf8('GET / HTTP/1.1\r\n\r\n'));
    expect(log.events.length).toBe(before);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
  });
});

describe('client role (RFC 6455 §4.1)', () => {
  it('[6455-6.1-2] writes the request on startHandshake and opens on a valid response', () => {
    const { conn, log, key } = clientConnection();
    conn.startHandshake();
    const request = latin1.decode(log.takeWritten());
    expect(request.startsWith('GET /chat HTTP/1.1\r\n')).toBe(true);
    expect(request).toMatch(new RegExp(`\\r\\nSec-WebSocket-Key: ${key.replace(/[+/=]/g, '\\$&')}\\r\\n`, 'i'));
    expect(() => conn.send(utf8('too early'), true)).toThrow(TypeError);
    feed(conn, concat(response(computeAccept(key, sha1)), frame({ opcode: Opcode.Text, payload: utf8('welcome') })));
    expect(log.events).toEqual([{ type: 'open' }, { type: 'message', data: utf8('welcome'), isText: true }]);
    expect(conn.readyState).toBe(ReadyState.OPEN);
  });

  it('[6455-7.2.1-1, 6455-7.1.7-1] a wrong Sec-WebSocket-Accept fails the connection: error event, transport closed, nothing sent', () => {
    const { conn, log } = clientConnection();
    conn.startHandshake();
    log.takeWritten();
    feed(conn, response('HSmrc0sMlYUkAGmm5OPpG2HaGWk=')); // the accept for another key (RFC 6455 §1.2's)
    expect(log.events.map((e) => e.type)).toEqual(['error', 'closeTransport']);
    expect(log.ofType('error')[0]!.kind).toBe('handshake');
    expect(log.ofType('closeTransport')[0]!.immediately).toBe(true);
    expect(log.takeWritten()).toEqual(new Uint8Array(0)); // no close frame before the connection existed
    expect(conn.readyState).not.toBe(ReadyState.OPEN);
  });

  it('[6455-7.2.1-1, 6455-7.1.7-5] after a refused response, frames that follow it are not processed', () => {
    const { conn, log } = clientConnection();
    conn.startHandshake();
    log.takeWritten();
    feed(conn, concat(response('AAAAAAAAAAAAAAAAAAAAAAAAAAA='), frame({ opcode: Opcode.Text, payload: utf8('in the same chunk') })));
    feed(conn, frame({ opcode: Opcode.Text, payload: utf8('in a later chunk') }));
    feed(conn, frame({ opcode: Opcode.Ping }));
    expect(log.ofType('message')).toEqual([]);
    expect(log.events.map((e) => e.type)).toEqual(['error', 'closeTransport']);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
  });

  it('[wsref] close() while CONNECTING abandons the attempt: transport closed, nothing sent, later bytes ignored', () => {
    const { conn, log, key } = clientConnection();
    conn.startHandshake();
    log.takeWritten();
    conn.close();
    expect(log.events).toEqual([{ type: 'closeTransport', immediately: true }]);
    feed(conn, concat(response(computeAccept(key, sha1)), frame({ opcode: Opcode.Text, payload: utf8('x') })));
    expect(log.events).toEqual([{ type: 'closeTransport', immediately: true }]);
    expect(log.takeWritten()).toEqual(new Uint8Array(0));
    expect(conn.transportClosed()).toEqual({ code: 1006, reason: '', wasClean: false });
  });
});

describe('a pair doing the real handshake', () => {
  it('[6455-5.1-7, 6455-6.1-1] client and server open, agree on a subprotocol and exchange messages', () => {
    const pair = handshakePair({ protocols: { client: ['v2', 'v1'], server: ['v1'] } });
    expect(pair.client.log.events).toEqual([{ type: 'open' }]);
    expect(pair.server.log.events).toEqual([{ type: 'open' }]);
    expect(pair.client.conn.protocol).toBe('v1');
    expect(pair.server.conn.protocol).toBe('v1');
    pair.client.conn.send(utf8('hi'), true);
    pair.server.conn.send(utf8('hello'), true);
    expect(decodeFrames(pair.clientToServer())[0]!.masked).toBe(true);
    expect(decodeFrames(pair.serverToClient())[0]!.masked).toBe(false);
    expect(pair.server.log.ofType('message')).toEqual([{ type: 'message', data: utf8('hi'), isText: true }]);
    expect(pair.client.log.ofType('message')).toEqual([{ type: 'message', data: utf8('hello'), isText: true }]);
  });
});
