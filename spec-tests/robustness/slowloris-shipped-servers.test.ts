// RFC 6455 §10.7 and §7.1.1 against a slowloris: a valid opening handshake (§4.1) trickled at
// 1 byte/s never completes its request head, so wsref never sees it and only the HTTP server's
// timeouts can free the socket. Every server wsref ships — `wsref serve`, the `npm start` demo
// (examples/server.ts), the Autobahn testee — and a user's server made with
// RECOMMENDED_HTTP_SERVER_OPTIONS must drop it within 15 s (Node's defaults hold it 60–90 s).
// The servers are attacked concurrently, so the whole file takes about 15 s.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEchoServer as startAutobahnTestee } from '../../autobahn/server.js';
import { createDemoServer } from '../../examples/server.js';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer } from '../../src/index.js';
import { Resources, withTimeout } from '../helpers/node-peers.js';
import { startEchoServer } from './net-kit.js';
import { trickleHandshake, type TrickleOutcome } from './slowloris-kit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const resources = new Resources();
afterAll(() => resources.cleanup());

/** The promise: a 1 byte/s handshake is let go within this long. */
const DROPPED_WITHIN_MS = 15_000;

/** Dropped in time, before the head was complete, with a 408 or a plain close. */
function expectDroppedInTime(outcome: TrickleOutcome): void {
  expect(outcome.closed).toBe(true);
  expect(outcome.ms).toBeLessThan(DROPPED_WITHIN_MS);
  expect(outcome.sent).toBeLessThan(outcome.requestLength);
  if (outcome.received !== '') expect(outcome.received).toMatch(/^HTTP\/1\.1 408 /);
}

/** `wsref serve --echo` as a user runs it (through tsx); resolves with its port. */
async function startCliServe(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'serve', '--port', '0', '--echo'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  resources.defer(() => child.kill('SIGKILL'));
  let output = '';
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const match = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`wsref serve exited (${code}): ${output}`)));
  });
  return withTimeout(listening, 15_000, 'wsref serve listening');
}

describe.concurrent('a handshake trickled at 1 byte/s is dropped within 15 s by every server wsref ships', () => {
  it('[6455-10.7-2] [6455-7.1.1-2] wsref serve (the CLI)', async () => {
    const port = await startCliServe();
    expectDroppedInTime(await trickleHandshake(port));
  });

  it('[6455-10.7-2] [6455-7.1.1-2] the npm start demo server (examples/server.ts), at /chat', async () => {
    const demo = await createDemoServer({ port: 0, staticRoots: [] });
    resources.defer(() => demo.close());
    expectDroppedInTime(await trickleHandshake(demo.port, { path: '/chat' }));
  });

  it('[6455-10.7-2] [6455-7.1.1-2] the Autobahn server testee (autobahn/server.ts)', async () => {
    const testee = await startAutobahnTestee({ host: '127.0.0.1', port: 0, WebSocketServer });
    resources.defer(() => testee.close());
    expectDroppedInTime(await trickleHandshake(testee.port));
  });

  it('[6455-10.7-2] [6455-7.1.1-2] a user\'s http.Server created with RECOMMENDED_HTTP_SERVER_OPTIONS: 408', async () => {
    const { port } = await startEchoServer(resources, {}, { ...RECOMMENDED_HTTP_SERVER_OPTIONS });
    const outcome = await trickleHandshake(port, { path: '/echo' });
    expectDroppedInTime(outcome);
    expect(outcome.received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('[wsref] the threat is real: an http.Server with Node\'s default timeouts still holds the trickle after 12 s', async () => {
    const { port } = await startEchoServer(resources, { handshakeTimeout: 60_000 }, {});
    const outcome = await trickleHandshake(port, { path: '/echo', giveUpMs: 12_000 });
    expect(outcome.closed).toBe(false); // Node: a 60 s headersTimeout, checked every 30 s
  });
});
