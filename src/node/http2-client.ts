// RFC 8441 on Node, client side: `connect(url, { http2: true })` opens the WebSocket as an
// extended CONNECT stream (§4–§5; built and checked by core/handshake/extended-connect.ts) on an
// HTTP/2 connection to the URL's origin. One connection per origin carries every WebSocket opened
// to it (and the same TLS options); it is closed when its last stream has ended.

import http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import { Connection, parseWebSocketUri, type WebSocketUri } from '../core/index.js';
import { buildExtendedConnectRequest, validateExtendedConnectResponse } from '../core/handshake/extended-connect.js';
import type { ClientOptions } from './client-options.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from './defaults.js';
import { buildExtensionFactories } from './extensions.js';
import { asSessionTransport, CANCEL, openConnectionWindow, resetStream } from './http2-stream-transport.js';
import { allocateUnzeroed } from './allocate.js';
import { nativeUtf8Check } from './platform.js';
import { Session } from './session.js';

/** One HTTP/2 connection to an origin and the WebSocket streams it carries. */
interface SharedConnection {
  readonly h2: http2.ClientHttp2Session;
  /** Streams opened and not yet closed. */
  streams: number;
  /** Takes the connection out of the pool, so no new WebSocket picks it. */
  readonly retire: () => void;
}

/** The origin offers no RFC 8441 over HTTP/2: no h2 in ALPN, no connection, or SETTINGS without it (§3). */
class Http2Unavailable extends Error {}

/** Open (or opening) connections by TLS options, then by origin. */
const pool = new WeakMap<object, Map<string, Promise<SharedConnection>>>();
const NO_TLS_OPTIONS = {};

/**
 * Opens a WebSocket over HTTP/2 and resolves with the session once it is OPEN (RFC 8441 §5: the
 * 200 answer). Rejects with a `HandshakeError` when the server refuses (its status) or answers
 * wrongly, and with an `Error` when the server does not offer extended CONNECT (§3), on network
 * failures and on the handshake timeout. With `http2: 'auto'` it resolves with undefined instead
 * when HTTP/2 with extended CONNECT is not to be had at the origin (and always for ws://, since
 * HTTP/2 without TLS is chosen by prior knowledge only): the caller then uses HTTP/1.1.
 */
export async function connectHttp2(url: string, options: ClientOptions = {}): Promise<Session | undefined> {
  const uri = parseWebSocketUri(url);
  const auto = options.http2 === 'auto';
  if (auto && !uri.secure) return undefined;
  const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  let stream: http2.ClientHttp2Stream | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (stream) resetStream(stream, CANCEL);
      reject(new Error(`WebSocket handshake with ${url} over HTTP/2 timed out after ${timeout} ms`));
    }, timeout);
  });
  try {
    const session = await Promise.race([deadline, openOnStream(uri, options, (s) => (stream = s))]);
    // As connect() does: events held until the caller has the session and its listeners.
    setImmediate(() => session.releaseEvents());
    return session;
  } catch (error) {
    if (auto && error instanceof Http2Unavailable) return undefined;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function openOnStream(uri: WebSocketUri, options: ClientOptions, onStream: (stream: http2.ClientHttp2Stream) => void): Promise<Session> {
  const factories = buildExtensionFactories(options);
  const protocols = typeof options.protocols === 'string' ? [options.protocols] : (options.protocols ?? []);
  // Built (and misuse thrown) before a connection is opened for it.
  const request = buildExtendedConnectRequest({
    uri,
    protocols,
    extensions: factories,
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const shared = await sharedConnection(uri, options.tls);
  const stream = shared.h2.request(request, { endStream: false });
  onStream(stream);
  options.onHttp2Stream?.(stream, request);
  shared.streams++;
  stream.once('close', () => {
    if (--shared.streams > 0) return;
    shared.retire();
    shared.h2.close(); // the last WebSocket on it has ended
  });
  stream.on('error', ignoreError); // until the session owns the stream
  const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('close', () => reject(new Error(`the server reset the extended CONNECT stream (RST_STREAM code ${stream.rstCode})`)));
  });
  let accepted;
  try {
    accepted = validateExtendedConnectResponse(response, { protocols, extensions: factories });
  } catch (error) {
    resetStream(stream, CANCEL); // RFC 8441 §5: the WebSocket fails, the stream is cancelled
    throw error;
  }
  stream.off('error', ignoreError);
  const connection = new Connection({
    role: 'client',
    maxMessageSize: options.maxMessageSize, // the core applies the default
    utf8Check: nativeUtf8Check,
    allocate: allocateUnzeroed,
  });
  const session = new Session(asSessionTransport(stream), connection, options);
  session.holdEvents();
  session.establish(accepted.protocol, accepted.extensions); // RFC 8441 §5: OPEN from the 200 on
  return session;
}

/** The pooled connection to `uri`'s origin, opened when there is none (RFC 8441 §3: once its SETTINGS allow). */
function sharedConnection(uri: WebSocketUri, tlsOptions: tls.ConnectionOptions | undefined): Promise<SharedConnection> {
  let byOrigin = pool.get(tlsOptions ?? NO_TLS_OPTIONS);
  if (!byOrigin) pool.set(tlsOptions ?? NO_TLS_OPTIONS, (byOrigin = new Map()));
  const origins = byOrigin;
  // RFC 8441 §5: https for wss, http for ws; the authority is what Host would be.
  const origin = `${uri.secure ? 'https' : 'http'}://${uri.hostHeader}`;
  const existing = origins.get(origin);
  if (existing) return existing;
  const retire = () => {
    if (origins.get(origin) === opening) origins.delete(origin);
  };
  const opening = new Promise<SharedConnection>((resolve, reject) => {
    const h2 = http2.connect(origin, { ...tlsOptions, ...(uri.secure && !net.isIP(uri.host) ? { servername: uri.host } : {}) });
    // Before the SETTINGS, any failure (TLS without h2 in ALPN included) means no HTTP/2 here.
    h2.on('error', (error) => {
      retire();
      reject(new Http2Unavailable(`no HTTP/2 connection to ${origin}: ${error.message}`, { cause: error }));
    });
    h2.once('close', () => {
      retire();
      reject(new Http2Unavailable(`the HTTP/2 connection to ${origin} closed before its SETTINGS arrived`));
    });
    h2.once('goaway', retire);
    h2.once('remoteSettings', (settings) => {
      // RFC 8441 §3: the extended CONNECT may be used only once the server has said so. wsref
      // judges by the server's first SETTINGS frame, the one sent with the connection preface.
      if (settings.enableConnectProtocol !== true) {
        retire();
        h2.close();
        reject(new Http2Unavailable(`${origin} does not offer WebSocket over HTTP/2: its SETTINGS lack ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3)`));
        return;
      }
      // RFC 9113 §6.9: the connection carries only WebSockets, each held back by its own stream's window.
      openConnectionWindow(h2);
      resolve({ h2, streams: 0, retire });
    });
  });
  origins.set(origin, opening);
  return opening;
}

function ignoreError(): void {}
