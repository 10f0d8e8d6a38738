// RFC 6455 §5.3 masking in a browser: the docs site runs the core in the page (the frame inspector),
// so the WebAssembly SIMD kernel must load there as it does in Node — synchronously, from the bytes
// in mask-simd-module.ts, with no file access and no bundler plug-in. The three modules are served
// to Debian's Chromium as plain ES modules (TypeScript's transpileModule, nothing else), and the
// page masks with them. A missing Chromium skips loudly here and fails under CI=true.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { naiveMask } from './mask-kernel-checks.js';

const framingDir = fileURLToPath(new URL('../../src/core/framing/', import.meta.url));
const MODULES = new Set(['mask.js', 'mask-simd.js', 'mask-simd-module.js']);
const PAGE = '<!doctype html><script type="module">import * as mask from "./mask.js"; window.mask = mask;</script>';

/** Serves the page and the three masking modules, transpiled to JavaScript, on 127.0.0.1. */
function serveMaskModules(): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const name = (request.url ?? '/').slice(1);
    if (name === '') return response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (!MODULES.has(name)) return response.writeHead(404).end();
    const source = readFileSync(framingDir + name.replace(/\.js$/, '.ts'), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } });
    response.writeHead(200, { 'content-type': 'text/javascript' }).end(outputText);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)('the WebAssembly SIMD masking kernel in Chromium (RFC 6455 §5.3)', () => {
  let browser: Browser;
  let server: http.Server;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launchChromium(), serveMaskModules()]);
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('[6455-5.3-1, 6455-6.2-7] the core loads it in the page and it masks 100,003 bytes (and the reference 100 bytes) exactly as §5.3 says', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction('window.mask !== undefined', undefined, { timeout: 10_000 });
    const result = (await page.evaluate(`(() => {
      const { activeMaskKernel, maskInPlace, maskInto } = window.mask;
      const content = Uint8Array.from({ length: 100003 }, (_, i) => (i * 31 + 7) & 255);
      const inPlace = content.slice();
      maskInPlace(inPlace.subarray(3), 0x37fa213d, 1);
      const into = new Uint8Array(100010);
      maskInto(into, 5, content.subarray(0, 100), 0x37fa213d);
      return { kernel: activeMaskKernel(), short: activeMaskKernel(100), inPlace: Array.from(inPlace), into: Array.from(into.subarray(5, 105)) };
    })()`)) as { kernel: string; short: string; inPlace: number[]; into: number[] };
    await page.close();
    expect(result.kernel).toBe('wasm-simd');
    expect(result.short).toBe('javascript');
    const content = Uint8Array.from({ length: 100003 }, (_, i) => (i * 31 + 7) & 255);
    const expected = content.slice();
    expected.set(naiveMask(content.subarray(3), 0x37fa213d, 1), 3);
    expect(Buffer.from(result.inPlace).equals(Buffer.from(expected))).toBe(true);
    expect(result.into).toEqual(Array.from(naiveMask(content.subarray(0, 100), 0x37fa213d)));
  }, 60_000);
});
