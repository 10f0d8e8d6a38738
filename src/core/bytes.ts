// Byte helpers shared by the core (no RFC section): where buffers come from (an injected
// allocator), joining pieces into one buffer, and a slab that hands out small buffers (frame
// headers) without an allocation per frame.

/**
 * Where the core gets buffers it is about to fill completely: `size` bytes whose contents it
 * never reads before writing them. The default zero-fills (`new Uint8Array`), which is all a
 * browser has; the Node layer injects an allocator that skips the zero-filling. Whatever it
 * returns, the core hands out only bytes it wrote.
 */
export type Allocate = (size: number) => Uint8Array;

/** The default `Allocate`: a fresh, zero-filled buffer of its own. */
export const allocateZeroed: Allocate = (size) => new Uint8Array(size);

/** Joins pieces into one buffer from `allocate`, every byte written once; a single piece is returned as is (no copy). */
export function concatBytes(pieces: readonly Uint8Array[], totalLength: number, allocate: Allocate = allocateZeroed): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = allocate(totalLength);
  let offset = 0;
  for (const piece of pieces) {
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
}

const SLAB_SIZE = 16 * 1024;

/**
 * Hands out small buffers carved from a shared 16 KiB slab. A region is never handed out
 * twice: when the slab is used up a new one is started, and the old one lives as long as
 * some buffer carved from it (a pending socket write, say) is referenced.
 */
export class ByteSlab {
  private slab: Uint8Array | undefined;
  private used = SLAB_SIZE;

  /**
   * A fresh buffer of `length` bytes whose contents are undefined: the caller writes all of
   * them. Large requests get their own buffer from `allocate`, and so does each new slab.
   */
  take(length: number, allocate: Allocate = allocateZeroed): Uint8Array {
    if (length > SLAB_SIZE / 4) return allocate(length);
    if (this.used + length > SLAB_SIZE) {
      this.slab = allocate(SLAB_SIZE);
      this.used = 0;
    }
    const start = this.used;
    // Keep regions 8-byte aligned so masking can use aligned word access.
    this.used = (start + length + 7) & ~7;
    return this.slab!.subarray(start, start + length);
  }
}
