// RFC 7692 §7.2 on Node.js: the `DeflateCodec` (src/core/extensions/deflate-codec.ts) implemented with
// Node's built-in zlib, synchronously.
//
// Why synchronous: the protocol core is sans-I/O: bytes go in, events come out, within one
// call. Inflating a frame therefore has to finish inside `decodeChunk`, and compressing a frame
// inside `encodeFrame`. Node's zlib streams are asynchronous (they run on the thread pool), and
// its only public synchronous functions (`inflateRawSync`, …) compress one buffer from scratch,
// so they cannot keep the LZ77 window from message to message that RFC 7692 context takeover
// needs.
//
// How: see zlib-handles.ts, which holds the Node internals this codec drives.
//
// Window 8: zlib refuses to write a raw DEFLATE stream with an 8-bit (256-byte) window, and
// Node silently turns `windowBits: 8` into 9 for raw deflate. RFC 7692 §7.2.1 needs distances of
// at most 256 bytes under `*_max_window_bits=8`. zlib happens to keep its matches 262 bytes short
// of its window (MAX_DIST in deflate.c), so window 9 stays within 250 bytes today, but nothing
// documents that. What zlib does document is strategy Z_RLE: "limit match distances to one". So
// for window 8 we use windowBits 9 with Z_RLE: every match refers 1 byte back, valid under any
// window, and runs still shrink (Z_HUFFMAN_ONLY would find no matches at all). Inflating with a
// larger window than the peer's is always safe, so inflaters use at least 9 too.

import zlib from 'node:zlib';
import { concatBytes } from '../core/bytes.js';
import { allocateUnzeroed } from './allocate.js';
import { checkWindowBits } from '../core/extensions/compression-parameters.js';
import { InflateLimitError, type DeflateCodec, type Deflater, type DeflaterOptions, type Inflater, type InflaterOptions } from '../core/extensions/deflate-codec.js';
import { QuietCompressorSweep, type QuietReleasable } from './quiet-compressors.js';
import { releaseStreamObject, zlibCodecUnsupportedReason, type NativeZlibHandle, type ZlibStream, type ZlibStreamInternals } from './zlib-handles.js';

export { zlibCodecUnsupportedReason } from './zlib-handles.js';

const { Z_SYNC_FLUSH, Z_RLE, Z_DEFAULT_CHUNK, Z_MIN_CHUNK } = zlib.constants;

/**
 * Every zlib stream allocates an output buffer of its `chunkSize` for the stream API, which we
 * never use (we bring our own): keep it at the minimum.
 */
const UNUSED_STREAM_CHUNK = Z_MIN_CHUNK;

/**
 * Output space shared by all engines of one codec. Every run is synchronous and finishes before
 * the next starts, so one buffer serves every connection instead of one per zlib stream. A run
 * that fills it completely hands it over to its caller and puts a fresh one in its place.
 */
class ScratchSpace {
  buffer: Uint8Array;
  constructor(readonly chunkSize: number) {
    this.buffer = new Uint8Array(chunkSize);
  }
}

/**
 * One zlib stream driven synchronously. Owns the engine: after an error it is discarded and a
 * fresh one is created on the next use, so a failure never leaves a half-broken stream behind.
 * It keeps the native handle and its state array, not the stream object that made them.
 */
class SyncZlibEngine implements QuietReleasable {
  private handle: NativeZlibHandle | undefined;
  /** After `writeSync`: [output space left, input bytes left] (the stream's `_writeState`). */
  private state: Uint32Array | undefined;
  private failure: string | undefined;
  /** For the quiet-compressor sweep (`releaseQuietCompressorAfter`), when this engine compresses under one. */
  ranSinceSweep = false;

  constructor(
    private readonly create: () => ZlibStream,
    private readonly scratch: ScratchSpace,
    private readonly sweep?: QuietCompressorSweep,
  ) {}

  private open(): { handle: NativeZlibHandle; state: Uint32Array } {
    if (!this.handle) {
      const internals = this.create() as unknown as ZlibStreamInternals;
      const handle = internals._handle!;
      // Replaces Node's handler, which would destroy the stream and emit 'error' later, on a
      // stream nobody listens to. We only need to know, right after writeSync, that it failed.
      handle.onerror = (message) => {
        this.failure = message;
      };
      releaseStreamObject(handle);
      this.handle = handle;
      this.state = internals._writeState;
    }
    return { handle: this.handle, state: this.state! };
  }

