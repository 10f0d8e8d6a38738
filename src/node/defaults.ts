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
import type { SessionOptions } from './session-types.js';

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
