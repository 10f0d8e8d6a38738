// Byte helpers shared by the core (no RFC section): joining pieces into one buffer, and a
// slab that hands out small buffers (frame headers) without an allocation per frame.

/** Joins pieces into one buffer; a single piece is returned as is (no copy). */
export function concatBytes(pieces: readonly Uint8Array[], totalLength: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(totalLength);
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
  private slab = new Uint8Array(SLAB_SIZE);
  private used = 0;

  /** A fresh buffer of `length` bytes (contents undefined). Large requests get their own allocation. */
  take(length: number): Uint8Array {
    if (length > SLAB_SIZE / 4) return new Uint8Array(length);
    if (this.used + length > SLAB_SIZE) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.used = 0;
    }
    const start = this.used;
    // Keep regions 8-byte aligned so masking can use aligned word access.
    this.used = (start + length + 7) & ~7;
    return this.slab.subarray(start, start + length);
  }
}
