// wsref: the WebSocket protocol (RFC 6455, RFC 7692, deflate-frame, RFC 8441 over HTTP/2) for Node.js.
// The Node runtime is exported here; the sans-I/O core is at `wsref/core` (src/core/index.ts).

/**
 * The Node.js runtime: `WebSocketServer` (RFC 6455 §4.2, inside any `http.Server`), `connect()`
 * (§4.1), the `Session` both give you, and the browser-style `WebSocket` class (WHATWG). The
 * sans-I/O protocol core underneath is the `wsref/core` module.
 *
 * @module wsref
 */

export { WebSocketServer, type ServerOptions, type AuthenticationResult, type WebSocketServerEvents } from './node/server.js';
export { RECOMMENDED_HTTP_SERVER_OPTIONS, SLOW_HEAD_WARNING_CODE, type HttpServerTimeouts } from './node/http-server-options.js';
export { connect, type ClientOptions } from './node/client.js';
export { Session, DEFAULT_SESSION_OPTIONS, type SessionOptions, type SendOptions, type SessionEvents, type TransportKind } from './node/session.js';
export type { CompressionOptions, ZlibCompressionSettings } from './node/extensions.js';
export type { SendData } from './node/platform.js';
export { createZlibCodec, type ZlibCodecOptions } from './node/zlib-codec.js';
export { CloseCode, CLOSE_CODES, ReadyState, ProtocolError, HandshakeError, RULES, type Rule } from './core/index.js';
export type { ValidatedRequest, ValidatedExtendedConnect } from './core/index.js';
export { WebSocket, CloseEvent, MessageEvent, type WebSocketOptions, type WebSocketData, type BinaryType, type CloseEventInit, type WebSocketErrorEvent } from './node/whatwg.js';
