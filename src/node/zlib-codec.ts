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
// How: every zlib stream object owns a native handle whose `writeSync(flush, in, inOffset,
// inLength, out, outOffset, outLength)` runs one zlib call on the calling thread and leaves the
// remaining output and input space in the stream's `_writeState`. That loop is exactly what
// Node's own `zlib.inflateRawSync` and friends run (lib/zlib.js, `processChunkSync`, unchanged in
// shape since Node 10). We drive the handle ourselves instead of calling the older
// `_processChunk(chunk, flush)` because that function closes the handle after one call (it is
// written for the one-shot *Sync functions), and because our own loop can stop at an exact
// output limit. The three internals we touch (`_handle`, `_handle.writeSync`, `_writeState`)
// are checked once when this module loads; if a future Node.js changes them, creating a codec
// fails with a message that says so instead of misbehaving.
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

/** The native handle behind a zlib stream (node/src/node_zlib.cc), as far as we use it. */
interface NativeZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  /** Called synchronously from inside `writeSync` when zlib reports an error. */
  onerror: (message: string, errno: number, code?: string) => void;
  reset(): void;
  close(): void;
}

/** The internal fields of a Node zlib stream we rely on. */
interface ZlibStreamInternals {
  _handle: NativeZlibHandle | null;
  /** After `writeSync`: [output space left, input bytes left]. */
  _writeState: Uint32Array;
}

type ZlibStream = zlib.DeflateRaw | zlib.InflateRaw;

const { Z_SYNC_FLUSH, Z_RLE, Z_DEFAULT_CHUNK, Z_MIN_CHUNK } = zlib.constants;

/**
 * Every zlib stream allocates an output buffer of its `chunkSize` for the stream API, which we
 * never use (we bring our own): keep it at the minimum.
 */
const UNUSED_STREAM_CHUNK = Z_MIN_CHUNK;

/** Checks, once, that this Node.js still has the internals described above. Returns what is missing. */
function detectSynchronousZlib(): string | undefined {
  try {
    const probe = zlib.createInflateRaw();
    const internals = probe as unknown as Partial<ZlibStreamInternals>;
    const handle = internals._handle;
    try {
      if (!handle || typeof handle.writeSync !== 'function') return 'zlib streams have no _handle.writeSync';
      if (!(internals._writeState instanceof Uint32Array) || internals._writeState.length !== 2) return 'zlib streams have no _writeState';
      // A real run: RFC 7692 §7.2.3.1's "Hello" must come out.
      const input = Uint8Array.of(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff);
      const output = new Uint8Array(16);
      handle.writeSync(Z_SYNC_FLUSH, input, 0, input.length, output, 0, output.length);
      const produced = output.length - internals._writeState[0]!;
      if (produced !== 5 || new TextDecoder().decode(output.subarray(0, 5)) !== 'Hello') return 'writeSync did not inflate as expected';
      return undefined;
    } finally {
      probe.close();
    }
  } catch (error) {
    return `probing zlib failed: ${(error as Error).message}`;
  }
}

/** Why this Node.js cannot run the synchronous zlib codec, or `undefined` when it can. */
export const zlibCodecUnsupportedReason: string | undefined = detectSynchronousZlib();

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
 * Lets the stream object that made `handle` go: Node's zlib streams mark their handle with a back
 * reference to themselves (a symbol described 'owner_symbol'), used only by the stream API's
 * callbacks, which never run here. A connection then keeps the handle and its state array, not a
 * Transform stream (~700 B of heap per zlib stream); without the mark, only the memory differs.
 */
function releaseStreamObject(handle: NativeZlibHandle): void {
  for (const key of Object.getOwnPropertySymbols(handle)) {
    if (key.description === 'owner_symbol') (handle as unknown as Record<symbol, unknown>)[key] = null;
  }
}

/**
 * One zlib stream driven synchronously. Owns the engine: after an error it is discarded and a
 * fresh one is created on the next use, so a failure never leaves a half-broken stream behind.
 * It keeps the native handle and its state array, not the stream object that made them.
 */
class SyncZlibEngine {
  private handle: NativeZlibHandle | undefined;
  /** After `writeSync`: [output space left, input bytes left] (the stream's `_writeState`). */
  private state: Uint32Array | undefined;
  private failure: string | undefined;

  constructor(
    private readonly create: () => ZlibStream,
    private readonly scratch: ScratchSpace,
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
    }
  }
}

class ZlibDeflater implements Deflater {
  private readonly engine: SyncZlibEngine;

  constructor(options: DeflaterOptions, scratch: ScratchSpace) {
    checkWindowBits('windowBits', options.windowBits);
    // See the top of this file for window 8.
    const zlibOptions: zlib.ZlibOptions =
      options.windowBits === 8 ? { windowBits: 9, strategy: Z_RLE } : { windowBits: options.windowBits };
    if (options.level !== undefined) zlibOptions.level = options.level;
    if (options.memLevel !== undefined) zlibOptions.memLevel = options.memLevel;
    zlibOptions.chunkSize = UNUSED_STREAM_CHUNK;
    this.engine = new SyncZlibEngine(() => zlib.createDeflateRaw(zlibOptions), scratch);
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
  return {
    createDeflater: (deflaterOptions) => new ZlibDeflater(deflaterOptions, scratch),
    createInflater: (inflaterOptions) => new ZlibInflater(inflaterOptions, scratch),
  };
}
