// RFC 6455 §7 (the connection's lifetime) over §4 (opening handshake), §5 (framing) and §6
// (sending and receiving data): one WebSocket connection as an explicit state machine, for the
// client and the server role. Bytes in (`receive`), calls in (`send`, `ping`, `close`, …); the
// runtime pulls what comes out: events (`nextEvent`) and bytes for the wire (`dataToSend`), and
// reads `closeTransport` to learn when to close TCP. No sockets, no timers, no callbacks.
//
//   CONNECTING ──handshake ok──▶ OPEN ──close sent or received──▶ CLOSING ──transport closed──▶ CLOSED
//        │                         │                                                          ▲
//        └──handshake failed───────┴──protocol violation (close frame with the code, §7.1.7)──┘

import { ClosingHandshake, internalError, type CloseResult, type TransportClose } from './closing/closing-handshake.js';
import { closeReasonFrom, decodeCloseBody, encodeCloseBody, type CloseInfo } from './closing/close-codes.js';
import { DEFAULT_MAX_MESSAGE_SIZE, EventQueue, OPEN_EVENT, ReadyState, type ConnectionEvent, type ConnectionOptions, type FailureEvent, type Role } from './connection-types.js';
import { HandshakeError, ProtocolError } from './errors.js';
import { describeExtensions, NO_EXTENSIONS, type Extension } from './extensions/extension.js';
import { Opcode } from './framing/frame-header.js';
import { FrameParser } from './framing/frame-parser.js';
import { createMaskKeySource, FrameWriter } from './framing/frame-writer.js';
import { ClientHandshaker, ServerHandshaker } from './handshake/opening-handshake.js';
import { checkControlPayloadToSend } from './messages/control-frames.js';
import { FrameRouter, type CloseFrameReceiver } from './messages/frame-router.js';
import { MessageAssembler } from './messages/message-assembler.js';
import { MessageSender } from './messages/message-sender.js';
import { isValidUtf8, type WholeUtf8Check } from './messages/utf8.js';
export { internalError, type CloseResult, type TransportClose } from './closing/closing-handshake.js';
export { DEFAULT_MAX_MESSAGE_SIZE, ReadyState, type ConnectionEvent, type ConnectionOptions, type Role } from './connection-types.js';
export { createMaskKeySource, type MaskKeySource } from './framing/frame-writer.js';

const EMPTY = new Uint8Array(0); // the payload of a ping or pong sent without one
/** One WebSocket connection as a sans-I/O state machine (RFC 6455 §4–§7). */
export class Connection implements CloseFrameReceiver {
  /** Client or server, fixed at construction (RFC 6455 §5.1: clients mask). */
  readonly role: Role;
  private state: ReadyState = ReadyState.CONNECTING;
  private transport: TransportClose = 'no';
  private handshaker: ClientHandshaker | ServerHandshaker | undefined;
  private extensionList = NO_EXTENSIONS;
  private subprotocol: string | undefined;
  private readonly queue = new EventQueue<ConnectionEvent>();
  private readonly parser: FrameParser;
  private readonly writer: FrameWriter;
  private readonly messages: MessageAssembler;
  /** Made at the first message sent, with the negotiated extensions: an idle connection holds none. */
  private sender: MessageSender | undefined;
  private readonly closing = new ClosingHandshake();
  private readonly utf8Check: WholeUtf8Check;
  private pendingFailure: FailureEvent | undefined; // the peer's violation, behind earlier events

  constructor(options: ConnectionOptions) {
    this.role = options.role;
    this.utf8Check = options.utf8Check ?? isValidUtf8;
    this.messages = new MessageAssembler(options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE, this.utf8Check, options.allocate);
    // RFC 6455 §5.1: clients mask every frame; servers never do, and expect masked frames.
    this.writer = new FrameWriter(this.role === 'client' ? (options.maskKeys ?? createMaskKeySource()) : undefined, options.allocate);
    this.parser = new FrameParser({ expectMasked: this.role === 'server' }, new FrameRouter(this.messages, this.queue, this.writer, this.closing, this, options.autoPong ?? true));
    if (this.role === 'client' && options.client) this.handshaker = new ClientHandshaker(options.client);
    if (this.role === 'server' && options.server) this.handshaker = new ServerHandshaker(options.server);
  }

