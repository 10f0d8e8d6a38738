// RFC 6455 §5.3 masking through the bufferutil addon (src/node/native-mask.ts), the kernel the Node
// layer puts behind the core's seam when the addon is installed: the same bytes as the §5.3
// definition at every length, alignment and phase, installed once the Node layer loads, and left
// out when WSREF_NO_BUFFER_UTIL is set. bufferutil is a devDependency: a missing addon is skipped
// loudly here and fails under CI=true.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { activeMaskKernel, maskInPlace, maskInto } from '../../src/core/index.js';
import { bufferutilKernel, loadBufferUtil, nativeMaskReady } from '../../src/node/native-mask.js';
import { systemPeerGate } from '../helpers/node-peers.js';
import { checkKernelAgainstDefinition, LARGE_LENGTHS, naiveMask, SMALL_LENGTHS } from './mask-kernel-checks.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const addon = await loadBufferUtil();
const runs = systemPeerGate('the bufferutil addon (npm install)', addon !== undefined);

describe.runIf(runs)('the bufferutil masking kernel (RFC 6455 §5.3)', () => {
  const kernel = bufferutilKernel(addon!);

  it('[6455-5.3-1, 6455-6.2-7] equals the §5.3 definition for lengths 0–300 at every byteOffset 0–7 and phase 0–3, in place and into', () => {
    expect(checkKernelAgainstDefinition(kernel, SMALL_LENGTHS)).toBe(301 * 8 * 12);
  });

  it('[6455-5.3-1, 6455-6.2-7] equals the §5.3 definition for large payloads at several alignments', () => {
    expect(checkKernelAgainstDefinition(kernel, LARGE_LENGTHS, [0, 3, 6])).toBe(LARGE_LENGTHS.length * 3 * 7);
  });

  it('[6455-5.3-1, 6455-6.2-7] the Node layer installs it behind the seam: maskInPlace and maskInto go through it from 64 bytes', async () => {
    expect(await nativeMaskReady).toBe('bufferutil');
    expect(activeMaskKernel(64)).toBe('bufferutil');
    expect(activeMaskKernel(63)).toBe('javascript');
    const content = Uint8Array.from({ length: 1000 }, (_, i) => i * 7);
    const data = content.slice();
    maskInPlace(data, 0x37fa213d, 3);
    expect(data).toEqual(naiveMask(content, 0x37fa213d, 3));
    const target = new Uint8Array(1003);
    maskInto(target, 3, content, 0x37fa213d);
    expect(target.subarray(3)).toEqual(naiveMask(content, 0x37fa213d));
  });

  it('[6455-5.3-1] WSREF_NO_BUFFER_UTIL=1 leaves the core its own kernel', () => {
    const script = "import('./src/node/native-mask.ts').then((m) => m.nativeMaskReady).then((name) => console.log(name))";
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
    const off = run({ WSREF_NO_BUFFER_UTIL: '1' });
    expect(off.stderr).toBe('');
    expect(off.stdout.trim()).toBe('wasm-simd');
    expect(run({}).stdout.trim()).toBe('bufferutil');
  });
});
