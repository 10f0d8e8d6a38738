// WHATWG WebSockets Standard, "The CloseEvent interface", and HTML's `MessageEvent`, as the
// `WebSocket` class fires them: constructors that convert their arguments the Web IDL way (a
// missing type is a TypeError; `code` is an `unsigned short`, `reason` a `USVString`, …).

import { defineInterface, isIterableObject, requireArguments, toEventHandler, toBoolean, toDictionary, toDOMString, toUnsignedShort, toUSVString } from './webidl.js';

/** DOM `EventInit`: the members every event dictionary has. */
interface BaseEventInit {
  /** As for any `Event` (DOM `EventInit`). */
  bubbles?: boolean;
  /** As for any `Event` (DOM `EventInit`). */
  cancelable?: boolean;
  /** As for any `Event` (DOM `EventInit`). */
  composed?: boolean;
}

/** WHATWG `CloseEventInit` (with the `EventInit` members). */
export interface CloseEventInit extends BaseEventInit {
  /** The event's `wasClean`; default false. */
  wasClean?: boolean;
  /** The event's `code`, an `unsigned short` (taken modulo 2^16); default 0. */
  code?: number;
  /** The event's `reason` (lone surrogates become U+FFFD); default ''. */
  reason?: string;
}

type EventInit = NonNullable<ConstructorParameters<typeof Event>[1]>;
/** DOM `EventInit`, converted: the members every event dictionary inherits. */
function eventInit(init: Record<string, unknown>): EventInit {
  return { bubbles: toBoolean(init.bubbles), cancelable: toBoolean(init.cancelable), composed: toBoolean(init.composed) };
}

/** The event of a `close` (WHATWG "The CloseEvent interface"); Node 20 has no global one. */
export class CloseEvent extends Event {
  readonly #wasClean: boolean;
  readonly #code: number;
  readonly #reason: string;

  /** `new CloseEvent(type, init)`: the type is required; the init members are converted as Web IDL says. */
  constructor(type: string, eventInitDict: CloseEventInit = {}) {
    requireArguments(arguments.length, 1, "Failed to construct 'CloseEvent'");
    const init = toDictionary(eventInitDict, 'CloseEventInit');
    super(toDOMString(type), eventInit(init));
    // Dictionary members are read in lexicographic order: code, reason, wasClean.
    this.#code = init.code === undefined ? 0 : toUnsignedShort(init.code);
    this.#reason = init.reason === undefined ? '' : toUSVString(init.reason);
    this.#wasClean = toBoolean(init.wasClean);
  }

  /** True when the closing handshake completed (RFC 6455 §7.1.4: closed cleanly). */
  get wasClean(): boolean {
    return this.#wasClean;
  }
  /** The close code the peer sent; 1005 when it sent none, 1006 when no close frame arrived (RFC 6455 §7.1.5). */
  get code(): number {
    return this.#code;
  }
  /** The peer's close reason (RFC 6455 §7.1.6), decoded as UTF-8 without BOM (a leading U+FEFF stays). */
  get reason(): string {
    return this.#reason;
  }
}
defineInterface(CloseEvent, 'CloseEvent', {});

/**
 * HTML's `MessageEvent`, the event of a `message`. Node 20 has a global one, but its constructor
 * accepts a missing type, its class string is `[object Event]`, and it is slow to construct (a
 * cost paid per message); this one converts like a browser — type required, `origin` a
 * `USVString`, `lastEventId` a `DOMString` — and is still `instanceof` Node's global.
 */
export class MessageEvent extends Event {
  readonly #data: unknown;
  readonly #origin: string;
  readonly #lastEventId: string;
  readonly #source: unknown;
  readonly #ports: readonly unknown[];

  /** `new MessageEvent(type, init)`: `data` (any, default null), `origin`, `lastEventId`, `source`, `ports`. */
  constructor(type: string, eventInitDict: MessageEventInit = {}) {
    requireArguments(arguments.length, 1, "Failed to construct 'MessageEvent'");
    const init = toDictionary(eventInitDict, 'MessageEventInit');
    super(toDOMString(type), eventInit(init));
    // Dictionary members in lexicographic order: data, lastEventId, origin, ports, source.
    this.#data = init.data === undefined ? null : init.data;
    this.#lastEventId = init.lastEventId === undefined ? '' : toDOMString(init.lastEventId);
    this.#origin = init.origin === undefined ? '' : toUSVString(init.origin);
    if (init.ports !== undefined && !isIterableObject(init.ports)) throw new TypeError('MessageEventInit.ports must be a sequence');
    this.#ports = Object.freeze(init.ports === undefined ? [] : Array.from(init.ports));
    this.#source = init.source ?? null;
  }

