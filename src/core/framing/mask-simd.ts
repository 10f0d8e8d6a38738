// RFC 6455 §5.3 (Client-to-Server Masking) at SIMD speed: the WebAssembly kernel of
// mask-simd.wat behind mask.ts's `MaskKernel` seam. WebAssembly is a global in Node and in
// browsers, so this stays inside the sans-I/O core.
//
// The kernel XORs only its own linear memory, so each call copies the payload in, masks it and
// copies it out, one page (64 KiB) at a time: three passes, two of them memcpy, which still beat
// the JavaScript word loops from about 256 bytes (bench/mask-kernels.ts).

import { MASK_SIMD_WASM } from './mask-simd-module.js';

/** The kernel's memory is one page; a payload goes through it in chunks of this size (a multiple of 64). */
const CHUNK_SIZE = 65536;
/** From this size the three passes beat the reference loops (measured with bench/mask-kernels.ts). */
export const SIMD_MIN_LENGTH = 256;

/** The module's exports, as mask-simd.wat declares them. */
interface MaskModuleExports {
  memory: { buffer: ArrayBuffer };
  mask(length: number, key: number): void;
}

/**
 * The part of the WebAssembly JavaScript API used here. The global exists in Node and in browsers,
 * but the core compiles against lib ES2022 only, which does not describe it.
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

/**
 * The SIMD kernel, or undefined where WebAssembly SIMD is not available (an old engine, or
 * WebAssembly turned off): then mask.ts runs its reference loops. The compile is synchronous,
 * which browsers allow on the main thread for modules this small (170 bytes, under 4 KiB).
 */
export function loadSimdMaskKernel(): {
  name: string;
  minLength: number;
  maskInPlace(data: Uint8Array, maskKey: number): void;
  maskInto(target: Uint8Array, offset: number, source: Uint8Array, maskKey: number): void;
} | undefined {
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(MASK_SIMD_WASM)) return undefined;
  let exports: MaskModuleExports;
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(MASK_SIMD_WASM), {}).exports as unknown as MaskModuleExports;
  } catch {
    return undefined; // e.g. a content security policy without 'wasm-unsafe-eval'
  }
  const scratch = new Uint8Array(exports.memory.buffer, 0, CHUNK_SIZE);
  const mask = exports.mask;

  /** Masks `source` into `target[offset…]` through the scratch page; `source` and `target` may be the same bytes. */
  const maskThrough = (target: Uint8Array, offset: number, source: Uint8Array, maskKey: number): void => {
    const length = source.length;
    // Every chunk but the last is a multiple of 4 bytes long, so each starts at key byte 0.
    for (let done = 0; done < length; done += CHUNK_SIZE) {
      const size = Math.min(CHUNK_SIZE, length - done);
      scratch.set(size === length ? source : source.subarray(done, done + size));
      mask(size, maskKey);
      target.set(size === CHUNK_SIZE ? scratch : scratch.subarray(0, size), offset + done);
    }
  };

  return {
    name: 'wasm-simd',
    minLength: SIMD_MIN_LENGTH,
    maskInPlace: (data, maskKey) => maskThrough(data, 0, data, maskKey),
    maskInto: maskThrough,
  };
}
