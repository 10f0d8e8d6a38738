// RFC 6455 §4–§7 together: one WebSocket connection as an explicit state machine, for the
// client and the server role. Bytes in (`receive`), calls in (`send`, `ping`, `close`, …);
// events and bytes out through a `ConnectionHandler`. No sockets, no timers: the runtime
// owns those and tells the connection when the transport closes (`transportClosed`).
//
//   CONNECTING ──handshake ok──▶ OPEN ──close sent or received──▶ CLOSING ──transport closed──▶ CLOSED
//        │                         │                                                          ▲
//        └──handshake failed───────┴──protocol violation (close frame with the code, §7.1.7)──┘
//
// The readyState numbers are the ones the WHATWG WebSocket interface exposes.

import { ByteSlab } from './bytes.js';
import { CloseCode, closeReasonFrom, decodeCloseBody, encodeCloseBody, type CloseInfo } from './closing/close-codes.js';
import { checkControlPayloadToSend } from './messages/control-frames.js';
import { HandshakeError, ProtocolError } from './errors.js';
import { describeExtensions, type Extension } from './extensions/extension.js';
import { frameHeaderLength, Opcode, writeFrameHeader } from './framing/frame-header.js';
import { FrameParser, type FrameSink } from './framing/frame-parser.js';
import { ClientHandshaker, ServerHandshaker, type ClientHandshakeOptions, type ServerHandshakeOptions } from './handshake/opening-handshake.js';
import { maskInPlace, maskInto } from './framing/mask.js';
import { MessageAssembler } from './messages/message-assembler.js';
import { isValidUtf8, type WholeUtf8Check } from './messages/utf8.js';

/** The four states of RFC 6455 §4–§7 (numbered as the WHATWG `readyState`). */
export const ReadyState = {
  /** 0: the opening handshake is under way (RFC 6455 §4). */
  CONNECTING: 0,
  /** 1: the handshake succeeded; messages flow (RFC 6455 §4.1, §4.2.2). */
  OPEN: 1,
  /** 2: a close frame was sent or received (RFC 6455 §7.1.2–§7.1.3). */
  CLOSING: 2,
  /** 3: the transport is closed (RFC 6455 §7.1.4). */
  CLOSED: 3,
} as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Which end of the connection this is: clients mask their frames, servers never do (RFC 6455 §5.1). */
export type Role = 'client' | 'server';

/** Where the connection's events and outgoing bytes go. Implemented by the runtime (or a test). */
export interface ConnectionHandler {
  /** Bytes for the wire, in order. When `payload` is given it directly follows `head` (write both in one corked write). */
  write(head: Uint8Array, payload?: Uint8Array): void;
  /** The opening handshake succeeded: the connection is OPEN (RFC 6455 §4.1, §4.2.2). */
  open(): void;
  /** A complete message (RFC 6455 §6.2). `data` is a view the handler may keep. */
  message(data: Uint8Array, isText: boolean): void;
  /** A ping arrived (RFC 6455 §5.5.2); the pong has already been written when `autoPong` is on. */
  ping(payload: Uint8Array): void;
  /** A pong arrived (RFC 6455 §5.5.3). */
  pong(payload: Uint8Array): void;
  /**
   * The peer's close frame arrived (RFC 6455 §5.5.1); the connection is CLOSING. If we had not
   * sent a close frame yet, our answer is still unwritten: a `close(code, reason)` called during
   * this callback is the answer; otherwise, when the callback returns, the connection echoes the
   * peer's code and reason (an empty body if it sent none). Either way the answer is written
   * before `receive` returns.
   */
  closeFrame(info: CloseInfo): void;
  /**
   * The connection failed: the peer broke the protocol or the handshake (RFC 6455 §7.1.7, §4).
   * If one of this handler's own callbacks throws during `receive`, the connection fails with
   * 1011 and the error reported here carries the thrown value as its `cause`.
   */
  error(error: ProtocolError | HandshakeError): void;
  /**
   * No more WebSocket traffic will flow, so the transport should close. `immediately` is false only
   * for a client after a clean closing handshake: RFC 6455 §7.1.1 wants the server to close TCP
   * first, so the client waits a moment for that before closing it itself.
   */
  closeTransport(immediately: boolean): void;
}

/** A 32-bit masking key generator; must be unpredictable (RFC 6455 §5.3, §10.3). */
export type MaskKeySource = () => number;

