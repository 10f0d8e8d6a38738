// RFC 6455 §5.3 masking, kernel against kernel: the JavaScript reference loops, the WebAssembly
// SIMD kernel and the bufferutil addon, for maskInPlace (the server unmasking what it receives)
// and maskInto (the client masking the application's bytes into its frame), aligned and misaligned.
// Run by hand, not a test and not part of `npm run bench`:
//
//   npx tsx bench/mask-kernels.ts [--sizes 16,125,1024] [--runs 7]
//
// Each cell is the median of --runs timed runs (the machine is shared: compare ratios, not GB/s).
import { loadSimdMaskKernel } from '../src/core/framing/mask-simd.js';
import { maskInPlaceReference, maskIntoReference, type MaskKernel } from '../src/core/framing/mask.js';
import { bufferutilKernel, loadBufferUtil } from '../src/node/native-mask.js';

const DEFAULT_SIZES = [16, 125, 1024, 16384, 65536, 1 << 20, 16 << 20];
const option = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const sizes = option('sizes')?.split(',').map(Number) ?? DEFAULT_SIZES;
const runs = Number(option('runs') ?? 7);
const KEY = 0x37fa213d;

/** Every kernel as the two operations with the unrestricted reference signature (minLength ignored: we want each at every size). */
interface Candidate {
  name: string;
  inPlace(data: Uint8Array): void;
  into(target: Uint8Array, offset: number, source: Uint8Array): void;
}
const asCandidate = (kernel: MaskKernel): Candidate => ({
  name: kernel.name,
  inPlace: (data) => kernel.maskInPlace(data, KEY),
  into: (target, offset, source) => kernel.maskInto(target, offset, source, KEY),
});
const candidates: Candidate[] = [
  { name: 'javascript', inPlace: (data) => maskInPlaceReference(data, KEY), into: (t, o, s) => maskIntoReference(t, o, s, KEY) },
];
const simd = loadSimdMaskKernel();
if (simd) candidates.push(asCandidate(simd));
else console.log('WebAssembly SIMD is not available here');
const addon = await loadBufferUtil();
if (addon) candidates.push(asCandidate(bufferutilKernel(addon)));
else console.log('bufferutil is not installed (or WSREF_NO_BUFFER_UTIL is set)');

/** Median nanoseconds per call of `operation`, over `runs` runs of enough calls to touch ~64 MiB (at least 3 calls). */
function medianNanoseconds(size: number, operation: () => void): number {
  const calls = Math.max(3, Math.floor((64 << 20) / Math.max(size, 256)));
  for (let i = 0; i < Math.min(calls, 1000); i++) operation(); // warm up: let V8 optimize
  const perCall: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) operation();
    perCall.push(Number(process.hrtime.bigint() - start) / calls);
  }
  perCall.sort((a, b) => a - b);
  return perCall[perCall.length >> 1]!;
}

/** The four cases: in place or into, with views aligned (byteOffset 0 everywhere) or misaligned (source at 1, target at 2). */
const cases = [
  { operation: 'maskInPlace', aligned: true },
  { operation: 'maskInPlace', aligned: false },
  { operation: 'maskInto', aligned: true },
  { operation: 'maskInto', aligned: false },
] as const;

console.log(`median of ${runs} runs, GB/s (× the javascript reference)`);
console.log(['operation', 'views', 'size', ...candidates.map((c) => c.name)].map((s) => s.padStart(12)).join(''));
for (const { operation, aligned } of cases) {
  for (const size of sizes) {
    const sourceBacking = new Uint8Array(size + 8).fill(0x5a);
    const source = sourceBacking.subarray(aligned ? 0 : 1, (aligned ? 0 : 1) + size);
    const target = new Uint8Array(size + 16);
    const targetOffset = aligned ? 0 : 2;
    const cells: string[] = [];
    let reference = 0;
    for (const candidate of candidates) {
      const ns = medianNanoseconds(size, operation === 'maskInPlace' ? () => candidate.inPlace(source) : () => candidate.into(target, targetOffset, source));
      const gbPerSecond = size / ns;
      if (candidate === candidates[0]) reference = gbPerSecond;
      cells.push(`${gbPerSecond.toFixed(2)} (${(gbPerSecond / reference).toFixed(2)}×)`);
    }
    console.log([operation, aligned ? 'aligned' : 'misaligned', String(size)].map((s) => s.padStart(12)).join('') + cells.map((s) => s.padStart(16)).join(''));
  }
}
