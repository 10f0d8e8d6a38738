#!/usr/bin/env node
// Launcher for the `wsref` command (src/node/cli.ts), on plain `node`.
//
// In a clone (recognised by tsconfig.json, which the published package does not contain) it runs
// the TypeScript source through tsx, a dev dependency, so edits take effect without a rebuild. In
// an installed package (or a clone without tsx) it runs the compiled ESM build,
// dist/esm/node/cli.js, and needs nothing else — even when the project that installed wsref
// happens to have tsx too.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageRoot = new URL('../', import.meta.url);

/** tsx's loader when this is a clone that has it; undefined otherwise (e.g. a folder install without dev dependencies). */
async function tsxInClone() {
  if (!existsSync(new URL('tsconfig.json', packageRoot))) return undefined;
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const tsx = await tsxInClone();
let cli;
if (tsx) {
  tsx.register();
  cli = await import(new URL('src/node/cli.ts', packageRoot).href);
} else {
  cli = await import(new URL('dist/esm/node/cli.js', packageRoot).href);
}
await cli.runAsProgram(process.argv.slice(2), cli.wsrefVersion(fileURLToPath(packageRoot)));
