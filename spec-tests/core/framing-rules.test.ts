// Tests for src/core/framing/ written against its surviving mutants (`npm run mutate -- --mutate
// 'src/core/framing/**/*.ts'`): RFC 6455 §5.2's header at the edges of each length form and of
// the 64-bit form's high word, §5.3's masking by the sending half (`FrameWriter`: a fresh key per
// frame, the application's bytes never changed), what the writer promises about its outbox, and
// the parser's promises to its sink (payload views without copies, stop() from inside the sink holds).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { frameHeaderLength, Opcode, writeFrameHeader } from '../../src/core/framing/frame-header.js';
import { FrameParser, type FrameSink } from '../../src/core/framing/frame-parser.js';
import { createMaskKeySource, FrameWriter } from '../../src/core/framing/frame-writer.js';
import { concat } from '../helpers/core-pair.js';

afterEach(() => vi.restoreAllMocks());

interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: number[];
}

/** Parses a byte stream with the receiving half; `server` expects masked frames (RFC 6455 §5.1). */
function parse(bytes: Uint8Array, server: boolean): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  const sink: FrameSink = {
    frameStart: (fin, rsv, opcode) => frames.push({ fin, rsv, opcode, payload: [] }),
    framePayload: (piece) => frames.at(-1)!.payload.push(...piece),
    frameEnd: () => {},
  };
  new FrameParser({ expectMasked: server }, sink).push(bytes);
  return frames;
}

/** A key source that hands out the given keys in turn. */
function keys(...list: number[]): () => number {
  let i = 0;
  return () => list[i++ % list.length]!;
}

describe('the 64-bit length form (RFC 6455 §5.2)', () => {
  it('[6455-5.2-5, 6455-5.2-6] a length above 2^32 writes every byte of its high and low words big-endian, top bit 0', () => {
    const header = new Uint8Array(10);
    const length = 0x1f_ffff * 0x1_0000_0000 + 0x8765_4321; // 2^53 - 1 - 0x789abcde: every high-word byte in use
    expect(writeFrameHeader(header, 0, true, 0, Opcode.Binary, length, false, 0)).toBe(10);
    expect(Array.from(header)).toEqual([0x82, 127, 0x00, 0x1f, 0xff, 0xff, 0x87, 0x65, 0x43, 0x21]);
    const other = new Uint8Array(10);
    writeFrameHeader(other, 0, false, 0, Opcode.Continuation, 0x0102_0304 * 0x1_0000 + 0x0506, false, 0);
    expect(Array.from(other)).toEqual([0x00, 127, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]);
  });

  it('[6455-5.2-6] frameHeaderLength: 2, 4 and 10 bytes at 125/126 and 65535/65536, 4 more with a mask', () => {
    expect([0, 125, 126, 65535, 65536, 2 ** 40].map((n) => frameHeaderLength(n, false))).toEqual([2, 2, 4, 4, 10, 10]);
    expect([0, 125, 126, 65535, 65536].map((n) => frameHeaderLength(n, true))).toEqual([6, 6, 8, 8, 14]);
  });

  it('[6455-5.2-2] only the three RSV bits of `rsv` and the low nibble of the opcode reach byte 0', () => {
    const header = new Uint8Array(2);
    writeFrameHeader(header, 0, false, 0xff, 0xf1, 0, false, 0);
    expect(header[0]).toBe(0x71);
  });
});

