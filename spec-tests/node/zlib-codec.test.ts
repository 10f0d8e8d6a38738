// Tests for src/node/zlib-codec.ts — the synchronous Node zlib implementation of the DEFLATE
// codec the compression extensions use (RFC 7692 §7.2, RFC 1951).
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { InflateLimitError, type DeflateCodec } from '../../src/core/extensions/deflate-codec.js';
import { createZlibCodec, zlibCodecUnsupportedReason } from '../../src/node/zlib-codec.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * A deliberately small RFC 1951 decoder, for tests only: it decodes a raw DEFLATE stream (as a
 * series of sync-flushed pieces concatenate into one) and reports the longest back-reference
 * distance any match used. zlib cannot check this for us: its inflater accepts references
 * further back than its window as long as the bytes are in the same call's output.
 */
function scanDeflate(data: Uint8Array): { output: Uint8Array; maxDistance: number } {
  let pos = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  const bits = (n: number): number => {
    while (bitCount < n) {
      if (pos >= data.length) throw new Error('unexpected end of DEFLATE data');
      bitBuffer |= data[pos++]! << bitCount;
      bitCount += 8;
    }
    const value = bitBuffer & ((1 << n) - 1);
    bitBuffer >>>= n;
    bitCount -= n;
    return value;
  };
  interface Huffman { counts: number[]; symbols: number[] }
  const build = (lengths: number[]): Huffman => {
    const counts = new Array<number>(16).fill(0);
    for (const l of lengths) counts[l]!++;
    counts[0] = 0;
    const offsets = [0, 0];
    for (let l = 1; l < 15; l++) offsets[l + 1] = offsets[l]! + counts[l]!;
    const symbols: number[] = [];
    lengths.forEach((l, symbol) => {
      if (l !== 0) symbols[offsets[l]!++] = symbol;
    });
    return { counts, symbols };
  };
  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let l = 1; l <= 15; l++) {
      code |= bits(1);
      const count = h.counts[l]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Error('bad Huffman code');
  };
  const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
  const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
  const fixedLit = build([...new Array<number>(144).fill(8), ...new Array<number>(112).fill(9), ...new Array<number>(24).fill(7), ...new Array<number>(8).fill(8)]);
  const fixedDist = build(new Array<number>(30).fill(5));
  const out: number[] = [];
  let maxDistance = 0;
  while (pos < data.length) {
    bits(1); // BFINAL: a sync-flushed stream goes on regardless
    const type = bits(2);
    if (type === 0) {
      bitBuffer = 0;
      bitCount = 0;
      const len = data[pos]! | (data[pos + 1]! << 8);
      const nlen = data[pos + 2]! | (data[pos + 3]! << 8);
      if ((len ^ 0xffff) !== nlen) throw new Error('stored block LEN/NLEN mismatch');
      for (let i = 0; i < len; i++) out.push(data[pos + 4 + i]!);
      pos += 4 + len;
      continue;
    }
    let lit = fixedLit;
    let dist = fixedDist;
    if (type === 2) {
      const hlit = bits(5) + 257;
      const hdist = bits(5) + 1;
      const hclen = bits(4) + 4;
      const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
      const codeLengths = new Array<number>(19).fill(0);
      for (let i = 0; i < hclen; i++) codeLengths[order[i]!] = bits(3);
      const lengthCode = build(codeLengths);
      const lengths: number[] = [];
      while (lengths.length < hlit + hdist) {
        const symbol = decode(lengthCode);
        if (symbol < 16) lengths.push(symbol);
        else if (symbol === 16) lengths.push(...new Array<number>(3 + bits(2)).fill(lengths[lengths.length - 1]!));
        else if (symbol === 17) lengths.push(...new Array<number>(3 + bits(3)).fill(0));
        else lengths.push(...new Array<number>(11 + bits(7)).fill(0));
      }
      lit = build(lengths.slice(0, hlit));
      dist = build(lengths.slice(hlit));
    } else if (type === 3) {
      throw new Error('invalid block type');
    }
    for (;;) {
      const symbol = decode(lit);
      if (symbol < 256) out.push(symbol);
      else if (symbol === 256) break;
      else {
        const length = LBASE[symbol - 257]! + bits(LEXT[symbol - 257]!);
        const d = decode(dist);
        const distance = DBASE[d]! + bits(DEXT[d]!);
        if (distance > out.length) throw new Error('distance beyond the start of the stream');
        maxDistance = Math.max(maxDistance, distance);
        for (let i = 0; i < length; i++) out.push(out[out.length - distance]!);
      }
    }
  }
  return { output: Uint8Array.from(out), maxDistance };
}

