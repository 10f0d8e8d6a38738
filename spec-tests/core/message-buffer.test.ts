// Tests for src/core/message-buffer.ts — where a message's bytes wait until its last frame
// (RFC 6455 §5.4: fragments arrive in order and form one message; §10.4: what a peer makes us hold
// stays close to what it sent). Checked: the bytes come out whole and in order however they were
// announced and cut, a frame that arrives in one piece is not copied, and the number of
// allocations stays small for a message of tiny pieces.
import { describe, expect, it } from 'vitest';
import { MessageBuffer } from '../../src/core/messages/message-buffer.js';

/** A deterministic pseudo-random generator (xorshift32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/** How many distinct ArrayBuffers hold the parts of `buffer` (read through its private fields). */
function allocations(buffer: MessageBuffer): number {
  const inside = buffer as unknown as { parts: Uint8Array[]; block: Uint8Array };
  return new Set([...inside.parts, inside.block].filter((p) => p.length > 0).map((p) => p.buffer)).size;
}

describe('MessageBuffer (RFC 6455 §5.4, §10.4)', () => {
  it('[6455-5.4-3] property: announced frames of any sizes, cut into pieces anywhere, come out whole and in order', () => {
    const next = random(6455);
    const byteAt = (position: number) => (position * 31 + 7) & 0xff;
    for (let round = 0; round < 200; round++) {
      const buffer = new MessageBuffer();
      let total = 0;
      const frames = 1 + Math.floor(next() * 6);
      for (let f = 0; f < frames; f++) {
        const size = Math.floor(next() ** 3 * 200_000);
        const last = f === frames - 1;
        const transformed = next() < 0.3; // an extension's output: nothing announced
        if (!transformed) buffer.expect(size, last);
        else buffer.expect(0, false);
        let sent = 0;
        while (sent < size) {
          const n = Math.min(size - sent, 1 + Math.floor(next() ** 2 * 70_000));
          const piece = new Uint8Array(n);
          for (let i = 0; i < n; i++) piece[i] = byteAt(total + i);
          buffer.append(piece, Number.MAX_SAFE_INTEGER);
          sent += n;
          total += n;
        }
      }
      expect(buffer.length).toBe(total);
      const message = buffer.take();
      expect(message.length).toBe(total);
      let mismatches = 0;
      for (let i = 0; i < total; i++) if (message[i] !== byteAt(i)) mismatches++;
      expect(mismatches).toBe(0);
      expect(buffer.length).toBe(0);
    }
  });

  it('[6455-5.4-3] a frame that is the whole message and arrives in one piece is kept as it is; one in many pieces gets one allocation of its size', () => {
    const buffer = new MessageBuffer();
    const whole = new Uint8Array(100_000).fill(7);
    buffer.expect(whole.length, true);
    buffer.append(whole, Infinity);
    expect(buffer.take()).toBe(whole);

    buffer.expect(1_000_000, true);
    for (let i = 0; i < 100; i++) buffer.append(new Uint8Array(10_000).fill(i), Infinity);
    expect(allocations(buffer)).toBe(1);
    const message = buffer.take();
    expect(message.buffer.byteLength).toBe(1_000_000);
    expect([message[0], message[999_999]]).toEqual([0, 99]);
  });

  it('[6455-10.4-1] 100,000 one-byte fragments are held in a few blocks, not 100,000 views', () => {
    const buffer = new MessageBuffer();
    for (let i = 0; i < 100_000; i++) {
      buffer.expect(1, i === 99_999);
      buffer.append(Uint8Array.of(i & 0xff), Infinity);
    }
    expect(allocations(buffer)).toBeLessThan(20);
    const message = buffer.take();
    expect(message.length).toBe(100_000);
    expect(message[12_345]).toBe(12_345 & 0xff);
  });

  it('[6455-10.4-1] never allocates beyond the room the size limit leaves', () => {
    const buffer = new MessageBuffer();
    buffer.expect(10, false); // small fragments would get a 1 KiB block, but only 30 bytes are allowed
    buffer.append(new Uint8Array(10), 30);
    buffer.expect(10, false);
    buffer.append(new Uint8Array(10), 20);
    const inside = buffer as unknown as { block: Uint8Array };
    expect(inside.block.length).toBeLessThanOrEqual(30);
  });
});
