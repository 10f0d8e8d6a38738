// RFC 6455 §4.2 and §10 on Node: the client's opening handshake is an HTTP request whose head
// Node's HTTP server reads before wsref sees it, so that server's timeouts are what bound a slow
// head (slowloris). Here: wsref's recommended `http.createServer` options, used by every server
// wsref ships, and the warning for a server whose head can take far longer than handshakeTimeout.

import type http from 'node:http';

/** The `http.createServer` options that bound how long a request head and a request may take. */
export type HttpServerTimeouts = Readonly<Required<Pick<http.ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval' | 'keepAliveTimeout'>>>;

/**
 * wsref's recommended options for the `http.Server` a `WebSocketServer` lives in: a handshake
 * trickled byte by byte is dropped with 408 within 11 s (Node's defaults: 60–90 s).
 *
 * ```ts
 * const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (req, res) => res.end('hello'));
 * ```
 */
export const RECOMMENDED_HTTP_SERVER_OPTIONS: HttpServerTimeouts = Object.freeze({
  /** The whole request head, the upgrade request's included, within 10 s, or Node answers 408 and closes. */
  headersTimeout: 10_000,
  /** A whole ordinary request within 30 s. Node stops timing a socket once it is upgraded. */
  requestTimeout: 30_000,
  /** How often Node checks the two deadlines above; its default, 30 s, can add that much to each. */
  connectionsCheckingInterval: 1_000,
  /** An idle keep-alive connection is closed after 5 s (Node's default, stated so that it stays so). */
  keepAliveTimeout: 5_000,
});

/** The warning's code, for `process.on('warning')` filters and `--disable-warning`. */
export const SLOW_HEAD_WARNING_CODE = 'WSREF_SLOW_HEAD_TIMEOUT';

/** "Far above": the longest a request head may take is more than this many times handshakeTimeout. */
const SLOW_HEAD_FACTOR = 2;

/**
 * How Node bounds a request head on `server`, in ms: its deadline, and how often that is checked
 * (`connectionsCheckingInterval`), so a head may last up to their sum.
 */
function requestHeadBound(server: http.Server): { deadline: number; checkedEvery: number } {
  // `headersTimeout`, or `requestTimeout` when that is shorter or the only one set; 0 is "none".
  const deadlines = [server.headersTimeout, server.requestTimeout].filter((ms) => ms > 0);
  const checkedEvery = (server as http.Server & { connectionsCheckingInterval?: number }).connectionsCheckingInterval ?? 30_000;
  return { deadline: deadlines.length > 0 ? Math.min(...deadlines) : Infinity, checkedEvery };
}

const warnedServers = new WeakSet<http.Server>();

/**
 * Emits `WSREF_SLOW_HEAD_TIMEOUT` (once per HTTP server) when a request head may take more than
 * `SLOW_HEAD_FACTOR` times `handshakeTimeout` on `server`. Checked when the server listens (at
 * once if it already does), so settings assigned after the WebSocketServer was made count.
 */
export function warnIfSlowRequestHead(server: http.Server, handshakeTimeout: number): void {
  const check = () => {
    const { deadline, checkedEvery } = requestHeadBound(server);
    if (warnedServers.has(server) || deadline + checkedEvery <= SLOW_HEAD_FACTOR * handshakeTimeout) return;
    warnedServers.add(server);
    const bound = Number.isFinite(deadline)
      ? `up to ${(deadline + checkedEvery) / 1000} s (a ${deadline} ms deadline, checked every ${checkedEvery} ms)`
      : 'forever (neither headersTimeout nor requestTimeout is set)';
    process.emitWarning(
      `this http.Server lets a request head take ${bound}, more than ${SLOW_HEAD_FACTOR} times the WebSocketServer's ` +
        `handshakeTimeout (${handshakeTimeout} ms): a client trickling its handshake holds a socket that long. ` +
        "Bound the head when creating the server (its connectionsCheckingInterval cannot be changed later): " +
        "wsref's RECOMMENDED_HTTP_SERVER_OPTIONS allow 11 s (http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, listener)).",
      { code: SLOW_HEAD_WARNING_CODE },
    );
  };
  if (server.listening) check();
  else server.once('listening', check);
}
