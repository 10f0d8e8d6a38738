// RFC 6455 §5.3's WebAssembly SIMD kernel is committed twice: as source (mask-simd.wat) and as the
// bytes the core loads (mask-simd-module.ts, generated). Rebuilding from the source with wabt, the
// way `npm run build:mask` does, must give exactly the committed module, so the two never drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MASK_SIMD_WASM } from '../../src/core/framing/mask-simd-module.js';
import { compileMaskWat, expectedMaskModule, MODULE_PATH, WAT_PATH } from '../../scripts/build-mask-wasm.js';

describe('the WebAssembly SIMD masking kernel, built from its source (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-6.2-7] compiling mask-simd.wat gives exactly the committed mask-simd-module.ts', async () => {
    expect(readFileSync(MODULE_PATH, 'utf8')).toBe(await expectedMaskModule());
    expect(await compileMaskWat(readFileSync(WAT_PATH, 'utf8'))).toEqual(MASK_SIMD_WASM);
  });

  it('[6455-5.3-1, 6455-6.2-7] the module is small enough for a synchronous compile on a browser main thread (under 4 KiB) and uses SIMD', async () => {
    expect(MASK_SIMD_WASM.length).toBeLessThan(4096);
    // Without the SIMD feature wabt refuses the source: the kernel really is v128 code.
    await expect(compileWithoutSimd()).rejects.toThrow();
  });
});

async function compileWithoutSimd(): Promise<void> {
  const wabt = await (await import('wabt')).default();
  const parsed = wabt.parseWat('mask-simd.wat', readFileSync(WAT_PATH, 'utf8'), { simd: false });
  try {
    parsed.toBinary({});
  } finally {
    parsed.destroy();
  }
}