  /** CONNECTING, OPEN, CLOSING or CLOSED (numbered as the WHATWG `readyState`). */
  get readyState(): ReadyState { return this.state; }
  /** The subprotocol in use (RFC 6455 §1.9, §4.1), or '' for none. */
  get protocol(): string { return this.subprotocol ?? ''; }
  /** The extensions in use, as the server's response named them (RFC 6455 §9.1), or ''. */
  get extensions(): string { return describeExtensions(this.extensionList); }
  /** Whether the runtime should close the transport, and when (RFC 6455 §7.1.1). Read it after `dataToSend()`. */
  get closeTransport(): TransportClose { return this.transport; }

  /** The next event, oldest first, or undefined when there is none. Nothing reaches the application unpulled. */
  nextEvent(): ConnectionEvent | undefined {
    this.answerIfDue();
    const event = this.queue.take();
    // The peer's close or violation takes effect here, after the events before it, which the application may answer.
    if (event?.type === 'closing') this.closeFramePulled(event);
    else if (event !== undefined && event === this.pendingFailure) this.failNow(this.pendingFailure.error);
    return event;
  }

  /** Pulls every queued event (for tests and simple runtimes). */
  *events(): Generator<ConnectionEvent, void, undefined> {
    for (let event = this.nextEvent(); event; event = this.nextEvent()) yield event;
  }

  /** Bytes for the wire since the last call, in order (a frame's header and payload adjacent). Valid until the next call. */
  dataToSend(): readonly Uint8Array[] {
    this.answerIfDue();
    return this.writer.take();
  }

  /** Client: queues the opening handshake request. Requires the `client` option. */
  startHandshake(): void {
    const handshaker = this.handshaker;
    if (!(handshaker instanceof ClientHandshaker) || this.state !== ReadyState.CONNECTING) throw new TypeError('startHandshake needs a client connection in CONNECTING state with the client option');
    this.writer.writeBytes(handshaker.request());
  }

  /** The runtime did the handshake (a server's HTTP layer answered it): OPEN with these (RFC 6455 §4.2.2). */
  establish(protocol: string | undefined, extensions: readonly Extension[]): void {
    if (this.state !== ReadyState.CONNECTING) throw new TypeError('establish() is only valid while CONNECTING');
    this.handshaker = undefined;
    this.subprotocol = protocol;
    this.extensionList = extensions.length === 0 ? NO_EXTENSIONS : [...extensions];
    this.messages.useExtensions(this.extensionList);
    this.state = ReadyState.OPEN;
    this.queue.push(OPEN_EVENT);
  }

