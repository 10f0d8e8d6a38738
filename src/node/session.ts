// The Node runtime's WebSocket session: one core `Connection` (RFC 6455 §4–§7) bound to one
// transport, any `stream.Duplex`: a TCP or TLS socket, or an HTTP/2 stream (RFC 8441). The
// session drains the core — its events to the listeners, its bytes to the transport — and adds
// what the sans-I/O core leaves out: the corked, bounded writer (socket-writer.ts), the clocks
// (session-timers.ts: keepalive, idle, the §7.1.1 closing timeout and the client's grace), and
// events in the style of Jetty's WebSocket API: open, message, ping, pong, closing (§5.5.1),
// error, close. readyState, protocol and how the connection ended are the core's, read from it.

import type { Duplex } from 'node:stream';
import { internalError, ReadyState, type CloseResult, type Connection, type ConnectionEvent, type Extension, type TransportClose } from '../core/index.js';
import { checkTextToSend, type FragmentedSend } from './outgoing-text.js';
import { asBuffer, decodeText, toBytes, type SendData } from './platform.js';
import { TransportSession } from './session-transport.js';
import { belowHighWaterMark, writeFrames } from './socket-writer.js';
export type { TransportKind } from './session-transport.js';
import type { SendOptions, SessionOptions } from './session-types.js';

export { DEFAULT_SESSION_OPTIONS } from './defaults.js';
export type { SendOptions, SessionEvents, SessionOptions } from './session-types.js';

const EMPTY = new Uint8Array(0);

/**
 * The text message (`textAs: 'bytes'`) whose `'message'` listeners are running, if any: its bytes
 * were checked as they arrived (RFC 6455 §8.1), so an echo of them from the listener, unchanged
 * and whole, is not checked a second time. One slot for the process, not a field per session:
 * listeners run one at a time.
 */
let textInHand: Uint8Array | undefined;

/**
 * One WebSocket connection, client or server side. Created by `WebSocketServer` (server) or
 * `connect()` (client); not constructed directly.
 */
export class Session extends TransportSession {
  /** The sans-I/O protocol state machine; this session is its only runtime. */
  readonly #core: Connection;
  private failure: Error | undefined;
  /** Draining the core's events / output: a listener's call into the session leaves the rest to the loop under way. */
  private delivering = false;
  private flushing = false;
  /** What the core last asked of the transport (RFC 6455 §7.1.1), once acted on. */
  private transportRequest: TransportClose = 'no';
  /**
   * The message being sent in fragments, if any (RFC 6455 §5.4): its continuation frames are of
   * its first frame's type, and a text message's UTF-8 is checked across the fragments' edges.
   */
  private fragmentedSend: FragmentedSend | undefined;

  /** @internal Use `WebSocketServer` or `connect()`. */
  constructor(transport: Duplex, core: Connection, options: SessionOptions = {}) {
    super(transport, options);
    this.#core = core;
  }

  // ─── State: the core's ────────────────────────────────────────────────────────────────

