// RFC 6455 §5.2–§5.3: the receive side of framing as a small explicit state machine.
// Bytes arrive in arbitrary pieces (a header may be split anywhere, one piece may hold
// many frames); the parser turns them into frame-start / payload-piece / frame-end calls.
//
//   HEADER ──(header complete)──▶ PAYLOAD ──(payload complete)──▶ HEADER
//      │                                                            ▲
//      └──────────────(header complete, length 0)───────────────────┘
//   any state ──(protocol violation / stop())──▶ STOPPED
//
// Payload pieces are handed on as *views* of the input (unmasked in place), never copied:
// the caller gives up ownership of the bytes it pushes. A sink that copies the payload anyway
// may take the pieces still masked and unmask them as it copies (`frameMaskedPayload`).

import { checkReceivedControlFrame } from '../messages/control-frames.js';
import { ProtocolError } from '../errors.js';
import { RULES } from '../rules.js';
import { isControlOpcode, isDefinedOpcode, MASK, MAX_16BIT_LENGTH, MAX_7BIT_LENGTH, RSV_MASK } from './frame-header.js';
import { maskInPlace } from './mask.js';

/** Receives what the parser finds. Throwing a ProtocolError from any method stops the parser. */
export interface FrameSink {
  /** A frame header has been read; `payloadLength` bytes of payload follow. */
  frameStart(fin: boolean, rsv: number, opcode: number, payloadLength: number): void;
  /** The next piece of the current frame's payload, already unmasked. */
  framePayload(piece: Uint8Array): void;
  /**
   * Optional, for a sink that copies payload bytes anyway: the next piece of a masked payload,
   * still masked, `position` bytes into the payload. Returning true means the sink took it and
   * unmasks it as it copies it (one pass over the bytes instead of two); false, that the parser
   * should unmask it in place and hand it to `framePayload`.
   */
  frameMaskedPayload?(piece: Uint8Array, maskKey: number, position: number): boolean;
  /** The current frame's payload is complete. */
  frameEnd(): void;
}

/** How to build a `FrameParser`. */
export interface FrameParserOptions {
  /** True on the server: client frames must be masked (RFC 6455 §5.1). False on the client: server frames must not be. */
  readonly expectMasked: boolean;
}

const enum ParserState {
  Header,
  Payload,
  Stopped,
}

/** The longest header: 2 + 8 (64-bit length) + 4 (mask key). */
const MAX_HEADER_LENGTH = 14;

/**
 * The incremental frame parser (RFC 6455 §5.2–§5.3): push bytes in any pieces; it reports
 * frame starts, unmasked payload pieces and frame ends to its `FrameSink`, and throws the
 * `ProtocolError` of the first rule a header breaks.
 */
export class FrameParser {
  private state = ParserState.Header;
  /** Header bytes carried over when a header is split across pushes (allocated the first time one is). */
  private headerBytes: Uint8Array | undefined;
  private headerFilled = 0;
  private masked = false;
  private maskKey = 0;
  /** Payload bytes still to come, and bytes already delivered (the masking phase). */
  private payloadRemaining = 0;
  private payloadDelivered = 0;

  /** Whether frames must be masked (RFC 6455 §5.1): kept as a flag, not the options object, so a parser holds nothing more. */
  private readonly expectMasked: boolean;

  constructor(
    options: FrameParserOptions,
    private readonly sink: FrameSink,
  ) {
    this.expectMasked = options.expectMasked;
  }

  /** Stops parsing for good: later bytes are ignored (after a close frame or a failure). */
  stop(): void {
    this.state = ParserState.Stopped;
  }

  /** True after `stop()` or a protocol violation: no more bytes will be parsed. */
  get stopped(): boolean {
    return this.state === ParserState.Stopped;
  }

  /**
   * Consumes a piece of the byte stream. Throws the ProtocolError of the first violation
   * (after which the parser is stopped); the bytes before it have been fully processed.
   */
  push(chunk: Uint8Array): void {
    let offset = 0;
    const length = chunk.length;
    try {
      while (offset < length) {
        if (this.state === ParserState.Header) {
          offset = this.readHeader(chunk, offset);
        } else if (this.state === ParserState.Payload) {
          const n = Math.min(this.payloadRemaining, length - offset);
          const piece = offset === 0 && n === length ? chunk : chunk.subarray(offset, offset + n);
          const position = this.payloadDelivered;
          offset += n;
          this.payloadDelivered += n;
          this.payloadRemaining -= n;
          if (!this.masked) {
            this.sink.framePayload(piece);
          } else if (this.sink.frameMaskedPayload?.(piece, this.maskKey, position) !== true) {
            maskInPlace(piece, this.maskKey, position); // RFC 6455 §5.3
            this.sink.framePayload(piece);
          }
          if (this.payloadRemaining === 0 && this.state === ParserState.Payload) this.endFrame();
        } else {
          return; // Stopped
        }
      }
    } catch (error) {
      this.state = ParserState.Stopped;
      throw error;
    }
  }

