// Memory while a message is assembled (RFC 6455 §5.4 fragmentation, §10.4 limits): the server
// holds a message's bytes until its final frame, and what it holds should be the message and
// little more — not a second copy, not a hundred bytes of bookkeeping per network read. The
// server runs in a child process, so its memory is its own, and samples its RSS with
// process.memoryUsage() after every socket read and at every message; the peak of those samples,
// above the RSS measured (after garbage collection) before the message, is what assembling cost.
// Before each sample the child runs a minor GC (a scavenge): each network read is garbage as soon
// as it has been copied, and the runtime would reclaim it at its own pace; a scavenge frees it
// now, while anything kept from one read to the next (the assembler's blocks) is still counted.
//
// A fragmented message has no total length (§5.4), so its fragments are joined once when the
// last arrives: for that moment the fragments and the joined message coexist (≈ 2×). A message
// in one frame is copied into one allocation of its announced size, and a refused message never
// gets that far: both stay within 1.2× of their size.
import { spawn } from 'node:child_process';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, OP, rawUpgrade, readFrames, Resources, withTimeout, type RawFrame } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const MIB = 1024 * 1024;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const srcIndex = new URL('../../src/index.ts', import.meta.url).href;

/**
 * The server process: maxMessageSize from argv (permessage-deflate on), RSS sampled after each socket read (on the next
 * tick, once the session has processed it) and when a message arrives. "reset" collects garbage
 * and starts a new measurement; "report" answers with it.
 */
const SERVER = `
import http from 'node:http';
const { WebSocketServer } = await import(${JSON.stringify(srcIndex)});
const server = http.createServer();
const wss = new WebSocketServer({ server, maxMessageSize: Number(process.argv[1]), perMessageDeflate: true });
let baseline = 0, peak = 0;
const messages = [];
const sample = () => { gc({ type: 'minor' }); peak = Math.max(peak, process.memoryUsage.rss()); };
server.on('connection', (socket) => socket.on('data', () => process.nextTick(sample)));
wss.on('connection', (session) => session.on('message', (data) => {
  sample();
  messages.push({ length: data.length, first: data[0], last: data[data.length - 1] });
}));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (command) => {
  if (command === 'reset') {
    gc(); gc();
    baseline = peak = process.memoryUsage.rss();
    messages.length = 0;
    process.send({ baseline });
  } else {
    process.send({ baseline, peak, messages, clients: wss.clients.size });
  }
});
`;

interface Report {
  baseline: number;
  peak: number;
  messages: Array<{ length: number; first: number; last: number }>;
  clients: number;
}

async function startServerProcess(maxMessageSize: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', SERVER, String(maxMessageSize)], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  resources.defer(() => child.kill('SIGKILL'));
  const next = <T>() => withTimeout(new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T))), 20_000, 'server process');
  const { port } = await next<{ port: number }>();
  const ask = <T>(command: string) => {
    child.send(command);
    return next<T>();
  };
  return { port, reset: () => ask<{ baseline: number }>('reset'), report: () => ask<Report>('report') };
}

/** A raw client: writes frames with backpressure until done or until the server sends its close frame. */
async function rawClient(port: number, extensions?: string) {
  const { socket, head } = await rawUpgrade(port, '/', resources, extensions ? { 'Sec-WebSocket-Extensions': extensions } : {});
  expect(head.status).toBe(101);
  expect(head.headers['sec-websocket-extensions']).toBe(extensions);
  const frames: RawFrame[] = [];
  readFrames(socket, head.rest, (f) => frames.push(f));
  let closed = false;
  const whenClosed = new Promise<void>((resolve) => socket.once('close', () => resolve((closed = true) && undefined)));
  const write = async (frame: Buffer): Promise<boolean> => {
    const closing = () => closed || frames.some((f) => f.opcode === OP.close);
    if (closing()) return false;
    if (!socket.write(frame)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), whenClosed]);
    else await new Promise((resolve) => setImmediate(resolve)); // let the server's frames in
    return !closing();
  };
  return { socket: socket as net.Socket, frames, write, whenClosed };
}

/** `count` frames of `size` bytes each, as one message: the first frame's bytes are 1, the others' 2. */
async function sendFragments(write: (frame: Buffer) => Promise<boolean>, count: number, size: number): Promise<number> {
  const first = encodeFrame(OP.binary, Buffer.alloc(size, 1), { mask: true, fin: count === 1 });
  const middle = encodeFrame(OP.continuation, Buffer.alloc(size, 2), { mask: true, fin: false });
  const last = encodeFrame(OP.continuation, Buffer.alloc(size, 2), { mask: true, fin: true });
  let sent = 0;
  for (let i = 0; i < count; i++) {
    if (!(await write(i === 0 ? first : i === count - 1 ? last : middle))) break;
    sent += size;
  }
  return sent;
}

