// wsref as a user meets it: `npm pack` (which builds dist/ through `prepack`), then an install of
// that tarball alone — offline, into an empty project with no dev dependencies and no tsx — and
// then the README's example, verbatim, with plain `node` as ESM (.mjs) and as CommonJS (.cjs),
// TypeScript consumers type-checked under `module: nodenext` and `moduleResolution: bundler`,
// the installed `wsref` command, and browser-style code using `WebSocket` from 'wsref'.
// Nothing here reaches a registry: the package has no runtime dependencies (checked below), and
// TypeScript and @types/node come from this repository's own node_modules.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, freePort, run } from './process-kit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The first ```js block under "## Use it" in README.md: the example a learner copies. */
export function readmeExample(readme: string): string {
  const section = readme.split(/^## Use it$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = /^```js\n([\s\S]*?)^```$/m.exec(section);
  if (!block) throw new Error('README.md has no ```js block under "## Use it"');
  return block[1]!;
}

/**
 * The same program as CommonJS, derived mechanically: each `import … from '…';` line becomes
 * `const … = require('…');`, and the rest runs inside an async function (for its `await`s).
 */
export function toCommonJs(esm: string): string {
  const requires: string[] = [];
  const body: string[] = [];
  for (const line of esm.split('\n')) {
    const imported = /^import (\w+|\{[^}]*\}) from ('[^']+');$/.exec(line);
    if (imported) requires.push(`const ${imported[1]} = require(${imported[2]});`);
    else if (/^import\b/.test(line)) throw new Error(`cannot turn this import into a require: ${line}`);
    else body.push(line);
  }
  return `${requires.join('\n')}\n\n(async () => {\n${body.join('\n')}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/** Browser-style code: only the WHATWG API (onopen, onmessage, send, close), on Node. */
const BROWSER_STYLE = `import http from 'node:http';
import { WebSocket, WebSocketServer } from 'wsref';

const server = http.createServer();
new WebSocketServer({ server }).on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const ws = new WebSocket(\`ws://127.0.0.1:\${server.address().port}/\`);
ws.binaryType = 'arraybuffer';
ws.onopen = () => ws.send('from a page');
ws.onmessage = (event) => {
  console.log('message', typeof event.data, event.data);
  ws.close(1000, 'bye');
};
ws.onclose = (event) => {
  console.log('close', event.code, event.reason, event.wasClean, ws.readyState === WebSocket.CLOSED);
  server.close();
};
`;

/** A TypeScript consumer of both entry points; @ts-expect-error proves the types are real, not `any`. */
const TYPED_CONSUMER = (load: string) => `${load}
const server: http.Server = http.createServer();
const wss = new WebSocketServer({ server, path: '/echo', maxMessageSize: 1024 });
wss.on('connection', (session: Session) => {
  session.on('message', (data: string | Buffer, isBinary: boolean) => session.send(data, { binary: isBinary }));
});
const opened: Promise<Session> = connect('ws://127.0.0.1:1/');
const code: number = CloseCode.Normal;
const core: typeof Connection = Connection;
// @ts-expect-error maxMessageSize is a number
new WebSocketServer({ maxMessageSize: 'big' });
void opened; void code; void core;
`;
const ESM_IMPORTS = `import http from 'node:http';
import { WebSocketServer, connect, CloseCode, type Session } from 'wsref';
import { Connection } from 'wsref/core';`;
const CJS_IMPORTS = `import http = require('node:http');
import wsref = require('wsref');
import wsrefCore = require('wsref/core');
const { WebSocketServer, connect, CloseCode } = wsref;
type Session = wsref.Session;
const { Connection } = wsrefCore;`;

let work = '';
let app = '';
let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: Array<{ path: string }> };

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'wsref-install-'));
  // One build per run: `npm pack` runs `prepack` (scripts/build-package.mjs) and writes the tarball.
  const pack = await run(NPM, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 150_000 });
  expect(pack.code, `npm pack failed:\n${pack.stderr}`).toBe(0);
  // stdout holds the build's log lines, then npm's JSON (an array, opening on a line of its own).
  packed = JSON.parse(pack.stdout.slice(pack.stdout.search(/^\[$/m)))[0];
  console.log(`[package] ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`);

  app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'wsref-user', version: '1.0.0', private: true }, null, 2)}\n`);
  const install = await run(NPM, ['install', '--offline', '--no-audit', '--no-fund', path.join(work, packed.filename)], { cwd: app, timeoutMs: 60_000 });
  expect(install.code, `offline install of the tarball failed:\n${install.stderr}`).toBe(0);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the npm package (npm pack, then an offline install of the tarball alone)', () => {
  it('[wsref] the tarball holds the builds, declarations with maps, the bin, src, README and LICENSE — and no tests, fixtures, website or results', () => {
    const files = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json', 'README.md', 'LICENSE', 'bin/wsref.mjs', 'src/index.ts', 'src/core/index.ts',
      'dist/esm/index.js', 'dist/esm/index.js.map', 'dist/esm/index.d.ts', 'dist/esm/index.d.ts.map', 'dist/esm/core/index.js', 'dist/esm/node/cli.js',
      'dist/cjs/package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/index.d.ts.map', 'dist/cjs/core/index.js',
    ]) expect(files, needed).toContain(needed);
    const allowed = /^(package\.json|README\.md|LICENSE|bin\/wsref\.mjs|src\/.+\.(ts|md|wat)|dist\/(esm|cjs)\/.+\.(js|js\.map|d\.ts|d\.ts\.map|json))$/;
    expect(files.filter((file) => !allowed.test(file))).toEqual([]);
    expect(files.filter((file) => /test|fixture|website|results|bench|soak|autobahn/.test(file))).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(app, 'node_modules/wsref/dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // Installed offline from the tarball alone: wsref has no runtime dependencies.
    expect(MANIFEST.dependencies ?? {}).toEqual({});
  });

  it('[wsref] the README example runs verbatim with plain node as .mjs, and as CommonJS .cjs, and ends by itself', async () => {
    const example = readmeExample(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    writeFileSync(path.join(app, 'echo.mjs'), example);
    writeFileSync(path.join(app, 'echo.cjs'), toCommonJs(example));
    const [esm, cjs] = await Promise.all(
      ['echo.mjs', 'echo.cjs'].map(async (file) => run(process.execPath, [file], { cwd: app, env: cleanEnv({ PORT: String(await freePort()) }), timeoutMs: 20_000 })),
    );
    for (const [name, result] of [['echo.mjs', esm!], ['echo.cjs', cjs!]] as const) {
      expect(result.timedOut, `${name} did not end by itself`).toBe(false);
      expect(result.code, `${name}:\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('client: received hello');
      expect(result.stdout).toContain('server: closed 1000 done true');
    }
  });

  it('[wsref] wsref/core loads with import and with require, and both builds expose the same names', async () => {
    const listNames = "const names = (m) => Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort().join(',');";
    const [esm, cjs] = await Promise.all([
      run(process.execPath, ['--input-type=module', '-e', `${listNames} console.log(names(await import('wsref/core'))); console.log(names(await import('wsref')));`], { cwd: app, timeoutMs: 15_000 }),
      run(process.execPath, ['--input-type=commonjs', '-e', `${listNames} console.log(names(require('wsref/core'))); console.log(names(require('wsref')));`], { cwd: app, timeoutMs: 15_000 }),
    ]);
    expect(esm.code, esm.stderr).toBe(0);
    expect(cjs.code, cjs.stderr).toBe(0);
    expect(esm.stdout).toContain('Connection');
    expect(cjs.stdout).toBe(esm.stdout);
  });

  it('[wsref] TypeScript finds the types of wsref and wsref/core for ESM and CommonJS under nodenext, and under bundler', async () => {
    const typeRoots = [path.join(ROOT, 'node_modules', '@types')];
    const common = { strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots, lib: ['ES2022'], target: 'ES2022' };
    writeFileSync(path.join(app, 'consumer.mts'), TYPED_CONSUMER(ESM_IMPORTS));
    writeFileSync(path.join(app, 'consumer.cts'), TYPED_CONSUMER(CJS_IMPORTS));
    writeFileSync(path.join(app, 'bundled.ts'), TYPED_CONSUMER(ESM_IMPORTS));
    writeFileSync(path.join(app, 'tsconfig.nodenext.json'), JSON.stringify({ compilerOptions: { ...common, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.mts', 'consumer.cts'] }));
    writeFileSync(path.join(app, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler', esModuleInterop: true }, files: ['bundled.ts'] }));
    const results = await Promise.all(['tsconfig.nodenext.json', 'tsconfig.bundler.json'].map((config) => run(process.execPath, [TSC, '-p', config], { cwd: app, timeoutMs: 60_000 })));
    for (const result of results) expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('[wsref] the installed bin runs on plain node: wsref --help and wsref --version', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'wsref');
    const [help, version] = await Promise.all([run(bin, ['--help'], { cwd: app, timeoutMs: 15_000 }), run(bin, ['--version'], { cwd: app, timeoutMs: 15_000 })]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('wsref connect URL [options]');
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toBe(`${MANIFEST.version}\n`);
  });

  it('[wsref] browser-style code runs with import { WebSocket } from \'wsref\': open, echo, clean close', async () => {
    writeFileSync(path.join(app, 'browser-style.mjs'), BROWSER_STYLE);
    const result = await run(process.execPath, ['browser-style.mjs'], { cwd: app, timeoutMs: 20_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('message string from a page\nclose 1000 bye true true\n');
  });
});
