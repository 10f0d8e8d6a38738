// RFC 6455 §8.1 (Handling Errors in UTF-8-Encoded Data) with §5.6: a text message must be
// valid UTF-8 (RFC 3629), and an endpoint that finds otherwise fails the connection with
// 1007. This module checks text *incrementally*: a message may arrive in many fragments,
// and a fragment in many TCP reads, and the first impossible byte is reported at once
// ("fail fast", Autobahn 6.4.x) instead of after the whole message has been buffered.
//
// The bulk check of complete code points is pluggable (`WholeUtf8Check`): the Node layer
// plugs in the native `buffer.isUtf8`; the portable default below is plain JavaScript.
// Only the up-to-3 bytes of a code point split across pieces are handled here by hand.

/** Checks that a buffer is, on its own, entirely valid UTF-8 (no sequence cut at either end). */
export type WholeUtf8Check = (bytes: Uint8Array) => boolean;

/**
 * Length of the sequence a lead byte starts (RFC 3629 §4), or 0 for a byte that cannot
 * start one (continuation bytes 0x80–0xBF, overlong leads 0xC0/0xC1, and 0xF5–0xFF).
 */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead < 0xc2) return 0;
  if (lead < 0xe0) return 2;
  if (lead < 0xf0) return 3;
  if (lead < 0xf5) return 4;
  return 0;
}

/**
 * Whether `byte` may stand at position `index` (1–3) of a sequence starting with `lead`.
 * The second byte is narrowed for some leads to exclude overlong forms (E0, F0), UTF-16
 * surrogates (ED) and code points above U+10FFFF (F4), as RFC 3629's ABNF does.
 */
function isValidContinuation(lead: number, index: number, byte: number): boolean {
  if (index === 1) {
    if (lead === 0xe0) return byte >= 0xa0 && byte <= 0xbf;
    if (lead === 0xed) return byte >= 0x80 && byte <= 0x9f;
    if (lead === 0xf0) return byte >= 0x90 && byte <= 0xbf;
    if (lead === 0xf4) return byte >= 0x80 && byte <= 0x8f;
  }
  return (byte & 0xc0) === 0x80;
}

/** Portable whole-buffer UTF-8 check in plain JavaScript (the core's default). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const n = sequenceLength(lead);
    if (n === 0 || i + n > length) return false;
    for (let k = 1; k < n; k++) {
      if (!isValidContinuation(lead, k, bytes[i + k]!)) return false;
    }
    i += n;
  }
  return true;
}

/**
 * Incremental validator for one text message. Feed it the payload pieces in order with
 * `push`; it returns false as soon as the bytes seen so far cannot begin any valid UTF-8
 * text. `finish` says whether the message ended on a code point boundary.
 */
export class Utf8Validator {
  /** Bytes of a code point cut by the end of the previous piece (at most 3); allocated the first time one is. */
  private pending: Uint8Array | undefined;
  private pendingLength = 0;
  /** The full length of the pending code point (2–4), when `pendingLength > 0`. */
  private pendingTarget = 0;

  constructor(private readonly wholeCheck: WholeUtf8Check = isValidUtf8) {}

  /** Forgets everything: ready for the next message. */
  reset(): void {
    this.pendingLength = 0;
  }

  /** Checks the next piece. Returns false at the first byte that makes the text invalid. */
  push(bytes: Uint8Array): boolean {
    let start = 0;
    // 1. Complete a code point left open by the previous piece.
    if (this.pendingLength > 0) {
      const pending = this.pending!; // allocated whenever pendingLength > 0
      const lead = pending[0]!;
      while (this.pendingLength < this.pendingTarget && start < bytes.length) {
        const byte = bytes[start++]!;
        if (!isValidContinuation(lead, this.pendingLength, byte)) return false;
        pending[this.pendingLength++] = byte;
      }
      if (this.pendingLength < this.pendingTarget) return true; // still incomplete, but valid so far
      this.pendingLength = 0;
    }
    // 2. Find where a code point cut by the end of this piece begins (look back at most 3 bytes).
    const end = bytes.length;
    let cut = end;
    for (let j = end - 1; j >= start && j >= end - 3; j--) {
      const byte = bytes[j]!;
      if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for its lead
      const n = sequenceLength(byte);
      if (n > 1 && j + n > end) cut = j; // a lead whose sequence runs past the end
      break;
    }
    // 3. The complete part goes to the (possibly native) bulk check.
    if (cut > start && !this.wholeCheck(start === 0 && cut === end ? bytes : bytes.subarray(start, cut))) {
      return false;
    }
    // 4. Keep the cut code point, checking the bytes it already has.
    if (cut < end) {
      const lead = bytes[cut]!;
      const pending = (this.pending ??= new Uint8Array(4));
      this.pendingTarget = sequenceLength(lead);
      pending[0] = lead;
      this.pendingLength = 1;
      for (let j = cut + 1; j < end; j++) {
        const byte = bytes[j]!;
        if (!isValidContinuation(lead, this.pendingLength, byte)) return false;
        pending[this.pendingLength++] = byte;
      }
    }
    return true;
  }

  /** A copy of the 0–3 bytes of a code point the text seen so far ends inside (the next piece must complete it). */
  openCodePoint(): Uint8Array {
    return this.pendingLength === 0 ? new Uint8Array(0) : this.pending!.slice(0, this.pendingLength);
  }

  /** True when the text seen so far ends on a complete code point (call at the end of the message). */
  finish(): boolean {
    const complete = this.pendingLength === 0;
    this.pendingLength = 0;
    return complete;
  }
}
