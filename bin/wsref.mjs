#!/usr/bin/env node
// Launcher for the `wsref` command (src/node/cli.ts), on plain `node`.
//
// In a clone (recognised by tsconfig.json, which the published package does not contain) it runs
// the TypeScript source through tsx, a dev dependency, so edits take effect without a rebuild. In
// an installed package it runs the compiled ESM build, dist/esm/node/cli.js, and needs nothing
// else — even when the project that installed wsref happens to have tsx too.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packageRoot = new URL('../', import.meta.url);
let cli;
if (existsSync(new URL('tsconfig.json', packageRoot))) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('src/node/cli.ts', packageRoot).href);
} else {
  cli = await import(new URL('dist/esm/node/cli.js', packageRoot).href);
}
await cli.runAsProgram(process.argv.slice(2), cli.wsrefVersion(fileURLToPath(packageRoot)));