  private endFrame(): void {
    this.state = ParserState.Header;
    this.sink.frameEnd();
  }

  /** Reads (part of) a header starting at `offset`; returns the new offset. */
  private readHeader(chunk: Uint8Array, offset: number): number {
    // Fast path: no carried-over bytes and the whole header is in this chunk.
    if (this.headerFilled === 0) {
      const used = this.tryParseHeader(chunk, offset, chunk.length - offset);
      if (used > 0) return offset + used;
    }
    // Slow path: collect header bytes across pushes.
    const headerBytes = (this.headerBytes ??= new Uint8Array(MAX_HEADER_LENGTH));
    const take = Math.min(MAX_HEADER_LENGTH - this.headerFilled, chunk.length - offset);
    headerBytes.set(chunk.subarray(offset, offset + take), this.headerFilled);
    const before = this.headerFilled;
    this.headerFilled += take;
    const used = this.tryParseHeader(headerBytes, 0, this.headerFilled);
    if (used === 0) return offset + take; // still incomplete: everything was consumed
    this.headerFilled = 0;
    return offset + (used - before);
  }

  /**
   * Parses a header from `bytes[offset…offset+available]`. Returns its length, or 0 when
   * more bytes are needed. Applies every header-level rule of RFC 6455 §5.2 and §5.5.
   */
  private tryParseHeader(bytes: Uint8Array, offset: number, available: number): number {
    if (available < 2) return 0;
    const b0 = bytes[offset]!;
    const b1 = bytes[offset + 1]!;
    const masked = (b1 & MASK) !== 0;
    const length7 = b1 & 0x7f;
    const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
    if (available < headerLength) return 0;

    const fin = (b0 & 0x80) !== 0;
    const rsv = b0 & RSV_MASK;
    const opcode = b0 & 0x0f;
    // RFC 6455 §5.2: reserved opcodes fail the connection.
    if (!isDefinedOpcode(opcode)) {
      throw new ProtocolError(RULES.RESERVED_OPCODE, { opcode: `0x${opcode.toString(16)}` });
    }
    // RFC 6455 §5.1: a server closes on an unmasked client frame; a client closes on a masked server frame.
    if (masked !== this.expectMasked) {
      throw new ProtocolError(masked ? RULES.MASKED_SERVER_FRAME : RULES.UNMASKED_CLIENT_FRAME);
    }
    let payloadLength = length7;
    let i = offset + 2;
    if (length7 === 126) {
      payloadLength = (bytes[i]! << 8) | bytes[i + 1]!;
      i += 2;
    } else if (length7 === 127) {
      const high = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
      const low = ((bytes[i + 4]! << 24) | (bytes[i + 5]! << 16) | (bytes[i + 6]! << 8) | bytes[i + 7]!) >>> 0;
      i += 8;
      // RFC 6455 §5.2: the most significant bit of the 64-bit length MUST be 0.
      if (high & 0x8000_0000) throw new ProtocolError(RULES.LENGTH_HIGH_BIT);
      // Beyond 2^53 − 1 no limit could admit the frame anyway: too big (RFC 6455 §7.4.1, 1009).
      if (high > 0x1f_ffff) throw new ProtocolError(RULES.LENGTH_BEYOND_2_53);
      payloadLength = high * 0x1_0000_0000 + low;
    }
    // RFC 6455 §5.2: the minimal number of bytes MUST be used to encode the length.
    if (lengthBytes !== 0 && payloadLength <= (lengthBytes === 2 ? MAX_7BIT_LENGTH : MAX_16BIT_LENGTH)) {
      throw new ProtocolError(RULES.LENGTH_NOT_MINIMAL);
    }
    // RFC 6455 §5.5: control frames are not fragmented and carry at most 125 bytes.
    if (isControlOpcode(opcode)) checkReceivedControlFrame(fin, payloadLength);
    if (masked) {
      this.maskKey = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    }
    this.masked = masked;
    this.payloadRemaining = payloadLength;
    this.payloadDelivered = 0;
    this.state = ParserState.Payload;
    this.sink.frameStart(fin, rsv, opcode, payloadLength);
    if (payloadLength === 0 && this.state === ParserState.Payload) this.endFrame();
    return headerLength;
  }
}