  /**
   * Feeds `input` with a sync flush and collects the output. Stops with `InflateLimitError` once
   * more than `maxOutput` bytes came out: the output space offered to zlib never exceeds what
   * is left of the limit plus one byte, so at most `maxOutput + 1` bytes are ever held.
   * `onStreamEnd` is asked what to do when zlib stops early with input left (a BFINAL block
   * ended, inflate only); it must make the engine accept more input or throw.
   */
  run(input: Uint8Array, maxOutput: number, onStreamEnd: () => void): Uint8Array {
    // Offsets and lengths reach native code, which aborts the process on a bad one: keep the
    // limit a whole number >= 0 (NaN and negatives allow nothing).
    maxOutput = maxOutput > 0 ? Math.floor(maxOutput) : 0;
    let { handle, state } = this.open();
    this.sweep?.ran(this);
    const pieces: Uint8Array[] = [];
    let total = 0;
    let inOffset = 0;
    let inLeft = input.length;
    let restartedWithoutProgress = false;
    for (;;) {
      const space = this.scratch.buffer;
      const room = Math.min(space.length, maxOutput - total + 1);
      this.failure = undefined;
      handle.writeSync(Z_SYNC_FLUSH, input, inOffset, inLeft, space, 0, room);
      if (this.failure !== undefined) {
        const message = this.failure;
        this.discard();
        throw new Error(`zlib: ${message}`);
      }
      const outLeft = state[0]!;
      const inLeftAfter = state[1]!;
      const produced = room - outLeft;
      const consumed = inLeft - inLeftAfter;
      inOffset += consumed;
      inLeft = inLeftAfter;
      if (produced > 0) {
        total += produced;
        if (total > maxOutput) {
          this.discard();
          throw new InflateLimitError(maxOutput);
        }
        if (produced === space.length) {
          pieces.push(space); // full: hand it over without copying
          this.scratch.buffer = new Uint8Array(this.scratch.chunkSize);
        } else {
          pieces.push(space.slice(0, produced)); // partial: copy, keep the scratch space
        }
      }
      if (outLeft > 0) {
        // zlib stopped with output space to spare: all input is used up, or the stream ended.
        if (inLeft === 0) break;
        if (consumed === 0 && produced === 0) {
          if (restartedWithoutProgress) {
            this.discard();
            throw new Error('zlib made no progress on its input');
          }
          restartedWithoutProgress = true;
        } else {
          restartedWithoutProgress = false;
        }
        onStreamEnd();
        ({ handle, state } = this.open());
      }
    }
    return concatBytes(pieces, total, allocateUnzeroed); // every byte is written: no zero-fill first
  }

  /** Forgets the window. A discarded engine is simply recreated on the next run. */
  reset(): void {
    this.handle?.reset();
  }

  /** Closes the zlib stream (frees zlib's memory now); a later `run` starts a fresh one. */
  discard(): void {
    if (this.handle) {
      this.handle.close();
      this.handle = undefined;
      this.state = undefined;
      this.sweep?.forget(this);
    }
  }

  /** The sweep found it quiet: its state goes, and its next run starts from an empty window (quiet-compressors.ts). */
  release(): void {
    this.discard();
  }
}

class ZlibDeflater implements Deflater {
  private readonly engine: SyncZlibEngine;

  constructor(options: DeflaterOptions, scratch: ScratchSpace, sweep: QuietCompressorSweep | undefined) {
    checkWindowBits('windowBits', options.windowBits);
    // See the top of this file for window 8.
    const zlibOptions: zlib.ZlibOptions =
      options.windowBits === 8 ? { windowBits: 9, strategy: Z_RLE } : { windowBits: options.windowBits };
    if (options.level !== undefined) zlibOptions.level = options.level;
    if (options.memLevel !== undefined) zlibOptions.memLevel = options.memLevel;
    zlibOptions.chunkSize = UNUSED_STREAM_CHUNK;
    this.engine = new SyncZlibEngine(() => zlib.createDeflateRaw(zlibOptions), scratch, sweep);
  }

  deflate(data: Uint8Array): Uint8Array {
    return this.engine.run(data, Number.MAX_SAFE_INTEGER, () => {
      throw new Error('zlib deflate stopped before consuming its input');
    });
  }

  reset(): void {
    this.engine.reset();
  }

  close(): void {
    this.engine.discard();
  }
}

class ZlibInflater implements Inflater {
  private readonly engine: SyncZlibEngine;

  constructor(options: InflaterOptions, scratch: ScratchSpace) {
    checkWindowBits('windowBits', options.windowBits);
    const windowBits = Math.max(9, options.windowBits); // a larger inflate window is always safe
    this.engine = new SyncZlibEngine(() => zlib.createInflateRaw({ windowBits, chunkSize: UNUSED_STREAM_CHUNK }), scratch);
  }

  inflate(data: Uint8Array, maxOutput: number): Uint8Array {
    // A block with BFINAL set ended the stream and bytes follow: they begin a new stream with
    // an empty window (deflate-codec.ts, `Inflater.inflate`).
    return this.engine.run(data, maxOutput, () => this.engine.reset());
  }

  reset(): void {
    this.engine.reset();
  }

  close(): void {
    this.engine.discard();
  }
}

/** Options of the Node zlib codec. */
export interface ZlibCodecOptions {
  /** Bytes of output space per zlib call (default 16 KiB, zlib's default chunk). */
  readonly chunkSize?: number;
  /**
   * Milliseconds after which a compressor that sent nothing gives its memory back (about 217 KiB
   * for 15-bit windows at memLevel 8); its next message opens a fresh one from an empty window,
   * which RFC 7692 allows under context takeover too (quiet-compressors.ts). Default: never.
   */
  readonly releaseQuietCompressorAfter?: number;
}

/**
 * A `DeflateCodec` backed by Node's zlib, for `permessageDeflate({ codec })` and
 * `deflateFrame({ codec })`. Throws if this Node.js lacks the zlib internals it needs.
 */
export function createZlibCodec(options: ZlibCodecOptions = {}): DeflateCodec {
  if (zlibCodecUnsupportedReason !== undefined) {
    throw new Error(`wsref: synchronous zlib is not available on Node.js ${process.version} (${zlibCodecUnsupportedReason}); compression extensions cannot be used`);
  }
  const chunkSize = options.chunkSize ?? Z_DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 64) throw new RangeError(`chunkSize must be an integer of at least 64, got ${chunkSize}`);
  const scratch = new ScratchSpace(chunkSize);
  const quiet = options.releaseQuietCompressorAfter;
  const sweep = quiet === undefined ? undefined : new QuietCompressorSweep(quiet);
  return {
    createDeflater: (deflaterOptions) => new ZlibDeflater(deflaterOptions, scratch, sweep),
    createInflater: (inflaterOptions) => new ZlibInflater(inflaterOptions, scratch),
  };
}
