// The Node runtime's WebSocket session: one core `Connection` (RFC 6455 §4–§7) bound to one
// TCP/TLS socket. The session adds what the sans-I/O core leaves out: the socket, corked
// writes, backpressure, timers (keepalive pings, idle timeout, closing timeout — RFC 6455
// §7.1.1 lets a client give the server a moment to close TCP first), and events in the
// style of Jetty's WebSocket API: open, message, ping, pong, closing (§5.5.1), error, close.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  CloseCode,
  Connection,
  DEFAULT_MAX_MESSAGE_SIZE,
  internalError,
  ReadyState,
  type ConnectionEvent,
  type Extension,
  type TransportClose,
} from '../core/index.js';
import { asBuffer, decodeText, toBytes, type SendData } from './platform.js';

/** Timers and limits of a session. All times are in milliseconds; 0 turns a timer off. */
export interface SessionOptions {
  /** Largest incoming message (after decompression); larger ones close with 1009. Default 64 MiB. */
  maxMessageSize?: number;
  /** Send a ping when nothing has been received for this long (keepalive). Default 0 (off). */
  pingInterval?: number;
  /** After a keepalive ping, how long to wait for any incoming traffic before dropping the connection. Default 10 s. */
  pongTimeout?: number;
  /** Close with 1001 "idle timeout" when no message has been received or sent for this long. Default 0 (off). */
  idleTimeout?: number;
  /** After sending a close frame, how long to wait for the peer's before dropping TCP (RFC 6455 §7.1.1). Default 5 s. */
  closeTimeout?: number;
  /** `send` returns false once this many bytes wait in the socket: wait for `'drain'`. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * A peer that leaves more than this many bytes unread is dropped (never buffer without bound).
   * Counted before each frame is written: what earlier writes left queued, not the frame being
   * written, so a message of any size can go to a peer that reads. Default 64 MiB.
   */
  maxBufferedAmount?: number;
}

/** Per-message send options. */
export interface SendOptions {
  /** Send as binary (default for byte data) or as text (default for strings). */
  binary?: boolean;
  /** Let negotiated compression compress this message (default true). */
  compress?: boolean;
  /** False sends a fragment: more frames of this message follow (RFC 6455 §5.4). Default true. */
  fin?: boolean;
}

/** The value every `SessionOptions` field takes when it is not given. */
export const DEFAULT_SESSION_OPTIONS = {
  /** 64 MiB: the core's `DEFAULT_MAX_MESSAGE_SIZE`. */
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  /** 0: no keepalive pings. */
  pingInterval: 0,
  /** 10 s: after a keepalive ping, how long to wait for any traffic. */
  pongTimeout: 10_000,
  /** 0: no idle timeout. */
  idleTimeout: 0,
  /** 5 s: how long to wait for the peer's close frame after sending ours. */
  closeTimeout: 5_000,
  /** `send` returns false above 1 MiB buffered. */
  highWaterMark: 1024 * 1024,
  /**
   * A peer that leaves more than 64 MiB unread is dropped. Since the frame being written is not
   * counted, a sender on the defaults may queue one message of the largest size the defaults
   * accept behind another, and a peer that stops reading costs at most this plus one frame.
   */
  maxBufferedAmount: DEFAULT_MAX_MESSAGE_SIZE,
} as const satisfies Required<SessionOptions>;

/** How long a client waits, after a clean closing handshake, for the server to close TCP (§7.1.1). */
const CLIENT_CLOSE_GRACE = 1_000;