/** How to build a `Connection`. */
export interface ConnectionOptions {
  /** Client or server (RFC 6455 §5.1: who masks). */
  readonly role: Role;
  /** Largest message (after decompression) accepted; larger ones fail with 1009. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Bulk UTF-8 check (the Node layer plugs in `buffer.isUtf8`). */
  readonly utf8Check?: WholeUtf8Check;
  /** Masking keys for a client's frames. Default: pooled `crypto.getRandomValues`. */
  readonly maskKeys?: MaskKeySource;
  /** Answer pings with pongs automatically (RFC 6455 §5.5.2). Default true. */
  readonly autoPong?: boolean;
  /** Client role: how to perform the opening handshake. */
  readonly client?: ClientHandshakeOptions;
  /** Server role, when the connection reads the request itself: how to answer it. */
  readonly server?: ServerHandshakeOptions;
}

/** How a connection ended, once the transport is closed (the WHATWG CloseEvent's fields). */
export interface CloseResult {
  /** The code of the peer's close frame; 1005 when it had none, 1006 when none arrived (§7.1.5). */
  readonly code: number;
  /** The reason of the peer's close frame, or '' (RFC 6455 §7.1.6). */
  readonly reason: string;
  /** True when the closing handshake completed before the transport closed. */
  readonly wasClean: boolean;
}

/** The default `maxMessageSize`: 64 MiB (RFC 6455 §10.4: endpoints should limit what they accept). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;
const EMPTY = new Uint8Array(0);
/** Payloads up to this size are copied next to their header so the frame leaves in one buffer. */
const COALESCE_LIMIT = 1024;
/**
 * Outgoing frame headers (and small frames) are carved from one slab shared by every
 * connection: a region is never handed out twice, so sharing is safe, and an idle
 * connection then costs no buffer of its own.
 */
const frameSlab = new ByteSlab();

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

/**
 * One WebSocket connection as a sans-I/O state machine (RFC 6455 §4–§7): feed it bytes with
 * `receive`, call `send`/`ping`/`close`, and it answers through its `ConnectionHandler`.
 */
export class Connection implements FrameSink {
  /** Client or server, fixed at construction. */
  readonly role: Role;
  private state: ReadyState = ReadyState.CONNECTING;
  private readonly handler: ConnectionHandler;
  private readonly parser: FrameParser;
  private readonly utf8Check: WholeUtf8Check;
  private readonly maskKeys: MaskKeySource | undefined;
  private readonly autoPong: boolean;
  private handshaker: ClientHandshaker | ServerHandshaker | undefined;
  /** Bytes received while input is held (`holdInput`), in order; undefined when not holding. */
  private heldInput: Uint8Array[] | undefined;

  private extensionList: Extension[] = [];
  private subprotocol: string | undefined;
  private readonly messages: MessageAssembler;

  // The incoming frame: its opcode, and a control frame's payload (≤ 125 bytes, §5.5),
  // allocated per control frame so that an idle connection holds no buffer for it.
  private frameOpcode = 0;
  private controlPayload = EMPTY;
  private controlLength = 0;

  // Outgoing state.
  private sendingFragmented = false;
  private closeSent = false;
  private closeReceived: CloseInfo | undefined;
  private failed = false;

  constructor(options: ConnectionOptions, handler: ConnectionHandler) {
    this.role = options.role;
    this.handler = handler;
    this.utf8Check = options.utf8Check ?? isValidUtf8;
    this.messages = new MessageAssembler(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, this.utf8Check);
    this.autoPong = options.autoPong ?? true;
    // RFC 6455 §5.1: clients mask every frame; servers never do.
    this.maskKeys = this.role === 'client' ? (options.maskKeys ?? createMaskKeySource()) : undefined;
    this.parser = new FrameParser({ expectMasked: this.role === 'server' }, this);
    if (this.role === 'client' && options.client) this.handshaker = new ClientHandshaker(options.client);
    if (this.role === 'server' && options.server) this.handshaker = new ServerHandshaker(options.server);
  }

  /** CONNECTING, OPEN, CLOSING or CLOSED (numbered as the WHATWG `readyState`). */
  get readyState(): ReadyState {
    return this.state;
  }
  /** The subprotocol in use (RFC 6455 §1.9, §4.1), or '' for none. */
  get protocol(): string {
    return this.subprotocol ?? '';
  }
  /** The extensions in use, as the server's response named them (RFC 6455 §9.1), or ''. */
  get extensions(): string {
    return describeExtensions(this.extensionList);
  }

