// RFC 6455 §5.4 and §10.4: where the bytes of a message wait until its final frame arrives.
// A message's size is only known frame by frame (§5.4 gives no total), so the memory held should
// stay close to the bytes received: a message in one frame is kept as it came, if it came in one
// piece, or copied once into one allocation of the size its header announced; large network reads
// of fragments are kept as they are; small pieces are copied into blocks, so a view per tiny piece
// never costs more than the piece. A message in several parts is joined once, into one allocation
// of exactly its size, when the final frame's header makes that size known (or at its end).
// Every allocation comes from the injected `Allocate` and is written before it is handed out.
// Bytes of a masked frame (RFC 6455 §5.3) may come still masked: a piece that is copied is
// unmasked in that copy, one pass over it; a piece kept as it came is unmasked in place. Text
// (§8.1) is checked as it lands, so a message is read once more at most, right after it was written.

import { allocateZeroed, concatBytes, type Allocate } from '../bytes.js';
import { maskInPlace, maskInto } from '../framing/mask.js';
import type { Utf8Validator } from './utf8.js';

const EMPTY = new Uint8Array(0);
/**
 * The smallest block started for bytes of unknown or small amount. A view costs ~100 bytes of
 * heap whatever its length, so blocks of at least this size keep a peer sending 1-byte
 * fragments from making us hold 100× the limit.
 */
const MIN_BLOCK = 64 * 1024;
/** The first block of a small message: blocks then double up to MIN_BLOCK. */
const FIRST_BLOCK = 1024;
/** Pieces at least this large, covering most of their own buffer, are kept as views, not copied. */
const ADOPT_MIN = 16 * 1024;

/**
 * The bytes of one incoming message, in arrival order. The assembler announces what it knows
 * (`expect`) before the bytes arrive (`append`); `take` hands out the whole message.
 */
export class MessageBuffer {
  /** Retired parts, in order: full blocks, or pieces kept as they came. Emptied, not replaced, per message. */
  private readonly parts: Uint8Array[] = [];
  /**
   * The part being filled, and how much of it is used: a block from `allocate`, or a piece kept
   * as it came (then full, and retired like a full block when more bytes follow).
   */
  private block: Uint8Array = EMPTY;
  private used = 0;
  private total = 0;
  /** Bytes announced by the current frame's header that have not arrived yet (0: unknown). */
  private announced = 0;
  /** True when the block is the whole message: exactly its size, the rest of its bytes go into it. */
  private announcedWhole = false;
  /** True when the announced bytes end the message. */
  private announcedLast = false;
  /** The UTF-8 check every byte of this message passes as it lands (RFC 6455 §8.1), when the message is text. */
  private text: Utf8Validator | undefined;

  /** `allocate` gives every block and the joined message; they are always filled before `take` hands them out. */
  constructor(private readonly allocate: Allocate = allocateZeroed) {}

  /** Bytes of the message so far. */
  get length(): number {
    return this.total;
  }

  /**
   * The next `bytes` bytes are the payload of one frame, taken as they are (no extension
   * transforms them); `last` says they end the message. Blocks started while they arrive are
   * sized for them, so a large frame goes into one allocation of exactly its size.
   */
  expect(bytes: number, last: boolean): void {
    this.announced = bytes;
    this.announcedLast = last;
    this.announcedWhole = last && this.total === 0;
  }

  /** The message is text: its bytes go through `validator` as they land (it was reset for this message). */
  checkText(validator: Utf8Validator): void {
    this.text = validator;
  }

