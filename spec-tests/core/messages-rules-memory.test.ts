// Tests for src/core/messages/message-buffer.ts written against its surviving mutants (`npm run
// mutate -- --mutate 'src/core/messages/**/*.ts'`). Where a message waits for its last frame is a
// matter of memory (RFC 6455 §10.4: what a peer makes us hold stays close to what it sent), and the
// memory shows in what `take()` hands out: the very buffer that arrived (no copy), or a view of the
// one allocation the bytes were gathered in, whose `buffer.byteLength` is what the message keeps alive.
import { describe, expect, it } from 'vitest';
import { MessageBuffer } from '../../src/core/messages/message-buffer.js';

/** `length` bytes counting up from `from`, in a buffer of exactly that size. */
function counting(length: number, from = 0): Uint8Array {
  return new Uint8Array(length).map((_, i) => (from + i) & 0xff);
}

describe('MessageBuffer: what a message costs in memory (RFC 6455 §5.4, §10.4)', () => {
  it('[6455-10.4-1] an extension’s first output (nothing announced) and a large read that is the whole of its buffer are kept, not copied', () => {
    const buffer = new MessageBuffer();
    const inflated = counting(300);
    buffer.expect(0, false);
    buffer.append(inflated, 1000);
    expect(buffer.take()).toBe(inflated);

    const read = counting(20_000); // a network read: most of its own buffer
    buffer.expect(50_000, false); // the frame goes on, the message too: not the whole message
    buffer.append(read, 1_000_000);
    expect(buffer.length).toBe(20_000);
    expect(buffer.take()).toBe(read);
  });

  it('[6455-10.4-1] a large piece that is a small part of a larger buffer is copied, so the message does not keep that buffer alive', () => {
    const buffer = new MessageBuffer();
    const socketRead = counting(64 * 1024);
    const piece = socketRead.subarray(100, 100 + 20_000); // 20,000 bytes of a 65,536-byte read
    buffer.expect(20_000, false);
    buffer.append(piece, 1_000_000);
    const message = buffer.take();
    expect(message.buffer).not.toBe(socketRead.buffer);
    expect(message.buffer.byteLength).toBe(20_000); // a block of the announced frame's size, no more
    expect(Array.from(message.subarray(0, 3))).toEqual([100, 101, 102]);
  });

  it('[6455-10.4-1, 6455-5.4-3] small fragments share blocks: 1 KiB first, then the size of the message so far, never beyond the room left', () => {
    const buffer = new MessageBuffer();
    for (let i = 0; i < 10; i++) {
      buffer.expect(10, false);
      buffer.append(counting(10, 10 * i), 1_000_000);
    }
    const small = buffer.take();
    expect(small.buffer.byteLength).toBe(1024); // one block of 1 KiB for 100 bytes
    expect(Array.from(small)).toEqual(Array.from(counting(100)));

    buffer.expect(10, false);
    buffer.append(counting(10), 30); // only 30 bytes may follow under the size limit
    expect(buffer.take().buffer.byteLength).toBe(30);
  });

  it('[6455-10.4-1] a frame that is the whole message but arrives in pieces is gathered in one allocation of exactly its size', () => {
    const buffer = new MessageBuffer();
    buffer.expect(5000, true);
    for (let i = 0; i < 5; i++) buffer.append(counting(1000, 1000 * i), 1_000_000);
    const message = buffer.take();
    expect(message.buffer.byteLength).toBe(5000);
    expect(message.byteOffset).toBe(0);
    expect(Array.from(message.subarray(995, 1005))).toEqual(Array.from(counting(10, 995)));

    buffer.expect(600, true); // smaller than the 1 KiB a message of unknown size starts with
    for (let i = 0; i < 6; i++) buffer.append(counting(100, 100 * i), 1_000_000);
    expect(buffer.take().buffer.byteLength).toBe(600);
  });
});
