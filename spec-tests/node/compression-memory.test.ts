// Memory per compressed connection (RFC 7692 §7.1 "help endpoints manage per-connection resource
// usage"; RFC 6455 §10.4, limits): 1,000 of our clients hold permessage-deflate connections with
// context takeover to our server, which runs in a child process so its memory is its own. Each
// client sends a few 1 KiB JSON messages that the server echoes, so every server connection owns
// a live compressor and decompressor. Measured: the server's RSS and ArrayBuffer memory per
// connection, after one round and after a second. The codec is synchronous, so no zlib job can
// queue up behind another: the second round must not add buffers.
//
// What to expect: with the default parameters (32 KiB windows, zlib memLevel 8) zlib allocates
// about 262 KiB per compressor and 39 KiB per decompressor, up front. RSS counts the pages touched,
// which grows towards that as the windows fill and can never exceed it; the session, socket and
// parser add about 16 KiB. Hence the bound of 320 KiB per connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Session } from '../../src/index.js';
import { Resources, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const CONNECTIONS = 1_000;
const BATCH = 100;
const MESSAGES_PER_ROUND = 3;
const KIB = 1024;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const srcIndex = new URL('../../src/index.ts', import.meta.url).href;

/**
 * The server process: an echo server with permessage-deflate on its defaults, answering
 * "measure" with its memory after two full garbage collections, and counting the bytes its
 * sockets read (to show the messages did travel compressed).
 */
const SERVER = `
import http from 'node:http';
const { WebSocketServer } = await import(${JSON.stringify(srcIndex)});
const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: true });
let received = 0, bytesRead = 0;
server.on('connection', (socket) => socket.on('data', (chunk) => (bytesRead += chunk.length)));
wss.on('connection', (session) => session.on('message', (data, isBinary) => { received++; session.send(data, { binary: isBinary }); }));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (command) => {
  if (command !== 'measure') return;
  gc(); gc();
  const usage = process.memoryUsage();
  const extensions = [...new Set([...wss.clients].map((s) => s.extensions))];
  process.send({ rss: usage.rss, arrayBuffers: usage.arrayBuffers, clients: wss.clients.size, received, bytesRead, extensions });
});
`;

interface Measurement {
  rss: number;
  arrayBuffers: number;
  clients: number;
  received: number;
  bytesRead: number;
  extensions: string[];
}

function startServerProcess(): { child: ChildProcess; next: <T>() => Promise<T> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', SERVER], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  resources.defer(() => child.kill('SIGKILL'));
  const next = <T>() => withTimeout(new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T))), 20_000, 'server process');
  return { child, next };
}

/** A JSON chat message of about 1.1 KiB (above the 1 KiB compression threshold). */
function chatMessage(connection: number, i: number): string {
  return JSON.stringify({
    type: 'chat',
    room: `room-${connection % 10}`,
    seq: i,
    items: Array.from({ length: 40 }, (_, k) => ({ id: k, value: `value-${k}` })),
  });
}

describe('memory of compressed connections', () => {
  it('[6455-10.4-1] [7692-7.2.1-11] [7692-7.2.2-4] 1,000 permessage-deflate connections with context takeover stay under 320 KiB of server RSS each, and a second round adds no buffers', async () => {
    const { child, next } = startServerProcess();
    const { port } = await next<{ port: number }>();
    const measure = async () => {
      child.send('measure');
      return next<Measurement>();
    };
    const before = await measure();

    // Connections in batches (RFC 6455 §4.1 step 2 queues a client's attempts per address anyway).
    const sessions: Session[] = [];
    resources.defer(() => sessions.forEach((s) => s.terminate()));
    for (let first = 0; first < CONNECTIONS; first += BATCH) {
      const batch = await Promise.all(Array.from({ length: BATCH }, () => connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true })));
      sessions.push(...batch);
    }
    expect(new Set(sessions.map((s) => s.extensions))).toEqual(new Set(['permessage-deflate']));

    let sentBytes = 0;
    const round = (r: number) =>
      Promise.all(
        sessions.map(async (session, c) => {
          for (let i = 0; i < MESSAGES_PER_ROUND; i++) {
            const message = chatMessage(c, r * MESSAGES_PER_ROUND + i);
            sentBytes += message.length;
            const reply = new Promise<string>((resolve) => session.once('message', (data) => resolve(data as string)));
            session.send(message);
            expect(await reply).toBe(message);
          }
        }),
      );

    await round(0);
    const afterFirst = await measure();
    await round(1);
    const afterSecond = await measure();

    expect(afterSecond.clients).toBe(CONNECTIONS);
    expect(afterSecond.extensions).toEqual(['permessage-deflate']);
    expect(afterSecond.received).toBe(CONNECTIONS * MESSAGES_PER_ROUND * 2);
    // The messages crossed the wire compressed: the server read well under half their size
    // (handshakes included).
    expect(afterSecond.bytesRead).toBeLessThan(sentBytes / 2);

    const perConnection = (m: Measurement, field: 'rss' | 'arrayBuffers') => (m[field] - before[field]) / CONNECTIONS;
    const figures = {
      rssKiB: [perConnection(afterFirst, 'rss') / KIB, perConnection(afterSecond, 'rss') / KIB],
      arrayBuffersKiB: [perConnection(afterFirst, 'arrayBuffers') / KIB, perConnection(afterSecond, 'arrayBuffers') / KIB],
      wireBytesPerMessage: afterSecond.bytesRead / afterSecond.received,
    };
    console.info(`[compression-memory] per connection: ${JSON.stringify(figures, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`);

    // zlib's fixed allocation bounds RSS (see the top of the file).
    expect(figures.rssKiB[1]).toBeLessThan(320);
    // Nothing piles up in JavaScript buffers: a few KiB per connection at most, and no more after round two.
    expect(figures.arrayBuffersKiB[1]).toBeLessThan(8);
    expect(figures.arrayBuffersKiB[1]! - figures.arrayBuffersKiB[0]!).toBeLessThan(1);
    // The second round only touches more of the windows zlib already holds.
    expect(figures.rssKiB[1]! - figures.rssKiB[0]!).toBeLessThan(32);
  }, 60_000);
});
