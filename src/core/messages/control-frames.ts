// RFC 6455 §5.5 (Control Frames): close (§5.5.1), ping (§5.5.2), pong (§5.5.3).
// Control frames are short, never fragmented, and may arrive in the middle of a
// fragmented message; these are the rules the parser and the sender apply to them.

import { ProtocolError } from '../errors.js';
import { MAX_CONTROL_PAYLOAD } from '../framing/frame-header.js';
import { RULES } from '../rules.js';

/** Checks a received control frame header (RFC 6455 §5.5). Throws ProtocolError(1002). */
export function checkReceivedControlFrame(fin: boolean, payloadLength: number): void {
  // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less
  // and MUST NOT be fragmented."
  if (!fin) throw new ProtocolError(RULES.CONTROL_FRAME_FRAGMENTED);
  if (payloadLength > MAX_CONTROL_PAYLOAD) throw new ProtocolError(RULES.CONTROL_FRAME_TOO_LONG, { length: payloadLength });
}

/** Checks an application's ping or pong payload before sending (RFC 6455 §5.5). Throws RangeError. */
export function checkControlPayloadToSend(payload: Uint8Array): void {
  if (payload.length > MAX_CONTROL_PAYLOAD) {
    throw new RangeError(`ping/pong payload is ${payload.length} bytes; control frames carry at most ${MAX_CONTROL_PAYLOAD} (RFC 6455 §5.5)`);
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Collects one received control frame's payload as the parser delivers it (RFC 6455 §5.5: at
 * most 125 bytes, checked by the parser). A buffer is allocated per control frame, so an idle
 * connection holds none.
 */
export class ControlFrameReader {
  private payload = EMPTY;
  private length = 0;

  /** A control frame begins. RFC 6455 §5.2 / RFC 7692 §6.1: no extension we know gives RSV bits a meaning on control frames. */
  start(rsv: number, payloadLength: number): void {
    if (rsv !== 0) throw new ProtocolError(RULES.CONTROL_FRAME_RSV);
    this.payload = new Uint8Array(payloadLength);
    this.length = 0;
  }

  /** A piece of the (already unmasked) payload. */
  append(piece: Uint8Array): void {
    this.payload.set(piece, this.length);
    this.length += piece.length;
  }

  /** The frame ended: its whole payload, which the reader lets go of. */
  finish(): Uint8Array {
    const payload = this.payload;
    this.payload = EMPTY;
    return payload;
  }
}
