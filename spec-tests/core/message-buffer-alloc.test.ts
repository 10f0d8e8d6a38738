// Tests for the receive path's memory (src/core/messages/message-buffer.ts, src/core/bytes.ts) and
// the client's large masked frames (src/core/framing/frame-writer.ts) with an injected allocator
// (`ConnectionOptions.allocate`): RFC 6455 §5.4 and §6.2 say what a message is, §10.4 asks that
// what a peer makes us hold stay bounded. Checked on identities and offsets, never on timing: a
// message in one frame and one read is a view of that read; one frame over several reads gets one
// allocation of the announced length; a fragmented message ends in one allocation of exactly its
// size, each byte copied into it once; nothing per message is left behind; and no byte the
// allocator gave (filled with 0xAA here) is ever visible in what the application gets.
import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionEvent } from '../../src/core/index.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { MessageBuffer } from '../../src/core/messages/message-buffer.js';
import { clientFrame, decodeFrames, pseudoRandomBytes, RFC_MASK_KEY } from '../helpers/core-pair.js';

/** Byte-for-byte equality (typed-array `toEqual` is slow at these sizes). */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.length).toBe(expected.length);
  expect(Buffer.compare(actual!, expected)).toBe(0);
}

/** An allocator that records what it gave and fills it with 0xAA, so an unwritten byte would show. */
function recordingAllocator(): { allocate: (size: number) => Uint8Array; given: Uint8Array[] } {
  const given: Uint8Array[] = [];
  return {
    given,
    allocate: (size) => {
      const bytes = new Uint8Array(size).fill(0xaa);
      given.push(bytes);
      return bytes;
    },
  };
}

/** An OPEN server connection using `allocate`. */
function server(allocate: (size: number) => Uint8Array): Connection {
  const conn = new Connection({ role: 'server', allocate });
  conn.establish(undefined, []);
  conn.nextEvent(); // 'open'
  return conn;
}

/** The messages the connection has queued (and nothing else). */
function messages(conn: Connection): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let event: ConnectionEvent | undefined; (event = conn.nextEvent()); ) {
    expect(event.type).toBe('message');
    if (event.type === 'message') out.push(event.data);
  }
  return out;
}

/** `bytes` cut into fresh reads at `cuts` (the connection owns and unmasks what it receives). */
function reads(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [0, ...cuts, bytes.length];
  return points.slice(1).map((end, i) => bytes.slice(points[i], end));
}

