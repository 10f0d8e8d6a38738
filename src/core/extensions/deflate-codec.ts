// RFC 7692 §7.2 (and RFC 1951, DEFLATE; RFC 1979 §2.1, the sync-flush trick): the DEFLATE
// engine the compression extensions borrow, the pair of engines one connection holds
// (`DeflateStreams`), and the rules they share: the sync-flush tail, the wire bound of a
// compressed message and what a failed inflate means. Parameters: compression-parameters.ts.
//
// The core never imports zlib. Whoever builds a connection injects a `DeflateCodec`:
// `src/node/zlib-codec.ts` wraps Node's zlib; in a browser a wrapper around `pako` fits the same
// shape. Everything here is synchronous because the core is bytes-in/events-out: a frame's
// payload is inflated inside `Extension.decodeChunk`, before the call returns.

import { ProtocolError } from '../errors.js';
import { RULES } from '../rules.js';

/** How to build a compressor. */
export interface DeflaterOptions {
  /**
   * Base-2 logarithm of the LZ77 window, 8..15 (RFC 7692 §7.1.2). The compressor MUST NOT
   * refer further back than 2^windowBits bytes (§7.2.1). Note that zlib cannot open a raw
   * stream with window 8; a zlib-based codec must work around that (see zlib-codec.ts).
   */
  readonly windowBits: number;
  /** Compression level 0..9; the codec's default when absent. */
  readonly level?: number;
  /** zlib memLevel 1..9 (memory for the match finder); the codec's default when absent. */
  readonly memLevel?: number;
}

/** A raw DEFLATE compressor (no zlib header, no checksum) whose LZ77 window survives calls. */
export interface Deflater {
  /**
   * Compresses `data` and performs a sync flush (zlib `Z_SYNC_FLUSH`): the result contains
   * everything needed to decompress all input so far and ends, byte-aligned, with an empty
   * stored block, i.e. with the bytes 00 00 ff ff. The window is kept for the next call.
   * An empty `data` may produce an empty result.
   */
  deflate(data: Uint8Array): Uint8Array;
  /** Forgets the window: the next call compresses as if nothing had been sent before. */
  reset(): void;
  /** Frees the engine. The deflater is not used afterwards. */
  close(): void;
}

/** How to build a decompressor. */
export interface InflaterOptions {
  /** Base-2 logarithm of the largest window the peer may use, 8..15. */
  readonly windowBits: number;
}

/** A raw DEFLATE decompressor whose window survives calls. */
export interface Inflater {
  /**
   * Decompresses the next piece of a raw DEFLATE stream (any cut point is fine) and returns
   * everything it yields now. A block with BFINAL set ends the stream; bytes after it start a
   * new stream with an empty window (RFC 7692 §7.2.1 lets a sender use such blocks).
   *
   * Throws `InflateLimitError` as soon as the output would exceed `maxOutput` bytes, without
   * holding much more than `maxOutput` bytes of output while finding out (decompression bombs,
   * RFC 7692 §8). Throws any other `Error` for data that is not valid DEFLATE. After a throw the
   * inflater must be `reset()` (or closed) before it is used again.
   */
  inflate(data: Uint8Array, maxOutput: number): Uint8Array;
  /** Forgets the window (and any error state). */
  reset(): void;
  /** Frees the engine. The inflater is not used afterwards. */
  close(): void;
}

/** A DEFLATE implementation, injected into the compression extensions. */
export interface DeflateCodec {
  /** A compressor with its own LZ77 window (one per connection and direction). */
  createDeflater(options: DeflaterOptions): Deflater;
  /** A decompressor with its own LZ77 window (one per connection and direction). */
  createInflater(options: InflaterOptions): Inflater;
}

/** Thrown by `Inflater.inflate` when the output would grow past `maxOutput`. */
export class InflateLimitError extends RangeError {
  /** Always `'InflateLimitError'`. */
  override readonly name = 'InflateLimitError';
  constructor(
    /** The output limit that was reached, in bytes. */
    readonly maxOutput: number,
  ) {
    super(`inflated data exceeds the limit of ${maxOutput} bytes`);
  }
}

/**
 * Compressed input fed to the inflater per call. One byte of DEFLATE can stand for up to 258
 * bytes of output (and a run of them for about 1,032 times their size), so slicing the input
 * keeps each call's output, which the engine may hold twice while producing it, to a few MiB
 * instead of the message's whole size.
 */
const INFLATE_INPUT_SLICE = 4 * 1024;

/**
 * One connection's two DEFLATE engines, as both compression extensions hold them: a compressor
 * for what it sends and a decompressor for what it receives, each with its own LZ77 window and
 * each created on first use, so a connection that never compresses never pays for a zlib stream.
 */
export class DeflateStreams {
  private deflater: Deflater | undefined;
  private inflater: Inflater | undefined;

  constructor(
    private readonly codec: DeflateCodec,
    private readonly deflaterOptions: DeflaterOptions,
    private readonly inflaterOptions: InflaterOptions,
    /** Names the inflated data in failure messages, e.g. 'compressed message'. */
    private readonly what: string,
  ) {}