/** The events of a `Session` and their arguments. */
export interface SessionEvents {
  /** The opening handshake completed: the session is OPEN. */
  open: [];
  /** Text arrives as a string, binary as a Buffer. */
  message: [data: string | Buffer, isBinary: boolean];
  /** A ping arrived; the pong has already been sent (RFC 6455 §5.5.2). */
  ping: [payload: Buffer];
  /** A pong arrived (RFC 6455 §5.5.3). */
  pong: [payload: Buffer];
  /**
   * The peer's close frame arrived (RFC 6455 §5.5.1); the session is CLOSING. Unless this session
   * had already sent its own close, the answer is not yet written: `session.close(code, reason)`
   * called in a listener is the answer; without one, the peer's code and reason are echoed as soon
   * as the listeners return. `'close'` follows when the transport has closed.
   */
  closing: [code: number, reason: string];
  /** A protocol violation by the peer, a failed handshake, or a socket error. Emitted only when listened to. */
  error: [error: Error];
  /** The connection is closed. `code` is the peer's (1005 none given, 1006 no close frame). */
  close: [code: number, reason: string, wasClean: boolean];
  /** The socket accepted all buffered data: `send` may continue. */
  drain: [];
}

/**
 * One WebSocket connection, client or server side. Created by `WebSocketServer` (server) or
 * `connect()` (client); not constructed directly.
 */
export class Session extends EventEmitter<SessionEvents> {
  /** The sans-I/O protocol state machine behind this session. */
  readonly connection: Connection;
  private readonly socket: Socket;
  private readonly options: Required<SessionOptions>;
  private corked = false;
  private closed = false;
  private failure: Error | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  /** When the keepalive ping went out (0: none outstanding). Any incoming byte answers it. */
  private pingSentAt = 0;
  private lastReceived = Date.now();
  private lastActivity = Date.now();
  /** The server's set of open sessions, if any: this session leaves it when closed. */
  private registry: Set<Session> | undefined;
  /**
   * While set (see `holdEvents`), the core is not drained — its events and output wait inside it —
   * and the session's own events (socket error, close) wait here, in arrival order.
   */
  private heldEvents: Array<[event: keyof SessionEvents, args: unknown[]]> | undefined;
  /** Draining the core's events / output: a listener's call into the session leaves the rest to the loop under way. */
  private delivering = false;
  private flushing = false;
  /** What the core last asked of the transport (RFC 6455 §7.1.1), once acted on. */
  private transportRequest: TransportClose = 'no';

  /** @internal Use `WebSocketServer` or `connect()`. */
  constructor(socket: Socket, connection: Connection, options: SessionOptions = {}) {
    super();
    this.options = resolveSessionOptions(options);
    this.socket = socket;
    this.connection = connection;
    socket.setNoDelay(true);
    socket.setTimeout(0);
    // The listeners are shared by all sessions (no closures per connection: idle connections
    // are counted in the thousands); each finds its session through the socket.
    (socket as SessionSocket)[kSession] = this;
    socket.on('data', Session.onSocketData);
    socket.on('end', Session.onSocketEnd);
    socket.on('close', Session.onSocketClose);
    socket.on('error', Session.onSocketError);
    socket.on('drain', Session.onSocketDrain);
  }

  // ─── State ────────────────────────────────────────────────────────────────────────────

  /** CONNECTING (0), OPEN (1), CLOSING (2), CLOSED (3) — RFC 6455 §4–§7, numbered as in WHATWG. */
  get readyState(): ReadyState {
    return this.connection.readyState;
  }
  /** The subprotocol the server selected, or ''. */
  get protocol(): string {
    return this.connection.protocol;
  }
  /** The negotiated extensions as the server's response named them, or ''. */
  get extensions(): string {
    return this.connection.extensions;
  }
  /** Bytes queued in the socket, not yet handed to the operating system. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }
  /** The peer's address, for logs. */
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  // ─── Calls ────────────────────────────────────────────────────────────────────────────

  /**
   * Sends a message: a string as text, bytes as binary (override with `options.binary`).
   * Returns false when the socket's buffer is above `highWaterMark`: wait for `'drain'` (or
   * `await session.drained()`) before sending more. Throws when the session is not OPEN.
   */
  send(data: SendData, options: SendOptions = {}): boolean {
    const isText = options.binary === undefined ? typeof data === 'string' : !options.binary;
    this.connection.sendFrame(toBytes(data), isText, options.fin ?? true, options.compress ?? true);
    this.flushOutput();
    this.lastActivity = Date.now();
    return !this.socket.destroyed && this.socket.writableLength <= this.options.highWaterMark;
  }

