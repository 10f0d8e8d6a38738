// The WHATWG WebSockets Standard (websockets.spec.whatwg.org, "The WebSocket interface" and
// "Feedback from the protocol") for Node, on top of this project's RFC 6455 client (`connect()`
// and `Session`). The same API as the browser's `WebSocket`, so code written for browsers runs
// unchanged; the standard's rules are followed step by step and cited as `WHATWG §…`.
//
// Node extension: a third constructor argument passes the runtime's client options through,
// e.g. `new WebSocket(url, [], { perMessageDeflate: false, headers: { Authorization: … }, tls })`.

import type { Socket } from 'node:net';
import { isToken } from '../core/http-head.js';
import { connect, type ClientOptions } from './client.js';
import type { Session } from './session.js';

/** How binary messages are handed to the application (WHATWG: the `BinaryType` enum). */
export type BinaryType = 'blob' | 'arraybuffer';

/**
 * Node-only settings: the runtime's client options (compression, headers, TLS, proxy, origin,
 * timeouts, message size limit). `perMessageDeflate` defaults to true, because the standard's
 * handshake always offers permessage-deflate (WHATWG "establish a WebSocket connection").
 */
export type WebSocketOptions = Omit<ClientOptions, 'protocols' | 'onSocket'>;

/** WHATWG `CloseEventInit` (with the `EventInit` members). */
export interface CloseEventInit {
  /** As for any `Event` (DOM `EventInit`). */
  bubbles?: boolean;
  /** As for any `Event` (DOM `EventInit`). */
  cancelable?: boolean;
  /** As for any `Event` (DOM `EventInit`). */
  composed?: boolean;
  /** The event's `wasClean`; default false. */
  wasClean?: boolean;
  /** The event's `code`; default 0. */
  code?: number;
  /** The event's `reason`; default ''. */
  reason?: string;
}

/** The event of a `close` (WHATWG "The CloseEvent interface"); Node 20 has no global one. */
export class CloseEvent extends Event {
  /** True when the closing handshake completed (RFC 6455 §7.1.4: closed cleanly). */
  readonly wasClean: boolean;
  /** The close code the peer sent; 1005 when it sent none, 1006 when no close frame arrived (RFC 6455 §7.1.5). */
  readonly code: number;
  /** The peer's close reason (RFC 6455 §7.1.6). */
  readonly reason: string;
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.wasClean = init.wasClean ?? false;
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
type State = typeof CONNECTING | typeof OPEN | typeof CLOSING | typeof CLOSED;

type Handler = ((this: WebSocket, event: Event) => unknown) | null;
type HandlerType = 'open' | 'message' | 'error' | 'close';

/** What `send` accepts (WHATWG: `BufferSource or Blob or USVString`). */
export type WebSocketData = string | ArrayBuffer | ArrayBufferView | Blob;

/** A WebSocket as browsers have it: `new WebSocket(url, protocols?)`, events, `send`, `close`. */
export class WebSocket extends EventTarget {
  /** `readyState` 0: connecting. */
  static readonly CONNECTING = CONNECTING;
  /** `readyState` 1: open. */
  static readonly OPEN = OPEN;
  /** `readyState` 2: closing. */
  static readonly CLOSING = CLOSING;
  /** `readyState` 3: closed. */
  static readonly CLOSED = CLOSED;
  // The constants are on instances too (WebIDL puts them on the prototype; see below the class).
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
  #state: State = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  #session: Session | undefined;
  #socket: Socket | undefined;
  #failed = false;
  readonly #handlers = new Map<HandlerType, { handler: NonNullable<Handler>; listener: (event: Event) => void }>();
  // bufferedAmount bookkeeping (WHATWG `bufferedAmount`).
  #bytesAfterClosing = 0;
  #bytesThisTurn = 0;
  #bytesUnflushed = 0;
  #turnTimer: NodeJS.Immediate | undefined;
  // Sends waiting for a Blob to be read: later sends queue behind them to keep message order.
  #queue: Promise<void> = Promise.resolve();
  #queuedCount = 0;
  #queuedBytes = 0;

