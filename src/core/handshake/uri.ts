// RFC 6455 §3 (WebSocket URIs): ws-URI / wss-URI, and the /host/, /port/, /resource name/ and
// /secure/ flag that §4.1 builds the opening handshake from. Parsing itself is left to the
// global WHATWG `URL` parser (browsers and Node both have it), which also performs the §11.1
// encoding rules: IDNA for non-ASCII hosts, UTF-8 percent-encoding elsewhere.

/** The parts of a WebSocket URI the opening handshake needs (RFC 6455 §3, §4.1). */
export interface WebSocketUri {
  /** True for `wss:` (and `https:`): the connection runs over TLS (RFC 6455 §3, §4.1 step 5). */
  readonly secure: boolean;
  /** Host name or IP address to connect to; an IPv6 address comes without brackets, e.g. `::1`. */
  readonly host: string;
  /** TCP port: the one in the URI, else 80 for ws and 443 for wss (RFC 6455 §3). */
  readonly port: number;
  /** Path plus `?query` when the query is non-empty; `/` when the path is empty (RFC 6455 §3). */
  readonly resourceName: string;
  /** Value for the Host header: host (IPv6 in brackets) plus `:port` unless it is the default (RFC 6455 §4.1 step 4). */
  readonly hostHeader: string;
}

/**
 * Parses a WebSocket URI (RFC 6455 §3).
 *
 * Accepts the `ws:` and `wss:` schemes in any letter case and, as the WHATWG WebSocket standard
 * does, `http:` / `https:` taken to mean `ws:` / `wss:`. Throws `TypeError` with a message saying
 * what is wrong for any other scheme, a URI that does not parse or has no host, a fragment
 * (anything from a `#` on: RFC 6455 §3 forbids fragments, and a literal `#` must be sent as `%23`),
 * user credentials (the ws-URI grammar has no userinfo; send an `Authorization` header instead),
 * or port 0. A client must fail the connection when this throws (RFC 6455 §4.1 step 1).
 */
export function parseWebSocketUri(input: string): WebSocketUri {
  if (typeof input !== 'string') throw new TypeError('WebSocket URI must be a string');
  // RFC 6455 §3: fragments MUST NOT be used. Checked on the raw text, because `URL` reports an
  // empty fragment (`ws://h/#`) as `hash === ''`, just like no fragment.
  const hash = input.indexOf('#');
  if (hash !== -1) {
    throw new TypeError(
      `invalid WebSocket URI ${JSON.stringify(input)}: fragment identifiers are not allowed (found "#" at character ${hash}; write a literal "#" as %23)`,
    );
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`invalid WebSocket URI ${JSON.stringify(input)}: not an absolute URI`);
  }
  let secure: boolean;
  switch (url.protocol) {
    case 'ws:':
    case 'http:':
      secure = false;
      break;
    case 'wss:':
    case 'https:':
      secure = true;
      break;
    default:
      throw new TypeError(
        `invalid WebSocket URI ${JSON.stringify(input)}: scheme "${url.protocol.slice(0, -1)}" is not ws, wss, http or https`,
      );
  }
  // `URL` refuses an empty host for these schemes; the check keeps that guarantee explicit.
  if (url.hostname === '') throw new TypeError(`invalid WebSocket URI ${JSON.stringify(input)}: no host`);
  if (url.username !== '' || url.password !== '') {
    throw new TypeError(
      `invalid WebSocket URI ${JSON.stringify(input)}: user credentials are not part of a WebSocket URI; send an Authorization header instead`,
    );
  }
  const defaultPort = secure ? 443 : 80; // RFC 6455 §3
  const port = url.port === '' ? defaultPort : Number(url.port);
  if (port === 0) throw new TypeError(`invalid WebSocket URI ${JSON.stringify(input)}: port 0`);
  const bracketed = url.hostname; // `URL` keeps IPv6 literals in brackets
  const host = bracketed.startsWith('[') ? bracketed.slice(1, -1) : bracketed;
  // RFC 6455 §3: "/" if the path is empty, the path, then "?" and the query if it is non-empty.
  // `URL` already gives "/" for an empty path of these schemes, and "" for an empty query.
  const resourceName = (url.pathname === '' ? '/' : url.pathname) + url.search;
  const hostHeader = port === defaultPort ? bracketed : `${bracketed}:${port}`;
  return { secure, host, port, resourceName, hostHeader };
}
