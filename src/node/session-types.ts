// The shapes of the Node runtime's session (RFC 6455 §5–§7 as the application meets them): its
// options (the timers of §5.5.2 and §7.1.1, the limits of §10.4, text as a string or as its
// §5.6 UTF-8 bytes), the per-message send options (§5.4 fragments, §5.6 text or binary, RFC 7692
// compression), and its events with their arguments. The defaults are in defaults.ts, the session itself in session.ts.

/** Timers, limits and the form text is handed over in. All times are in milliseconds; 0 turns a timer off. */
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
  /** `send` returns false once this many bytes wait in the transport: wait for `'drain'`. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * A peer that leaves more than this many bytes unread is dropped (never buffer without bound).
   * Counted before each frame is written: what earlier writes left queued, not the frame being
   * written, so a message of any size can go to a peer that reads. Default 64 MiB.
   */
  maxBufferedAmount?: number;
  /**
   * How a text message reaches `'message'`: `'string'` (the default) decodes it once; `'bytes'`
   * hands over its UTF-8 as a Buffer, undecoded, with `isBinary` false. Either way the bytes were
   * validated as they arrived (RFC 6455 §8.1: invalid UTF-8 still fails the connection with
   * 1007), so a Buffer given as text is known to be UTF-8. For code that forwards text unchanged
   * or parses bytes (relays, brokers, a JSON parser that takes bytes): echoing it back with
   * `send(data, { binary: false })` then costs no decode and no re-encode. Code that needs a
   * string anyway should keep the default, which decodes once (and fast for ASCII).
   */
  textAs?: 'string' | 'bytes';
}

/** Per-message send options. */
export interface SendOptions {
  /**
   * Send as binary (default for byte data) or as text (default for strings). Bytes sent as text
   * (`binary: false`) go out as they are, not re-encoded, and must be UTF-8 (RFC 6455 §5.6): they
   * are checked first, and `send` throws a TypeError, sending nothing, when they are not. In a
   * fragmented text message a code point may be split between fragments; the last must end it.
   */
  binary?: boolean;
  /** Let negotiated compression compress this message (default true). */
  compress?: boolean;
  /** False sends a fragment: more frames of this message follow (RFC 6455 §5.4). Default true. */
  fin?: boolean;
}

/** The events of a `Session` and their arguments. */
export interface SessionEvents {
  /** The opening handshake completed: the session is OPEN. */
  open: [];
  /** Text arrives as a string (a Buffer of UTF-8 with `textAs: 'bytes'`), binary as a Buffer. */
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
