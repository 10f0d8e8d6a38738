// RFC 8441 §5 on Node: an HTTP/2 stream as the transport of a Session, "as if it were the TCP
// connection" — END_STREAM where TCP would send FIN, RST_STREAM with CANCEL where a WebSocket
// that fails would drop TCP. Shared by the server (http2-server.ts) and the client (http2-client.ts).

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
  Object.defineProperty(stream, kHttp2Stream, { value: true }); // session.transport says 'h2'
  Object.defineProperty(stream, 'remoteAddress', { get: () => stream.session?.socket?.remoteAddress, configurable: true });
  const destroy = stream.destroy;
  stream.destroy = function destroyWithCancel(this: http2.Http2Stream, error?: Error) {
    if (!this.closed && !this.destroyed) {
      this.close(CANCEL); // Node destroys the stream once the reset is out
      return this;
    }
    return destroy.call(this, error);
  } as typeof stream.destroy;
  return stream;
}

/** Sends RST_STREAM with `code` (RFC 9113 §6.4) unless the stream is already closed. */
export function resetStream(stream: http2.Http2Stream, code: number): void {
  if (!stream.closed && !stream.destroyed) stream.close(code);
}