  /**
   * Compresses `data` ending at a sync flush (`Deflater.deflate`). With `thenEmptyWindow` the
   * next call starts from an empty window (RFC 7692 §7.2.1, no context takeover).
   */
  deflate(data: Uint8Array, thenEmptyWindow: boolean): Uint8Array {
    const deflater = (this.deflater ??= this.codec.createDeflater(this.deflaterOptions));
    const compressed = deflater.deflate(data);
    if (thenEmptyWindow) deflater.reset();
    return compressed;
  }

  /**
   * Inflates `data`, pushing the output onto `out`, at most `limit` bytes in all, and turns the
   * engine's failures into the close codes the RFCs name: output past the limit fails with 1009
   * (RFC 6455 §7.4.1, §10.4), data that does not inflate with 1007 (RFC 7692 §7.2.2, RFC 6455
   * §7.4.1). A failed inflater is closed, its window lost; the connection is failing anyway.
   * With `thenEmptyWindow` the next call starts from an empty window (§7.2.2).
   */
  inflate(data: Uint8Array, out: Uint8Array[], limit: number, thenEmptyWindow: boolean): void {
    const inflater = (this.inflater ??= this.codec.createInflater(this.inflaterOptions));
    let left = limit;
    for (let start = 0; start < data.length; start += INFLATE_INPUT_SLICE) {
      const slice = data.length <= INFLATE_INPUT_SLICE ? data : data.subarray(start, start + INFLATE_INPUT_SLICE);
      let inflated: Uint8Array;
      try {
        inflated = inflater.inflate(slice, left);
      } catch (error) {
        inflater.close();
        this.inflater = undefined;
        if (error instanceof InflateLimitError) {
          throw new ProtocolError(RULES.INFLATE_TOO_BIG, { what: this.what, limit });
        }
        throw new ProtocolError(RULES.INFLATE_FAILED, { what: this.what, cause: (error as Error).message });
      }
      left -= inflated.length;
      out.push(inflated); // the assembler skips empty pieces
    }
    if (thenEmptyWindow) inflater.reset();
  }

  /** Frees both engines (the connection closed). */
  dispose(): void {
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = undefined;
    this.inflater = undefined;
  }
}

/**
 * The most DEFLATE data a peer may send for a message of `size` bytes: the wire limit of a
 * compressed message (RFC 6455 §10.4). Incompressible data grows when compressed. RFC 1951's
 * stored blocks alone add 5 bytes per block of at most 65,535 bytes, but real encoders cut
 * blocks much shorter: zlib, behind most peers, adds 5 bytes per 16 KiB at its defaults
 * (0.03%) and about 4% with memLevel 1 (128-byte blocks), and when a block has left its
 * window it may only use Huffman codes, 9 bits for some bytes. The bound here is the one zlib's
 * deflateBound() gives for any settings: size + size/8 + size/256 + size/512 + 4.
 */
export function maxDeflatedSize(size: number): number {
  return size + Math.ceil(size / 8) + Math.ceil(size / 256) + Math.ceil(size / 512) + 4;
}

/**
 * What each compressed frame may add on top of `maxDeflatedSize`: the sync flush ending it
 * (RFC 7692 §7.2.1; an empty stored block, up to 5 bytes with its padding), the end of the block
 * it cuts short and the header of the next. Counted per frame, so that a message sent as many
 * small compressed fragments is not refused for their framing.
 */
export const SYNC_FLUSH_ALLOWANCE = 16;

/** The four bytes a sync flush ends with: LEN = 0x0000 and NLEN = 0xffff of an empty stored block. */
export const SYNC_FLUSH_TAIL: Uint8Array = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/** True when `data` ends with 00 00 ff ff. */
function endsWithSyncFlushTail(data: Uint8Array): boolean {
  const n = data.length;
  return n >= 4 && data[n - 4] === 0x00 && data[n - 3] === 0x00 && data[n - 2] === 0xff && data[n - 1] === 0xff;
}

/**
 * RFC 7692 §7.2.1 steps 2–3 (the same rule the deflate-frame draft applies per frame): turns a
 * sync-flushed DEFLATE output into the bytes to send by removing the trailing 00 00 ff ff.
 * Output that does not end with an empty stored block (e.g. nothing at all, when nothing was
 * left to flush) first gets one appended: byte-aligned output plus an empty stored block is
 * 00 00 00 ff ff, so after the removal only 0x00 is added (§7.2.3.6).
 */
export function removeSyncFlushTail(compressed: Uint8Array): Uint8Array {
  if (endsWithSyncFlushTail(compressed)) return compressed.subarray(0, compressed.length - 4);
  const withEmptyBlock = new Uint8Array(compressed.length + 1);
  withEmptyBlock.set(compressed, 0); // the last byte stays 0x00: BFINAL=0, BTYPE=00, padding
  return withEmptyBlock;
}
