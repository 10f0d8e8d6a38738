// The WHATWG WebSockets Standard (websockets.spec.whatwg.org, "The WebSocket interface" and
// "Feedback from the protocol") for Node, on top of this project's RFC 6455 client (`connect()`
// and `Session`). The same API as the browser's `WebSocket`, so code written for browsers runs
// unchanged; the standard's rules are followed step by step and cited as `WHATWG §…`. The events
// are in whatwg-events.ts, the send() steps in whatwg-send.ts, Web IDL conversions in webidl.ts.
//
// Node extension: a third constructor argument passes the runtime's client options through,
// e.g. `new WebSocket(url, [], { perMessageDeflate: false, headers: { Authorization: … }, tls })`.

import type { Socket } from 'node:net';
import { CloseCode, isToken, ReadyState } from '../core/index.js';
import { connect, type ClientOptions } from './client.js';
import type { Session } from './session.js';
import { CloseEvent, createErrorEvent, EventHandlerAttributes, MessageEvent } from './whatwg-events.js';
import { OutgoingMessages, toOutgoingMessage, type WebSocketData } from './whatwg-send.js';
import { defineInterface, isIterableObject, requireArguments, toClampedUnsignedShort, toDOMString, toUSVString } from './webidl.js';

export { CloseEvent, MessageEvent, type CloseEventInit, type WebSocketErrorEvent } from './whatwg-events.js';
export type { WebSocketData } from './whatwg-send.js';

/** How binary messages are handed to the application (WHATWG: the `BinaryType` enum). */
export type BinaryType = 'blob' | 'arraybuffer';

/**
 * Node-only settings: the runtime's client options (compression, headers, TLS, proxy, origin,
 * timeouts, message size limit). `perMessageDeflate` defaults to true, because the standard's
 * handshake always offers permessage-deflate (WHATWG "establish a WebSocket connection").
 */
export type WebSocketOptions = Omit<ClientOptions, 'protocols' | 'onSocket' | 'textAs'>;

// The standard's readyState numbers are the core's (RFC 6455 §4–§7 states, numbered as WHATWG does).
const { CONNECTING, OPEN, CLOSING, CLOSED } = ReadyState;

type Handler = ((this: WebSocket, event: Event) => unknown) | null;

/**
 * A WebSocket as browsers have it: `new WebSocket(url, protocols?)`, events, `send`, `close`.
 *
 * Node extension for debugging: the `error` event is the standard's plain `Event`, but it carries
 * a non-enumerable `cause` (an `Error`) saying why the connection failed — the HTTP status of a
 * refused handshake, a TLS or network error, a subprotocol mismatch, a protocol violation.
 * Browsers hide this from scripts on purpose (so pages cannot probe a private network); a Node
 * program can open sockets anyway, so it gets the reason: `ws.onerror = (e) => console.log(e.cause)`.
 *
 * A URL with credentials (`ws://user:pass@host/`) connects like in a browser: the first request
 * goes without them, and a 401 answer is retried once with `Authorization: Basic` (see `connect()`).
 */
export class WebSocket extends EventTarget {
  // The readyState constants: on the class and on the prototype, read-only, set below the class.
  /** `readyState` 0: connecting. */
  declare static readonly CONNECTING: 0;
  /** `readyState` 1: open. */
  declare static readonly OPEN: 1;
  /** `readyState` 2: closing. */
  declare static readonly CLOSING: 2;
  /** `readyState` 3: closed. */
  declare static readonly CLOSED: 3;
  /** `readyState` 0: connecting. */
  declare readonly CONNECTING: 0;
  /** `readyState` 1: open. */
  declare readonly OPEN: 1;
  /** `readyState` 2: closing. */
  declare readonly CLOSING: 2;
  /** `readyState` 3: closed. */
  declare readonly CLOSED: 3;

  readonly #url: string;
  readonly #origin: string;
  readonly #protocols: string[];
  /**
   * The state the script has been shown. Not a copy of the session's: the standard moves it in
   * queued tasks (OPEN when the open event fires, CLOSED when the close event fires) and at once
   * in close() (CLOSING, even while CONNECTING), so it lags or leads the protocol on purpose.
   * Where the protocol is ahead — the closing handshake started by either side — `readyState`
   * reads the session instead of keeping a copy.
   */
  #state: ReadyState = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  #session: Session | undefined;
  #socket: Socket | undefined;
  #failure: Error | undefined;
  #closeQueued = false;
  readonly #outgoing = new OutgoingMessages();
  readonly #handlers = new EventHandlerAttributes(this);