describe('the receiving half: FrameParser (RFC 6455 §5.2, §5.3)', () => {
  it('[6455-5.3-1, 6455-5.2-4] a chunk that is all payload reaches the sink as that very chunk, unmasked in place; a reserved opcode is named in the error', () => {
    const pieces: Uint8Array[] = [];
    const parser = new FrameParser({ expectMasked: true }, { frameStart: () => {}, framePayload: (p) => pieces.push(p), frameEnd: () => {} });
    parser.push(Uint8Array.of(0x82, 0x84, 0x01, 0x02, 0x03, 0x04, 0x11 ^ 0x01)); // header and the first payload byte
    const rest = Uint8Array.of(0x22 ^ 0x02, 0x33 ^ 0x03, 0x44 ^ 0x04);
    parser.push(rest);
    expect(pieces[1]).toBe(rest); // no new view per read (§5.3's unmasking needs no copy either)
    expect(Array.from(rest)).toEqual([0x22, 0x33, 0x44]);
    expect(Array.from(pieces[0]!)).toEqual([0x11]);
    const reserved = new FrameParser({ expectMasked: false }, { frameStart: () => {}, framePayload: () => {}, frameEnd: () => {} });
    expect(() => reserved.push(Uint8Array.of(0x8b, 0x00))).toThrowError('reserved opcode 0xb');
  });

  it('[6455-7.1.7-5, 6455-7.1.1-1] a sink that stops the parser at the start of an empty frame, or at the last piece of a payload, gets no frameEnd and no more frames', () => {
    for (const stopAt of ['start', 'payload'] as const) {
      const seen: string[] = [];
      const parser: FrameParser = new FrameParser({ expectMasked: false }, {
        frameStart: (_fin, _rsv, opcode) => {
          seen.push(`start ${opcode}`);
          if (stopAt === 'start') parser.stop();
        },
        framePayload: (piece) => {
          seen.push(`payload ${piece.length}`);
          if (stopAt === 'payload') parser.stop();
        },
        frameEnd: () => seen.push('end'),
      });
      const first = stopAt === 'start' ? [0x88, 0x00] : [0x88, 0x02, 0x03, 0xe8];
      parser.push(Uint8Array.of(...first, 0x81, 0x01, 0x41));
      expect(parser.stopped).toBe(true);
      parser.push(Uint8Array.of(0x81, 0x01, 0x42));
      expect(seen).toEqual(stopAt === 'start' ? ['start 8'] : ['start 8', 'payload 2']);
    }
  });
});