  /** The message: a string for text, a Blob or an ArrayBuffer for binary (WebSocket `binaryType`). */
  get data(): unknown {
    return this.#data;
  }
  /** The origin of the sender: for a WebSocket, its URL's origin (`ws://host:port`). */
  get origin(): string {
    return this.#origin;
  }
  /** For server-sent events; '' for WebSocket messages. */
  get lastEventId(): string {
    return this.#lastEventId;
  }
  /** The sending window or port; null for WebSocket messages. */
  get source(): unknown {
    return this.#source;
  }
  /** Ports sent with the message; none for WebSocket messages. */
  get ports(): readonly unknown[] {
    return this.#ports;
  }
}
defineInterface(MessageEvent, 'MessageEvent', {});
// Code written for browsers checks `event instanceof MessageEvent` against the global: put Node's
// global prototype in the chain (this class's own getters come first; its constructor is not called).
if (typeof globalThis.MessageEvent === 'function') Object.setPrototypeOf(MessageEvent.prototype, globalThis.MessageEvent.prototype);

/** HTML `MessageEventInit` (with the `EventInit` members). */
export interface MessageEventInit extends BaseEventInit {
  /** The message; default null. */
  data?: unknown;
  /** The origin of the sender, serialized; default ''. */
  origin?: string;
  /** For server-sent events; default ''. */
  lastEventId?: string;
  /** The sending port or window (a `MessagePort` on Node); default null. */
  source?: unknown;
  /** Ports sent with the message; default none. */
  ports?: unknown[];
}

/** The `error` event on Node: the standard's plain `Event`, plus a non-enumerable `cause`. */
export interface WebSocketErrorEvent extends Event {
  /**
   * Node only, for the developer (there is no devtools console to read): why the connection
   * failed — a `HandshakeError` with the HTTP status, a TLS or network error, a subprotocol
   * mismatch, a `ProtocolError` with its close code. Not enumerable, so the event keeps the
   * standard's shape; browsers deliberately tell scripts none of this.
   */
  readonly cause: Error;
}

/** Creates the `error` event the standard fires ("fire an event named error"), carrying `cause`. */
export function createErrorEvent(cause: Error): WebSocketErrorEvent {
  const event = new Event('error');
  Object.defineProperty(event, 'cause', { value: cause, enumerable: false, configurable: true });
  return event as WebSocketErrorEvent;
}

/**
 * Event handler IDL attributes (HTML "event handlers": `onopen`, `onmessage`, …) of one target:
 * one listener per type, added when a handler is first set and keeping its place among the
 * other listeners when replaced; null (or any non-object, Web IDL `EventHandler`) removes it.
 * A non-callable object is kept and read back, and does nothing when the event fires.
 */
export class EventHandlerAttributes {
  readonly #slots = new Map<string, { handler: object; listener: (event: Event) => void }>();

  constructor(private readonly target: EventTarget) {}

  /** The handler of `type`, or null. */
  get(type: string): object | null {
    return this.#slots.get(type)?.handler ?? null;
  }

  /** Sets (or, for null, removes) the handler of `type`. */
  set(type: string, value: unknown): void {
    const handler = toEventHandler(value);
    const slot = this.#slots.get(type);
    if (handler === null) {
      if (slot) {
        this.target.removeEventListener(type, slot.listener);
        this.#slots.delete(type);
      }
      return;
    }
    if (slot) {
      slot.handler = handler;
      return;
    }
    const target = this.target;
    const entry = {
      handler,
      listener: (event: Event) => {
        // HTML "the event handler processing algorithm": a handler returning false cancels the event.
        if (typeof entry.handler === 'function' && entry.handler.call(target, event) === false) event.preventDefault();
      },
    };
    this.#slots.set(type, entry);
    target.addEventListener(type, entry.listener);
  }
}