  constructor(url: string | URL, protocols: string | Iterable<string> = [], options: WebSocketOptions = {}) {
    requireArguments(arguments.length, 1, "Failed to construct 'WebSocket'");
    const urlText = toUSVString(url);
    const list = isIterableObject(protocols) ? Array.from(protocols, toDOMString) : [toDOMString(protocols)];
    super();
    // WHATWG constructor steps 1–7: parse, map http(s) to ws(s), refuse other schemes and fragments.
    let record: URL;
    try {
      record = new URL(urlText);
    } catch {
      throw new DOMException(`${JSON.stringify(urlText)} is not a valid absolute URL`, 'SyntaxError');
    }
    if (record.protocol === 'http:') record.protocol = 'ws:';
    else if (record.protocol === 'https:') record.protocol = 'wss:';
    if (record.protocol !== 'ws:' && record.protocol !== 'wss:') {
      throw new DOMException(`the URL's scheme must be ws, wss, http or https, not ${record.protocol.slice(0, -1)}`, 'SyntaxError');
    }
    // A serialized URL holds "#" exactly when its fragment is non-null (even empty): RFC 6455 §3.
    if (record.href.includes('#')) throw new DOMException('a WebSocket URL must not have a fragment (RFC 6455 §3)', 'SyntaxError');
    // Steps 8–9: one string is a list of one; names must be distinct tokens (RFC 6455 §4.1 item 10).
    for (const [i, name] of list.entries()) {
      if (!isToken(name)) throw new DOMException(`subprotocol ${JSON.stringify(name)} is not a token (RFC 6455 §4.1)`, 'SyntaxError');
      if (list.indexOf(name) !== i) throw new DOMException(`subprotocol ${JSON.stringify(name)} is listed twice`, 'SyntaxError');
    }
    this.#url = record.href;
    this.#origin = record.origin;
    this.#protocols = list;
    // Step 11: establish the connection in parallel (credentials in the URL: see connect()).
    connect(this.#url, {
      perMessageDeflate: true,
      ...options,
      protocols: list, textAs: 'string', // the standard's MessageEvent carries text as a string, whatever was passed
      onSocket: (socket) => {
        this.#socket = socket;
        if (this.#state !== CONNECTING) socket.destroy(); // close() came first: abandon the attempt
      },
    }).then(
      (session) => this.#established(session),
      (error: Error) => this.#closed(CloseCode.AbnormalClosure, '', false, this.#failure ?? error),
    );
  }

  // ─── Attributes ───────────────────────────────────────────────────────────────────────