  /**
   * Appends bytes; `room` is how many bytes the message may still grow by in all (its size
   * limit minus `length`): no block is made larger than that. The piece is kept without a copy
   * when it is the whole message, announced and arrived in one piece, or the first output of an
   * extension (`expect(0, …)`: nothing announced), which is already a buffer of its own; and when
   * it is large and most of its own buffer (see below). A `maskKey` other than 0 unmasks the piece
   * (RFC 6455 §5.3) from payload byte `position` on: as it is copied, or in place when it is kept.
   * Returns false, for a text message, as soon as its bytes are not UTF-8 (§8.1).
   */
  append(piece: Uint8Array, room: number, maskKey = 0, position = 0): boolean {
    const length = piece.length;
    if (length === 0) return true;
    const announced = this.announced;
    this.announced = Math.max(0, announced - length);
    if (this.total === 0 && (announced === 0 || (this.announcedLast && length === announced))) {
      return this.keep(piece, maskKey, position);
    }
    // RFC 6455 §5.4: the final frame's header made the message's size known. When its bytes cannot
    // simply follow the ones in the block, the message is gathered, at its first byte, into one
    // allocation of exactly that size: the parts are copied once, the final frame's bytes are
    // written once, straight into it, and `take` has nothing left to join.
    if (this.announcedLast && !this.announcedWhole && announced > 0 && (this.parts.length > 0 || this.block.length - this.used < announced)) {
      this.gather(this.total + Math.max(length, Math.min(announced, room)));
    }
    // A large piece that is most of its own buffer (a network read, an inflater's output) is
    // kept as a view when no block is half filled: no copy, and nothing left for the garbage
    // collector. Smaller pieces, and views that would keep a much larger buffer alive, are copied.
    if (!this.announcedWhole && this.used === this.block.length && length >= ADOPT_MIN && length * 8 >= piece.buffer.byteLength * 7) {
      return this.keep(piece, maskKey, position);
    }
    let offset = 0;
    while (offset < length) {
      if (this.used === this.block.length) this.startBlock(length - offset, announced - offset, room - offset);
      const block = this.block;
      const start = this.used;
      const n = Math.min(block.length - start, length - offset);
      const source = offset === 0 && n === length ? piece : piece.subarray(offset, offset + n);
      if (maskKey === 0) block.set(source, start);
      else maskInto(block, start, source, maskKey, position + offset);
      this.used += n;
      offset += n;
      // Checked where it landed (unmasked), while it is still in the cache.
      if (this.text !== undefined && !this.text.push(maskKey === 0 ? source : block.subarray(start, start + n))) return false;
    }
    this.total += length;
    return true;
  }

  /**
   * The whole message as one buffer; the buffer is then empty. Only bytes that were appended are
   * in it: the block itself when they fill it, else a view of exactly them, or one join of the parts.
   */
  take(): Uint8Array {
    const block = this.block;
    const filled = this.used === block.length ? block : block.subarray(0, this.used);
    let message = filled;
    if (this.parts.length > 0) {
      if (this.used > 0) this.parts.push(filled);
      message = concatBytes(this.parts, this.total, this.allocate);
    }
    this.clear();
    return message;
  }

  /** Drops the bytes held. */
  clear(): void {
    this.releaseParts();
    this.block = EMPTY;
    this.used = 0;
    this.total = 0;
    this.announced = 0;
    this.announcedLast = false;
    this.announcedWhole = false;
    this.text = undefined;
  }

  /** Lets go of the parts, keeping the array for the next message (no garbage per message). */
  private releaseParts(): void {
    // pop(), not `length = 0`: V8 gives a truncated array a new backing store on the next push.
    const parts = this.parts;
    while (parts.length > 0) parts.pop();
  }

  /** Keeps `piece` as it came (unmasked in place), as a full block; the block before it, if any, is retired. */
  private keep(piece: Uint8Array, maskKey: number, position: number): boolean {
    if (maskKey !== 0) maskInPlace(piece, maskKey, position);
    if (this.text !== undefined && !this.text.push(piece)) return false;
    if (this.used > 0) this.parts.push(this.block);
    this.block = piece;
    this.used = piece.length;
    this.total += piece.length;
    return true;
  }

  /** Copies what is held into one allocation of `size` bytes, which becomes the block the rest of the message fills. */
  private gather(size: number): void {
    const whole = this.allocate(size);
    let offset = 0;
    for (const part of this.parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    if (this.used > 0) whole.set(this.used === this.block.length ? this.block : this.block.subarray(0, this.used), offset);
    this.releaseParts();
    this.block = whole;
    this.used = this.total;
    this.announcedWhole = true;
  }

  /**
   * Retires the full block and starts the next one: exactly the rest of a frame that is the whole message;
   * otherwise the rest of the announced frame, and at least an eighth of the message so far (so
   * there are few blocks, and the unused tail stays small) and as much as the message so far up
   * to MIN_BLOCK (so a small message gets a small block) — but never more than `room`.
   */
  private startBlock(needed: number, announcedLeft: number, room: number): void {
    if (this.block.length > 0) this.parts.push(this.block);
    let size: number;
    if (announcedLeft > 0 && this.announcedWhole) size = announcedLeft;
    else size = Math.max(announcedLeft, Math.floor(this.total / 8), Math.min(MIN_BLOCK, Math.max(FIRST_BLOCK, this.total)));
    this.block = this.allocate(Math.max(needed, Math.min(size, room)));
    this.used = 0;
  }
}
