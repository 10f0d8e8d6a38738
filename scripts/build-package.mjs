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
//   node scripts/build-package.mjs --if-missing  only when there is no build yet: npm's `prepare`,
//                                                which npm runs when it installs wsref from a git
//                                                URL (a fresh clone, so it builds), and on every
//                                                `npm install`/`npm ci` in a clone (where the
//                                                first one builds and later ones cost nothing; the
//                                                clone's own `wsref` runs src/ through tsx anyway)

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builds = [
  { config: 'tsconfig.build.json', out: 'dist/esm' },
  { config: 'tsconfig.build.cjs.json', out: 'dist/cjs' },
];
const CJS_MARKER = path.join(root, 'dist', 'cjs', 'package.json');

function compile(config) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p ${config} exited with ${code}`))));
  });
}

// dist/cjs/package.json is written last, so it marks a complete build.
if (process.argv.includes('--if-missing') && existsSync(CJS_MARKER)) {
  console.log('[build] dist/ exists; `npm run build` (or `npm pack`) rebuilds it');
  process.exit(0);
}
const started = Date.now();
for (const { out } of builds) rmSync(path.join(root, out), { recursive: true, force: true });
// The two compilations are independent: run them side by side.
await Promise.all(builds.map(({ config }) => compile(config)));
mkdirSync(path.dirname(CJS_MARKER), { recursive: true });
writeFileSync(CJS_MARKER, `${JSON.stringify({ type: 'commonjs' })}\n`);
console.log(`[build] dist/esm and dist/cjs built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