  /** Resolves when the socket buffer has drained below `highWaterMark` (or the session closed). */
  drained(): Promise<void> {
    if (this.socket.writableLength <= this.options.highWaterMark || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.on('drain', done);
      this.on('close', done);
    });
  }

  /** Sends a ping (RFC 6455 §5.5.2); at most 125 bytes. */
  ping(data: SendData = EMPTY): void {
    this.connection.ping(toBytes(data));
    this.flushOutput();
  }

  /** Sends an unsolicited pong (RFC 6455 §5.5.3). */
  pong(data: SendData = EMPTY): void {
    this.connection.pong(toBytes(data));
    this.flushOutput();
  }

  /**
   * Starts the closing handshake (RFC 6455 §7.1.2). `code` must be sendable (1000–1003,
   * 1007–1014, 3000–4999) and `reason` at most 123 UTF-8 bytes, else this throws RangeError.
   * In a `'closing'` listener it chooses the answer to the peer's close frame instead (§5.5.1).
   */
  close(code?: number, reason?: string): void {
    const before = this.connection.readyState;
    this.connection.close(code, reason);
    this.pump();
    if (before === ReadyState.OPEN) this.armCloseTimer();
  }

  /** Drops the connection at once, without a closing handshake (reported as 1006). */
  terminate(): void {
    this.socket.destroy();
  }

  /** Stops reading from the peer (TCP backpressure) until `resume()`. */
  pause(): void {
    this.socket.pause();
  }

  /** Starts reading from the socket again after `pause()`. */
  resume(): void {
    this.socket.resume();
  }

  /**
   * @internal `connect()` holds events from the moment the client is OPEN until its caller has had
   * the session: frames that arrive in the same TCP read as the 101 are parsed at once, before
   * the caller could attach listeners, and must not be lost. Holding is not draining the core:
   * their events wait in it, and so does what they make it write (a pong, an answer, a failure's
   * close frame), so nothing is acted on before the caller can hear it.
   */
  holdEvents(): void {
    this.heldEvents ??= [];
    this.socket.pause();
  }

  /** @internal Drains the core (its events in order, then its output), then the session's own held events. */
  releaseEvents(): void {
    const held = this.heldEvents;
    this.heldEvents = undefined;
    this.pump();
    for (const [event, args] of held ?? []) this.emitNow(event, args);
    if (!this.socket.destroyed) this.socket.resume();
  }

  /** @internal The server did the opening handshake: the connection is OPEN (RFC 6455 §4.2.2). */
  establish(protocol: string | undefined, extensions: readonly Extension[]): void {
    this.connection.establish(protocol, extensions);
    this.pump();
  }

  /** @internal Bytes that arrived before the session existed (the rest of the upgrade request's read). */
  receive(bytes: Uint8Array): void {
    this.connection.receive(bytes);
    this.pump();
  }

  /** @internal The client sends its opening handshake request (RFC 6455 §4.1). */
  startHandshake(): void {
    this.connection.startHandshake();
    this.flushOutput();
  }

  /** Emits an event now, or queues it behind the held events. */
  private dispatch<E extends keyof SessionEvents>(event: E, ...args: SessionEvents[E]): void {
    if (this.heldEvents) this.heldEvents.push([event, args]);
    else this.emitNow(event, args);
  }

  private emitNow(event: keyof SessionEvents, args: unknown[]): void {
    // Errors are reported to listeners only: an unheard error must never crash the process.
    if (event === 'error' && this.listenerCount('error') === 0) return;
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    if (event === 'close') this.removeAllListeners('drain');
  }

  // ─── Draining the core ──────────────────────────────────────────────────────────────

  /** After each call into the core: its events to the listeners (unless held), its bytes to the socket. */
  private pump(): void {
    this.deliverEvents();
    this.flushOutput();
  }

  /**
   * Pulls the core's events and emits them, in order. A listener that throws does not unwind into
   * the socket code: the connection is failed with 1011 (RFC 6455 §7.4.1), the thrown value kept
   * as the error's `cause`, and that error is the next event.
   */
  private deliverEvents(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      let event: ConnectionEvent | undefined;
      while (!this.heldEvents && (event = this.connection.nextEvent()) !== undefined) {
        try {
          this.deliver(event);
        } catch (error) {
          this.connection.fail(internalError(error));
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private deliver(event: ConnectionEvent): void {
    switch (event.type) {
      case 'message':
        this.lastActivity = Date.now();
        this.dispatch('message', event.isText ? decodeText(asBuffer(event.data)) : asBuffer(event.data), !event.isText);
        break;
      case 'ping':
        this.dispatch('ping', asBuffer(event.payload));
        break;
      case 'pong':
        this.dispatch('pong', asBuffer(event.payload));
        break;
      case 'closing':
        this.armCloseTimer();
        // Before the core answers: a session.close() in a listener is the answer (RFC 6455 §5.5.1).
        this.dispatch('closing', event.code, event.reason);
        break;
      case 'error':
        this.failure = event.error;
        this.dispatch('error', event.error);
        break;
      case 'open':
        this.startTimers();
        this.emit('open');
        break;
    }
  }

  /** Writes what the core has for the wire, then closes the transport when the core says so (§7.1.1). */
  private flushOutput(): void {
    if (this.heldEvents || this.flushing) return;
    this.flushing = true;
    try {
      for (let chunks = this.connection.dataToSend(); chunks.length > 0; chunks = this.connection.dataToSend()) {
        for (let i = 0; i < chunks.length; i++) this.writeToSocket(chunks[i]!);
      }
    } finally {
      this.flushing = false;
    }
    const request = this.connection.closeTransport;
    if (request !== this.transportRequest) {
      this.transportRequest = request;
      this.closeSocket(request === 'now');
    }
  }

  private writeToSocket(chunk: Uint8Array): void {
    if (this.socket.destroyed) return;
    // What earlier writes left unread decides, not this chunk: a peer that keeps reading gets a
    // message of any size, a peer that stopped is dropped before we queue more. Pongs and close
    // frames come from the core, not through send(): they obey the same bound, or a peer that
    // floods pings and never reads could make us buffer pongs without limit.
    if (this.socket.writableLength > this.options.maxBufferedAmount) {
      this.dropSlowReader();
      return;
    }
    // Frames written in the same tick leave together (one writev), header and payload uncopied.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(Session.uncork, this);
    }
    this.socket.write(chunk);
  }

  private closeSocket(immediately: boolean): void {
    this.stopTimers();
    if (immediately) {
      // Send what is queued (the close frame), then FIN; drop the socket if the peer lingers.
      this.socket.end();
      this.armCloseTimer();
    } else {
      // RFC 6455 §7.1.1: the client waits for the server to close TCP, but not forever.
      clearTimeout(this.closeTimer);
      this.closeTimer = setTimeout(() => {
        // Our FIN; a server that still keeps TCP open is dropped after closeTimeout (§7.1.1 "MAY").
        this.socket.end();
        this.closeTimer = undefined;
        this.armCloseTimer();
      }, CLIENT_CLOSE_GRACE).unref();
    }
  }

  // ─── Socket events (shared listeners: `this` is the socket) ──────────────────────────

  private static uncork(session: Session): void {
    session.corked = false;
    session.socket.uncork();
  }

  private static onSocketData(this: Socket, chunk: Buffer): void {
    const session = (this as SessionSocket)[kSession];
    session.lastReceived = Date.now();
    session.pingSentAt = 0;
    session.connection.receive(chunk);
    session.pump();
  }

  private static onSocketEnd(this: Socket): void {
    // The peer closed its side (TCP FIN). The upgraded socket is half-open capable; close ours too.
    if (!this.destroyed) this.end();
  }

  private static onSocketError(this: Socket, error: Error): void {
    (this as SessionSocket)[kSession].dispatch('error', error);
    this.destroy();
  }

  private static onSocketDrain(this: Socket): void {
    (this as SessionSocket)[kSession].emit('drain');
  }

  private static onSocketClose(this: Socket): void {
    const session = (this as SessionSocket)[kSession];
    if (session.closed) return;
    session.closed = true;
    session.stopTimers();
    clearTimeout(session.closeTimer);
    session.registry?.delete(session);
    const result = session.connection.transportClosed();
    session.dispatch('close', result.code, result.reason, result.wasClean);
  }

  /** @internal Keeps this session in `registry` (a server's `clients`) until it closes. */
  trackIn(registry: Set<Session>): void {
    this.registry = registry;
    registry.add(this);
  }

  // ─── Helpers ────────────────────────────────────────────────────────────────────────

  /** The error that failed the connection (protocol violation or handshake), if any. */
  get lastError(): Error | undefined {
    return this.failure;
  }

  /** The peer does not read: refuse to buffer without bound and drop it (reported as 1006). */
  private dropSlowReader(): void {
    if (this.socket.destroyed) return;
    const queued = this.socket.writableLength;
    this.dispatch('error', new Error(`peer is not reading: ${queued} bytes still queued from earlier writes exceed maxBufferedAmount ${this.options.maxBufferedAmount}`));
    this.socket.destroy();
  }

  private armCloseTimer(): void {
    if (this.closeTimer || this.options.closeTimeout <= 0) return;
    this.closeTimer = setTimeout(() => this.socket.destroy(), this.options.closeTimeout).unref();
  }

  private startTimers(): void {
    const { pingInterval, pongTimeout, idleTimeout } = this.options;
    if (pingInterval > 0) {
      this.keepaliveTimer = setInterval(() => {
        const now = Date.now();
        if (this.pingSentAt !== 0 && now - this.pingSentAt >= pongTimeout) {
          // Keepalive failed: nothing came back. Drop the connection (reported as 1006).
          this.dispatch('error', new Error(`no pong within ${pongTimeout} ms`));
          this.socket.destroy();
        } else if (this.pingSentAt === 0 && now - this.lastReceived >= pingInterval && this.readyState === ReadyState.OPEN) {
          this.pingSentAt = now;
          this.ping(EMPTY);
        }
      }, Math.max(10, Math.min(pingInterval, pongTimeout) / 4)).unref();
    }
    if (idleTimeout > 0) {
      this.idleTimer = setInterval(() => {
        if (Date.now() - this.lastActivity >= idleTimeout && this.readyState === ReadyState.OPEN) {
          this.close(CloseCode.GoingAway, 'idle timeout');
        }
      }, Math.max(10, idleTimeout / 4)).unref();
    }
  }

  private stopTimers(): void {
    clearInterval(this.keepaliveTimer);
    clearInterval(this.idleTimer);
  }
}

const EMPTY = new Uint8Array(0);

/** Where a socket keeps its session, for the shared socket listeners. */
const kSession = Symbol('wsref.session');
type SessionSocket = Socket & { [kSession]: Session };

/**
 * The session's own settings, defaults filled in. Only these fields are copied (not the rest
 * of a server's options): one small fixed-shape object per session, cheap to build.
 */
function resolveSessionOptions(o: SessionOptions): Required<SessionOptions> {
  const d = DEFAULT_SESSION_OPTIONS;
  return {
    maxMessageSize: o.maxMessageSize ?? d.maxMessageSize,
    pingInterval: o.pingInterval ?? d.pingInterval,
    pongTimeout: o.pongTimeout ?? d.pongTimeout,
    idleTimeout: o.idleTimeout ?? d.idleTimeout,
    closeTimeout: o.closeTimeout ?? d.closeTimeout,
    highWaterMark: o.highWaterMark ?? d.highWaterMark,
    maxBufferedAmount: o.maxBufferedAmount ?? d.maxBufferedAmount,
  };
}