describe('receiving with an injected allocator (RFC 6455 §5.4, §6.2, §10.4)', () => {
  it('[6455-6.2-7, 6455-5.4-7] a message in one frame and one read is a view of that read, unmasked in place: nothing allocated, nothing copied', () => {
    const { allocate, given } = recordingAllocator();
    const conn = server(allocate);
    const payload = pseudoRandomBytes(100_000, 1);
    const read = clientFrame({ opcode: Opcode.Binary, payload }); // header: 2 + 8 (length) + 4 (key)
    conn.receive(read);
    const [data] = messages(conn);
    expect(data!.buffer).toBe(read.buffer);
    expect(data!.byteOffset).toBe(14);
    expect(data!.length).toBe(payload.length);
    expectSameBytes(data, payload);
    expect(given).toHaveLength(0);
  });

  it('[6455-5.4-7, 6455-10.4-1] one frame over several reads: one allocation of the length its header announced, filled once and handed out whole', () => {
    const { allocate, given } = recordingAllocator();
    const conn = server(allocate);
    const payload = pseudoRandomBytes(200_000, 2);
    for (const read of reads(clientFrame({ opcode: Opcode.Binary, payload }), [5, 14, 65_536, 131_072, 199_999])) conn.receive(read);
    const [data] = messages(conn);
    expect(given.map((b) => b.length)).toEqual([200_000]);
    expect(data).toBe(given[0]); // the allocation itself: no view made for it, no copy
    expectSameBytes(data, payload);
  });

  it('[6455-5.4-3, 6455-5.4-6] a fragmented message of large reads: each read kept until the final frame, then one allocation of exactly the message, each byte copied once', () => {
    const { allocate, given } = recordingAllocator();
    const conn = server(allocate);
    const payload = pseudoRandomBytes(60_000, 3);
    const frames = [
      clientFrame({ opcode: Opcode.Binary, fin: false, payload: payload.subarray(0, 20_000) }),
      clientFrame({ opcode: Opcode.Continuation, fin: false, payload: payload.subarray(20_000, 40_000) }),
      clientFrame({ opcode: Opcode.Continuation, fin: true, payload: payload.subarray(40_000) }),
    ];
    conn.receive(frames[0]!);
    conn.receive(frames[1]!);
    expect(given).toHaveLength(0); // large views of their own reads: kept, not copied
    conn.receive(frames[2]!.slice(0, 8 + 1000)); // the final frame's header (2 + 2 + 4) and its first bytes
    expect(given.map((b) => b.length)).toEqual([60_000]); // its size is known now: the whole message, once
    conn.receive(frames[2]!.slice(8 + 1000));
    const [data] = messages(conn);
    expect(given).toHaveLength(1); // nothing joined at the end
    expect(data).toBe(given[0]);
    expectSameBytes(data, payload);
  });

  it('[6455-5.4-3, 6455-10.4-1] a fragmented message of small frames: blocks while its size is unknown, then one allocation of exactly its size at the final frame, nothing joined after it', () => {
    const { allocate, given } = recordingAllocator();
    const conn = server(allocate);
    const payload = pseudoRandomBytes(9_000, 4);
    const wire = [0, 3000, 6000].map((start, i) =>
      clientFrame({ opcode: i === 0 ? Opcode.Binary : Opcode.Continuation, fin: i === 2, payload: payload.subarray(start, start + 3000) }),
    );
    // All three frames in one read: each 3000-byte piece is a small part of that read, so it is copied.
    const read = new Uint8Array(wire.reduce((n, f) => n + f.length, 0));
    wire.reduce((offset, f) => (read.set(f, offset), offset + f.length), 0);
    conn.receive(read);
    const [data] = messages(conn);
    expect(given.map((b) => b.length)).toEqual([3000, 3000, 9000]); // two blocks, then the message
    expect(data).toBe(given[2]);
    expectSameBytes(data, payload);
  });

  it('[6455-5.4-3, 6455-6.2-4] no garbage per message: the parts list is reused, emptied (its parts let go), and a full block is handed out as is', () => {
    const { allocate, given } = recordingAllocator();
    const buffer = new MessageBuffer(allocate);
    const inside = buffer as unknown as { parts: Uint8Array[] };
    const parts = inside.parts;
    for (let message = 0; message < 3; message++) {
      for (let i = 0; i < 4; i++) {
        buffer.expect(20_000, i === 3);
        buffer.append(pseudoRandomBytes(20_000, 10 * message + i), Infinity); // large, whole buffers: kept as views
      }
      const data = buffer.take();
      expect(data).toBe(given.at(-1)); // gathered at the final frame: the allocation itself
      expect(data.length).toBe(80_000);
      expect(inside.parts).toBe(parts);
      expect(parts).toHaveLength(0);
    }
    expect(given).toHaveLength(3);
  });

  it('[6455-6.2-6, 6455-5.4-3] an extension’s output (its size unknown until the end) is joined once, at take(), into one allocation from `allocate`', () => {
    const { allocate, given } = recordingAllocator();
    const buffer = new MessageBuffer(allocate);
    const inflated = [pseudoRandomBytes(300, 6), pseudoRandomBytes(30_000, 7), pseudoRandomBytes(500, 8)];
    for (const piece of inflated) {
      buffer.expect(0, false); // a transformed frame: nothing announced
      buffer.append(piece, Infinity);
    }
    const data = buffer.take();
    expect(given.map((b) => b.length)).toEqual([30_300, 30_800]); // a block for the small tail (as large as the message so far), then the message
    expect(data).toBe(given[1]);
    expectSameBytes(data, Buffer.concat(inflated));
  });

  it('[6455-5.4-3, 6455-10.4-1] property: whatever the frames and the cuts, a message is exactly the bytes sent, at its exact length, with no byte of the allocator’s filling showing', () => {
    let seed = 1;
    const next = (): number => ((seed = (seed * 1_103_515_245 + 12_345) >>> 0) / 0x1_0000_0000);
    for (let round = 0; round < 60; round++) {
      const { allocate } = recordingAllocator();
      const conn = server(allocate);
      const length = Math.floor(next() ** 3 * 150_000);
      const payload = pseudoRandomBytes(length, round + 100);
      const fragments = 1 + Math.floor(next() * 5);
      const wire: Uint8Array[] = [];
      let start = 0;
      for (let f = 0; f < fragments; f++) {
        const end = f === fragments - 1 ? length : start + Math.floor(next() * (length - start));
        wire.push(clientFrame({ opcode: f === 0 ? Opcode.Binary : Opcode.Continuation, fin: f === fragments - 1, payload: payload.subarray(start, end) }));
        start = end;
      }
      const all = new Uint8Array(wire.reduce((n, f) => n + f.length, 0));
      wire.reduce((offset, f) => (all.set(f, offset), offset + f.length), 0);
      const cuts = Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * all.length)).sort((a, b) => a - b);
      for (const read of reads(all, cuts)) conn.receive(read);
      const [data] = messages(conn);
      expectSameBytes(data, payload);
    }
  });
});

describe('a client’s large masked frames from the injected allocator (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-5.1-1] the application’s large payload is masked into one buffer from `allocate`, written in full; the application’s bytes stay as they were', () => {
    const { allocate, given } = recordingAllocator();
    const conn = new Connection({ role: 'client', allocate, maskKeys: () => RFC_MASK_KEY });
    conn.establish(undefined, []);
    const payload = pseudoRandomBytes(10_000, 5);
    const copy = payload.slice();
    conn.send(payload, false);
    const chunks = conn.dataToSend();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toBe(given[0]); // header and masked payload in the allocation itself
    expect(given.map((b) => b.length)).toEqual([2 + 2 + 4 + 10_000]);
    const [frame] = decodeFrames(chunks[0]!);
    expectSameBytes(frame!.payload, copy); // every byte written: no 0xAA left, and it unmasks to what was sent
    expectSameBytes(payload, copy);
  });
});
