// RFC 7692 §7.2 on Node.js, the parts of Node's zlib that the synchronous codec (zlib-codec.ts)
// drives directly, and the check that this Node.js still has them.
//
// Every zlib stream object owns a native handle whose `writeSync(flush, in, inOffset,
// inLength, out, outOffset, outLength)` runs one zlib call on the calling thread and leaves the
// remaining output and input space in the stream's `_writeState`. That loop is exactly what
// Node's own `zlib.inflateRawSync` and friends run (lib/zlib.js, `processChunkSync`, unchanged in
// shape since Node 10). We drive the handle ourselves instead of calling the older
// `_processChunk(chunk, flush)` because that function closes the handle after one call (it is
// written for the one-shot *Sync functions), and because our own loop can stop at an exact
// output limit. The three internals we touch (`_handle`, `_handle.writeSync`, `_writeState`)
// are checked once when this module loads; if a future Node.js changes them, creating a codec
// fails with a message that says so instead of misbehaving.

import zlib from 'node:zlib';

/** The native handle behind a zlib stream (node/src/node_zlib.cc), as far as we use it. */
export interface NativeZlibHandle {
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
  /** Called synchronously from inside `writeSync` when zlib reports an error. */
  onerror: (message: string, errno: number, code?: string) => void;
  reset(): void;
  close(): void;
}

/** The internal fields of a Node zlib stream we rely on. */
export interface ZlibStreamInternals {
  _handle: NativeZlibHandle | null;
  /** After `writeSync`: [output space left, input bytes left]. */
  _writeState: Uint32Array;
}

export type ZlibStream = zlib.DeflateRaw | zlib.InflateRaw;

const { Z_SYNC_FLUSH } = zlib.constants;

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
 * Lets the stream object that made `handle` go: Node's zlib streams mark their handle with a back
 * reference to themselves (a symbol described 'owner_symbol'), used only by the stream API's
 * callbacks, which never run here. A connection then keeps the handle and its state array, not a
 * Transform stream (~700 B of heap per zlib stream); without the mark, only the memory differs.
 */
export function releaseStreamObject(handle: NativeZlibHandle): void {
  for (const key of Object.getOwnPropertySymbols(handle)) {
    if (key.description === 'owner_symbol') (handle as unknown as Record<symbol, unknown>)[key] = null;
  }
}

