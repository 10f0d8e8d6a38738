// RFC 6455 §5.3 (Client-to-Server Masking) in C: the optional `bufferutil` addon, the one `ws`
// uses, plugged into the core's masking seam (`useMaskKernel`) when it is installed. It masks in
// place and into another buffer without copies, 2–4× faster than the core's WebAssembly SIMD kernel
// in Node (bench/mask-kernels.ts; docs/framing.md). Absent, or turned off with
// WSREF_NO_BUFFER_UTIL=1, the core's own kernel stays: the bytes are the same either way.

import { activeMaskKernel, useMaskKernel, type MaskKernel } from '../core/index.js';

/** bufferutil's two functions (its README): both XOR with a 4-byte key held in a Buffer. */
interface BufferUtil {
  mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number): void;
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}

/** Below this size a call into the addon costs more than the core's loops (ws draws the line at 32–48 B). */
const BUFFERUTIL_MIN_LENGTH = 64;

/** The addon as a `MaskKernel`. One 4-byte key buffer is reused: no allocation per call. */
export function bufferutilKernel(addon: BufferUtil): MaskKernel {
  const keyBytes = Buffer.alloc(4);
  return {
    name: 'bufferutil',
    minLength: BUFFERUTIL_MIN_LENGTH,
    maskInPlace(data, maskKey) {
      keyBytes.writeUInt32BE(maskKey, 0); // the network-order key: octet 0 first, as on the wire
      addon.unmask(data, keyBytes);
    },
    maskInto(target, offset, source, maskKey) {
      keyBytes.writeUInt32BE(maskKey, 0);
      addon.mask(source, keyBytes, target, offset, source.length);
    },
  };
}

/**
 * The addon, or undefined when it is not installed, is turned off, or is only bufferutil's
 * JavaScript fallback (it ships one for when the native build failed; the core's kernel is faster).
 * Loaded with import(): the same code then works in the ES module and the CommonJS builds.
 */
export async function loadBufferUtil(): Promise<BufferUtil | undefined> {
  if (process.env.WSREF_NO_BUFFER_UTIL) return undefined;
  const specifier = 'bufferutil'; // optional: a variable, so no build step insists that it exists
  try {
    const loaded = (await import(specifier)) as { default?: BufferUtil } & Partial<BufferUtil>;
    const addon = (loaded.default ?? loaded) as BufferUtil;
    const isNative = typeof addon.mask === 'function' && typeof addon.unmask === 'function' && /\[native code\]/.test(String(addon.mask));
    return isNative ? addon : undefined;
  } catch {
    return undefined; // not installed
  }
}

/** Settles once the addon is in place (or known to be absent), with the name of the kernel then in use. */
export const nativeMaskReady: Promise<string> = loadBufferUtil().then((addon) => {
  if (addon !== undefined) useMaskKernel(bufferutilKernel(addon));
  return activeMaskKernel();
});
