// Tests for src/core/uri.ts — RFC 6455 §3 (WebSocket URIs), §11.1 (encoding of ws/wss URIs).
import { describe, expect, it } from 'vitest';
import { parseWebSocketUri } from '../../src/core/handshake/uri.js';

describe('parseWebSocketUri (RFC 6455 §3)', () => {
  it('[6455-3-1] defaults the port to 80 for ws and 443 for wss', () => {
    expect(parseWebSocketUri('ws://example.com/chat')).toEqual({
      secure: false,
      host: 'example.com',
      port: 80,
      resourceName: '/chat',
      hostHeader: 'example.com',
    });
    expect(parseWebSocketUri('wss://example.com/chat')).toEqual({
      secure: true,
      host: 'example.com',
      port: 443,
      resourceName: '/chat',
      hostHeader: 'example.com',
    });
  });

  it('[6455-3-1] keeps an explicit port, and names it in the Host value only when it is not the default', () => {
    const u = parseWebSocketUri('ws://example.com:8080/');
    expect(u.port).toBe(8080);
    expect(u.hostHeader).toBe('example.com:8080');
    // An explicit default port is the same URI as no port.
    expect(parseWebSocketUri('wss://example.com:443/').hostHeader).toBe('example.com');
    // 443 is not the default for ws.
    expect(parseWebSocketUri('ws://example.com:443/').hostHeader).toBe('example.com:443');
  });

  it('[wsref] sets the secure flag for wss in any letter case (the scheme is case-insensitive)', () => {
    expect(parseWebSocketUri('WSS://Example.COM/').secure).toBe(true);
    expect(parseWebSocketUri('Ws://example.com/').secure).toBe(false);
    expect(parseWebSocketUri('WSS://Example.COM/').host).toBe('example.com');
  });

  it('[wsref] maps http to ws and https to wss, as the WHATWG WebSocket constructor does', () => {
    expect(parseWebSocketUri('http://example.com/a')).toMatchObject({ secure: false, port: 80 });
    expect(parseWebSocketUri('https://example.com/a')).toMatchObject({ secure: true, port: 443 });
  });

  it('[wsref] builds the resource name: "/" for an empty path, "?query" only when the query is non-empty', () => {
    expect(parseWebSocketUri('ws://example.com').resourceName).toBe('/');
    expect(parseWebSocketUri('ws://example.com?x=1').resourceName).toBe('/?x=1');
    expect(parseWebSocketUri('ws://example.com/a/b?x=1&y=2').resourceName).toBe('/a/b?x=1&y=2');
    expect(parseWebSocketUri('ws://example.com/a?').resourceName).toBe('/a');
  });

  it('[wsref] gives IPv6 hosts without brackets, and brackets them in the Host value', () => {
    expect(parseWebSocketUri('ws://[::1]:9000/x')).toMatchObject({ host: '::1', port: 9000, hostHeader: '[::1]:9000' });
    expect(parseWebSocketUri('wss://[2001:db8::1]/')).toMatchObject({ host: '2001:db8::1', port: 443, hostHeader: '[2001:db8::1]' });
  });

  it('[6455-3-2] rejects any fragment identifier, including an empty one', () => {
    expect(() => parseWebSocketUri('ws://example.com/chat#frag')).toThrow(TypeError);
    expect(() => parseWebSocketUri('ws://example.com/chat#')).toThrow(/fragment/);
    expect(() => parseWebSocketUri('ws://example.com/?q=a#b')).toThrow(/fragment/);
  });

  it('[6455-3-3] a "#" that is data travels escaped as %23 and is kept escaped in the resource name', () => {
    const u = parseWebSocketUri('ws://example.com/room%23one?tag=%23x');
    expect(u.resourceName).toBe('/room%23one?tag=%23x');
  });

  it('[6455-4.1-3] [6455-4.1-4] rejects URIs whose components are invalid, so the client fails before connecting', () => {
    for (const bad of ['ftp://example.com/', 'file:///etc/passwd', 'mailto:a@b', 'example.com/chat', '/chat', '', 'ws://', 'ws://exa mple.com/', 'ws://example.com:99999/', 'ws://example.com:0/']) {
      expect(() => parseWebSocketUri(bad), bad).toThrow(TypeError);
    }
  });

  it('[wsref] names the problem in the error message', () => {
    expect(() => parseWebSocketUri('ftp://example.com/')).toThrow(/scheme "ftp"/);
    expect(() => parseWebSocketUri('not a uri')).toThrow(/not an absolute URI/);
  });

  it('[wsref] refuses user credentials, which the ws-URI grammar has no place for', () => {
    expect(() => parseWebSocketUri('ws://user:pass@example.com/')).toThrow(/Authorization/);
  });

  it('[6455-11.1.1-1] [6455-11.1.2-1] converts a non-ASCII host to ASCII (IDNA)', () => {
    expect(parseWebSocketUri('ws://bücher.example/').host).toBe('xn--bcher-kva.example');
    expect(parseWebSocketUri('wss://bücher.example:8443/').hostHeader).toBe('xn--bcher-kva.example:8443');
  });

  it('[6455-11.1.1-2] [6455-11.1.2-2] percent-encodes the UTF-8 bytes of non-ASCII characters in path and query', () => {
    expect(parseWebSocketUri('ws://example.com/ü?q=é').resourceName).toBe('/%C3%BC?q=%C3%A9');
    expect(parseWebSocketUri('wss://example.com/a b').resourceName).toBe('/a%20b');
  });

  it('[wsref] cannot be tricked into a resource name with CR/LF (header injection)', () => {
    const u = parseWebSocketUri('ws://example.com/a\r\nX-Evil: 1');
    expect(u.resourceName).not.toMatch(/[\r\n ]/);
  });
});