/** The server's report once it has received a message. */
async function reportOnceDelivered(report: () => Promise<Report>): Promise<Report> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const latest = await report();
    if (latest.messages.length > 0) return latest;
    if (Date.now() > deadline) throw new Error('no message within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const growthMiB = (r: Report) => (r.peak - r.baseline) / MIB;

describe('memory while assembling a message (RFC 6455 §5.4, §10.4)', () => {
  it('[6455-10.4-1] [6455-10.4-2] a 1 GiB message in 1 MiB fragments against a 64 MiB limit: 1009, peak RSS at most 1.2 × the limit', async () => {
    const limit = 64 * MIB;
    const server = await startServerProcess(limit);
    await server.reset();
    const client = await rawClient(server.port);
    const sent = await sendFragments(client.write, 1024, MIB);
    await withTimeout(client.whenClosed, 10_000, 'the server closing the connection');
    const report = await server.report();
    console.info(`[assembly-memory] 1 GiB in 1 MiB fragments, limit 64 MiB: peak RSS +${growthMiB(report).toFixed(1)} MiB`);
    expect(report.messages).toEqual([]);
    expect(growthMiB(report)).toBeLessThan(1.2 * 64);
    const close = client.frames.find((f) => f.opcode === OP.close);
    expect(close?.payload.readUInt16BE(0)).toBe(1009);
    expect(close?.payload.subarray(2).toString()).toBe(`message of at least ${limit + MIB} bytes exceeds maxMessageSize ${limit}`);
    expect(sent).toBeLessThan(256 * MIB);
  }, 60_000);

  it('[6455-10.4-1] [6455-5.4-3] a 64 MiB message in one frame is delivered with a peak RSS at most 1.2 × its size', async () => {
    const server = await startServerProcess(64 * MIB);
    await server.reset();
    const client = await rawClient(server.port);
    expect(await sendFragments(client.write, 1, 64 * MIB)).toBe(64 * MIB);
    const report = await reportOnceDelivered(server.report);
    console.info(`[assembly-memory] 64 MiB in one frame: peak RSS +${growthMiB(report).toFixed(1)} MiB`);
    expect(report.messages).toEqual([{ length: 64 * MIB, first: 1, last: 1 }]);
    expect(growthMiB(report)).toBeLessThan(1.2 * 64);
  }, 60_000);

  it('[6455-10.4-1] [6455-5.4-3] a 64 MiB message in 1 MiB fragments is delivered whole; joining the fragments once stays under 2.2 × its size', async () => {
    const server = await startServerProcess(64 * MIB);
    await server.reset();
    const client = await rawClient(server.port);
    expect(await sendFragments(client.write, 64, MIB)).toBe(64 * MIB);
    const report = await reportOnceDelivered(server.report);
    console.info(`[assembly-memory] 64 MiB in 1 MiB fragments: peak RSS +${growthMiB(report).toFixed(1)} MiB`);
    expect(report.messages).toEqual([{ length: 64 * MIB, first: 1, last: 2 }]);
    expect(growthMiB(report)).toBeLessThan(2.2 * 64);
  }, 60_000);

  it('[6455-10.4-1] [7692-6.2-1] a 64 MiB message compressed with permessage-deflate is delivered whole; joining its inflated pieces once stays under 2.4 × its size', async () => {
    const server = await startServerProcess(64 * MIB);
    await server.reset();
    const client = await rawClient(server.port, 'permessage-deflate');
    // Highly compressible text-like data, deflated with a sync flush and the tail removed (RFC 7692 §7.2.1).
    const line = Buffer.from('{"type":"chat","room":"lobby","text":"hello hello hello"}\n');
    const message = Buffer.alloc(64 * MIB);
    for (let at = 0; at < message.length; at += line.length) line.copy(message, at, 0, Math.min(line.length, message.length - at));
    for (let at = 0; at < message.length; at += 4096) message.writeUInt32BE(at, at); // some variety
    const compressed = zlib.deflateRawSync(message, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(await client.write(encodeFrame(OP.binary, compressed.subarray(0, -4), { mask: true, rsv: 4 }))).toBe(true);
    const report = await reportOnceDelivered(server.report);
    console.info(`[assembly-memory] 64 MiB compressed to ${(compressed.length / MIB).toFixed(1)} MiB: peak RSS +${growthMiB(report).toFixed(1)} MiB`);
    expect(report.messages).toEqual([{ length: 64 * MIB, first: message[0], last: message[message.length - 1] }]);
    // The inflated pieces (64 MiB) and their one join (64 MiB) coexist for a moment: 2× by design.
    // The slack above that is allocator and GC timing: 130–149 MiB over seven runs on a quiet machine
    // (zero-filled or unzeroed join alike), so 2.2× failed about one run in seven; a second join
    // (3×, 192 MiB) still fails this bound.
    expect(growthMiB(report)).toBeLessThan(2.4 * 64);
  }, 60_000);
});
