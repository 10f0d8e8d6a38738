// Decompression bombs over real connections (RFC 7692 §8 "Security Considerations" leaves
// resource limits to implementations; RFC 6455 §10.4: protect against messages larger than the
// limits; §7.4.1: 1009 "Message Too Big"). A few hundred KiB of DEFLATE that inflate to 256 MiB
// must stop at the receiver's maxMessageSize, close with 1009, and not cost the receiver the
// inflated size in memory. The server under attack runs in a child process, so its peak RSS
// (getrusage maxrss) is its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, ProtocolError } from '../../src/index.js';
import {
  acceptFor,
  closeBody,
  encodeFrame,
  nextEvent,
  OP,
  parseHead,
  rawUpgrade,
  readFrames,
  Resources,
  startRawServer,
  until,
  withTimeout,
  type RawFrame,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const MIB = 1024 * 1024;
const LIMIT = 1 * MIB;
const BOMB_SIZE = 256 * MIB;
const RSV1 = 4; // as the helpers' encodeFrame counts RSV bits (RSV1 = 0b100)

/** 256 MiB of zeros as one permessage-deflate payload: sync-flushed, 00 00 ff ff removed (RFC 7692 §7.2.1). */
let bomb: Buffer;
beforeAll(async () => {
  const deflater = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflater.on('data', (c: Buffer) => chunks.push(c));
  const zeros = Buffer.alloc(MIB);
  for (let i = 0; i < BOMB_SIZE / MIB; i++) deflater.write(zeros);
  await new Promise<void>((resolve) => deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  deflater.close();
  const flushed = Buffer.concat(chunks);
  bomb = flushed.subarray(0, flushed.length - 4);
}, 30_000);

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const srcIndex = new URL('../../src/index.ts', import.meta.url).href;

/** Our echo server with a 1 MiB message limit, answering "measure" with its RSS and peak RSS. */
const SERVER = `
import http from 'node:http';
const { WebSocketServer } = await import(${JSON.stringify(srcIndex)});
const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: true, maxMessageSize: ${LIMIT} });
wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', () => {
  gc();
  process.send({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, clients: wss.clients.size });
});
`;

interface Memory {
  rss: number;
  maxRss: number;
  clients: number;
}

async function startServerProcess(): Promise<{ port: number; measure: () => Promise<Memory> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', SERVER], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  resources.defer(() => child.kill('SIGKILL'));
  const next = <T>() => withTimeout(new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T))), 20_000, 'server process');
  const { port } = await next<{ port: number }>();
  return {
    port,
    measure: async () => {
      child.send('measure');
      return next<Memory>();
    },
  };
}

/** Checks the server's memory did not grow anywhere near the bomb's inflated size. */
function expectBounded(before: Memory, after: Memory): void {
  console.info(`[compression-bomb] server RSS +${((after.rss - before.rss) / MIB).toFixed(1)} MiB, peak RSS +${((after.maxRss - before.maxRss) / MIB).toFixed(1)} MiB`);
  expect(after.maxRss - before.maxRss, 'growth of peak RSS').toBeLessThan(32 * MIB);
  expect(after.rss - before.rss, 'growth of RSS').toBeLessThan(32 * MIB);
}

/** A raw client that completes a permessage-deflate handshake; frames from the server are collected. */
async function rawDeflateClient(port: number) {
  const { socket, head } = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
  expect(head.status).toBe(101);
  expect(head.headers['sec-websocket-extensions']).toBe('permessage-deflate');
  const frames: RawFrame[] = [];
  readFrames(socket, head.rest, (f) => frames.push(f));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, frames, closed };
}

const closeCodeOf = (frame: RawFrame | undefined): number | undefined => (frame && frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined);

