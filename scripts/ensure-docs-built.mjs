// Builds the documentation site (Docusaurus, the `docs` script, into website/build/ or
// WSREF_SITE_DIR) when there is no build yet or when a source of the site is newer than it, so
// that `npm install && npm start` serves the docs at / next to the demo and the WebSocket
// endpoints (examples/server.ts), all on one port. `npm start` runs it in a child process beside
// the already listening server (examples/docs-build.ts), which says "being built" at / meanwhile;
// it can also be run by hand.
//
// Sources: docs/ (except the generated docs/api/), website/ (except its build and caches),
// src/ (the API reference and the frame inspector are built from it), and the result files the
// site shows (docs/performance-results.json, autobahn/results/summary.json).
//
// A failed build does not stop `npm start`: the server still runs (with the previous build, or
// with the demo pages only) and the failure is reported. `--strict` makes it fatal;
// WSREF_SKIP_DOCS_BUILD=1 skips the check altogether.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const siteDir = path.resolve(process.env.WSREF_SITE_DIR || path.join(repo, 'website', 'build'));
const buildMarker = path.join(siteDir, 'index.html');
const strict = process.argv.includes('--strict');

/** Directories never looked into: generated output, caches, dependencies. */
const SKIPPED = new Set([
  path.join(repo, 'docs', 'api'),
  path.join(repo, 'website', 'build'),
  siteDir,
  path.join(repo, 'website', '.docusaurus'),
  path.join(repo, 'website', 'node_modules'),
  path.join(repo, 'website', 'screenshots'),
]);

const SOURCES = ['docs', 'website', 'src', 'docs/performance-results.json', 'autobahn/results/summary.json'];

/** The newest modification time under `entry` (a file or a directory), and the file that has it. */
function newest(entry, found = { time: 0, file: '' }) {
  if (SKIPPED.has(entry) || path.basename(entry) === 'node_modules') return found;
  let info;
  try {
    info = statSync(entry);
  } catch {
    return found; // absent: nothing to compare
  }
  if (info.isDirectory()) {
    for (const name of readdirSync(entry)) newest(path.join(entry, name), found);
  } else if (info.mtimeMs > found.time) {
    found.time = info.mtimeMs;
    found.file = entry;
  }
  return found;
}

function reasonToBuild() {
  if (!existsSync(buildMarker)) return `there is no build yet (${path.relative(repo, siteDir) || siteDir}/)`;
  const built = statSync(buildMarker).mtimeMs;
  const latest = { time: 0, file: '' };
  for (const source of SOURCES) newest(path.join(repo, source), latest);
  if (latest.time > built) return `${path.relative(repo, latest.file)} changed since the last build`;
  return undefined;
}

if (process.env.WSREF_SKIP_DOCS_BUILD === '1') {
  console.log('[docs] WSREF_SKIP_DOCS_BUILD=1: not checking the documentation build');
  process.exit(0);
}

const reason = reasonToBuild();
if (reason === undefined) {
  console.log('[docs] the documentation site in website/build/ is up to date');
  process.exit(0);
}

console.log(`[docs] building the documentation site: ${reason} (a few minutes)…`);
const started = Date.now();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// The `docs` script is `npm run build -w website`; called directly here to pass --out-dir.
const result = spawnSync(npm, ['run', 'build', '--workspace', 'website', '--', '--out-dir', siteDir], { cwd: repo, stdio: 'inherit' });
if (result.status === 0) {
  console.log(`[docs] built in ${Math.round((Date.now() - started) / 1000)} s`);
  process.exit(0);
}
const how = result.error ? result.error.message : `npm run docs exited with ${result.status ?? result.signal}`;
console.error(`[docs] the documentation build failed (${how}).`);
if (strict) process.exit(1);
console.error(
  existsSync(buildMarker)
    ? '[docs] serving the previous build; fix the error above and run `npm run docs`.'
    : '[docs] serving the demo pages only (at /demo/); fix the error above and run `npm run docs`.',
);
process.exit(0);