  constructor(url: string | URL, protocols: string | Iterable<string> = [], options: WebSocketOptions = {}) {
    super();
    // WHATWG constructor steps 1–7: parse, map http(s) to ws(s), refuse other schemes and fragments.
    let record: URL;
    try {
      record = new URL(String(url));
    } catch {
      throw new DOMException(`${JSON.stringify(String(url))} is not a valid absolute URL`, 'SyntaxError');
    }
    if (record.protocol === 'http:') record.protocol = 'ws:';
    else if (record.protocol === 'https:') record.protocol = 'wss:';
    if (record.protocol !== 'ws:' && record.protocol !== 'wss:') {
      throw new DOMException(`the URL's scheme must be ws, wss, http or https, not ${record.protocol.slice(0, -1)}`, 'SyntaxError');
    }
    // A serialized URL holds "#" exactly when its fragment is non-null (even empty): RFC 6455 §3.
    if (record.href.includes('#')) throw new DOMException('a WebSocket URL must not have a fragment (RFC 6455 §3)', 'SyntaxError');
    // Steps 8–9: one string is a list of one; names must be distinct tokens (RFC 6455 §4.1 item 10).
    const list = isIterableObject(protocols) ? Array.from(protocols, String) : [String(protocols)];
    for (const [i, name] of list.entries()) {
      if (!isToken(name)) throw new DOMException(`subprotocol ${JSON.stringify(name)} is not a token (RFC 6455 §4.1)`, 'SyntaxError');
      if (list.indexOf(name) !== i) throw new DOMException(`subprotocol ${JSON.stringify(name)} is listed twice`, 'SyntaxError');
    }
    this.#url = record.href;
    this.#origin = record.origin;
    this.#protocols = list;
    // Step 11: establish the connection in parallel.
    connect(this.#url, {
      perMessageDeflate: true,
      ...options,
      protocols: list,
      onSocket: (socket) => {
        this.#socket = socket;
        if (this.#state !== CONNECTING) socket.destroy(); // close() came first: abandon the attempt
      },
    }).then(
      (session) => this.#established(session),
      () => this.#closed(1006, '', false, true),
    );
  }

  // ─── Attributes ───────────────────────────────────────────────────────────────────────

