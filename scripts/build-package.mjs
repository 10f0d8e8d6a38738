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
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builds = [
  { config: 'tsconfig.build.json', name: 'esm' },
  { config: 'tsconfig.build.cjs.json', name: 'cjs' },
];
const CJS_MARKER = path.join(root, 'dist', 'cjs', 'package.json');

function compile(config, outDir) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', config, '--outDir', outDir], { cwd: root, stdio: 'inherit' });
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
// Compile into a private folder beside dist/ (the same depth, so source-map paths stay right) and
// move the result in at the end: installs running side by side on one checkout (docker-compose's
// containers share the folder) never see, or break, each other's half-written output.
const staging = path.join(root, `dist-building-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
try {
  // The two compilations are independent: run them side by side.
  await Promise.all(builds.map(({ config, name }) => compile(config, path.join(staging, name))));
  writeFileSync(path.join(staging, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  if (process.argv.includes('--if-missing') && existsSync(CJS_MARKER)) {
    console.log('[build] another install finished dist/ meanwhile; keeping that one');
  } else {
    mkdirSync(path.join(root, 'dist'), { recursive: true });
    rmSync(CJS_MARKER, { force: true }); // dist/ is incomplete from here until the last rename
    for (const { name } of builds) {
      rmSync(path.join(root, 'dist', name), { recursive: true, force: true });
      renameSync(path.join(staging, name), path.join(root, 'dist', name)); // cjs last: its package.json marks a complete build
    }
    console.log(`[build] dist/esm and dist/cjs built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(staging, { recursive: true, force: true });
}
