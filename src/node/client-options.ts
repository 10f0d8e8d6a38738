// RFC 6455 §4.1 (and RFC 8441 over HTTP/2): what `connect()` is given — the client's options, apart
// from the code that opens the connection, so the modules that only pass options along (the
// HTTP/2 client, the CLI, the WHATWG class) need not import that code.

import type { ClientHttp2Stream } from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import type { CompressionOptions } from './extensions.js';
import type { SessionOptions } from './session-types.js';

/** How `connect()` opens a WebSocket: what to offer, where to go through, how long to wait. */
export interface ClientOptions extends SessionOptions, CompressionOptions {
  /** Subprotocols to offer, preferred first (RFC 6455 §4.1 step 10). */
  protocols?: string | readonly string[];
  /** The Origin header; browsers send it, other clients may (RFC 6455 §4.1 step 8). */
  origin?: string;
  /** Extra request headers, e.g. Authorization or Cookie. */
  headers?: Record<string, string>;
  /** Time allowed for DNS, TCP, TLS and the opening handshake together; ms. Default 10 s. */
  handshakeTimeout?: number;
  /** TLS options for wss:// (ca, cert, rejectUnauthorized, …). SNI is always sent for host names. */
  tls?: tls.ConnectionOptions;
  /** An HTTP proxy (`http://host:port`) to tunnel through with CONNECT (RFC 6455 §4.1 step 3). */
  proxy?: string;
  /**
   * Called with the socket the WebSocket will run over (TCP, or TLS for wss://) once it is
   * connected, before the opening handshake is written: to observe its bytes (`wsref --trace`)
   * or to abandon the attempt by destroying it.
   */
  onSocket?: (socket: net.Socket) => void;
  /**
   * Open the WebSocket as a stream of an HTTP/2 connection (RFC 8441) shared with the other
   * WebSockets to the same origin; `true` fails when the server does not offer it, `'auto'` then
   * uses HTTP/1.1 (and always does for ws://). `proxy`, `onSocket` and URL credentials apply to
   * HTTP/1.1 only. Default false (HTTP/1.1).
   */
  http2?: boolean | 'auto';
  /** Over HTTP/2, `onSocket`'s counterpart: the stream the WebSocket will run on and the CONNECT it sent. */
  onHttp2Stream?: (stream: ClientHttp2Stream, request: Readonly<Record<string, string>>) => void;
}
