#!/usr/bin/env node
// Launcher for the `wsref` command (src/node/cli.ts). In a clone with dev dependencies it
// runs the TypeScript source through tsx, so edits take effect without a rebuild; in the
// published package (no tsx) it runs the compiled dist/src/node/cli.js.
let cli;
try {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/node/cli.ts', import.meta.url).href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  cli = await import(new URL('../dist/src/node/cli.js', import.meta.url).href);
}
await cli.runAsProgram(process.argv.slice(2));
