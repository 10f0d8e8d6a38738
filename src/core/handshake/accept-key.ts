// RFC 6455 §4 (Opening Handshake), the proof both sides share: the Sec-WebSocket-Key nonce
// (§4.1 step 7) and the Sec-WebSocket-Accept answer (§1.3, §4.2.2 step 5.4).

import { encodeBase64 } from './base64.js';
import { trimOws } from './header-fields.js';

/** SHA-1 (FIPS 180-3), injected so the core needs no platform crypto: 20-byte digest of `data`. */
export type Sha1 = (data: Uint8Array) => Uint8Array;

/** The GUID appended to the key before hashing (RFC 6455 §1.3, §4.2.2). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The only protocol version this implementation speaks (RFC 6455 §4.1 step 9, §4.4). */
export const WEBSOCKET_VERSION = 13;

/**
 * Makes a fresh Sec-WebSocket-Key: 16 random bytes, base64-encoded (RFC 6455 §4.1 step 7).
 * `randomBytes(n)` must return `n` unpredictable bytes (e.g. `crypto.getRandomValues`); call this
 * once per connection, since the nonce MUST be new each time. Throws `TypeError` if `randomBytes`
 * returns the wrong number of bytes.
 */
export function generateKey(randomBytes: (n: number) => Uint8Array): string {
  const nonce = randomBytes(16);
  if (!(nonce instanceof Uint8Array) || nonce.length !== 16) {
    throw new TypeError('randomBytes(16) must return a Uint8Array of 16 bytes');
  }
  return encodeBase64(nonce);
}

/**
 * The Sec-WebSocket-Accept value for a Sec-WebSocket-Key: base64(SHA-1(key + GUID))
 * (RFC 6455 §4.2.2 step 5.4). The key is used as text, not base64-decoded, without leading or
 * trailing whitespace (§1.3). Example from the RFC: `dGhlIHNhbXBsZSBub25jZQ==` gives
 * `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`.
 */
export function computeAccept(key: string, sha1: Sha1): string {
  const digest = sha1(new TextEncoder().encode(trimOws(key) + WEBSOCKET_GUID));
  if (digest.length !== 20) throw new TypeError('sha1 must return a 20-byte digest');
  return encodeBase64(digest);
}