  // ─── Opening handshake (RFC 6455 §4) ──────────────────────────────────────────────────

  /** Client: writes the opening handshake request. Requires the `client` option. */
  startHandshake(): void {
    if (!(this.handshaker instanceof ClientHandshaker) || this.state !== ReadyState.CONNECTING) {
      throw new TypeError('startHandshake needs a client connection in CONNECTING state with the client option');
    }
    const request = this.handshaker.request();
    this.handler.write(request);
  }

  /**
   * Completes the opening handshake when the runtime has done it (a server whose HTTP layer
   * parsed the request and wrote the 101 response): the connection becomes OPEN with the
   * negotiated subprotocol and extensions.
   */
  establish(protocol: string | undefined, extensions: readonly Extension[]): void {
    if (this.state !== ReadyState.CONNECTING) throw new TypeError('establish() is only valid while CONNECTING');
    this.handshaker = undefined;
    this.subprotocol = protocol;
    this.extensionList = [...extensions];
    this.messages.useExtensions(this.extensionList);
    this.state = ReadyState.OPEN;
    this.handler.open();
  }

  // ─── Bytes in ───────────────────────────────────────────────────────────────────────────

  /**
   * Feeds bytes received from the transport. The connection takes ownership of `chunk`: it
   * unmasks in place and keeps views of it. Never throws for bad input: violations become a
   * close frame and the `error` event.
   */
  receive(chunk: Uint8Array): void {
    if (this.state === ReadyState.CONNECTING) {
      chunk = this.receiveHandshake(chunk);
      if (this.readyState !== ReadyState.OPEN || chunk.length === 0) return;
    }
    if (this.heldInput) this.heldInput.push(chunk);
    else this.processFrames(chunk);
  }

  /**
   * Flow control for the application: received bytes are queued, not processed, until
   * `resumeInput()`. A runtime uses it to hand an open connection to its caller before the
   * first frames are acted on (their messages heard, their errors answered). Pause the
   * transport too, so the queue stays short.
   */
  holdInput(): void {
    this.heldInput ??= [];
  }

  /** Processes the queued bytes in order, then takes new ones as they come. */
  resumeInput(): void {
    const queue = this.heldInput;
    this.heldInput = undefined;
    while (queue && queue.length > 0) {
      const heldAgain = this.heldInput as Uint8Array[] | undefined; // a handler may hold again
      if (heldAgain) {
        heldAgain.unshift(...queue); // the older bytes stay first
        return;
      }
      this.processFrames(queue.shift()!);
    }
  }

