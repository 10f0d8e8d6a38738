// RFC 4648 §4 (base64), as RFC 6455 §4.1 and §4.2.2 use it for Sec-WebSocket-Key and
// Sec-WebSocket-Accept. Built on the global `btoa`, which browsers and Node both provide.

/** Encodes bytes as standard base64 with `=` padding (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  const STEP = 4096;
  for (let i = 0; i < bytes.length; i += STEP) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + STEP) as unknown as number[]);
  }
  return btoa(binary);
}

/**
 * True if `s` is the base64 encoding of exactly 16 bytes: 22 base64 characters and `==`
 * (RFC 6455 §4.2.1 item 5; the ABNF of §4.3 is `base64-value-non-empty`).
 * The unused low bits of the last character are not checked: the RFC's own example key
 * `AQIDBAUGBwgJCgsMDQ4PEC==` (§4.1 step 7) has them set.
 */
export function isBase64Of16Bytes(s: string): boolean {
  if (s.length !== 24 || s.charCodeAt(22) !== 0x3d || s.charCodeAt(23) !== 0x3d) return false;
  for (let i = 0; i < 22; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!ok) return false;
  }
  return true;
}
