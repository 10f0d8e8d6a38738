// RFC 6455 §5.4 (Fragmentation) and §6.1 (Sending Data), the mirror of `MessageAssembler`: a
// message, or one fragment of it, through the negotiated extensions (RFC 6455 §9, e.g. RFC 7692
// compression) into a data frame for the `FrameWriter`.

import type { Extension } from '../extensions/extension.js';
import { Opcode } from '../framing/frame-header.js';
import type { FrameWriter } from '../framing/frame-writer.js';

/** Turns messages and fragments into data frames, one message at a time (§5.4: no interleaving). */
export class MessageSender {
  /** A fragmented message is under way: the next frame is a continuation (§5.4). */
  fragmenting = false;

  /** `extensions`: the negotiated ones, applied in order (RFC 6455 §9). */
  constructor(
    private readonly writer: FrameWriter,
    private readonly extensions: readonly Extension[],
  ) {}

  /** Writes a whole message in one frame; RFC 6455 §5.4: messages do not interleave, so a fragmented one must end first. */
  sendMessage(data: Uint8Array, isText: boolean, compress: boolean): void {
    if (this.fragmenting) throw new TypeError('a fragmented message is being sent: finish it with sendFrame(…, fin = true)');
    this.sendFrame(data, isText, true, compress);
  }

  /**
   * Writes one frame of a message: the first frame is text or binary, later ones continuation
   * frames, `fin` ends the message (RFC 6455 §5.4). `compress: false` asks extensions not to compress.
   */
  sendFrame(data: Uint8Array, isText: boolean, fin: boolean, compress: boolean): void {
    const first = !this.fragmenting;
    const opcode = first ? (isText ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
    let payload = data;
    let rsv = 0;
    let owned = false;
    for (const extension of this.extensions) {
      const encoded = extension.encodeFrame(payload, { opcode, fin, firstFrameOfMessage: first, compress });
      owned ||= encoded.payload !== payload; // the extension's output is ours to mask in place
      payload = encoded.payload;
      rsv |= encoded.rsv;
    }
    this.fragmenting = !fin;
    this.writer.writeFrame(opcode, fin, rsv, payload, owned);
  }
}