  private processFrames(chunk: Uint8Array): void {
    if (this.parser.stopped) return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      this.failWith(error);
    }
  }

  /** Feeds handshake bytes; returns the bytes after the handshake (the first frames), or nothing. */
  private receiveHandshake(chunk: Uint8Array): Uint8Array {
    const handshaker = this.handshaker;
    if (!handshaker) return EMPTY; // a runtime-driven handshake: nothing may arrive before establish()
    try {
      const outcome = handshaker.receive(chunk);
      if (!outcome) return EMPTY;
      if (outcome.response) this.handler.write(outcome.response);
      this.establish(outcome.protocol, outcome.extensions);
      return outcome.rest;
    } catch (error) {
      const handshakeError = error instanceof HandshakeError ? error : new HandshakeError(String(error));
      if (handshaker instanceof ServerHandshaker) this.handler.write(handshaker.reject(handshakeError));
      this.handshaker = undefined;
      this.parser.stop(); // RFC 6455 §7.1.7: process nothing more from the peer
      this.state = ReadyState.CLOSING;
      this.failed = true;
      this.handler.error(handshakeError);
      this.handler.closeTransport(true);
      return EMPTY;
    }
  }

  // FrameSink: called by the parser.

  /** @internal */
  frameStart(fin: boolean, rsv: number, opcode: number, payloadLength: number): void {
    this.frameOpcode = opcode;
    if (opcode < Opcode.Close) {
      this.messages.startFrame(fin, rsv, opcode, payloadLength);
      return;
    }
    // RFC 6455 §5.2 / RFC 7692 §6.1: no extension we know gives RSV bits a meaning on control frames.
    if (rsv !== 0) throw new ProtocolError(CloseCode.ProtocolError, 'RSV bit set on a control frame');
    this.controlPayload = new Uint8Array(payloadLength); // the parser has checked ≤ 125 (§5.5)
    this.controlLength = 0;
  }

  /** @internal */
  framePayload(piece: Uint8Array): void {
    if (this.frameOpcode < Opcode.Close) {
      this.messages.payload(piece);
    } else {
      this.controlPayload.set(piece, this.controlLength);
      this.controlLength += piece.length;
    }
  }

  /** @internal */
  frameEnd(): void {
    if (this.frameOpcode < Opcode.Close) {
      const message = this.messages.endFrame();
      if (message) this.handler.message(message.data, message.isText);
    } else {
      const payload = this.controlPayload;
      this.controlPayload = EMPTY;
      this.handleControlFrame(this.frameOpcode, payload);
    }
  }

  private handleControlFrame(opcode: number, payload: Uint8Array): void {
    if (opcode === Opcode.Ping) {
      // RFC 6455 §5.5.2–5.5.3: answer with a pong carrying the same data, unless a close frame was
      // received. Having sent our own close does not excuse it: §5.5.1 stops only data frames.
      const mayAnswer = this.state === ReadyState.OPEN || (this.state === ReadyState.CLOSING && this.closeSent);
      if (this.autoPong && mayAnswer && !this.closeReceived) this.writeFrame(Opcode.Pong, true, 0, payload, false);
      this.handler.ping(payload);
    } else if (opcode === Opcode.Pong) {
      this.handler.pong(payload);
    } else {
      this.handleCloseFrame(payload);
    }
  }

  private handleCloseFrame(body: Uint8Array): void {
    const info = decodeCloseBody(body, this.utf8Check);
    // RFC 6455 §5.5.1: nothing after a close frame is processed; an unfinished message is dropped.
    this.parser.stop();
    this.messages.reset();
    this.closeReceived = info;
    this.state = ReadyState.CLOSING;
    // The application hears of it before we answer: a close(code, reason) it calls now is the answer.
    this.handler.closeFrame(info);
    // RFC 6455 §5.5.1: answer promptly (before receive() returns), by default echoing the peer's
    // code and reason: its validated body as it came, empty if it was empty (1005 is never sent, §7.4.1).
    if (!this.closeSent) this.writeCloseFrame(body);
    // RFC 6455 §7.1.1: the server closes the TCP connection first; the client waits for it.
    this.handler.closeTransport(this.role === 'server');
  }

  /** _Fail the WebSocket Connection_ (RFC 6455 §7.1.7): close frame with the code, then close the transport. */
  private failWith(error: unknown): void {
    if (this.failed || this.state === ReadyState.CLOSED) return;
    const protocolError =
      error instanceof ProtocolError
        ? error
        : // Not the peer's fault: a handler threw. Close with 1011 and keep the original as the cause.
          Object.assign(new ProtocolError(CloseCode.InternalError, `internal error: ${String(error)}`), { cause: error });
    this.failed = true;
    this.parser.stop();
    this.messages.reset();
    // An unanswered peer close (its closeFrame callback threw) gets this close frame as the answer.
    if (!this.closeSent && (this.state === ReadyState.OPEN || this.closeReceived)) {
      this.writeCloseFrame(encodeCloseBody(protocolError.closeCode, closeReasonFrom(protocolError.message)));
    }
    this.state = ReadyState.CLOSING;
    this.handler.error(protocolError);
    this.handler.closeTransport(true);
  }

  // ─── Calls in: sending (RFC 6455 §5.4–§5.6, §6.1) ──────────────────────────────────────

  /** Sends a whole message in one frame. `compress: false` asks extensions not to compress it. */
  send(data: Uint8Array, isText: boolean, compress = true): void {
    // RFC 6455 §5.4: messages do not interleave; finish the fragmented one first.
    if (this.sendingFragmented) throw new TypeError('a fragmented message is being sent: finish it with sendFrame(…, fin = true)');
    this.sendFrame(data, isText, true, compress);
  }

  /**
   * Sends one fragment of a message (RFC 6455 §5.4). The first call starts the message with a
   * text or binary frame; later calls send continuation frames; `fin` ends the message.
   * Control frames (ping, pong, close) may be sent between fragments.
   */
  sendFrame(data: Uint8Array, isText: boolean, fin: boolean, compress = true): void {
    this.assertOpen();
    const first = !this.sendingFragmented;
    const opcode = first ? (isText ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
    let payload = data;
    let rsv = 0;
    let owned = false;
    for (const extension of this.extensionList) {
      const encoded = extension.encodeFrame(payload, { opcode, fin, firstFrameOfMessage: first, compress });
      owned ||= encoded.payload !== payload;
      payload = encoded.payload;
      rsv |= encoded.rsv;
    }
    this.sendingFragmented = !fin;
    this.writeFrame(opcode, fin, rsv, payload, owned);
  }

  /** Sends a ping (RFC 6455 §5.5.2); at most 125 bytes of payload. */
  ping(payload: Uint8Array = EMPTY): void {
    this.assertOpen();
    checkControlPayloadToSend(payload);
    this.writeFrame(Opcode.Ping, true, 0, payload, false);
  }

  /** Sends an unsolicited pong (RFC 6455 §5.5.3: a unidirectional heartbeat). */
  pong(payload: Uint8Array = EMPTY): void {
    this.assertOpen();
    checkControlPayloadToSend(payload);
    this.writeFrame(Opcode.Pong, true, 0, payload, false);
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2) with an optional code and reason; throws
   * RangeError for a code that may not be sent or a reason over 123 bytes. While CONNECTING
   * the attempt is abandoned. Called during the handler's `closeFrame` callback, it answers the
   * peer's close with this code and reason instead of the echo (§5.5.1). Otherwise it does
   * nothing once closing.
   */
  close(code?: number, reason = ''): void {
    const body = encodeCloseBody(code, reason); // validate before changing any state
    if (this.state === ReadyState.CONNECTING) {
      this.handshaker = undefined;
      this.parser.stop(); // whatever arrives now is not for a connection that was never opened
      this.state = ReadyState.CLOSING;
      this.handler.closeTransport(true);
      return;
    }
    // RFC 6455 §5.5.1: a received close not yet answered (only during the closeFrame callback).
    const answering = this.state === ReadyState.CLOSING && this.closeReceived !== undefined && !this.closeSent && !this.failed;
    if (this.state !== ReadyState.OPEN && !answering) return;
    this.writeCloseFrame(body);
    this.state = ReadyState.CLOSING;
  }

  /**
   * The runtime reports that the transport closed. The connection is CLOSED and says how it
   * ended (RFC 6455 §7.1.4–§7.1.6). Safe to call more than once.
   */
  transportClosed(): CloseResult {
    if (this.state !== ReadyState.CLOSED) {
      this.state = ReadyState.CLOSED;
      this.parser.stop();
      this.messages.reset();
      for (const extension of this.extensionList) extension.dispose();
    }
    const received = this.closeReceived;
    return {
      code: received?.code ?? CloseCode.AbnormalClosure,
      reason: received?.reason ?? '',
      wasClean: received !== undefined && this.closeSent && !this.failed,
    };
  }

  private assertOpen(): void {
    if (this.state !== ReadyState.OPEN) {
      throw new TypeError(`cannot send in state ${['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][this.state]}`);
    }
  }

  private writeCloseFrame(body: Uint8Array): void {
    // RFC 6455 §5.5.1: after a close frame, no more data frames.
    this.closeSent = true;
    this.writeFrame(Opcode.Close, true, 0, body, false);
  }

  /**
   * Frames a payload and hands it to the handler. A client masks (RFC 6455 §5.3): in place when
   * the payload is ours (`owned`, e.g. compressor output), into a copy next to the header when it
   * is the application's. A server's large payload is written as is after its header.
   */
  private writeFrame(opcode: number, fin: boolean, rsv: number, payload: Uint8Array, owned: boolean): void {
    const length = payload.length;
    const masked = this.maskKeys !== undefined;
    const headerLength = frameHeaderLength(length, masked);
    const maskKey = masked ? this.maskKeys!() : 0;
    if (length <= COALESCE_LIMIT || (masked && !owned)) {
      const frame = frameSlab.take(headerLength + length);
      writeFrameHeader(frame, 0, fin, rsv, opcode, length, masked, maskKey);
      if (masked) maskInto(frame, headerLength, payload, maskKey);
      else frame.set(payload, headerLength);
      this.handler.write(frame);
      return;
    }
    const head = frameSlab.take(headerLength);
    writeFrameHeader(head, 0, fin, rsv, opcode, length, masked, maskKey);
    if (masked) maskInPlace(payload, maskKey);
    this.handler.write(head, payload);
  }
}