describe('the sending half: FrameWriter (RFC 6455 §5.1–§5.3)', () => {
  it('[6455-5.1-4] a server frame is unmasked; a small payload travels in one chunk with its header', () => {
    const writer = new FrameWriter(undefined);
    expect(writer.hasOutput).toBe(false);
    writer.writeFrame(Opcode.Text, true, 0, new TextEncoder().encode('Hello'), false);
    expect(writer.hasOutput).toBe(true);
    const chunks = writer.take();
    expect(chunks.map((c) => Array.from(c))).toEqual([[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]]);
    expect(writer.hasOutput).toBe(false);
  });

  it('[6455-5.1-4] a server payload over 1 KiB follows its header uncopied; up to 1 KiB it is copied beside it', () => {
    const writer = new FrameWriter(undefined);
    const large = new Uint8Array(1025).fill(7);
    const small = new Uint8Array(1024).fill(9);
    writer.writeFrame(Opcode.Binary, true, 0, large, false);
    writer.writeFrame(Opcode.Binary, true, 0, small, false);
    const chunks = writer.take();
    expect(chunks.map((c) => c.length)).toEqual([4, 1025, 4 + 1024]);
    expect(chunks[1]).toBe(large);
    expect(parse(concat(...chunks), false).map((f) => f.payload.length)).toEqual([1025, 1024]);
  });

  it('[6455-5.1-1, 6455-5.3-1, 6455-5.3-2] a client masks every frame with the next key and never changes the application’s bytes', () => {
    const writer = new FrameWriter(keys(0x37fa213d, 0x01020304));
    const text = new TextEncoder().encode('Hello');
    const large = new Uint8Array(3000).map((_, i) => i & 0xff);
    const before = large.slice();
    writer.writeFrame(Opcode.Text, true, 0, text, false);
    writer.writeFrame(Opcode.Binary, false, 0x40, large, false);
    const chunks = writer.take();
    // RFC 6455 §5.7's masked "Hello", then a header with the second key.
    expect(Array.from(chunks[0]!)).toEqual([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    expect(Array.from(chunks[1]!.subarray(0, 8))).toEqual([0x42, 0xfe, 0x0b, 0xb8, 0x01, 0x02, 0x03, 0x04]);
    expect(chunks).toHaveLength(2); // the masked copy goes beside its header
    expect(large).toEqual(before);
    expect(text).toEqual(new TextEncoder().encode('Hello'));
    const frames = parse(concat(...chunks), true);
    expect(frames.map(({ fin, rsv, opcode }) => ({ fin, rsv, opcode }))).toEqual([
      { fin: true, rsv: 0, opcode: Opcode.Text },
      { fin: false, rsv: 0x40, opcode: Opcode.Binary },
    ]);
    expect(frames[1]!.payload).toEqual(Array.from(before));
  });

  it('[6455-5.3-1] a client payload the writer owns (compressor output) over 1 KiB is masked in place and sent after its header', () => {
    const writer = new FrameWriter(keys(0xa1b2c3d4));
    const owned = new Uint8Array(2048).fill(0x55);
    writer.writeFrame(Opcode.Binary, true, 0, owned, true);
    const chunks = writer.take();
    expect(chunks.map((c) => c.length)).toEqual([8, 2048]);
    expect(chunks[1]).toBe(owned);
    expect(Array.from(owned.subarray(0, 4))).toEqual([0x55 ^ 0xa1, 0x55 ^ 0xb2, 0x55 ^ 0xc3, 0x55 ^ 0xd4]);
    expect(parse(concat(...chunks), true)[0]!.payload).toEqual(new Array(2048).fill(0x55));
  });

  it('[6455-4.2.2-1, 6455-6.1-4] bytes that are not a frame (the HTTP head) keep their place in the outbox', () => {
    const writer = new FrameWriter(undefined);
    const head = new TextEncoder().encode('HTTP/1.1 101 Switching Protocols\r\n\r\n');
    writer.writeBytes(head);
    writer.writeFrame(Opcode.Ping, true, 0, new Uint8Array(0), false);
    const chunks = writer.take();
    expect(chunks[0]).toBe(head);
    expect(Array.from(chunks[1]!)).toEqual([0x89, 0x00]);
  });

  it('[wsref] take() hands out what was queued since the last take(), in order, and nothing twice', () => {
    const writer = new FrameWriter(undefined);
    writer.writeFrame(Opcode.Text, true, 0, new Uint8Array([0x61]), false);
    const first = writer.take();
    expect(first.map((c) => Array.from(c))).toEqual([[0x81, 0x01, 0x61]]);
    expect(writer.take()).toEqual([]);
    writer.writeFrame(Opcode.Text, true, 0, new Uint8Array([0x62]), false);
    writer.writeFrame(Opcode.Text, true, 0, new Uint8Array([0x63]), false);
    expect(writer.take().map((c) => Array.from(c))).toEqual([[0x81, 0x01, 0x62], [0x81, 0x01, 0x63]]);
  });
});

describe('masking keys (RFC 6455 §5.3, §10.3)', () => {
  it('[6455-5.3-2, 6455-5.3-3] the default source draws keys from crypto.getRandomValues, 1024 per call, and never repeats a pool', () => {
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues');
    const next = createMaskKeySource();
    expect(spy).not.toHaveBeenCalled();
    const drawn = Array.from({ length: 1025 }, () => next());
    expect(spy).toHaveBeenCalledTimes(2);
    expect((spy.mock.calls[0]![0] as Uint32Array).length).toBe(1024);
    expect(new Set(drawn).size).toBeGreaterThan(1000); // 1025 uniform 32-bit draws: collisions are rare
    expect(drawn.every((key) => Number.isInteger(key) && key >= 0 && key <= 0xffff_ffff)).toBe(true);
  });
});
