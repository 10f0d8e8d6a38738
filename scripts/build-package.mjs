// Builds what the npm package ships: one TypeScript source (src/), two thin compilations of it.
//
//   dist/esm/  ES modules      (tsconfig.build.json)      ← `import … from 'wsref'`, the wsref bin
//   dist/cjs/  CommonJS        (tsconfig.build.cjs.json)  ← `require('wsref')`
//
// Each comes with declarations (.d.ts) and declaration maps, and source maps that point into the
// shipped src/. dist/cjs/ gets a package.json saying {"type": "commonjs"}: Node then loads its .js
// files as CommonJS although the package itself is "type": "module", and TypeScript (under
// `module: nodenext`) reads its .d.ts files as CommonJS declarations.
//
//   node scripts/build-package.mjs             clean build (npm's `prepack`: every tarball is fresh)
//   node scripts/build-package.mjs --if-stale  only when dist/ is missing or older than a source
//                                              (npm's `prepare`; see "Installing" in README.md)

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builds = [
  { config: 'tsconfig.build.json', out: 'dist/esm' },
  { config: 'tsconfig.build.cjs.json', out: 'dist/cjs' },
];
const CJS_MARKER = path.join(root, 'dist', 'cjs', 'package.json');

/** The newest modification time of any file under `entry`. */
function newestTime(entry) {
  const info = statSync(entry);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(0, ...readdirSync(entry).map((name) => newestTime(path.join(entry, name))));
}

/** Why the build must run, or undefined when dist/ is newer than every input. */
function staleness() {
  let built;
  try {
    built = statSync(CJS_MARKER).mtimeMs; // written last, so it dates the whole build
  } catch {
    return 'there is no build in dist/ yet';
  }
  const inputs = ['src', 'tsconfig.json', ...builds.map((b) => b.config)].map((p) => path.join(root, p));
  return inputs.some((input) => newestTime(input) > built) ? 'a source changed since the last build' : undefined;
}

function compile(config) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p ${config} exited with ${code}`))));
  });
}

if (process.argv.includes('--if-stale')) {
  const reason = staleness();
  if (reason === undefined) {
    console.log('[build] dist/ is up to date');
    process.exit(0);
  }
  console.log(`[build] building dist/: ${reason}`);
}
const started = Date.now();
for (const { out } of builds) rmSync(path.join(root, out), { recursive: true, force: true });
// The two compilations are independent: run them side by side.
await Promise.all(builds.map(({ config }) => compile(config)));
mkdirSync(path.dirname(CJS_MARKER), { recursive: true });
writeFileSync(CJS_MARKER, `${JSON.stringify({ type: 'commonjs' })}\n`);
console.log(`[build] dist/esm and dist/cjs built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
