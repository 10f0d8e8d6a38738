// RFC 6455 §4–§7, the connection's interface: its four states (§4–§7, numbered as the WHATWG
// readyState), its options, and the events the runtime pulls: what the application hears — the connection is open (§4.1, §4.2.2), a message (§6.2), a ping or pong (§5.5.2–§5.5.3),
// the peer's close frame (§5.5.1, §7.1.3), a failure (§7.1.7, §4) — queued inside the core and
// taken one at a time, so the core never calls into the application.

import type { Allocate } from './bytes.js';
import type { HandshakeError, ProtocolError } from './errors.js';
import type { ClientHandshakeOptions, ServerHandshakeOptions } from './handshake/opening-handshake.js';
import type { MaskKeySource } from './framing/frame-writer.js';
import type { AssembledMessage } from './messages/message-assembler.js';
import type { WholeUtf8Check } from './messages/utf8.js';

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

/** How to build a `Connection`. */
export interface ConnectionOptions {
  /** Client or server (RFC 6455 §5.1: who masks). */
  readonly role: Role;
  /** Largest message (after decompression) accepted; larger ones fail with 1009. Default 64 MiB. */
  readonly maxMessageSize?: number;
  /** Bulk UTF-8 check (the Node layer plugs in `buffer.isUtf8`). */
  readonly utf8Check?: WholeUtf8Check;
  /**
   * Where the buffers the core fills come from: incoming messages that need gathering (RFC 6455
   * §5.4), a client's masked copies of large frames (§5.3). Every byte is written before it is
   * handed out, so it need not zero-fill (the Node layer plugs in `Buffer.allocUnsafeSlow`).
   * Default `new Uint8Array(size)`.
   */
  readonly allocate?: Allocate;
  /** Masking keys for a client's frames. Default: pooled `crypto.getRandomValues`. */
  readonly maskKeys?: MaskKeySource;
  /** Answer pings with pongs automatically (RFC 6455 §5.5.2). Default true. */
  readonly autoPong?: boolean;
  /** Client role: how to perform the opening handshake. */
  readonly client?: ClientHandshakeOptions;
  /** Server role, when the connection reads the request itself: how to answer it. */
  readonly server?: ServerHandshakeOptions;
}

/** The default `maxMessageSize`: 64 MiB (RFC 6455 §10.4: endpoints should limit what they accept). */
export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

/** The opening handshake succeeded: the connection is OPEN (RFC 6455 §4.1, §4.2.2). */
export interface OpenEvent {
  /** Always `'open'`. */
  readonly type: 'open';
}
/** A ping (RFC 6455 §5.5.2) or a pong (§5.5.3) arrived; with `autoPong` a ping's pong is already in the output. */
export interface PingPongEvent {
  /** `'ping'` or `'pong'`. */
  readonly type: 'ping' | 'pong';
  /** The control frame's application data, at most 125 bytes (RFC 6455 §5.5). */
  readonly payload: Uint8Array;
}
/**
 * The peer's close frame arrived (RFC 6455 §5.5.1); the connection is CLOSING. Unless ours went
 * out first, the answer is still open: a `close(code, reason)` the application calls after
 * pulling this event is the answer; otherwise the peer's code and reason are echoed at the
 * runtime's next `nextEvent()` or `dataToSend()`.
 */
export interface ClosingEvent {
  /** Always `'closing'`. */
  readonly type: 'closing';
  /** The peer's status code; 1005 when its close frame had no body (RFC 6455 §7.1.5). */
  readonly code: number;
  /** The peer's reason, '' when none (RFC 6455 §7.1.6). */
  readonly reason: string;
}
/** The connection failed: the peer broke the protocol or the handshake (RFC 6455 §7.1.7, §4). */
export interface FailureEvent {
  /** Always `'error'`. */
  readonly type: 'error';
  /** What broke: its `rule` names the row of core/rules.ts. */
  readonly error: ProtocolError | HandshakeError;
}

/**
 * What the connection tells its runtime, pulled with `nextEvent()` in the order it happened. A
 * complete message (RFC 6455 §6.2) is the assembler's `AssembledMessage` (`type: 'message'`,
 * `data` a view the application may keep, `isText`).
 */
export type ConnectionEvent = OpenEvent | AssembledMessage | PingPongEvent | ClosingEvent | FailureEvent;

/** The one `open` event every connection shares (it carries nothing). */
export const OPEN_EVENT: ConnectionEvent = Object.freeze({ type: 'open' });

/**
 * A first-in first-out queue that allocates nothing in steady state. Most calls queue a single
 * event, which waits in a field of its own; only when more wait at once does the queue take an
 * array, reused from the start whenever it runs empty (no `shift()` on long arrays). An idle
 * connection so keeps no array at all (idle connections are counted in the thousands).
 */
export class EventQueue<T> {
  private first: T | undefined;
  private rest: (T | undefined)[] | undefined;
  private head = 0;
  private tail = 0;

  /** Adds an item at the end. */
  push(item: T): void {
    if (this.first === undefined && this.head === this.tail) this.first = item;
    else (this.rest ??= [])[this.tail++] = item;
  }

  /** Takes the oldest item, or undefined when the queue is empty. */
  take(): T | undefined {
    const first = this.first;
    if (first !== undefined) {
      this.first = undefined;
      return first;
    }
    if (this.head === this.tail) return undefined;
    const item = this.rest![this.head];
    this.rest![this.head++] = undefined; // let it go: the application owns it now
    if (this.head === this.tail) this.head = this.tail = 0;
    return item;
  }

  /** Drops every item that waits. */
  clear(): void {
    this.first = undefined;
    while (this.head < this.tail) this.rest![this.head++] = undefined;
    this.head = this.tail = 0;
  }

  /** How many items wait. */
  get size(): number {
    return (this.first === undefined ? 0 : 1) + this.tail - this.head;
  }
}
