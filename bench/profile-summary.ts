// Reads a V8 CPU profile (from `npm run bench -- --profile`, which starts wsref's processes
// with --cpu-prof) and prints where the time went: the functions with the most self time,
// and self time per source file. Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [N]

import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topText] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

// Self time per node: each sample's time delta belongs to the node it hit.
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  const delta = profile.timeDeltas[i + 1] ?? 0;
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
}

const shortUrl = (url: string) => {
  if (!url) return '(native)';
  const clean = url.replace(/^file:\/\//, '');
  const inRepo = clean.indexOf('/src/');
  if (inRepo !== -1) return clean.slice(inRepo + 1);
  if (clean.startsWith('node:')) return clean;
  return path.basename(clean);
};

const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, micros] of selfMicros) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += micros;
  if (functionName === '(idle)') idle += micros;
  const key = `${functionName || '(anonymous)'}  ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  byFile.set(shortUrl(url), (byFile.get(shortUrl(url)) ?? 0) + micros);
}

const busy = total - idle;
const print = (title: string, entries: Map<string, number>, n: number) => {
  console.log(title);
  for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
};
console.log(`${path.basename(file)}: ${(total / 1e6).toFixed(2)} s sampled, ${((100 * busy) / total).toFixed(0)}% busy`);
print(`top ${top} functions by self time:`, byFunction, top);
print('self time by file:', byFile, 15);
