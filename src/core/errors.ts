// RFC 6455 §7.1.7 (Fail the WebSocket Connection) and §4.2.1/§4.1 (handshake failures):
// the two kinds of error the protocol core reports. Neither ever escapes the core
// as an uncaught exception: the connection turns a ProtocolError into a close frame
// with its code, and the handshake functions return or throw a HandshakeError that
// the runtime turns into an HTTP response (server) or a failed connect (client).

/** A violation found after the handshake: the connection must be failed with `closeCode` (RFC 6455 §7.4.1). */
export class ProtocolError extends Error {
  /** Always `ProtocolError`. */
  override readonly name = 'ProtocolError';
  constructor(
    /** The status code the RFC names for this failure, e.g. 1002, 1007, 1009. */
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The opening handshake cannot complete (RFC 6455 §4.1, §4.2.1, §4.4). */
export class HandshakeError extends Error {
  /** Always `HandshakeError`. */
  override readonly name = 'HandshakeError';
  constructor(
    message: string,
    /** The HTTP status a server should answer with (400, 403, 426, …); clients ignore it. */
    readonly status = 400,
    /** Extra response headers, e.g. `Sec-WebSocket-Version: 13` with a 426 (RFC 6455 §4.4). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}
