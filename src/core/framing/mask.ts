// RFC 6455 §5.3 (Client-to-Server Masking): every byte of a client frame's payload is XORed
// with byte (i mod 4) of a 4-byte key. Masking and unmasking are the same operation.
//
// Two layers. The loops below are the readable reference: 4 bytes at a time on 32-bit words,
// in plain JavaScript. Behind the seam (`useMaskKernel`) a fast kernel may take the payloads at
// or above its `minLength`: by default the WebAssembly SIMD kernel of mask-simd.ts (Node and
// browsers); the Node layer swaps in the `bufferutil` addon when it is installed
// (src/node/native-mask.ts). Below the threshold, and where no kernel loads, the reference runs.
// The key is held as a 32-bit number in network byte order (key byte 0 most significant).

import { loadSimdMaskKernel } from './mask-simd.js';

/**
 * The seam: a fast implementation of the two operations, for keys already rotated to the
 * payload's phase (the first byte it gets is XORed with key byte 0). Kernels must give exactly
 * the reference's bytes (spec-tests/core/mask-kernels.test.ts holds every kernel to that).
 */
export interface MaskKernel {
  /** Shown by `activeMaskKernel()`: 'wasm-simd', 'bufferutil', … */
  readonly name: string;
  /** Payloads shorter than this stay on the reference loops, where the call costs more than it saves. */
  readonly minLength: number;
  /** XORs `data` in place with the key repeated from its first byte. */
  maskInPlace(data: Uint8Array, maskKey: number): void;
  /** Writes `source` XOR the key into `target[offset…]`, leaving `source` as it was. */
  maskInto(target: Uint8Array, offset: number, source: Uint8Array, maskKey: number): void;
}

/** The name `activeMaskKernel()` gives when only the reference loops run. */
export const REFERENCE_MASK_KERNEL = 'javascript';

let kernel: MaskKernel | undefined = loadSimdMaskKernel();

/** Puts `fastKernel` behind `maskInPlace`/`maskInto` (`undefined`: the reference loops only). */
export function useMaskKernel(fastKernel: MaskKernel | undefined): void {
  kernel = fastKernel;
}

/** The kernel that takes payloads of `length` bytes (default: any length it takes at all). */
export function activeMaskKernel(length = Infinity): string {
  return kernel !== undefined && length >= kernel.minLength ? kernel.name : REFERENCE_MASK_KERNEL;
}

/**
 * XORs `data` in place with the mask, as if `data` started at byte `position` of the frame
 * payload (so a payload that arrives in pieces can be unmasked piece by piece).
 * Returns nothing: the bytes of `data` are changed.
 */
export function maskInPlace(data: Uint8Array, maskKey: number, position = 0): void {
  if (kernel !== undefined && data.length >= kernel.minLength) kernel.maskInPlace(data, rotateKey(maskKey, position));
  else maskInPlaceReference(data, maskKey, position);
}

/**
 * Writes `source` XOR mask into `target[offset…]` in one pass, leaving `source` untouched, as if
 * `source` started at byte `position` of the frame payload. Two users: the client's send path,
 * which must not modify the application's buffer (never copy-then-mask), and the receive path,
 * which unmasks a piece as it copies it into the message (one pass over the bytes, not two).
 */
export function maskInto(target: Uint8Array, offset: number, source: Uint8Array, maskKey: number, position = 0): void {
  const key = rotateKey(maskKey, position);
  if (kernel !== undefined && source.length >= kernel.minLength) kernel.maskInto(target, offset, source, key);
  else maskIntoReference(target, offset, source, key);
}

// ---- The reference loops ----

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

/** `maskInPlace` in plain JavaScript: bytes until the view is 4-byte aligned, then words, then the tail. */
export function maskInPlaceReference(data: Uint8Array, maskKey: number, position = 0): void {
  const length = data.length;
  let i = 0;
  if (length >= WORD_LOOP_THRESHOLD) {
    const misalignment = (4 - (data.byteOffset & 3)) & 3;
    for (; i < misalignment; i++) data[i] ^= keyByte(maskKey, position + i);
    const words = (length - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const word = nativeWord(rotateKey(maskKey, position + i));
    // Four words per iteration: V8 runs this about twice as fast as one word per iteration.
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
 * `maskInto` in plain JavaScript, one read and one write per byte. When source and target can be
 * word-aligned together (equal `byteOffset & 3`), 32-bit words; otherwise big-endian DataView words,
 * which read and write at any alignment and take the network-order key as it is.
 */
export function maskIntoReference(target: Uint8Array, offset: number, source: Uint8Array, maskKey: number): void {
  const length = source.length;
  const targetStart = target.byteOffset + offset;
  let i = 0;
  if (length >= WORD_LOOP_THRESHOLD && (targetStart & 3) === (source.byteOffset & 3)) {
    const misalignment = (4 - (source.byteOffset & 3)) & 3;
    for (; i < misalignment; i++) target[offset + i] = source[i]! ^ keyByte(maskKey, i);
    const words = (length - i) >>> 2;
    const from = new Uint32Array(source.buffer, source.byteOffset + i, words);
    const to = new Uint32Array(target.buffer, targetStart + i, words);
    const word = nativeWord(rotateKey(maskKey, i));
    const unrolledWords = words & ~3;
    let w = 0;
    for (; w < unrolledWords; w += 4) {
      to[w] = from[w]! ^ word;
      to[w + 1] = from[w + 1]! ^ word;
      to[w + 2] = from[w + 2]! ^ word;
      to[w + 3] = from[w + 3]! ^ word;
    }
    for (; w < words; w++) to[w] = from[w]! ^ word;
    i += words << 2;
  } else if (length >= WORD_LOOP_THRESHOLD) {
    const words = length >>> 2;
    const from = new DataView(source.buffer, source.byteOffset, length);
    const to = new DataView(target.buffer, targetStart, length);
    for (; i < words << 2; i += 4) to.setUint32(i, from.getUint32(i) ^ maskKey);
  }
  for (; i < length; i++) target[offset + i] = source[i]! ^ keyByte(maskKey, i);
}
