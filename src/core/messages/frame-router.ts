// RFC 6455 §5.4–§5.6 (what a received frame is): the parser's frames routed by opcode — data
// frames (§5.6) to the message assembler, control frames (§5.5) collected whole, a ping answered
// with a pong carrying the same data (§5.5.2), and each result queued as an event for the runtime.

import type { ClosingHandshake } from '../closing/closing-handshake.js';
import type { EventQueue, ConnectionEvent } from '../connection-types.js';
import { Opcode } from '../framing/frame-header.js';
import type { FrameSink } from '../framing/frame-parser.js';
import type { FrameWriter } from '../framing/frame-writer.js';
import { ControlFrameReader } from './control-frames.js';
import type { MessageAssembler } from './message-assembler.js';

/** Where a received close frame goes: it changes the connection's state (RFC 6455 §7.1.3). */
export interface CloseFrameReceiver {
  closeFrameReceived(payload: Uint8Array): void;
}

/** The parser's sink on a connection: frames in, events (and automatic pongs) out. */
export class FrameRouter implements FrameSink {
  private frameOpcode = 0;
  /** Made for the first control frame: an idle connection holds none. */
  private control: ControlFrameReader | undefined;

  constructor(
    private readonly messages: MessageAssembler,
    private readonly events: EventQueue<ConnectionEvent>,
    private readonly writer: FrameWriter,
    private readonly closing: ClosingHandshake,
    private readonly closeFrames: CloseFrameReceiver,
    private readonly autoPong: boolean,
  ) {}

  /** A frame header was read (RFC 6455 §5.2). */
  frameStart(fin: boolean, rsv: number, opcode: number, payloadLength: number): void {
    this.frameOpcode = opcode;
    if (opcode < Opcode.Close) this.messages.startFrame(fin, rsv, opcode, payloadLength);
    else (this.control ??= new ControlFrameReader()).start(rsv, payloadLength);
  }

  /** A piece of the frame's unmasked payload. */
  framePayload(piece: Uint8Array): void {
    if (this.frameOpcode < Opcode.Close) this.messages.payload(piece);
    else this.control!.append(piece);
  }

  /**
   * A piece of a masked payload, still masked: a data frame's bytes that are copied into the
   * message as they are (no extension transforms them) are unmasked in that copy (RFC 6455 §5.3).
   */
  frameMaskedPayload(piece: Uint8Array, maskKey: number, position: number): boolean {
    return this.frameOpcode < Opcode.Close && this.messages.maskedPayload(piece, maskKey, position);
  }

  /** The frame ended. */
  frameEnd(): void {
    const opcode = this.frameOpcode;
    if (opcode < Opcode.Close) {
      const message = this.messages.endFrame();
      if (message) this.events.push(message); // the assembler's object is the event: no copy
      return;
    }
    const payload = this.control!.finish();
    if (opcode === Opcode.Ping) {
      // RFC 6455 §5.5.2–5.5.3: answer with a pong carrying the same data, unless a close frame was
      // received. Having sent our own close does not excuse it: §5.5.1 stops only data frames.
      if (this.autoPong && !this.closing.received) this.writer.writeFrame(Opcode.Pong, true, 0, payload, false);
      this.events.push({ type: 'ping', payload });
    } else if (opcode === Opcode.Pong) {
      this.events.push({ type: 'pong', payload });
    } else {
      this.closeFrames.closeFrameReceived(payload);
    }
  }
}
