// The first start (issue #12): `npm install && npm start` must serve something at once — the demo
// pages and the WebSocket endpoints (RFC 6455 §4.2 upgrades on the same port, §1.7) — while the
// documentation site, which takes Docusaurus minutes to build, is built beside the server.
//
//   1. `npm start` with WSREF_SKIP_DOCS_BUILD=1 (the only stub: it skips the build) answers
//      /demo/ and a WebSocket echo at /echo, and we measure how soon.
//   2. `npm start` with no build in its site folder takes the real path: it starts the real build
//      (scripts/ensure-docs-built.mjs → Docusaurus) in a child process and answers / with the
//      "being built" page while /demo/ and /echo work. The build is stopped as soon as that is
//      seen (with the server, by SIGTERM) — a full build takes minutes; its end is case 3.
//   3. In process: the page at / follows the build's state — the refreshing note while building,
//      the site's own index once the state is 'ready'.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket as WsClient } from 'ws';
import { createDemoServer, DEMO_PUBLIC_DIR } from '../../examples/server.js';
import { httpGet } from '../helpers/node-peers.js';
import { cleanEnv, freePort } from './process-kit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'wsref-first-start-'));
const started: ChildProcess[] = [];

afterAll(() => {
  // Backstop: every `npm start` was spawned in its own process group.
  for (const child of started) if (child.exitCode === null && child.pid) killGroup(child.pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** `npm start` exactly as a learner types it, on a free port, with `env` added. */
async function npmStart(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn('npm', ['start'], { cwd: ROOT, env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', ...env }), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, port, output: () => output, exited, startedAt: Date.now() };
}

/** Polls until `GET path` answers; resolves with the response and the milliseconds waited. */
async function firstAnswer(port: number, pathname: string, limitMs: number, output: () => string) {
  const from = Date.now();
  for (;;) {
    try {
      return { ...(await httpGet(port, pathname)), waited: Date.now() - from };
    } catch {
      if (Date.now() - from > limitMs) throw new Error(`no answer at ${pathname} within ${limitMs} ms; npm start said:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** One text message to /echo and back (RFC 6455 §5.6). */
async function echoes(port: number): Promise<string> {
  const client = new WsClient(`ws://127.0.0.1:${port}/echo`);
  try {
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const reply = new Promise<string>((resolve) => client.once('message', (data) => resolve(String(data))));
    client.send('first start');
    return await reply;
  } finally {
    client.close(1000);
  }
}

/** Processes whose command line mentions `marker` (here: the build's unique output folder). */
function processesMentioning(marker: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return table.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('npm start on a first start: the demos at once, the docs built beside them', () => {
  it('[wsref] with the docs build skipped (WSREF_SKIP_DOCS_BUILD=1), npm start answers /demo/ and echoes at /echo well within 60 s', async () => {
    const start = await npmStart({ WSREF_SKIP_DOCS_BUILD: '1', WSREF_SITE_DIR: path.join(work, 'no-site') });
    const demo = await firstAnswer(start.port, '/demo/', 60_000, start.output);
    const firstByte = Date.now() - start.startedAt;
    console.log(`[first start] npm start → first byte of /demo/ in ${firstByte} ms (docs build skipped)`);
    expect(demo.status).toBe(200);
    expect(demo.body).toContain('wsref demo');
    expect(await echoes(start.port)).toBe('first start');
    expect((await httpGet(start.port, '/')).status).toBe(302); // no site, no build: / leads to /demo/
    expect(firstByte).toBeLessThan(60_000);
    killGroup(start.child.pid!, 'SIGTERM');
    await start.exited;
  }, 90_000);

  it('[wsref] with no build yet, npm start starts the real docs build in a child process and says so at / while /demo/ and /echo work; stopping npm start stops the build', async () => {
    const siteDir = path.join(work, 'fresh-site');
    const start = await npmStart({ WSREF_SITE_DIR: siteDir });
    const page = await firstAnswer(start.port, '/', 60_000, start.output);
    expect(page.status).toBe(503);
    expect(page.body).toContain('The documentation site is being built');
    expect(page.body).toContain('<meta http-equiv="refresh" content="5">');
    expect((await httpGet(start.port, '/docs/some/page')).status).toBe(503);
    expect((await httpGet(start.port, '/demo/')).status).toBe(200);
    expect(await echoes(start.port)).toBe('first start');
    // The real path: scripts/ensure-docs-built.mjs decided to build, and the build runs.
    const deadline = Date.now() + 30_000;
    while (!start.output().includes('[docs] building the documentation site: there is no build yet') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(start.output()).toContain('[docs] building the documentation site: there is no build yet');
    // The note is printed just before the build is spawned: give the spawn a moment to show in ps.
    const spawned = Date.now() + 15_000;
    while (processesMentioning(siteDir).length === 0 && Date.now() < spawned) await new Promise((r) => setTimeout(r, 100));
    expect(processesMentioning(siteDir).length).toBeGreaterThan(0);
    // Ctrl-C / SIGTERM: the server closes and takes the build (npm, Docusaurus) with it.
    killGroup(start.child.pid!, 'SIGTERM');
    await start.exited;
    const gone = Date.now() + 10_000;
    while (processesMentioning(siteDir).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(processesMentioning(siteDir)).toEqual([]);
  }, 120_000);

  it('[wsref] / follows the build: the refreshing note while building, the site once the build is ready', async () => {
    const site = path.join(work, 'built-site');
    mkdirSync(site);
    writeFileSync(path.join(site, 'index.html'), '<h1>the docs home</h1>');
    const docsBuild: { state: 'building' | 'ready' } = { state: 'building' };
    const demo = await createDemoServer({ port: 0, staticRoots: [{ mount: '/demo/', dir: DEMO_PUBLIC_DIR }, { mount: '/', dir: site }], docsBuild });
    try {
      const building = await httpGet(demo.port, '/');
      expect(building.status).toBe(503);
      expect(building.body).toContain('The documentation site is being built');
      expect((await httpGet(demo.port, '/demo/')).status).toBe(200);
      docsBuild.state = 'ready';
      expect(await httpGet(demo.port, '/')).toEqual({ status: 200, body: '<h1>the docs home</h1>' });
    } finally {
      await demo.close();
    }
  });
});
