// RFC 6455 §5.3 masking behind the seam of src/core/framing/mask.ts: the WebAssembly SIMD kernel
// (mask-simd.wat) must give exactly the bytes of the §5.3 definition and of the JavaScript
// reference loops, at every length, alignment and phase; the public functions hand a payload to
// the kernel from its minLength on and to the reference below it or when no kernel is installed.
import { afterEach, describe, expect, it } from 'vitest';
import {
  activeMaskKernel,
  maskInPlace,
  maskInPlaceReference,
  maskInto,
  maskIntoReference,
  REFERENCE_MASK_KERNEL,
  useMaskKernel,
  type MaskKernel,
} from '../../src/core/framing/mask.js';
import { loadSimdMaskKernel, SIMD_MIN_LENGTH } from '../../src/core/framing/mask-simd.js';
import { firstDifference, pseudoRandomBytes } from '../helpers/core-pair.js';
import { checkKernelAgainstDefinition, keyAtPhase, LARGE_LENGTHS, naiveMask, SMALL_LENGTHS } from './mask-kernel-checks.js';

const loadedAtStart = activeMaskKernel();
const simd = loadSimdMaskKernel();
afterEach(() => useMaskKernel(simd)); // what the core installs at load

/** The real kernel with a count of the calls it took (to see where the seam sends a payload). */
function counting(kernel: MaskKernel): MaskKernel & { calls: number } {
  const counted = {
    name: kernel.name,
    minLength: kernel.minLength,
    calls: 0,
    maskInPlace(data: Uint8Array, key: number) {
      counted.calls++;
      kernel.maskInPlace(data, key);
    },
    maskInto(target: Uint8Array, offset: number, source: Uint8Array, key: number) {
      counted.calls++;
      kernel.maskInto(target, offset, source, key);
    },
  };
  return counted;
}

describe('the WebAssembly SIMD masking kernel (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-6.2-7] loads in Node 20 (WebAssembly.validate accepts its SIMD) and is what the core installs at start', () => {
    expect(simd).toBeDefined();
    expect(simd!.name).toBe('wasm-simd');
    expect(loadedAtStart).toBe('wasm-simd');
  });

  it('[6455-5.3-1, 6455-6.2-7] equals the §5.3 definition for lengths 0–300 at every byteOffset 0–7 and phase 0–3, in place and into', () => {
    expect(checkKernelAgainstDefinition(simd!, SMALL_LENGTHS)).toBe(301 * 8 * 12);
  });

  it('[6455-5.3-1, 6455-6.2-7] equals the §5.3 definition across its 64 KiB chunks and for 1 MiB, at several alignments', () => {
    expect(checkKernelAgainstDefinition(simd!, LARGE_LENGTHS, [0, 3, 6])).toBe(LARGE_LENGTHS.length * 3 * 7);
  });

  it('[6455-5.3-1, 6455-6.2-7] gives the same bytes as the JavaScript reference loops on random payloads, keys and positions', () => {
    let seed = 1;
    for (let round = 0; round < 200; round++) {
      const length = (seed = (seed * 1103515245 + 12345) >>> 0) % 5000;
      const key = (seed = (seed * 1103515245 + 12345) >>> 0);
      const position = seed % 1000;
      const byteOffset = (seed >>> 8) & 7;
      const content = pseudoRandomBytes(length, seed);
      const viaKernel = new Uint8Array(length + 8).subarray(byteOffset, byteOffset + length);
      viaKernel.set(content);
      simd!.maskInPlace(viaKernel, keyAtPhase(key, position));
      const viaReference = content.slice();
      maskInPlaceReference(viaReference, key, position);
      expect(firstDifference(viaKernel, viaReference)).toBe(-1);
      const into = new Uint8Array(length + 11);
      simd!.maskInto(into, byteOffset + 3, content, key);
      const intoReference = new Uint8Array(length + 11);
      maskIntoReference(intoReference, byteOffset + 3, content, key);
      expect(firstDifference(into, intoReference)).toBe(-1);
    }
  });
});

describe('the masking seam of mask.ts (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-6.2-7] the kernel takes payloads from its minLength on, the reference loops the shorter ones', () => {
    const kernel = counting(simd!);
    useMaskKernel(kernel);
    expect(activeMaskKernel()).toBe('wasm-simd');
    expect(activeMaskKernel(SIMD_MIN_LENGTH)).toBe('wasm-simd');
    expect(activeMaskKernel(SIMD_MIN_LENGTH - 1)).toBe(REFERENCE_MASK_KERNEL);
    const short = pseudoRandomBytes(SIMD_MIN_LENGTH - 1, 2);
    maskInPlace(short.slice(), 1);
    maskInto(new Uint8Array(short.length), 0, short, 1);
    expect(kernel.calls).toBe(0);
    const long = pseudoRandomBytes(SIMD_MIN_LENGTH, 3);
    const unmasked = long.slice();
    maskInPlace(unmasked, 0x01020304, 2);
    expect(unmasked).toEqual(naiveMask(long, 0x01020304, 2)); // the position reaches the kernel as a rotated key
    const target = new Uint8Array(long.length + 5);
    maskInto(target, 5, long, 0x01020304);
    expect(target.subarray(5)).toEqual(naiveMask(long, 0x01020304));
    expect(kernel.calls).toBe(2);
  });

  it('[6455-5.3-1, 6455-6.2-7] with the kernel removed, the reference loops mask every length, and equal the §5.3 definition', () => {
    useMaskKernel(undefined);
    expect(activeMaskKernel()).toBe(REFERENCE_MASK_KERNEL);
    const publicFunctions = {
      maskInPlace: (data: Uint8Array, key: number) => maskInPlace(data, key),
      maskInto: (target: Uint8Array, offset: number, source: Uint8Array, key: number) => maskInto(target, offset, source, key),
    };
    expect(checkKernelAgainstDefinition(publicFunctions, SMALL_LENGTHS)).toBe(301 * 8 * 12);
    expect(checkKernelAgainstDefinition(publicFunctions, [4099, 65537], [0, 1, 2, 3])).toBe(2 * 4 * 8);
  });

  it('[6455-5.3-1, 6455-6.2-7] through the public functions with the kernel installed: every phase and alignment, both sides of its minLength', () => {
    const lengths = [SIMD_MIN_LENGTH - 2, SIMD_MIN_LENGTH - 1, SIMD_MIN_LENGTH, SIMD_MIN_LENGTH + 1, 1000, 70000];
    for (const length of lengths) {
      const content = pseudoRandomBytes(length, length);
      for (let byteOffset = 0; byteOffset < 8; byteOffset++) {
        for (let position = 0; position < 4; position++) {
          const view = new Uint8Array(length + 8).subarray(byteOffset, byteOffset + length);
          view.set(content);
          maskInPlace(view, 0xdeadbeef, position + 4 * 1000);
          expect(firstDifference(view, naiveMask(content, 0xdeadbeef, position))).toBe(-1);
        }
      }
    }
  });
});
