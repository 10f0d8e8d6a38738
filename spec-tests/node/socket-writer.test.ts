// Unit tests for src/node/socket-writer.ts: frames written in one tick leave in one writev with
// header and payload uncopied, the RFC 6455 §10.4 bound on what a peer that does not read may
// cost (checked before each chunk, on earlier writes only), and writes to a real loopback TCP
// socket arriving whole and in order. The writer takes any stream.Duplex: here a recording
// Duplex (whose write callbacks the test controls) and a real net.Socket.
import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { belowHighWaterMark, SlowReaderError, writeFrames, type WriterLimits } from '../../src/node/socket-writer.js';
import { nextEvent, Resources, until } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** A Duplex that records each batch the stream hands it; `reading: false` never completes a write (a stalled peer). */
class RecordingDuplex extends Duplex {
  readonly batches: Buffer[][] = [];
  constructor(private readonly reading = true) {
    super();
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.batches.push([chunk]);
    if (this.reading) done();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, done: (error?: Error | null) => void): void {
    this.batches.push(chunks.map((c) => c.chunk));
    if (this.reading) done();
  }
}

/** The writing functions bound to one stream and its limits, as a session calls them. */
function writerFor(stream: Duplex, limits: WriterLimits) {
  return {
    write: (chunks: readonly Uint8Array[]) => writeFrames(stream, limits, chunks),
    get belowHighWaterMark() { return belowHighWaterMark(stream, limits); },
    get bufferedAmount() { return stream.writableLength; },
  };
}

const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));
const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
/** Whether `chunk` is a view of exactly `original`'s memory (not a copy). */
const sameMemory = (chunk: Uint8Array, original: Uint8Array) =>
  chunk.buffer === original.buffer && chunk.byteOffset === original.byteOffset && chunk.byteLength === original.byteLength;

describe('corked writes', () => {
  it('[wsref] frames written in three calls of one tick reach the stream as one writev, every header and payload uncopied', async () => {
    const stream = new RecordingDuplex();
    const writer = writerFor(stream, { highWaterMark: 1 << 20, maxBufferedAmount: 1 << 20 });
    const pieces = [bytes(2, 1), bytes(4, 2), bytes(10, 3), bytes(4, 4), bytes(5000, 5)];
    // One array refilled for every call, as the core's outbox is: the writer must not keep it.
    const outbox: Uint8Array[] = [];
    const writeFrames = (...chunks: Uint8Array[]) => {
      outbox.length = 0;
      outbox.push(...chunks);
      return writer.write(outbox);
    };
    expect(writeFrames(pieces[0]!)).toBeUndefined();
    expect(writeFrames(pieces[1]!, pieces[2]!)).toBeUndefined();
    expect(writeFrames(pieces[3]!, pieces[4]!)).toBeUndefined();
    outbox.length = 0;
    expect(stream.batches).toEqual([]); // nothing leaves before the tick ends
    await tick();
    expect(stream.batches).toHaveLength(1);
    const [batch] = stream.batches;
    expect(batch).toHaveLength(5);
    batch!.forEach((chunk, i) => expect(sameMemory(chunk, pieces[i]!)).toBe(true));
  });

  it('[wsref] frames of different ticks leave separately, each tick corked once', async () => {
    const stream = new RecordingDuplex();
    const writer = writerFor(stream, { highWaterMark: 1 << 20, maxBufferedAmount: 1 << 20 });
    writer.write([bytes(2, 1), bytes(3, 1)]);
    await tick();
    writer.write([bytes(2, 2), bytes(3, 2)]);
    await tick();
    expect(stream.batches.map((b) => b.length)).toEqual([2, 2]);
    expect(stream.writableCorked).toBe(0);
  });
});

describe('a peer that does not read (RFC 6455 §10.4)', () => {
  it('[6455-10.4-1] [wsref] the frame that crosses maxBufferedAmount is still written; the next write drops the peer and returns a SlowReaderError', () => {
    const stream = new RecordingDuplex(false);
    const writer = writerFor(stream, { highWaterMark: 50, maxBufferedAmount: 100 });
    expect(writer.write([bytes(2, 0), bytes(78, 0)])).toBeUndefined(); // 0 queued before: written
    expect(writer.belowHighWaterMark).toBe(false); // 80 > 50: the application should wait
    expect(writer.write([bytes(2, 0), bytes(78, 0)])).toBeUndefined(); // 80 ≤ 100 queued before: written
    expect(writer.bufferedAmount).toBe(160);
    const dropped = writer.write([bytes(2, 0)]); // 160 > 100: dropped
    expect(dropped).toBeInstanceOf(SlowReaderError);
    expect(dropped!.message).toMatch(/not reading: 160 bytes .* maxBufferedAmount 100/);
    expect(stream.destroyed).toBe(true);
    expect(writer.write([bytes(2, 0)])).toBeUndefined(); // later writes are refused quietly
    expect(writer.belowHighWaterMark).toBe(false);
  });

  it('[6455-5.5.2-2] [6455-10.4-1] [wsref] a batch of many small frames (pongs answering a read full of pings) stops at the bound, not after the batch', () => {
    const stream = new RecordingDuplex(false); // never reads
    const writer = writerFor(stream, { highWaterMark: 500, maxBufferedAmount: 1000 });
    const pongs = Array.from({ length: 50 }, () => bytes(127, 0x8a));
    const dropped = writer.write(pongs);
    expect(dropped).toBeInstanceOf(SlowReaderError);
    expect(stream.destroyed).toBe(true);
    expect(writer.bufferedAmount).toBeLessThanOrEqual(1000 + 127); // at most one frame past the bound, not 50 × 127
  });

  it('[6455-10.4-1] [wsref] one frame larger than maxBufferedAmount goes to a peer with nothing queued', async () => {
    const stream = new RecordingDuplex();
    const writer = writerFor(stream, { highWaterMark: 10, maxBufferedAmount: 100 });
    const payload = bytes(64 * 1024, 7);
    expect(writer.write([bytes(10, 0), payload])).toBeUndefined();
    await tick();
    expect(stream.destroyed).toBe(false);
    expect(sameMemory(stream.batches[0]![1]!, payload)).toBe(true);
    expect(writer.belowHighWaterMark).toBe(true); // all of it was taken
  });

  it('[wsref] a write after the stream ended is refused, not an ERR_STREAM_WRITE_AFTER_END', async () => {
    const stream = new RecordingDuplex();
    const writer = writerFor(stream, { highWaterMark: 10, maxBufferedAmount: 100 });
    const errors: Error[] = [];
    stream.on('error', (e) => errors.push(e));
    stream.end();
    expect(writer.write([bytes(2, 0)])).toBeUndefined();
    expect(stream.batches).toEqual([]);
    await tick();
    expect(errors).toEqual([]);
  });
});

describe('over loopback TCP', () => {
  it('[wsref] frames written to a real socket arrive whole and in order; bufferedAmount returns to 0', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    resources.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    resources.defer(() => socket.destroy());
    await nextEvent(socket, 'connect');
    const writer = writerFor(socket, { highWaterMark: 1 << 20, maxBufferedAmount: 1 << 20 });
    const expected: number[] = [];
    for (let i = 0; i < 50; i++) {
      const head = bytes(2, i);
      const payload = bytes(100 + i, 255 - i);
      writer.write([head, payload]);
      expected.push(...head, ...payload);
    }
    await until(() => Buffer.concat(received).length === expected.length, 2_000, 'all bytes');
    expect([...Buffer.concat(received)]).toEqual(expected);
    expect(writer.bufferedAmount).toBe(0);
  });
});
