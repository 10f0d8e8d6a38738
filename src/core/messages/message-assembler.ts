// RFC 6455 §5.4 (Fragmentation) and §6.2 (Receiving Data): turning the data frames the parser
// finds into messages. It enforces the fragmentation rules, the reserved bits (§5.2), the
// size limits (§10.4, 1009), UTF-8 of text (§8.1, 1007, checked as bytes arrive), and
// passes payloads through the negotiated extensions (§9) before any of those checks.
//
// Two quantities are limited (RFC 6455 §10.4), and a 1009 reason names the one exceeded:
//   - the message as the application receives it (after decompression): `maxMessageSize`;
//   - the wire bytes of compressed frames: `maxMessageSize` plus what DEFLATE may add to
//     incompressible data (`maxDeflatedSize`), so that a message that fits is never refused
//     for the overhead its compression added on the wire.

import { allocateZeroed, type Allocate } from '../bytes.js';
import { CloseCode } from '../closing/close-codes.js';
import { maxDeflatedSize, SYNC_FLUSH_ALLOWANCE } from '../extensions/deflate-codec.js';
import { ProtocolError } from '../errors.js';
import { RULES } from '../rules.js';
import { NO_EXTENSIONS, type Extension } from '../extensions/extension.js';
import { Opcode } from '../framing/frame-header.js';
import { MessageBuffer } from './message-buffer.js';
import { Utf8Validator, type WholeUtf8Check } from './utf8.js';

/** Never pushed to: with no extensions negotiated, no frame has transforms. */
const NO_TRANSFORMS: Extension[] = [];

/** What the assembler takes from its platform: the bulk UTF-8 check, and where message bytes are gathered. */
interface ReceiveServices {
  readonly utf8Check: WholeUtf8Check;
  readonly allocate: Allocate;
}
/** The last pair asked for. A runtime gives every connection the same two functions, so all its assemblers share one object. */
let lastServices: ReceiveServices | undefined;
/** `{ utf8Check, allocate }`, made anew only when the pair differs from the last: an idle connection holds one reference for both. */
function receiveServices(utf8Check: WholeUtf8Check, allocate: Allocate): ReceiveServices {
  if (lastServices?.utf8Check !== utf8Check || lastServices.allocate !== allocate) lastServices = { utf8Check, allocate };
  return lastServices;
}

/** A complete message. `data` is a view the receiver may keep. It is also the connection's `message` event. */
export interface AssembledMessage {
  /** Always `'message'`: the connection queues this very object as its event (no second object per message). */
  readonly type: 'message';
  /** The message's payload, after the extensions decoded it (e.g. inflated). */
  readonly data: Uint8Array;
  /** True for a text message (already checked to be UTF-8), false for binary. */
  readonly isText: boolean;
}

/**
 * Receive side of RFC 6455 §5.4 and §6.2: collects the data frames of one message, passes them
 * through the negotiated extensions, checks RSV bits, size and UTF-8, and yields the message.
 */
export class MessageAssembler {
  private extensions = NO_EXTENSIONS;
  /** RSV bits claimed by negotiated extensions; any other RSV bit set fails the connection (§5.2). */
  private claimedRsv = 0;

  private messageOpcode = 0; // 0: no message in progress
  /** The message's bytes so far, after the extensions decoded them; made at the first data frame (an idle connection holds none). */
  private buffer: MessageBuffer | undefined;
  /** Payload bytes of the message's transformed (compressed) frames, as they came on the wire. */
  private compressedLength = 0;
  /** The wire limit for those bytes; grows by SYNC_FLUSH_ALLOWANCE per compressed frame. */
  private compressedLimit = 0;
  /** Made for the first text message: a connection that never receives text holds none. */
  private textValidator: Utf8Validator | undefined;
  private frameFin = false;
  /** The extensions transforming the current frame, in decoding order (a shared empty list until extensions are negotiated). */
  private frameTransforms: Extension[] = NO_TRANSFORMS;

  /** The UTF-8 check, and the allocator the message buffer gathers bytes in (shared between assemblers). */
  private readonly services: ReceiveServices;

  constructor(
    private readonly maxMessageSize: number,
    utf8Check: WholeUtf8Check,
    allocate: Allocate = allocateZeroed,
  ) {
    this.services = receiveServices(utf8Check, allocate);
  }

  /** Bytes of the unfinished message held so far (after decoding); bounded by maxMessageSize. */
  get length(): number {
    return this.buffer?.length ?? 0;
  }

  /** Installs the negotiated extensions (after the opening handshake). */
  useExtensions(extensions: readonly Extension[]): void {
    this.extensions = extensions;
    this.frameTransforms = extensions.length > 0 ? [] : NO_TRANSFORMS;
    this.claimedRsv = extensions.reduce((bits, e) => bits | e.rsvBits, 0);
  }

