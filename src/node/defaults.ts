// The defaults of the Node layer's options, each written once (RFC 6455 §5.5.2 keepalive,
// §7.1.1 closing timeout, §10.4 limits, §4.1–§4.2 handshake time). The server, the client, the
// session and the WHATWG class read them from here rather than repeating a number, because
// several options are shared: the session options reach a session through `WebSocketServer`,
// `connect()` and `new WebSocket(…)` alike, and the handshake timeout is both the server's and
// the client's. One file also lets docs/security-defences.md point at every default at once.
//
// `maxMessageSize` is the exception: its default belongs to the sans-I/O core (the core alone,
// in the browser too, must be bounded), so the Node layer passes the option through untouched
// and the core's `DEFAULT_MAX_MESSAGE_SIZE` applies it — once.

import { DEFAULT_MAX_MESSAGE_SIZE } from '../core/index.js';
import type { TimerSettings } from './session-timers.js';
import type { SessionOptions } from './session-types.js';
import type { WriterLimits } from './socket-writer.js';

/** The value every `SessionOptions` field takes when it is not given. */
export const DEFAULT_SESSION_OPTIONS = {
  /** 64 MiB: the core's `DEFAULT_MAX_MESSAGE_SIZE`, which applies it (listed here for reference). */
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
  /** Text messages are handed to the application as strings. */
  textAs: 'string',
} as const satisfies Required<SessionOptions>;

/** `handshakeTimeout` of the server and the client: 10 s for the opening handshake (DNS, TCP, TLS and hooks included). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

/** `WebSocketServer.close({ timeout })`: how long sessions get to finish the closing handshake before they are dropped. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 5_000;

/** `WebSocketServer.close({ code, reason })`: 1001 Going Away (RFC 6455 §7.4.1), with this reason. */
export const DEFAULT_SHUTDOWN_REASON = 'server shutting down';

/** Throws a TypeError for session options no session can run on: a `textAs` that is neither 'string' nor 'bytes'. */
export function checkSessionOptions(o: SessionOptions): void {
  if (o.textAs !== undefined && o.textAs !== 'string' && o.textAs !== 'bytes') {
    throw new TypeError(`textAs must be 'string' or 'bytes', got ${JSON.stringify(o.textAs) ?? String(o.textAs)}`);
  }
}

/**
 * The settings a session runs on, defaults filled in: its clocks, its write bounds and the form
 * text takes (`maxMessageSize` is the core's, and the core applies its default). Resolved once
 * and never changed, so one object serves every session made with the same options: a server
 * resolves its endpoint's settings when it is made, and its thousands of sessions share them.
 */
export class SessionSettings implements TimerSettings, WriterLimits {
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly idleTimeout: number;
  readonly closeTimeout: number;
  readonly highWaterMark: number;
  readonly maxBufferedAmount: number;
  readonly textAs: 'string' | 'bytes';

  /** Settings resolved already are returned as they are; anything else is resolved now. */
  static of(options: SessionOptions): SessionSettings {
    return options instanceof SessionSettings ? options : new SessionSettings(options);
  }

  private constructor(o: SessionOptions) {
    checkSessionOptions(o);
    const d = DEFAULT_SESSION_OPTIONS;
    this.pingInterval = o.pingInterval ?? d.pingInterval;
    this.pongTimeout = o.pongTimeout ?? d.pongTimeout;
    this.idleTimeout = o.idleTimeout ?? d.idleTimeout;
    this.closeTimeout = o.closeTimeout ?? d.closeTimeout;
    this.highWaterMark = o.highWaterMark ?? d.highWaterMark;
    this.maxBufferedAmount = o.maxBufferedAmount ?? d.maxBufferedAmount;
    this.textAs = o.textAs ?? d.textAs;
    Object.freeze(this);
  }
}
