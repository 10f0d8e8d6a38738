#!/usr/bin/env node
// Launcher for the `wsref` command (src/node/cli.ts). After `npm run build` (and in the
// published package) it runs the compiled dist/src/node/cli.js; in a fresh clone after
// `npm install`, it runs the TypeScript source through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/node/cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/node/cli.ts', import.meta.url).href);
}
await cli.runAsProgram(process.argv.slice(2));