  /** The URL, serialized, with http(s) turned into ws(s). */
  get url(): string {
    return this.#url;
  }
  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): ReadyState {
    // WHATWG "Feedback from the protocol": once the closing handshake has started (either side), CLOSING.
    if (this.#state === OPEN && this.#session && this.#session.readyState >= CLOSING) return CLOSING;
    return this.#state;
  }
  /**
   * Bytes of messages given to `send` and not yet handed to the network (approximately: once
   * handed to the socket, frame headers count and compression shrinks it). After the closing
   * handshake started it only grows (WHATWG `bufferedAmount`).
   */
  get bufferedAmount(): number {
    return this.#outgoing.bufferedAmount(this.#session);
  }
  /** The extensions the server accepted (its Sec-WebSocket-Extensions), or ''. */
  get extensions(): string {
    return this.#extensions;
  }
  /** The subprotocol the server selected, or ''. */
  get protocol(): string {
    return this.#protocol;
  }
  /** 'blob' (default) or 'arraybuffer'. Other values are ignored, as for any WebIDL enum attribute. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  /** Sets how binary messages are delivered: 'blob' or 'arraybuffer'. */
  set binaryType(value: BinaryType) {
    WebSocket.#assertInstance(this);
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  /** The `open` event handler attribute, or null. */
  get onopen(): Handler { return this.#handlers.get('open') as Handler; }
  /** Replaces the `open` event handler (null removes it). */
  set onopen(handler: Handler) { this.#handlers.set('open', handler); }
  /** The `message` event handler attribute, or null. */
  get onmessage(): Handler { return this.#handlers.get('message') as Handler; }
  /** Replaces the `message` event handler (null removes it). */
  set onmessage(handler: Handler) { this.#handlers.set('message', handler); }
  /** The `error` event handler attribute, or null. On Node the event's non-enumerable `cause` says why. */
  get onerror(): Handler { return this.#handlers.get('error') as Handler; }
  /** Replaces the `error` event handler (null removes it). */
  set onerror(handler: Handler) { this.#handlers.set('error', handler); }
  /** The `close` event handler attribute, or null. */
  get onclose(): Handler { return this.#handlers.get('close') as Handler; }
  /** Replaces the `close` event handler (null removes it). */
  set onclose(handler: Handler) { this.#handlers.set('close', handler); }

  // ─── Methods ──────────────────────────────────────────────────────────────────────────

  /**
   * Sends a message: a string as text, bytes or a Blob as binary (WHATWG `send()`). Throws
   * InvalidStateError while CONNECTING, TypeError for shared memory. The bytes sent are those the
   * buffer holds at the call. After the closing handshake has started, the data is not sent but
   * still counted in `bufferedAmount`.
   */
  send(data: WebSocketData): void {
    WebSocket.#assertInstance(this);
    requireArguments(arguments.length, 1, "Failed to execute 'send' on 'WebSocket'");
    const message = toOutgoingMessage(data); // Web IDL converts the argument before the steps run
    if (this.#state === CONNECTING) throw new DOMException('the WebSocket is still CONNECTING', 'InvalidStateError');
    // "If the connection is established and the closing handshake has not yet started": send.
    // readyState says exactly that (OPEN only while neither side has started to close).
    if (this.readyState !== OPEN) this.#outgoing.discard(message);
    else this.#outgoing.send(this.#session!, message);
  }

  /**
   * Starts the closing handshake (WHATWG `close()`). `code` must be 1000 or 3000–4999
   * (InvalidAccessError) and `reason` at most 123 UTF-8 bytes (SyntaxError). While CONNECTING
   * the attempt is abandoned: `error` and `close` (1006) follow.
   */
  close(code?: number, reason?: string): void {
    WebSocket.#assertInstance(this);
    let wireCode: number | undefined;
    if (code !== undefined) {
      wireCode = toClampedUnsignedShort(code);
      if (wireCode !== CloseCode.Normal && (wireCode < 3000 || wireCode > 4999)) {
        throw new DOMException(`close code ${wireCode} is neither 1000 nor in 3000–4999`, 'InvalidAccessError');
      }
    }
    const reasonText = reason === undefined ? undefined : toUSVString(reason);
    if (reasonText !== undefined && Buffer.byteLength(reasonText) > 123) {
      throw new DOMException('the close reason is longer than 123 UTF-8 bytes', 'SyntaxError');
    }
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    if (this.#state === CONNECTING) {
      // "Fail the WebSocket connection": drop the attempt, or the session if the open task is still queued.
      this.#state = CLOSING;
      this.#failure = new Error('close() was called while the WebSocket was CONNECTING');
      if (this.#session) this.#session.terminate();
      else this.#socket?.destroy();
      return;
    }
    this.#state = CLOSING;
    const session = this.#session!;
    // No code and no reason: a close frame without a body. A reason alone goes with 1000.
    // Messages sent before close() still go first (WHATWG note after the close() steps).
    this.#outgoing.afterQueued(() => {
      if (session.readyState === OPEN) session.close(wireCode ?? (reasonText !== undefined ? CloseCode.Normal : undefined), reasonText ?? '');
    });
  }

  /** Web IDL: an operation or setter called on something that is not a WebSocket throws TypeError before anything else. */
  static #assertInstance(value: unknown): void {
    if (typeof value !== 'object' || value === null || !(#state in value)) throw new TypeError('Illegal invocation: not a WebSocket');
  }

  // ─── Feedback from the protocol ────────────────────────────────────────────────────────
  // Every event is fired from its own task ("queue a task"), in order, so that the microtasks a
  // handler queues run before the next event — as in a browser's event loop. A task is a setImmediate.

  #established(session: Session): void {
    this.#session = session;
    session.on('message', (data, isBinary) => this.#message(data, isBinary));
    session.on('error', (error) => (this.#failure ??= error));
    session.on('close', (code, reason, wasClean) =>
      this.#closed(code, reason, wasClean, this.#failure ?? (wasClean ? undefined : new Error(`the connection closed without a closing handshake (${code})`))),
    );
    // WHATWG handshake: offered subprotocols and none selected fails the connection; so does a close() that came first.
    if (this.#state !== CONNECTING || (this.#protocols.length > 0 && session.protocol === '')) {
      this.#failure ??= new Error(`the server selected no subprotocol; offered: ${this.#protocols.join(', ')}`);
      session.terminate();
      return;
    }
    setImmediate(() => {
      if (this.#state !== CONNECTING) return; // close() was called before this task ran: it failed the connection
      this.#state = OPEN;
      this.#extensions = session.extensions;
      this.#protocol = session.protocol;
      this.dispatchEvent(new Event('open'));
    });
  }

  #message(data: string | Buffer, isBinary: boolean): void {
    setImmediate(() => {
      // "If ready state is not OPEN, then return": messages after close() are dropped.
      if (this.#state !== OPEN) return;
      let value: string | Blob | ArrayBuffer;
      if (!isBinary) value = data as string;
      else {
        const bytes = data as Buffer;
        value = this.#binaryType === 'blob' ? new Blob([bytes]) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      }
      this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.#origin }));
    });
  }

  /** "The WebSocket connection is closed": `failure` is set when the connection failed (an error event first). */
  #closed(code: number, reason: string, wasClean: boolean, failure: Error | undefined): void {
    if (this.#closeQueued) return;
    this.#closeQueued = true;
    setImmediate(() => {
      this.#state = CLOSED;
      // An error event precedes close when the connection failed (RFC 6455 §7.1.7) or was lost (§7.2.1).
      if (failure) this.dispatchEvent(createErrorEvent(failure));
      this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
    });
  }
}

// Web IDL: the readyState constants on the class and its prototype, members enumerable, class string;
// close()'s two arguments are both optional, so its length is 0.
defineInterface(WebSocket, 'WebSocket', { CONNECTING, OPEN, CLOSING, CLOSED }, ['close']);
