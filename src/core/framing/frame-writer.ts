// RFC 6455 §5.2 (Base Framing Protocol) and §5.3 (Client-to-Server Masking), the sending half:
// the mirror of `FrameParser`. A frame is a header (`writeFrameHeader`) and a payload; a client
// masks the payload with a fresh unpredictable key per frame (§5.3, §10.3), a server never does.
// What it produces waits in an outbox, in order, until the runtime takes it for the wire.

import { allocateZeroed, ByteSlab, type Allocate } from '../bytes.js';
import { frameHeaderLength, writeFrameHeader } from './frame-header.js';
import { maskInPlace, maskInto } from './mask.js';

/** A 32-bit masking key generator; must be unpredictable (RFC 6455 §5.3, §10.3). */
export type MaskKeySource = () => number;

/** Default masking keys: one getRandomValues call fills 1024 keys (a CSPRNG, pooled for speed). */
export function createMaskKeySource(): MaskKeySource {
  const pool = new Uint32Array(1024);
  let next = pool.length;
  return () => {
    if (next === pool.length) {
      globalThis.crypto.getRandomValues(pool);
      next = 0;
    }
    return pool[next++]!;
  };
}

/** Payloads up to this size are copied next to their header so the frame leaves in one buffer. */
const COALESCE_LIMIT = 1024;
/**
 * Outgoing frame headers (and small frames) are carved from one slab shared by every
 * connection: a region is never handed out twice, so sharing is safe, and an idle
 * connection then costs no buffer of its own.
 */
const frameSlab = new ByteSlab();

/** A client's masking (RFC 6455 §5.3): its keys, and where masked copies of payloads too large for the slab go. */
interface Masking {
  readonly keys: MaskKeySource;
  readonly allocate: Allocate;
}

/** What `take()` returns when nothing is queued. */
const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);

/**
 * Encodes frames into an outbox of byte chunks. A frame is one chunk (header and payload
 * coalesced) or two adjacent chunks (header, then the payload uncopied). The outbox is double
 * buffered: `take()` hands out one array and fills the other, so steady state allocates nothing.
 */
export class FrameWriter {
  private queued: Uint8Array[] = [];
  /** The other half of the double buffer, made at the first `take()`. */
  private handedOut: Uint8Array[] | undefined;

  /** A client's (RFC 6455 §5.1: clients mask every frame); a server's writer holds nothing for it. */
  private readonly masking: Masking | undefined;

  /**
   * `maskKeys` is given for a client, not for a server. `allocate` gives the buffers a client masks
   * the application's large payloads into (written in full: header, then every payload byte).
   */
  constructor(maskKeys: MaskKeySource | undefined, allocate: Allocate = allocateZeroed) {
    this.masking = maskKeys === undefined ? undefined : { keys: maskKeys, allocate };
  }

  /** True when chunks wait for `take()`. */
  get hasOutput(): boolean {
    return this.queued.length > 0;
  }

  /** Queues bytes that are not a frame (the opening handshake's HTTP head, RFC 6455 §4). */
  writeBytes(bytes: Uint8Array): void {
    this.queued.push(bytes);
  }

  /**
   * Queues one frame. A client masks (RFC 6455 §5.3): in place when the payload is ours (`owned`,
   * e.g. compressor output), into a copy next to the header when it is the application's. A
   * server's large payload follows its header as is.
   */
  writeFrame(opcode: number, fin: boolean, rsv: number, payload: Uint8Array, owned: boolean): void {
    const length = payload.length;
    const masking = this.masking;
    const masked = masking !== undefined;
    const headerLength = frameHeaderLength(length, masked);
    const maskKey = masked ? masking.keys() : 0;
    if (length <= COALESCE_LIMIT || (masked && !owned)) {
      const frame = frameSlab.take(headerLength + length, masking?.allocate); // header and payload fill it
      writeFrameHeader(frame, 0, fin, rsv, opcode, length, masked, maskKey);
      if (masked) maskInto(frame, headerLength, payload, maskKey);
      else frame.set(payload, headerLength);
      this.queued.push(frame);
      return;
    }
    const head = frameSlab.take(headerLength);
    writeFrameHeader(head, 0, fin, rsv, opcode, length, masked, maskKey);
    if (masked) maskInPlace(payload, maskKey);
    this.queued.push(head, payload);
  }

  /**
   * The chunks queued since the last call, in wire order. The array is reused: it is valid until
   * the next call (the runtime writes it out at once, corked, then lets it go).
   */
  take(): readonly Uint8Array[] {
    // What was handed out last time has been written by now: let its chunks go, so a connection
    // that goes quiet keeps none of the payloads it sent alive. pop(), not `length = 0`: V8 gives
    // a truncated array a new backing store on the next push.
    const written = this.handedOut;
    if (written !== undefined) while (written.length > 0) written.pop();
    const out = this.queued;
    if (out.length === 0) return NO_CHUNKS; // nothing to swap: an idle connection keeps one array
    this.queued = written ?? [];
    this.handedOut = out;
    return out;
  }

}