  /** Bytes from the transport (now owned: unmasked in place, kept as views) → queued events and output. Never throws for bad input (§7.1.7). */
  receive(chunk: Uint8Array): void {
    if (this.state === ReadyState.CONNECTING) chunk = this.receiveHandshake(chunk);
    if (this.state === ReadyState.CONNECTING || chunk.length === 0 || this.parser.stopped) return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      // §7.1.7: process nothing more; fail when pulled, after the events before it (not a ProtocolError: ours, 1011).
      this.parser.stop();
      this.pendingFailure = { type: 'error', error: error instanceof ProtocolError ? error : internalError(error) };
      this.queue.push(this.pendingFailure);
    }
  }

  /** Feeds handshake bytes; returns the bytes after the handshake (the first frames), or nothing. */
  private receiveHandshake(chunk: Uint8Array): Uint8Array {
    const handshaker = this.handshaker;
    if (!handshaker) return EMPTY; // a runtime-driven handshake: nothing may arrive before establish()
    try {
      const outcome = handshaker.receive(chunk);
      if (!outcome) return EMPTY;
      if (outcome.response) this.writer.writeBytes(outcome.response);
      this.establish(outcome.protocol, outcome.extensions);
      return outcome.rest;
    } catch (error) {
      const handshakeError = error instanceof HandshakeError ? error : new HandshakeError(String(error));
      if (handshaker instanceof ServerHandshaker) this.writer.writeBytes(handshaker.reject(handshakeError));
      this.handshaker = undefined;
      this.failNow(handshakeError);
      this.queue.push({ type: 'error', error: handshakeError });
      return EMPTY;
    }
  }

  /** @internal The peer's close frame (RFC 6455 §5.5.1, §7.1.3), from the frame router. */
  closeFrameReceived(payload: Uint8Array): void {
    const info = decodeCloseBody(payload, this.utf8Check);
    // RFC 6455 §5.5.1: nothing after a close frame is processed; an unfinished message is dropped.
    this.parser.stop();
    this.messages.reset();
    this.closing.closeParsed(payload);
    this.queue.push({ type: 'closing', code: info.code, reason: info.reason });
  }

  /** The application hears of the peer's close (§7.1.3): CLOSING, and our answer is owed until the next pull (§5.5.1). */
  private closeFramePulled(info: CloseInfo): void {
    if (this.state === ReadyState.CLOSED || this.closing.failed) return;
    this.closing.closeReceived(info);
    this.state = ReadyState.CLOSING;
    this.transport = this.closing.transportAfterHandshake(this.role === 'server');
  }

  /** RFC 6455 §5.5.1: answer promptly; once `closing` was pulled and not answered, echo the peer's close. */
  private answerIfDue(): void {
    const echo = this.closing.takeDueEcho();
    if (echo && this.state === ReadyState.CLOSING) this.writeClose(echo);
  }

  /** _Fail the WebSocket Connection_ (§7.1.7) for the runtime's reason (1011: a listener threw); unpulled events are dropped. */
  fail(error: ProtocolError): void {
    if (this.closing.failed || this.state === ReadyState.CLOSED) return;
    this.queue.clear();
    this.failNow(error);
    this.queue.push({ type: 'error', error });
  }

  /** RFC 6455 §7.1.7: process nothing more; once OPEN, a close frame with the code (answering an unanswered close); transport closed now. */
  private failNow(error: ProtocolError | HandshakeError): void {
    if (this.closing.failed || this.state === ReadyState.CLOSED) return;
    this.closing.failed = true;
    this.parser.stop();
    this.messages.reset();
    if (error instanceof ProtocolError && !this.closing.sent && (this.state === ReadyState.OPEN || this.closing.received)) {
      this.writeClose(encodeCloseBody(error.closeCode, closeReasonFrom(error.message)));
    }
    this.state = ReadyState.CLOSING;
    this.transport = 'now';
  }

  /** Sends a whole message in one frame; `compress: false` asks extensions not to compress it. */
  send(data: Uint8Array, isText: boolean, compress = true): void {
    this.assertOpen();
    (this.sender ??= new MessageSender(this.writer, this.extensionList)).sendMessage(data, isText, compress);
  }

  /** Sends one fragment of a message (RFC 6455 §5.4); control frames may go between fragments. */
  sendFrame(data: Uint8Array, isText: boolean, fin: boolean, compress = true): void {
    this.assertOpen();
    (this.sender ??= new MessageSender(this.writer, this.extensionList)).sendFrame(data, isText, fin, compress);
  }

  /** Sends a ping (RFC 6455 §5.5.2); at most 125 bytes of payload. */
  ping(payload: Uint8Array = EMPTY): void { this.sendControl(Opcode.Ping, payload); }
  /** Sends an unsolicited pong (RFC 6455 §5.5.3: a unidirectional heartbeat). */
  pong(payload: Uint8Array = EMPTY): void { this.sendControl(Opcode.Pong, payload); }

  /**
   * Starts the closing handshake (§7.1.2); RangeError for an unsendable code or a reason over 123 bytes. While
   * CONNECTING, abandons the attempt; after `closing` was pulled and before the next pull, it is the answer (§5.5.1).
   */
  close(code?: number, reason = ''): void {
    const body = encodeCloseBody(code, reason); // validate before changing any state
    if (this.state === ReadyState.CONNECTING) {
      this.handshaker = undefined;
      this.parser.stop(); // whatever arrives now is not for a connection that was never opened
      this.state = ReadyState.CLOSING;
      this.transport = 'now';
      return;
    }
    if (this.state !== ReadyState.OPEN && !(this.state === ReadyState.CLOSING && this.closing.answerOwed)) return;
    this.writeClose(body);
    this.state = ReadyState.CLOSING;
  }

  /** The transport closed: CLOSED, and how it ended (RFC 6455 §7.1.4–§7.1.6). Idempotent; queued events stay pullable. */
  transportClosed(): CloseResult {
    if (this.state !== ReadyState.CLOSED) {
      this.state = ReadyState.CLOSED;
      this.parser.stop();
      this.messages.reset();
      for (const extension of this.extensionList) extension.dispose();
    }
    return this.closing.result();
  }

  private assertOpen(): void {
    if (this.state !== ReadyState.OPEN) throw new TypeError(`cannot send in state ${['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'][this.state]}`);
  }

  private sendControl(opcode: number, payload: Uint8Array): void {
    this.assertOpen();
    checkControlPayloadToSend(payload);
    this.writer.writeFrame(opcode, true, 0, payload, false);
  }

  /** RFC 6455 §5.5.1: our close frame; no data frame follows it. */
  private writeClose(body: Uint8Array): void {
    this.closing.closeSent();
    this.writer.writeFrame(Opcode.Close, true, 0, body, false);
    this.transport = this.closing.failed ? 'now' : this.closing.transportAfterHandshake(this.role === 'server');
  }
}
