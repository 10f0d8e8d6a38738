// The conformance checks every masking kernel behind mask.ts's seam must pass (RFC 6455 §5.3:
// octet i XOR key octet i mod 4), shared by mask-kernels.test.ts (the WebAssembly SIMD kernel, the
// reference loops) and mask-bufferutil.test.ts (the addon). A kernel takes keys already rotated to
// the payload's phase; the public maskInPlace takes the position itself.
import { expect } from 'vitest';
import type { MaskKernel } from '../../src/core/framing/mask.js';
import { firstDifference, pseudoRandomBytes } from '../helpers/core-pair.js';

/** The definition in §5.3, written as plainly as possible. */
export function naiveMask(data: Uint8Array, maskKey: number, position = 0): Uint8Array {
  const key = [maskKey >>> 24, (maskKey >>> 16) & 0xff, (maskKey >>> 8) & 0xff, maskKey & 0xff];
  return data.map((byte, i) => byte ^ key[(position + i) % 4]!);
}

/** The key that applies from payload position `phase` on (key octet `phase` first). */
export function keyAtPhase(maskKey: number, phase: number): number {
  const key = [maskKey >>> 24, (maskKey >>> 16) & 0xff, (maskKey >>> 8) & 0xff, maskKey & 0xff];
  return ((key[phase % 4]! << 24) | (key[(phase + 1) % 4]! << 16) | (key[(phase + 2) % 4]! << 8) | key[(phase + 3) % 4]!) >>> 0;
}

const CANARY = 0xa5;

/** `content` copied to `byteOffset` inside a larger buffer of canary bytes. */
function placed(content: Uint8Array, byteOffset: number): { view: Uint8Array; backing: Uint8Array } {
  const backing = new Uint8Array(byteOffset + content.length + 72).fill(CANARY);
  const view = backing.subarray(byteOffset, byteOffset + content.length);
  view.set(content);
  return { view, backing };
}

function expectCanaryAround(backing: Uint8Array, start: number, end: number): void {
  expect(backing.subarray(0, start).every((b) => b === CANARY)).toBe(true);
  expect(backing.subarray(end).every((b) => b === CANARY)).toBe(true);
}

/**
 * `kernel.maskInPlace` at every byteOffset 0–7 and phase 0–3 gives the naive bytes and touches
 * nothing outside the view; `kernel.maskInto` at every source byteOffset and target offset 0–7
 * gives the naive bytes and leaves the source as it was. Returns how many cases ran.
 */
export function checkKernelAgainstDefinition(kernel: Pick<MaskKernel, 'maskInPlace' | 'maskInto'>, lengths: Iterable<number>, offsets = [0, 1, 2, 3, 4, 5, 6, 7]): number {
  const maskKey = 0x9e3779b9;
  let cases = 0;
  for (const length of lengths) {
    const content = pseudoRandomBytes(length, length + 7);
    for (const byteOffset of offsets) {
      for (let phase = 0; phase < 4; phase++) {
        const { view, backing } = placed(content, byteOffset);
        kernel.maskInPlace(view, keyAtPhase(maskKey, phase));
        expect(firstDifference(view, naiveMask(content, maskKey, phase)), `maskInPlace length ${length} offset ${byteOffset} phase ${phase}`).toBe(-1);
        expectCanaryAround(backing, byteOffset, byteOffset + length);
        cases++;
      }
      for (const targetOffset of offsets) {
        const { view: source } = placed(content, byteOffset);
        const target = new Uint8Array(targetOffset + length + 72).fill(CANARY);
        kernel.maskInto(target, targetOffset, source, maskKey);
        const written = target.subarray(targetOffset, targetOffset + length);
        expect(firstDifference(written, naiveMask(content, maskKey)), `maskInto length ${length} source ${byteOffset} target ${targetOffset}`).toBe(-1);
        expect(firstDifference(source, content)).toBe(-1);
        expectCanaryAround(target, targetOffset, targetOffset + length);
        cases++;
      }
    }
  }
  return cases;
}

/** Lengths 0–300, then sizes around the WebAssembly kernel's 64 KiB chunks and one of 1 MiB + 5. */
export const SMALL_LENGTHS = Array.from({ length: 301 }, (_, i) => i);
export const LARGE_LENGTHS = [65535, 65536, 65537, 2 * 65536 + 3, (1 << 20) + 5];