  /** A data frame (opcode 0x0–0x2) begins. Throws ProtocolError for a rule it breaks. */
  startFrame(fin: boolean, rsv: number, opcode: number, payloadLength: number): void {
    this.frameFin = fin;
    const bytes = (this.buffer ??= new MessageBuffer(this.services.allocate));
    // RFC 6455 §5.4: a continuation frame needs a message in progress; a new message may not
    // start before the previous one has its final frame.
    const first = opcode !== Opcode.Continuation;
    if (first && this.messageOpcode !== 0) throw new ProtocolError(RULES.DATA_FRAME_INSIDE_MESSAGE);
    if (!first && this.messageOpcode === 0) throw new ProtocolError(RULES.CONTINUATION_WITHOUT_MESSAGE);
    // RFC 6455 §5.2: RSV bits are 0 unless a negotiated extension defines them.
    if ((rsv & ~this.claimedRsv) !== 0) {
      throw new ProtocolError(RULES.RSV_WITHOUT_EXTENSION, { rsv: `0x${rsv.toString(16)}` });
    }
    this.frameTransforms.length = 0;
    // RFC 6455 §9: incoming data is decoded in the reverse order of the negotiated list.
    for (let i = this.extensions.length - 1; i >= 0; i--) {
      const extension = this.extensions[i]!;
      if (extension.startIncomingFrame({ opcode, fin, rsv: rsv & extension.rsvBits, firstFrameOfMessage: first })) {
        this.frameTransforms.push(extension);
      }
    }
    if (first) {
      this.compressedLength = 0;
      this.compressedLimit = maxDeflatedSize(this.maxMessageSize);
    }
    // RFC 6455 §10.4: refuse what would exceed a limit before buffering any of it (1009).
    if (this.frameTransforms.length === 0) {
      // Taken as it is: every payload byte is a message byte.
      const atLeast = bytes.length + payloadLength;
      if (atLeast > this.maxMessageSize) throw this.tooBig(`message of ${fin ? '' : 'at least '}${atLeast} bytes`);
      bytes.expect(payloadLength, fin);
    } else {
      // Compressed: the message's size is checked as it inflates; here its wire bytes.
      this.compressedLength += payloadLength;
      this.compressedLimit += SYNC_FLUSH_ALLOWANCE;
      if (this.compressedLength > this.compressedLimit) {
        throw new ProtocolError(RULES.COMPRESSED_TOO_BIG, {
          length: `${fin ? '' : 'at least '}${this.compressedLength}`,
          wireLimit: this.compressedLimit,
          limit: this.maxMessageSize,
        });
      }
      bytes.expect(0, false);
    }
    if (first) {
      this.messageOpcode = opcode;
      // RFC 6455 §8.1: a text message's bytes are checked as they land in the buffer.
      if (opcode === Opcode.Text) {
        const validator = (this.textValidator ??= new Utf8Validator(this.services.utf8Check));
        validator.reset();
        bytes.checkText(validator);
      }
    }
  }

  /** The next piece of the current frame's payload (unmasked). */
  payload(piece: Uint8Array): void {
    if (this.frameTransforms.length === 0) this.accept(piece, 0, 0);
    else this.decode(piece, undefined);
  }

  /**
   * The next piece of the current frame's payload, still masked (RFC 6455 §5.3). Taken, and
   * unmasked as it is copied into the message, when no extension transforms the frame; otherwise
   * refused (false): extensions decode unmasked bytes.
   */
  maskedPayload(piece: Uint8Array, maskKey: number, position: number): boolean {
    if (this.frameTransforms.length > 0) return false;
    this.accept(piece, maskKey, position);
    return true;
  }

  /** The current frame ended; returns the message if it was the final frame. */
  endFrame(): AssembledMessage | undefined {
    if (this.frameTransforms.length > 0) this.decode(undefined, this.frameFin);
    if (!this.frameFin) return undefined;
    const isText = this.messageOpcode === Opcode.Text;
    // RFC 6455 §8.1: the text must not end inside a UTF-8 sequence.
    if (isText && !this.textValidator!.finish()) {
      throw new ProtocolError(RULES.TEXT_ENDS_MID_CHARACTER);
    }
    const data = this.buffer!.take();
    this.reset();
    return { type: 'message', data, isText };
  }

  /** Drops any message in progress. */
  reset(): void {
    this.messageOpcode = 0;
    this.buffer?.clear();
    this.compressedLength = 0;
  }

  /** Passes a piece (or, with `fin`, the end of the frame) through the transforming extensions. */
  private decode(piece: Uint8Array | undefined, fin: boolean | undefined): void {
    let pieces: Uint8Array[] = piece ? [piece] : [];
    for (const extension of this.frameTransforms) {
      const out: Uint8Array[] = [];
      const limit = this.maxMessageSize - this.buffer!.length;
      try {
        for (const p of pieces) extension.decodeChunk(p, out, limit);
        if (fin !== undefined) extension.endIncomingFrame(fin, out, limit);
      } catch (error) {
        // The extension stopped at `limit` (RFC 7692 §8: inflate no further than allowed).
        if (error instanceof ProtocolError && error.closeCode === CloseCode.MessageTooBig) {
          throw Object.assign(this.tooBig(`message of more than ${this.maxMessageSize} bytes once inflated`), { cause: error });
        }
        throw error;
      }
      pieces = out;
    }
    for (const p of pieces) this.accept(p, 0, 0);
  }

  /** Appends a piece of the message, unmasking it with `maskKey` from payload byte `position` (key 0: as it is). */
  private accept(piece: Uint8Array, maskKey: number, position: number): void {
    if (piece.length === 0) return;
    const bytes = this.buffer!; // a frame has started
    const length = bytes.length + piece.length;
    if (length > this.maxMessageSize) throw this.tooBig(`message of at least ${length} bytes`);
    // RFC 6455 §8.1: fail as soon as the text stops being valid UTF-8, even mid-frame.
    if (!bytes.append(piece, this.maxMessageSize - bytes.length, maskKey, position)) {
      throw new ProtocolError(RULES.TEXT_NOT_UTF8);
    }
  }

  /** RFC 6455 §7.4.1: 1009, with a reason naming the quantity (`what`) and the limit it exceeds. */
  private tooBig(what: string): ProtocolError {
    return new ProtocolError(RULES.MESSAGE_TOO_BIG, { what, limit: this.maxMessageSize });
  }
}