  /** The URL, serialized, with http(s) turned into ws(s). */
  get url(): string {
    return this.#url;
  }
  /** CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3). */
  get readyState(): State {
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
    // The socket's backlog also holds frame headers and control frames: count at most the data bytes given to it.
    const backlog = this.#session && this.#session.readyState !== CLOSED ? this.#session.bufferedAmount : 0;
    if (backlog === 0) this.#bytesUnflushed = 0;
    return this.#bytesAfterClosing + this.#queuedBytes + Math.max(this.#bytesThisTurn, Math.min(backlog, this.#bytesUnflushed));
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
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  /** The `open` event handler attribute, or null. */
  get onopen(): Handler { return this.#getHandler('open'); }
  /** Replaces the `open` event handler (null removes it). */
  set onopen(handler: Handler) { this.#setHandler('open', handler); }
  /** The `message` event handler attribute, or null. */
  get onmessage(): Handler { return this.#getHandler('message'); }
  /** Replaces the `message` event handler (null removes it). */
  set onmessage(handler: Handler) { this.#setHandler('message', handler); }
  /** The `error` event handler attribute, or null. */
  get onerror(): Handler { return this.#getHandler('error'); }
  /** Replaces the `error` event handler (null removes it). */
  set onerror(handler: Handler) { this.#setHandler('error', handler); }
  /** The `close` event handler attribute, or null. */
  get onclose(): Handler { return this.#getHandler('close'); }
  /** Replaces the `close` event handler (null removes it). */
  set onclose(handler: Handler) { this.#setHandler('close', handler); }

  // ─── Methods ──────────────────────────────────────────────────────────────────────────

  /**
   * Sends a message: a string as text, bytes or a Blob as binary (WHATWG `send()`). Throws
   * InvalidStateError while CONNECTING. After the closing handshake has started, the data is
   * not sent but still counted in `bufferedAmount`.
   */
  send(data: WebSocketData): void {
    if (arguments.length === 0) throw new TypeError("WebSocket.send: 1 argument required, but only 0 present");
    if (this.#state === CONNECTING) throw new DOMException('the WebSocket is still CONNECTING', 'InvalidStateError');
    let payload: Uint8Array | string | Promise<Uint8Array>;
    let size: number;
    if (data instanceof ArrayBuffer) {
      payload = new Uint8Array(data);
      size = data.byteLength;
    } else if (ArrayBuffer.isView(data)) {
      payload = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      size = data.byteLength;
    } else if (data instanceof Blob) {
      payload = data.arrayBuffer().then((buffer) => new Uint8Array(buffer));
      size = data.size;
    } else {
      payload = String(data); // WebIDL USVString: lone surrogates become U+FFFD when encoded
      size = Buffer.byteLength(payload);
    }
    // "If the connection is established and the closing handshake has not yet started": send.
    const session = this.#session;
    if (this.#state !== OPEN || !session || session.readyState !== OPEN) {
      this.#bytesAfterClosing += size;
      if (payload instanceof Promise) payload.catch(() => {});
      return;
    }
    if (this.#queuedCount === 0 && !(payload instanceof Promise)) {
      this.#transmit(session, payload, size);
      return;
    }
    // A Blob is read asynchronously; it and every send after it wait their turn.
    this.#queuedCount++;
    this.#queuedBytes += size;
    const ready = Promise.resolve(payload);
    ready.catch(() => {});
    this.#queue = this.#queue.then(async () => {
      let bytes: Uint8Array | string;
      try {
        bytes = await ready;
      } catch {
        session.terminate(); // the Blob could not be read: fail the connection
        return;
      } finally {
        this.#queuedCount--;
        this.#queuedBytes -= size;
      }
      if (session.readyState === OPEN) this.#transmit(session, bytes, size);
      else this.#bytesAfterClosing += size;
    });
  }

  /**
   * Starts the closing handshake (WHATWG `close()`). `code` must be 1000 or 3000–4999
   * (InvalidAccessError) and `reason` at most 123 UTF-8 bytes (SyntaxError). While CONNECTING
   * the attempt is abandoned: `error` and `close` (1006) follow.
   */
  close(code?: number, reason?: string): void {
    let wireCode: number | undefined;
    if (code !== undefined) {
      wireCode = clampUnsignedShort(code);
      if (wireCode !== 1000 && (wireCode < 3000 || wireCode > 4999)) {
        throw new DOMException(`close code ${wireCode} is neither 1000 nor in 3000–4999`, 'InvalidAccessError');
      }
    }
    const reasonText = reason === undefined ? undefined : String(reason);
    if (reasonText !== undefined && Buffer.byteLength(reasonText) > 123) {
      throw new DOMException('the close reason is longer than 123 UTF-8 bytes', 'SyntaxError');
    }
    if (this.#state === CLOSING || this.#state === CLOSED) return;
    if (this.#state === CONNECTING) {
      // "Fail the WebSocket connection": drop the attempt (the connect promise then rejects).
      this.#state = CLOSING;
      this.#socket?.destroy();
      return;
    }
    this.#state = CLOSING;
    const session = this.#session!;
    // No code and no reason: a close frame without a body. A reason alone goes with 1000.
    const start = () => {
      if (session.readyState === OPEN) session.close(wireCode ?? (reasonText !== undefined ? 1000 : undefined), reasonText ?? '');
    };
    // Messages sent before close() still go first (WHATWG note after the close() steps).
    if (this.#queuedCount > 0) this.#queue = this.#queue.then(start);
    else start();
  }

  // ─── Feedback from the protocol ────────────────────────────────────────────────────────

  #established(session: Session): void {
    this.#session = session;
    session.on('message', (data, isBinary) => this.#message(data, isBinary));
    session.on('error', () => (this.#failed = true));
    session.on('close', (code, reason, wasClean) => this.#closed(code, reason, wasClean, this.#failed));
    // WHATWG handshake: offered subprotocols and none selected fails the connection; so does a close() that came first.
    if (this.#state !== CONNECTING || (this.#protocols.length > 0 && session.protocol === '')) {
      this.#failed = true;
      session.terminate();
      return;
    }
    this.#state = OPEN;
    this.#extensions = session.extensions;
    this.#protocol = session.protocol;
    this.dispatchEvent(new Event('open'));
  }

  #message(data: string | Buffer, isBinary: boolean): void {
    // "If ready state is not OPEN, then return": messages after close() are dropped.
    if (this.#state !== OPEN) return;
    let value: string | Blob | ArrayBuffer;
    if (!isBinary) value = data as string;
    else {
      const bytes = data as Buffer;
      value = this.#binaryType === 'blob' ? new Blob([bytes]) : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }
    this.dispatchEvent(new MessageEvent('message', { data: value, origin: this.#origin }));
  }

  #closed(code: number, reason: string, wasClean: boolean, failed: boolean): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    // An error event precedes close when the connection failed (RFC 6455 §7.1.7) or was lost (§7.2.1).
    if (failed || !wasClean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean }));
  }

  // ─── Helpers ────────────────────────────────────────────────────────────────────────

  #transmit(session: Session, payload: Uint8Array | string, size: number): void {
    session.send(payload);
    this.#bytesThisTurn += size;
    this.#bytesUnflushed += size;
    // Bytes sent in this task count until the event loop turns (WHATWG `bufferedAmount`).
    this.#turnTimer ??= setImmediate(() => {
      this.#bytesThisTurn = 0;
      this.#turnTimer = undefined;
    });
  }

  #getHandler(type: HandlerType): Handler {
    return this.#handlers.get(type)?.handler ?? null;
  }

  /** Event handler attributes (HTML "event handlers"): one listener per type, keeping its place when replaced. */
  #setHandler(type: HandlerType, handler: Handler): void {
    const slot = this.#handlers.get(type);
    if (typeof handler !== 'function') {
      if (slot) {
        this.removeEventListener(type, slot.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (slot) {
      slot.handler = handler;
      return;
    }
    const entry = { handler, listener: (event: Event) => void entry.handler.call(this, event) };
    this.#handlers.set(type, entry);
    this.addEventListener(type, entry.listener);
  }
}

for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}

/** WebIDL union `(DOMString or sequence<DOMString>)`: an iterable object is a sequence, anything else a string. */
function isIterableObject(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** WebIDL `[Clamp] unsigned short`: NaN → 0, clamp to 0–65535, round half to even. */
function clampUnsignedShort(value: unknown): number {
  const x = Math.min(Math.max(Number(value) || 0, 0), 65535);
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