  /** CONNECTING (0), OPEN (1), CLOSING (2), CLOSED (3) — RFC 6455 §4–§7, numbered as in WHATWG. */
  get readyState(): ReadyState { return this.#core.readyState; }
  /** The subprotocol the server selected, or ''. */
  get protocol(): string { return this.#core.protocol; }
  /** The negotiated extensions as the server's response named them, or ''. */
  get extensions(): string { return this.#core.extensions; }
  /** The error that failed the connection (protocol violation or handshake), if any. */
  get lastError(): Error | undefined { return this.failure; }

  // ─── Calls ────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a message: a string as text, bytes as binary (override with `options.binary`). Bytes
   * sent as text go out unchanged and must be UTF-8, else this throws a TypeError and sends nothing
   * (a text message received with `textAs: 'bytes'` and sent back whole from its own listener was
   * checked when it arrived, and is not checked again: change its bytes, and they are yours to keep valid).
   * Returns false when the transport's buffer is above `highWaterMark`: wait for `'drain'` (or
   * `await session.drained()`) before sending more. Throws when the session is not OPEN.
   */
  send(data: SendData, options: SendOptions = {}): boolean {
    const bytes = toBytes(data);
    const fin = options.fin ?? true;
    const message = this.fragmentedSend;
    const isText = message ? message.isText : options.binary === undefined ? typeof data === 'string' : !options.binary;
    // RFC 6455 §5.6: text is UTF-8. A string's encoding is, whole; bytes are checked before anything
    // is sent, and so is a string that would have to finish a code point an earlier fragment left open.
    const checked = typeof data === 'string' ? !message?.open.length : bytes === textInHand && fin && !message;
    const open = isText && !checked ? checkTextToSend(bytes, message?.open ?? EMPTY, fin) : EMPTY;
    this.#core.sendFrame(bytes, isText, fin, options.compress ?? true);
    this.fragmentedSend = fin ? undefined : { isText, open };
    this.flushOutput();
    this.timers.active();
    return belowHighWaterMark(this.transportStream, this.settings);
  }

  /** Sends a ping (RFC 6455 §5.5.2); at most 125 bytes. */
  ping(data: SendData = EMPTY): void {
    this.#core.ping(toBytes(data));
    this.flushOutput();
  }

  /** Sends an unsolicited pong (RFC 6455 §5.5.3). */
  pong(data: SendData = EMPTY): void {
    this.#core.pong(toBytes(data));
    this.flushOutput();
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2). `code` must be sendable (1000–1003,
   * 1007–1014, 3000–4999) and `reason` at most 123 UTF-8 bytes, else this throws RangeError.
   * In a `'closing'` listener it chooses the answer to the peer's close frame instead (§5.5.1).
   */
  close(code?: number, reason?: string): void {
    this.#core.close(code, reason);
    this.pump();
  }

  // ─── The runtime's entry points (server.ts, client.ts) ──────────────────────────────

  /**
   * @internal `connect()` holds events from the moment the client is OPEN until its caller has had
   * the session: frames that arrive in the same TCP read as the 101 are parsed at once, before
   * the caller could attach listeners, and must not be lost. Holding is not draining the core:
   * their events wait in it, and so does what they make it write (a pong, an answer, a failure's
   * close frame), so nothing is acted on before the caller can hear it.
   */
  holdEvents(): void {
    this.heldEvents ??= [];
    this.transportStream.pause();
  }

  /** @internal Drains the core (its events in order, then its output), then the session's own held events. */
  releaseEvents(): void {
    const held = this.heldEvents;
    this.heldEvents = undefined;
    this.pump();
    for (const [event, args] of held ?? []) this.emitNow(event, args);
    if (!this.transportStream.destroyed) this.transportStream.resume();
  }

  /** @internal The server did the opening handshake: the connection is OPEN (RFC 6455 §4.2.2). */
  establish(protocol: string | undefined, extensions: readonly Extension[]): void {
    this.#core.establish(protocol, extensions);
    this.pump();
  }

  /** @internal Bytes that arrived before the session existed (the rest of the upgrade request's read). */
  receive(bytes: Uint8Array): void {
    this.#core.receive(bytes);
    this.pump();
  }

  /** @internal The client sends its opening handshake request (RFC 6455 §4.1). */
  startHandshake(): void {
    this.#core.startHandshake();
    this.flushOutput();
  }

  // ─── Draining the core ──────────────────────────────────────────────────────────────

  /** After each call into the core: its events to the listeners (unless held), its bytes to the transport. */
  private pump(): void {
    this.deliverEvents();
    this.flushOutput();
  }

  /**
   * Pulls the core's events and emits them, in order. A listener that throws does not unwind into
   * the transport's code: the connection is failed with 1011 (RFC 6455 §7.4.1), the thrown value
   * kept as the error's `cause`, and that error is the next event.
   */
  private deliverEvents(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      let event: ConnectionEvent | undefined;
      while (!this.heldEvents && (event = this.#core.nextEvent()) !== undefined) {
        try {
          this.deliver(event);
        } catch (error) {
          this.#core.fail(internalError(error));
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: ConnectionEvent): void {
    switch (event.type) {
      case 'message': {
        this.timers.active();
        const data = asBuffer(event.data); // a view of the core's bytes, not a copy
        // `textAs: 'bytes'` (the endpoint's settings): text is handed over as its UTF-8, undecoded.
        if (!event.isText || this.settings.textAs !== 'bytes') {
          this.emitNow('message', [event.isText ? decodeText(data) : data, !event.isText]);
          break;
        }
        // RFC 6455 §8.1: text was validated as it arrived; with `textAs: 'bytes'` its UTF-8 goes out undecoded.
        const outer = textInHand; // a listener may deliver another session's message
        textInHand = data;
        try {
          this.emitNow('message', [data, false]);
        } finally {
          textInHand = outer;
        }
        break;
      }
      case 'ping':
      case 'pong':
        this.emitNow(event.type, [asBuffer(event.payload)]);
        break;
      case 'closing':
        // Before the core answers: a session.close() in a listener is the answer (RFC 6455 §5.5.1).
        this.emitNow('closing', [event.code, event.reason]);
        break;
      case 'error':
        this.failure = event.error;
        this.emitNow('error', [event.error]);
        break;
      case 'open':
        this.timers.opened();
        this.emitNow('open', []);
        break;
    }
  }

  /** Writes what the core has for the wire, then follows its state with the clocks and the transport (§7.1.1). */
  private flushOutput(): void {
    if (this.heldEvents || this.flushing) return;
    this.flushing = true;
    try {
      for (let chunks = this.#core.dataToSend(); chunks.length > 0; chunks = this.#core.dataToSend()) {
        const dropped = writeFrames(this.transportStream, this.settings, chunks);
        if (dropped) this.emitNow('error', [dropped]); // the peer does not read: dropped (1006)
      }
    } finally {
      this.flushing = false;
    }
    // The closing handshake has started, either side: keepalive and idle end, the close timer runs (idempotent).
    if (this.#core.readyState === ReadyState.CLOSING) this.ownTimers().closing();
    const request = this.#core.closeTransport;
    if (request !== this.transportRequest) {
      this.transportRequest = request;
      this.ownTimers().transportEnding(request === 'now');
    }
  }

  /** @internal Bytes from the transport: into the core, then drain it. */
  protected bytesReceived(chunk: Uint8Array): void {
    this.#core.receive(chunk);
    this.pump();
  }

  /** @internal The transport closed: the core is CLOSED and says how it ended. */
  protected transportClosed(): CloseResult {
    return this.#core.transportClosed();
  }
}
