// RFC 6455 §4.2 (and RFC 8441 over HTTP/2): what a `WebSocketServer` is configured with and the
// events it emits — the endpoint's public shapes, apart from the code that serves them.

import type http from 'node:http';
import type http2 from 'node:http2';
import type { ValidatedRequest } from '../core/index.js';
import type { ValidatedExtendedConnect } from '../core/handshake/extended-connect.js';
import type { CompressionOptions } from './extensions.js';
import type { Session } from './session.js';
import type { SessionOptions } from './session-types.js';

/** What an `authenticate` hook may answer: accept (true), or reject with a status and optional headers/body. */
export type AuthenticationResult =
  | boolean
  | {
      /** The HTTP status to refuse with, e.g. 401 or 403. */
      status: number;
      /** Extra response headers, e.g. `WWW-Authenticate`. */
      headers?: Record<string, string>;
      /** A short response body. */
      body?: string;
    };

export interface ServerOptions extends SessionOptions, CompressionOptions {
  /** The HTTP(S) or HTTP/2 server to live in (RFC 8441; `allowHTTP1` serves both). Its other requests are untouched. */
  server?: http.Server | http2.Http2SecureServer | http2.Http2Server;
  /** Only upgrade requests for this path (pathname, exact) are ours; others get 404 unless another endpoint claims them. */
  path?: string;
  /**
   * Subprotocols spoken (RFC 6455 §4.2.2 step 5.5): the first protocol in the *client's* list that
   * is in this array is chosen, or a function picks one of the offered ones (or none).
   */
  protocols?: readonly string[] | ((offered: readonly string[], request: http.IncomingMessage) => string | undefined);
  /**
   * Origin check (RFC 6455 §10.2): return false to refuse with 403. Browsers always send Origin;
   * checking it is the defence against cross-site WebSocket hijacking. Default: accept all.
   */
  verifyOrigin?: (origin: string | undefined, request: http.IncomingMessage) => boolean;
  /** Authentication before accepting; may be async (over HTTP/2, no key). Rejections become the HTTP status given (e.g. 401). */
  authenticate?: (request: http.IncomingMessage, handshake: ValidatedRequest | ValidatedExtendedConnect) => AuthenticationResult | Promise<AuthenticationResult>;
  /** Extra headers for the 101 response (e.g. Set-Cookie). */
  headers?: Record<string, string>;
  /**
   * Time allowed from the complete upgrade request to the 101 (hooks included); ms. Default 10 s.
   * The request head itself is read by Node's HTTP server: a slow head (slowloris) is bounded by
   * that server's `headersTimeout` and `connectionsCheckingInterval`; create it with
   * `RECOMMENDED_HTTP_SERVER_OPTIONS`. When a head may take more than twice this long on the
   * `server` given (or the first upgrade's), a `WSREF_SLOW_HEAD_TIMEOUT` warning says so, once
   * (docs/security-defences.md).
   */
  handshakeTimeout?: number;
}

/** The events of a `WebSocketServer` and their arguments. */
export interface WebSocketServerEvents {
  /** A handshake completed: the session is OPEN. `request` is the HTTP upgrade request. */
  connection: [session: Session, request: http.IncomingMessage];
  /** A handshake was refused (status, reason): for logging. */
  rejected: [status: number, reason: string, request: http.IncomingMessage];
  /** An unexpected failure: a 'connection' listener threw, or an internal error during a handshake. Emitted only when listened to. */
  error: [error: Error];
}
