// RFC 7692 §7.2 in the browser: the core's `DeflateCodec` (src/core/extensions/deflate-codec.ts) built on
// pako, a JavaScript port of zlib, so the docs site compresses and inflates with the same
// extension code the Node runtime uses (there it is Node's zlib, src/node/zlib-codec.ts).
//
// pako's low-level functions are zlib's own API (`deflateInit2`, `deflate`, `inflate`, …), so
// this file drives them the way zlib-codec.ts drives Node's native handle: raw DEFLATE (negative
// windowBits: no zlib header, no checksum), one `Z_SYNC_FLUSH` per call so the output ends with
// 00 00 ff ff (RFC 7692 §7.2.1), the window kept between calls (context takeover), and an exact
// output limit for inflating (decompression bombs, RFC 7692 §8).
//
// Window 8: like zlib, pako refuses a raw stream with windowBits 8. As in zlib-codec.ts, the
// compressor then uses windowBits 9 with strategy Z_RLE (every match refers one byte back, valid
// under any window) and inflaters use at least 9 (a larger inflate window is always safe).

import {
  ZStream,
  Z_BUF_ERROR,
  Z_DEFAULT_STRATEGY,
  Z_OK,
  Z_RLE,
  Z_STREAM_END,
  Z_SYNC_FLUSH,
  zlibDeflate,
  zlibDeflateEnd,
  zlibDeflateInit2,
  zlibDeflateReset,
  zlibInflate,
  zlibInflateEnd,
  zlibInflateInit2,
  zlibInflateReset,
} from 'pako';
import {
  InflateLimitError,
  type DeflateCodec,
  type Deflater,
  type DeflaterOptions,
  type Inflater,
  type InflaterOptions,
} from '../../../src/core/extensions/deflate-codec.js';
import { concatBytes } from '../../../src/core/bytes.js';
import { checkWindowBits } from '../../../src/core/extensions/compression-parameters.js';

/** zlib's only compression method, DEFLATE. */
const Z_DEFLATED = 8;
/** Output space per zlib call. */
const CHUNK = 16 * 1024;

class PakoDeflater implements Deflater {
  private readonly stream = new ZStream();

  constructor(options: DeflaterOptions) {
    checkWindowBits('windowBits', options.windowBits);
    const rle = options.windowBits === 8;
    const status = zlibDeflateInit2(
      this.stream,
      options.level ?? -1,
      Z_DEFLATED,
      -(rle ? 9 : options.windowBits), // negative: raw DEFLATE
      options.memLevel ?? 8,
      rle ? Z_RLE : Z_DEFAULT_STRATEGY,
    );
    if (status !== Z_OK) throw new Error(`pako: deflateInit2 failed (${status}): ${this.stream.msg}`);
  }

  deflate(data: Uint8Array): Uint8Array {
    const strm = this.stream;
    strm.input = data;
    strm.next_in = 0;
    strm.avail_in = data.length;
    const pieces: Uint8Array[] = [];
    let total = 0;
    // zlib's contract: call again with the same flush while the output space came back full.
    for (;;) {
      const output = new Uint8Array(CHUNK);
      strm.output = output;
      strm.next_out = 0;
      strm.avail_out = CHUNK;
      const status = zlibDeflate(strm, Z_SYNC_FLUSH);
      // Z_BUF_ERROR: nothing to do (no input, already flushed); not an error.
      if (status !== Z_OK && status !== Z_BUF_ERROR) throw new Error(`pako: deflate failed (${status}): ${strm.msg}`);
      const produced = CHUNK - strm.avail_out;
      if (produced > 0) {
        pieces.push(output.subarray(0, produced));
        total += produced;
      }
      if (strm.avail_out > 0) break;
    }
    strm.input = new Uint8Array(0); // do not keep the caller's buffer alive
    return concatBytes(pieces, total);
  }

  reset(): void {
    zlibDeflateReset(this.stream);
  }

  close(): void {
    zlibDeflateEnd(this.stream);
  }
}

class PakoInflater implements Inflater {
  private readonly stream = new ZStream();

  constructor(options: InflaterOptions) {
    checkWindowBits('windowBits', options.windowBits);
    const status = zlibInflateInit2(this.stream, -Math.max(9, options.windowBits));
    if (status !== Z_OK) throw new Error(`pako: inflateInit2 failed (${status}): ${this.stream.msg}`);
  }

  inflate(data: Uint8Array, maxOutput: number): Uint8Array {
    const limit = maxOutput > 0 ? Math.floor(maxOutput) : 0;
    const strm = this.stream;
    strm.input = data;
    strm.next_in = 0;
    strm.avail_in = data.length;
    const pieces: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        // Never offer more room than the limit plus one byte: at most limit + 1 bytes are held.
        const room = Math.min(CHUNK, limit - total + 1);
        const output = new Uint8Array(room);
        strm.output = output;
        strm.next_out = 0;
        strm.avail_out = room;
        const inBefore = strm.avail_in;
        const status = zlibInflate(strm, Z_SYNC_FLUSH);
        if (status !== Z_OK && status !== Z_STREAM_END && status !== Z_BUF_ERROR) {
          throw new Error(`pako: invalid DEFLATE data (${strm.msg || status})`);
        }
        const produced = room - strm.avail_out;
        if (produced > 0) {
          total += produced;
          if (total > limit) throw new InflateLimitError(limit);
          pieces.push(output.subarray(0, produced));
        }
        if (status === Z_STREAM_END) {
          // A block with BFINAL ended the stream: what follows starts a new one, empty window.
          zlibInflateReset(strm);
          if (strm.avail_in === 0) break;
          continue;
        }
        if (strm.avail_out > 0) {
          if (strm.avail_in === 0) break;
          if (strm.avail_in === inBefore && produced === 0) throw new Error('pako: inflate made no progress on its input');
        }
      }
    } finally {
      strm.input = new Uint8Array(0);
    }
    return concatBytes(pieces, total);
  }

  reset(): void {
    zlibInflateReset(this.stream);
  }

  close(): void {
    zlibInflateEnd(this.stream);
  }
}

/** A `DeflateCodec` backed by pako, for `permessageDeflate({ codec })` and `deflateFrame({ codec })` in a browser. */
export function createPakoCodec(): DeflateCodec {
  return {
    createDeflater: (options) => new PakoDeflater(options),
    createInflater: (options) => new PakoInflater(options),
  };
}
