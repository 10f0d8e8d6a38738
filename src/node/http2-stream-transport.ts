// RFC 8441 §5 on Node: an HTTP/2 stream as the transport of a Session, "as if it were the TCP
// connection" — END_STREAM where TCP would send FIN, RST_STREAM with CANCEL where a WebSocket
// that fails would drop TCP. Shared by the server (http2-server.ts) and the client (http2-client.ts).
// Each WebSocket is held back by its own stream's flow-control window only, as a TCP connection of
// its own would be: the connection-level window (RFC 9113 §5.2, §6.9) is opened wide.

import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { kHttp2Stream } from './session-transport.js';

/** RST_STREAM's CANCEL (RFC 9113 §7), the code RFC 8441 §5 gives a WebSocket that is dropped. */
export const CANCEL = http2.constants.NGHTTP2_CANCEL;

/**
 * The stream as the Duplex a Session runs on. Node's `destroy()` of an open stream resets it with
 * NO_ERROR; a dropped WebSocket (terminate, a peer that stops reading, a missed close) resets it
 * with CANCEL instead, as RFC 8441 §5 says. The peer's address is the HTTP/2 connection's.
 */
export function asSessionTransport(stream: http2.Http2Stream): Duplex {
  // The same property values on every stream, never a closure per stream: V8 gives an object whose
  // accessor differs from the one its hidden class recorded a dictionary of its own, so every
  // stream but the first would have looked its properties up by hash on each read and write.
  Object.defineProperty(stream, kHttp2Stream, { value: true }); // session.transport says 'h2'
  Object.defineProperty(stream, 'remoteAddress', { get: remoteAddressOfConnection, configurable: true });
  stream.destroy = destroyWithCancel as typeof stream.destroy;
  return stream;
}

/** The peer's address: the HTTP/2 connection's (`this` is the stream). */
function remoteAddressOfConnection(this: http2.Http2Stream): string | undefined {
  return this.session?.socket?.remoteAddress;
}

/** `destroy()` of a session's stream: an open stream is reset with CANCEL, a closed one destroyed as Node would. */
function destroyWithCancel(this: http2.Http2Stream, error?: Error): http2.Http2Stream {
  if (!this.closed && !this.destroyed) {
    this.close(CANCEL); // Node destroys the stream once the reset is out
    return this;
  }
  return (Object.getPrototypeOf(this) as http2.Http2Stream).destroy.call(this, error);
}

/** The largest flow-control window a receiver may grant, 2^31 − 1 octets (RFC 9113 §6.9.1). */
export const MAX_WINDOW = 2 ** 31 - 1;

/** HTTP/2 connections whose connection-level window has been opened already. */
const opened = new WeakSet<http2.Http2Session>();

/**
 * Opens the connection-level receive window of `session` to MAX_WINDOW, once per connection, when
 * it first carries a WebSocket (a WINDOW_UPDATE on stream 0, RFC 9113 §6.9). Left at the default
 * 65,535 octets, that one window is shared by every stream: a few dozen WebSockets with a message
 * in flight each fill it, and every further message waits a round trip for a WINDOW_UPDATE, so
 * the cost per message grows with the number of streams. The connection window never bounded
 * memory in Node anyway: it credits the connection as soon as bytes arrive, and only a stream's
 * own window (65,535 octets, credited while its reader reads) holds back a peer whose WebSocket
 * is paused or slow — that bound stays as it was.
 */
export function openConnectionWindow(session: http2.Http2Session | undefined): void {
  if (!session || session.destroyed || session.closed || opened.has(session)) return;
  opened.add(session);
  session.setLocalWindowSize(MAX_WINDOW);
}

/** Sends RST_STREAM with `code` (RFC 9113 §6.4) unless the stream is already closed. */
export function resetStream(stream: http2.Http2Stream, code: number): void {
  if (!stream.closed && !stream.destroyed) stream.close(code);
}
