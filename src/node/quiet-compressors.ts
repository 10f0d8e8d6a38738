// RFC 7692 §7.2.1 and §7.2.2 with context takeover: a compressor that keeps its LZ77 window between
// messages *may* refer back into earlier messages but never has to, while the receiver keeps its
// own window whatever the sender does. A message compressed from an empty window therefore reads
// the same at the peer. That lets a quiet connection give its compressor's memory back (about
// 217 KiB for 15-bit windows at memLevel 8) and open a fresh compressor when it next sends: a few
// tens of microseconds then, and that one message compressed without history. Decompressors are
// never released: the peer may refer back into what it sent earlier (§7.2.2).

import { PeriodicSweep } from './periodic-sweep.js';

/** What the sweep needs of a compressor: whether it ran since the last sweep, and how to let its state go. */
export interface QuietReleasable {
  ranSinceSweep: boolean;
  /** Frees the compressor's state; its next message opens a fresh one. */
  release(): void;
}

/**
 * Releases the compressors of one codec that stayed quiet for a whole period, one timer for all of
 * them (periodic-sweep.ts): it runs only while some compressor holds state, and never keeps the
 * process alive. A compressor quiet for between `period` and twice `period` is released.
 */
export class QuietCompressorSweep {
  /** The compressors that hold state now. */
  private readonly holding: PeriodicSweep<QuietReleasable>;

  /** `period`: milliseconds, at least 1. */
  constructor(readonly period: number) {
    if (!Number.isFinite(period) || period < 1) throw new RangeError(`releaseQuietCompressorAfter must be a number of milliseconds of at least 1, got ${period}`);
    this.holding = new PeriodicSweep(period, QuietCompressorSweep.visit);
  }

  /** `compressor` holds state and has just compressed a message. */
  ran(compressor: QuietReleasable): void {
    compressor.ranSinceSweep = true;
    this.holding.add(compressor);
  }

  /** `compressor` let go of its state (released, closed, or dropped after an error). */
  forget(compressor: QuietReleasable): void {
    this.holding.delete(compressor);
  }

  /** A compressor that ran since the last visit is marked for the next; one that did not is released (and forgotten). */
  private static visit(compressor: QuietReleasable): void {
    if (compressor.ranSinceSweep) compressor.ranSinceSweep = false;
    else compressor.release();
  }
}