/** Messages that repeat random blocks at distances of 200, 300 and 1,000 bytes. */
function farRepeats(): Uint8Array[] {
  let seed = 7;
  const random = (n: number): Uint8Array => new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 23);
  const messages: Uint8Array[] = [];
  for (const period of [200, 300, 1000]) {
    const block = random(period);
    const message = new Uint8Array(period * 4);
    for (let i = 0; i < 4; i++) message.set(block, i * period);
    messages.push(message);
  }
  return [...messages, messages[1]!.slice(0, 100)];
}

/** Bytes with little redundancy (a linear congruential generator). */
function noise(length: number): Uint8Array {
  let seed = 11;
  return new Uint8Array(length).map(() => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 23);
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(pieces.flatMap((p) => [...p]));
}

describe('createZlibCodec (Node zlib, synchronous)', () => {
  const codec: DeflateCodec = createZlibCodec();

  it('[wsref] finds the zlib internals it relies on in this Node.js', () => {
    expect(zlibCodecUnsupportedReason).toBeUndefined();
  });

  it('[wsref] compresses "Hello" into the RFC 7692 §7.2.3.1 bytes, ending with a sync flush', () => {
    const deflater = codec.createDeflater({ windowBits: 15 });
    expect(hex(deflater.deflate(text('Hello')))).toBe('f248cdc9c90700' + '0000ffff');
    deflater.close();
  });

  it('[wsref] keeps the window between calls until reset (RFC 7692 §7.2.3.2)', () => {
    const deflater = codec.createDeflater({ windowBits: 15 });
    deflater.deflate(text('Hello'));
    expect(hex(deflater.deflate(text('Hello')))).toBe('f200110000' + '0000ffff');
    deflater.reset();
    expect(hex(deflater.deflate(text('Hello')))).toBe('f248cdc9c90700' + '0000ffff');
    deflater.close();
  });

  it('[wsref] inflates across calls with the shared window, whatever the cut points', () => {
    const stream = Uint8Array.from(Buffer.from('f248cdc9c90700' + '0000ffff' + 'f200110000' + '0000ffff', 'hex'));
    for (let cut = 0; cut <= stream.length; cut++) {
      const inflater = codec.createInflater({ windowBits: 15 });
      const a = inflater.inflate(stream.subarray(0, cut), 100);
      const b = inflater.inflate(stream.subarray(cut), 100);
      expect(new TextDecoder().decode(concat([a, b]))).toBe('HelloHello');
      inflater.close();
    }
  });

  it('[wsref] round-trips output larger than one chunk, with a tiny chunk size', () => {
    const small = createZlibCodec({ chunkSize: 64 });
    const data = new Uint8Array(50_000).map((_, i) => (i * 7) % 13);
    const deflater = small.createDeflater({ windowBits: 15, level: 1 });
    const inflater = small.createInflater({ windowBits: 15 });
    const compressed = deflater.deflate(data);
    expect(Buffer.from(inflater.inflate(compressed, data.length)).equals(Buffer.from(data))).toBe(true);
  });

  it('[wsref] results stay intact when engines of one codec take turns with the shared output space', () => {
    const shared = createZlibCodec({ chunkSize: 256 });
    const deflater = shared.createDeflater({ windowBits: 15 });
    const inflaters = [shared.createInflater({ windowBits: 15 }), shared.createInflater({ windowBits: 15 })];
    const big = new Uint8Array(256).fill(0x62); // exactly one chunk: handed over without a copy
    const small = text('small');
    const bigResult = inflaters[0]!.inflate(deflater.deflate(big), 1000);
    const compressedSmall = deflater.deflate(small);
    const smallResult = inflaters[1]!.inflate(zlib.deflateRawSync(small, { finishFlush: zlib.constants.Z_SYNC_FLUSH }), 1000);
    const bigAgain = inflaters[0]!.inflate(compressedSmall, 1000);
    expect(Buffer.from(bigResult).equals(Buffer.from(big))).toBe(true);
    expect(new TextDecoder().decode(smallResult)).toBe('small');
    expect(new TextDecoder().decode(bigAgain)).toBe('small');
  });

  it('[wsref] allows output of exactly maxOutput bytes, and throws InflateLimitError one byte below', () => {
    const compressed = zlib.deflateRawSync(Buffer.alloc(1000, 0x61), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const inflater = codec.createInflater({ windowBits: 15 });
    expect(inflater.inflate(compressed, 1000).length).toBe(1000);
    const tight = codec.createInflater({ windowBits: 15 });
    expect(() => tight.inflate(compressed, 999)).toThrow(InflateLimitError);
  });

  it('[wsref] treats a negative, fractional or NaN limit as what it allows, never crashing', () => {
    const hello = Uint8Array.from(Buffer.from('f248cdc9c907000000ffff', 'hex'));
    expect(() => codec.createInflater({ windowBits: 15 }).inflate(hello, -5)).toThrow(InflateLimitError);
    expect(() => codec.createInflater({ windowBits: 15 }).inflate(hello, Number.NaN)).toThrow(InflateLimitError);
    expect(() => codec.createInflater({ windowBits: 15 }).inflate(hello, 4.9)).toThrow(InflateLimitError);
    expect(codec.createInflater({ windowBits: 15 }).inflate(hello, 5.5).length).toBe(5);
    expect(codec.createInflater({ windowBits: 15 }).inflate(hello, Infinity).length).toBe(5);
  });

  it('[wsref] stops a decompression bomb at the limit without allocating its output', () => {
    // About 100 MB of zeros in roughly 100 KB: each 1 MiB sync-flushed piece is ~1 KB.
    const deflater = codec.createDeflater({ windowBits: 15, level: 9 });
    const zeros = new Uint8Array(1 << 20);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) pieces.push(deflater.deflate(zeros));
    const bomb = Buffer.concat(pieces);
    expect(bomb.length).toBeLessThan(200_000);
    const limit = 1 << 20;
    const inflater = codec.createInflater({ windowBits: 15 });
    const before = process.memoryUsage().arrayBuffers;
    expect(() => inflater.inflate(bomb, limit)).toThrow(InflateLimitError);
    const grown = process.memoryUsage().arrayBuffers - before;
    // The limit plus one chunk at most, with slack for unrelated allocations; 100 MB would show.
    expect(grown).toBeLessThan(limit + 4 * 1024 * 1024);
  });

  it('[wsref] rejects data that is not DEFLATE with an ordinary Error, and works again after reset', () => {
    const inflater = codec.createInflater({ windowBits: 15 });
    let thrown: unknown;
    try {
      inflater.inflate(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 100);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(InflateLimitError);
    inflater.reset();
    expect(new TextDecoder().decode(inflater.inflate(Uint8Array.from(Buffer.from('f248cdc9c907000000ffff', 'hex')), 100))).toBe('Hello');
  });

  it('[wsref] continues after a block with BFINAL set, with a fresh stream (RFC 7692 §7.2.3.4)', () => {
    const inflater = codec.createInflater({ windowBits: 15 });
    const first = inflater.inflate(Uint8Array.from(Buffer.from('f348cdc9c90700' + '00' + '0000ffff', 'hex')), 100);
    expect(new TextDecoder().decode(first)).toBe('Hello');
    // Another BFINAL-terminated message after the first: the stream ended twice and went on.
    const second = inflater.inflate(Uint8Array.from(Buffer.from('f348cdc9c90700' + '00' + '0000ffff', 'hex')), 100);
    expect(new TextDecoder().decode(second)).toBe('Hello');
  });

  it('[wsref] a window-8 deflater never refers further back than 256 bytes, across messages too', () => {
    const deflater = codec.createDeflater({ windowBits: 8 });
    const messages = farRepeats();
    const stream = concat(messages.map((m) => deflater.deflate(m)));
    const scan = scanDeflate(stream);
    expect(Buffer.from(scan.output).equals(Buffer.from(concat(messages)))).toBe(true);
    expect(scan.maxDistance).toBeLessThanOrEqual(256);
    // By the documented means (Z_RLE), not by zlib's undocumented margin: every match is 1 byte back.
    expect(scan.maxDistance).toBeLessThanOrEqual(1);
    // It still compresses runs (Z_RLE): 2000 equal bytes shrink to a few dozen.
    expect(deflater.deflate(new Uint8Array(2000).fill(0x41)).length).toBeLessThan(50);
  });

  it('[wsref] larger windows are used when allowed (so the distance check above can fail)', () => {
    const messages = farRepeats();
    for (const [windowBits, limit] of [[10, 1024], [15, 32768]] as const) {
      const deflater = codec.createDeflater({ windowBits });
      const scan = scanDeflate(concat(messages.map((m) => deflater.deflate(m))));
      expect(Buffer.from(scan.output).equals(Buffer.from(concat(messages)))).toBe(true);
      expect(scan.maxDistance).toBeGreaterThan(256);
      expect(scan.maxDistance).toBeLessThanOrEqual(limit);
    }
  });

  it('[wsref] an inflater opened with window 8 reads what a window-8 peer sends', () => {
    const deflater = codec.createDeflater({ windowBits: 8 });
    const inflater = codec.createInflater({ windowBits: 8 });
    for (const message of farRepeats()) {
      expect(Buffer.from(inflater.inflate(deflater.deflate(message), 1 << 20)).equals(Buffer.from(message))).toBe(true);
    }
  });

  it('[wsref] refuses window sizes outside 8..15 and chunk sizes below 64', () => {
    expect(() => codec.createDeflater({ windowBits: 7 })).toThrow(RangeError);
    expect(() => codec.createDeflater({ windowBits: 16 })).toThrow(RangeError);
    expect(() => codec.createInflater({ windowBits: 7.5 })).toThrow(RangeError);
    expect(() => createZlibCodec({ chunkSize: 10 })).toThrow(RangeError);
    expect(() => createZlibCodec({ chunkSize: 100.5 })).toThrow(RangeError);
  });

  it('[wsref] hands level and memLevel to zlib', () => {
    const records = text(Array.from({ length: 3000 }, (_, i) => `{"id":${i},"v":${(i * 7919) % 10007}}`).join(','));
    const size = (options: { level?: number; memLevel?: number }, data: Uint8Array): number => {
      const deflater = codec.createDeflater({ windowBits: 15, ...options });
      const length = deflater.deflate(data).length;
      deflater.close();
      return length;
    };
    expect(size({ level: 0 }, records)).toBeGreaterThan(records.length); // stored blocks only
    expect(size({ level: 9 }, records)).toBeLessThan(records.length / 2);
    // memLevel 1 cuts blocks short (RFC 1951 block headers add up on data that does not compress).
    const random = noise(100_000);
    expect(size({ memLevel: 1 }, random)).toBeGreaterThan(size({ memLevel: 9 }, random));
  });

  it('[wsref] an inflater keeps to its window across calls: a reference further back fails (RFC 7692 §7.2.2)', () => {
    const block = noise(2000);
    const deflater = codec.createDeflater({ windowBits: 15 });
    const first = deflater.deflate(block);
    const second = deflater.deflate(block); // refers 2000 bytes back, into the first call's output
    const small = codec.createInflater({ windowBits: 10 });
    expect(Buffer.from(small.inflate(first, 1 << 20)).equals(Buffer.from(block))).toBe(true);
    expect(() => small.inflate(second, 1 << 20)).toThrow(/too far back/);
    const full = codec.createInflater({ windowBits: 15 });
    full.inflate(first, 1 << 20);
    expect(Buffer.from(full.inflate(second, 1 << 20)).equals(Buffer.from(block))).toBe(true);
  });

  it('[wsref] close() frees each zlib stream at once (its native handle closed once), twice is harmless, and no error surfaces later', async () => {
    const closes: string[] = [];
    const errors: unknown[] = [];
    const track = <T extends zlib.DeflateRaw | zlib.InflateRaw>(stream: T, name: string): T => {
      stream.on('error', (error) => errors.push(error));
      const handle = (stream as unknown as { _handle: { close(): void } })._handle;
      const close = handle.close.bind(handle);
      handle.close = () => {
        closes.push(name);
        close();
      };
      return stream;
    };
    const { createDeflateRaw, createInflateRaw } = zlib;
    const spies = [
      vi.spyOn(zlib, 'createDeflateRaw').mockImplementation((options) => track(createDeflateRaw(options), 'deflate')),
      vi.spyOn(zlib, 'createInflateRaw').mockImplementation((options) => track(createInflateRaw(options), 'inflate')),
    ];
    try {
      const deflater = codec.createDeflater({ windowBits: 15 });
      const inflater = codec.createInflater({ windowBits: 15 });
      expect(new TextDecoder().decode(inflater.inflate(deflater.deflate(text('bye')), 10))).toBe('bye');
      expect(spies.map((spy) => spy.mock.calls.length)).toEqual([1, 1]); // one zlib stream each, opened on first use
      deflater.close();
      inflater.close();
      expect(closes).toEqual(['deflate', 'inflate']);
      deflater.close();
      inflater.close();
      expect(closes).toEqual(['deflate', 'inflate']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(errors).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('[wsref] an engine keeps zlib\'s native handle, not the stream object that made it (less heap per compressed connection)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const made: WeakRef<object>[] = [];
    const { createDeflateRaw, createInflateRaw } = zlib;
    const spies = [
      vi.spyOn(zlib, 'createDeflateRaw').mockImplementation((options) => {
        const stream = createDeflateRaw(options);
        made.push(new WeakRef(stream));
        return stream;
      }),
      vi.spyOn(zlib, 'createInflateRaw').mockImplementation((options) => {
        const stream = createInflateRaw(options);
        made.push(new WeakRef(stream));
        return stream;
      }),
    ];
    try {
      const deflater = codec.createDeflater({ windowBits: 15 });
      const inflater = codec.createInflater({ windowBits: 15 });
      const message = text('{"hello":"world"}'.repeat(10));
      for (let i = 0; i < 3; i++) expect(hex(inflater.inflate(deflater.deflate(message), 1000))).toBe(hex(message));
      for (const spy of spies) spy.mockClear(); // the spies' own record of what they returned
      for (let i = 0; i < 5 && made.some((ref) => ref.deref() !== undefined); i++) {
        await new Promise((resolve) => setImmediate(resolve));
        gc();
      }
      expect(made.map((ref) => ref.deref() === undefined)).toEqual([true, true]);
      // Still working on the handles alone, window kept (RFC 7692 §7.2.3.2: the repeat compresses to a few bytes).
      expect(deflater.deflate(message).length).toBeLessThan(12);
      deflater.close();
      inflater.close();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
