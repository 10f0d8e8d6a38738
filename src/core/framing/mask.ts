// RFC 6455 §5.3 (Client-to-Server Masking): every byte of a client frame's payload is XORed
// with byte (i mod 4) of a 4-byte key. Masking and unmasking are the same operation.
//
// Speed matters here (it touches every payload byte a server receives and a client sends),
// so the bulk of the work is done 4 bytes at a time on 32-bit words. The key is held as a
// 32-bit number in network byte order (key byte 0 in the most significant position).

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Below this many bytes the plain byte loop beats setting up a word view. */
const WORD_LOOP_THRESHOLD = 32;

/** Key byte `i` (0–3) of a 32-bit network-order key. */
function keyByte(maskKey: number, i: number): number {
  return (maskKey >>> (24 - 8 * (i & 3))) & 0xff;
}

/** The key rotated so that key byte `phase` comes first: what applies from a payload position ≡ phase (mod 4). */
function rotateKey(maskKey: number, phase: number): number {
  const shift = 8 * (phase & 3);
  return shift === 0 ? maskKey >>> 0 : ((maskKey << shift) | (maskKey >>> (32 - shift))) >>> 0;
}

/** A network-order key as the word a native-endian Uint32Array reads over the same bytes. */
function nativeWord(networkKey: number): number {
  if (!LITTLE_ENDIAN) return networkKey;
  return (
    ((networkKey & 0xff) << 24) |
    ((networkKey & 0xff00) << 8) |
    ((networkKey >>> 8) & 0xff00) |
    (networkKey >>> 24)
  );
}

/**
 * XORs `data` in place with the mask, as if `data` started at byte `position` of the frame
 * payload (so a payload that arrives in pieces can be unmasked piece by piece).
 * Returns nothing: the bytes of `data` are changed.
 */
export function maskInPlace(data: Uint8Array, maskKey: number, position = 0): void {
  const length = data.length;
  let i = 0;
  if (length >= WORD_LOOP_THRESHOLD) {
    // Walk bytes until the view is 4-byte aligned, then do words, then the tail.
    const misalignment = (4 - (data.byteOffset & 3)) & 3;
    for (; i < misalignment; i++) data[i] ^= keyByte(maskKey, position + i);
    const words = (length - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const word = nativeWord(rotateKey(maskKey, position + i));
    // Four words per iteration: V8 runs this about twice as fast as one word per iteration
    // (measured with bench/: masking is most of a large message's CPU time without native help).
    const unrolledWords = words & ~3;
    let w = 0;
    for (; w < unrolledWords; w += 4) {
      view[w] ^= word;
      view[w + 1] ^= word;
      view[w + 2] ^= word;
      view[w + 3] ^= word;
    }
    for (; w < words; w++) view[w] ^= word;
    i += words << 2;
  }
  for (; i < length; i++) data[i] ^= keyByte(maskKey, position + i);
}

/**
 * Writes `source` XOR mask into `target[offset…]`, leaving `source` untouched: the client's
 * send path, which must not modify the application's buffer and needs a copy anyway.
 */
export function maskInto(target: Uint8Array, offset: number, source: Uint8Array, maskKey: number): void {
  target.set(source, offset);
  maskInPlace(target.subarray(offset, offset + source.length), maskKey, 0);
}