describe('decompression bombs against our server (maxMessageSize 1 MiB)', () => {
  it('[6455-10.4-1] [6455-10.4-2] [6455-10.7-3] [7692-6.2-1] a hand-crafted 256 MiB bomb in one frame: close 1009, server memory bounded', async () => {
    const server = await startServerProcess();
    const before = await server.measure();
    const client = await rawDeflateClient(server.port);
    client.socket.write(encodeFrame(OP.binary, bomb, { mask: true, rsv: RSV1 }));
    await withTimeout(client.closed, 10_000, 'server closing the connection');
    const close = client.frames.find((f) => f.opcode === OP.close);
    expect(closeCodeOf(close)).toBe(1009);
    expect(client.frames.filter((f) => f.opcode < 8)).toEqual([]); // nothing was delivered and echoed
    let after = await server.measure();
    for (let i = 0; i < 40 && after.clients > 0; i++) after = await server.measure(); // the session closes a moment later
    expect(after.clients).toBe(0);
    expectBounded(before, after);
  });

  it('[6455-10.4-1] [6455-10.4-2] [7692-6.2-1] the same bomb spread over continuation frames: the limit counts the whole message, close 1009', async () => {
    const server = await startServerProcess();
    const before = await server.measure();
    const client = await rawDeflateClient(server.port);
    const quarter = Math.ceil(bomb.length / 4);
    for (let i = 0; i < 4; i++) {
      const piece = bomb.subarray(i * quarter, (i + 1) * quarter);
      // RFC 7692 §6.1: RSV1 on the first frame only.
      client.socket.write(encodeFrame(i === 0 ? OP.binary : OP.continuation, piece, { mask: true, rsv: i === 0 ? RSV1 : 0, fin: i === 3 }));
    }
    await withTimeout(client.closed, 10_000, 'server closing the connection');
    expect(closeCodeOf(client.frames.find((f) => f.opcode === OP.close))).toBe(1009);
    expectBounded(before, await server.measure());
  });

  it('[6455-10.4-1] [6455-7.4.1-1] our client sending a message that inflates past the limit sees close code 1009', async () => {
    const server = await startServerProcess();
    const session = await connect(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
    resources.defer(() => session.terminate());
    // A normal message first: the connection works, and compressed.
    const echo = nextEvent<[Buffer]>(session, 'message', 5_000);
    session.send(Buffer.alloc(4096, 1));
    expect((await echo)[0].equals(Buffer.alloc(4096, 1))).toBe(true);
    const before = await server.measure();
    const closed = nextEvent<[number, string, boolean]>(session, 'close', 10_000);
    session.send(Buffer.alloc(16 * MIB)); // deflates to ~16 KiB
    const [code] = await closed;
    expect(code).toBe(1009);
    expectBounded(before, await server.measure());
  });

  it('[6455-10.4-1] [6455-7.4.1-1] a ws client sending a message that inflates past the limit sees close code 1009', async () => {
    const server = await startServerProcess();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`, { perMessageDeflate: true });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open', 5_000);
    expect(ws.extensions).toBe('permessage-deflate');
    const closed = nextEvent<[number, Buffer]>(ws, 'close', 10_000);
    ws.send(Buffer.alloc(16 * MIB));
    expect((await closed)[0]).toBe(1009);
  });
});

describe('decompression bomb against our client (maxMessageSize 1 MiB)', () => {
  it('[6455-10.4-1] [6455-10.7-3] [7692-6.2-1] a server sending a 256 MiB bomb: our client fails with 1009 and its memory stays bounded', async () => {
    const serverFrames: RawFrame[] = [];
    const { port } = await startRawServer(resources, (socket) => {
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const head = parseHead(buffered);
        if (!head) return;
        socket.off('data', onData);
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n` +
            'Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
        );
        readFrames(socket, head.rest, (frame) => {
          serverFrames.push(frame);
          if (frame.opcode === OP.close) socket.end(encodeFrame(OP.close, closeBody(closeCodeOf(frame) ?? 1000)));
        });
        socket.write(encodeFrame(OP.binary, bomb, { rsv: RSV1 }));
      };
      socket.on('data', onData);
    });
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true, maxMessageSize: LIMIT });
    resources.defer(() => session.terminate());
    const messages: unknown[] = [];
    session.on('message', (m) => messages.push(m));
    await nextEvent(session, 'close', 10_000);
    expect(messages).toEqual([]);
    expect(session.lastError).toBeInstanceOf(ProtocolError);
    expect((session.lastError as ProtocolError).closeCode).toBe(1009);
    await until(() => serverFrames.some((f) => f.opcode === OP.close), 2_000, 'our close frame');
    expect(closeCodeOf(serverFrames.find((f) => f.opcode === OP.close))).toBe(1009);
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(64 * MIB);
  });
});
