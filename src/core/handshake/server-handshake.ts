// RFC 6455 §4.2 (Server-Side Requirements): reading the client's opening handshake (§4.2.1),
// answering it with 101 Switching Protocols (§4.2.2) or an HTTP error (§4.2.1, §4.2.2, §4.4),
// and choosing a subprotocol (§4.2.2 step 4 /subprotocol/).

import { isBase64Of16Bytes } from './base64.js';
import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { parseExtensionHeader, parseTokenList, type ExtensionOffer } from './extension-header.js';
import { computeAccept, WEBSOCKET_VERSION, type Sha1 } from './accept-key.js';
import { extraHeaderLines, headerLine, isHttp11OrLater, listHasElement, singleHeader, trimOws } from './header-fields.js';
import { headerValues, isToken, type HeaderList } from './http-head.js';

/** The parts of a client's request that the handshake looks at (Node's `IncomingMessage` has them all). */
export interface ClientRequestHead {
  /** The request method; must be `GET`. */
  readonly method: string;
  /** `major.minor`, e.g. `1.1`, as in Node's `httpVersion` and `ParsedHead`. */
  readonly httpVersion: string;
  /** The header fields in order, names as sent (looked up case-insensitively). */
  readonly headers: HeaderList;
}

/** A valid client opening handshake, as established in RFC 6455 §4.2.2 step 4. */
export interface ValidatedRequest {
  /** The Sec-WebSocket-Key value (whitespace trimmed), input to `computeAccept` (/key/). */
  readonly key: string;
  /** The protocol version: always 13 here, since anything else is refused (/version/). */
  readonly version: 13;
  /** The offered subprotocols, client's preference first (empty if none were offered). */
  readonly protocols: string[];
  /** The offered extensions, in the client's order (empty if none were offered). */
  readonly extensions: ExtensionOffer[];
  /**
   * The Origin header, lower-cased (/origin/), or undefined. Without it the request SHOULD NOT
   * be taken to come from a browser (§4.2.1 item 7).
   */
  readonly origin: string | undefined;
  /** The Host header value (the authority the client asked for). */
  readonly host: string;
  /** All request headers, for the application (cookies, authorization, …). */
  readonly headers: HeaderList;
}

// RFC 6455 §4.3: version = DIGIT | (NZDIGIT DIGIT) | ("1" DIGIT DIGIT) | ("2" DIGIT DIGIT)
function isVersionSyntax(s: string): boolean {
  return /^(?:[0-9]|[1-9][0-9]|[12][0-9][0-9])$/.test(s);
}

/**
 * Checks a client's opening handshake (RFC 6455 §4.2.1) and extracts what the server needs to
 * answer it (§4.2.2 step 4). Throws `HandshakeError` carrying the HTTP status to answer with
 * (the server must then send that error response and abort, §4.2.1):
 * - 405 (with `Allow: GET`) if the method is not GET;
 * - 400 if the version is below HTTP/1.1; if Host is missing or repeated; if Upgrade lacks
 *   `websocket` or Connection lacks `Upgrade` (any letter case); if Sec-WebSocket-Key is missing,
 *   repeated (§11.3.1) or not base64 of 16 bytes; if Sec-WebSocket-Version is missing, repeated
 *   (§11.3.5) or not a version number; if Sec-WebSocket-Protocol is not a list of distinct tokens;
 *   if Sec-WebSocket-Extensions breaks the §9.1 grammar; if Origin is repeated;
 * - 426 with `Sec-WebSocket-Version: 13` if the version is not 13 (§4.2.2 step 4, §4.4).
 * Protocol and extension header lines may be repeated: they are combined as one list (§11.3.2, §11.3.4).
 */
export function validateClientRequest(req: ClientRequestHead): ValidatedRequest {
  const { headers } = req;
  // §4.2.1 item 1: an HTTP/1.1 or higher GET request.
  if (req.method !== 'GET') {
    throw new HandshakeError(RULES.REQUEST_NOT_GET, { method: JSON.stringify(req.method) }, { headers: { Allow: 'GET' } });
  }
  if (!isHttp11OrLater(req.httpVersion)) throw new HandshakeError(RULES.REQUEST_BELOW_HTTP11, { version: req.httpVersion });

  // §4.2.1 item 2: a Host header (RFC 9112 §3.2: exactly one).
  const host = singleHeader(headers, 'Host', (repeated) => new HandshakeError(RULES.REQUEST_HOST_REPEATED, { repeated }));
  if (host === undefined || host === '') throw new HandshakeError(RULES.REQUEST_HOST_MISSING);

  // §4.2.1 item 3: Upgrade contains "websocket"; item 4: Connection contains "Upgrade".
  if (!listHasElement(headerValues(headers, 'Upgrade'), 'websocket')) throw new HandshakeError(RULES.REQUEST_UPGRADE_NOT_WEBSOCKET);
  if (!listHasElement(headerValues(headers, 'Connection'), 'upgrade')) throw new HandshakeError(RULES.REQUEST_CONNECTION_NOT_UPGRADE);

  // §4.2.1 item 6, §11.3.5 (at most once in a request), §4.4 (answer an unknown version with
  // the versions we speak). Checked before the key so an old client learns the version to use.
  const versionHeader = { headers: { 'Sec-WebSocket-Version': String(WEBSOCKET_VERSION) } };
  const version = singleHeader(headers, 'Sec-WebSocket-Version', (repeated) => new HandshakeError(RULES.REQUEST_VERSION_REPEATED, { repeated }, versionHeader));
  if (version === undefined) throw new HandshakeError(RULES.REQUEST_VERSION_MISSING, {}, versionHeader);
  if (!isVersionSyntax(version)) throw new HandshakeError(RULES.REQUEST_VERSION_MALFORMED, { version: JSON.stringify(version) }, versionHeader);
  if (version !== String(WEBSOCKET_VERSION)) throw new HandshakeError(RULES.REQUEST_VERSION_UNSUPPORTED, { version }, versionHeader);

  // §4.2.1 item 5 and §11.3.1 (at most once): base64 that decodes to 16 bytes.
  const key = singleHeader(headers, 'Sec-WebSocket-Key', (repeated) => new HandshakeError(RULES.REQUEST_KEY_REPEATED, { repeated }));
  if (key === undefined) throw new HandshakeError(RULES.REQUEST_KEY_MISSING);
  if (!isBase64Of16Bytes(key)) throw new HandshakeError(RULES.REQUEST_KEY_MALFORMED, { key: JSON.stringify(key.slice(0, 64)) });

  // §4.2.1 item 8, §4.1 step 10 (1#token, all unique), §11.3.4 (several lines combine).
  const protocolValues = headerValues(headers, 'Sec-WebSocket-Protocol');
  const protocols = protocolValues.length > 0 ? parseTokenList(protocolValues) : [];
  const unique = new Set(protocols);
  if (unique.size !== protocols.length) {
    const repeated = protocols.find((p, i) => protocols.indexOf(p) !== i);
    throw new HandshakeError(RULES.REQUEST_PROTOCOL_REPEATED, { protocol: JSON.stringify(repeated) });
  }

  // §4.2.1 item 9, §9.1 (malformed means failure), §11.3.2 (several lines combine).
  const extensionValues = headerValues(headers, 'Sec-WebSocket-Extensions');
  const extensions = extensionValues.length > 0 ? parseExtensionHeader(extensionValues) : [];

  // §4.2.1 item 7; §4.2.2 step 4: the origin "is serialized to ASCII and converted to lowercase".
  const origin = singleHeader(headers, 'Origin', (repeated) => new HandshakeError(RULES.REQUEST_ORIGIN_REPEATED, { repeated }))?.toLowerCase();

  return { key, version: WEBSOCKET_VERSION, protocols, extensions, origin, host, headers };
}

// Headers the 101 response writes itself; an application must not replace them.
function isReservedResponseHeader(lowerName: string): boolean {
  return (
    lowerName.startsWith('sec-websocket-') ||
    lowerName === 'upgrade' ||
    lowerName === 'connection' ||
    lowerName === 'content-length' ||
    lowerName === 'transfer-encoding'
  );
}

/** What the server's accepting handshake is built from (RFC 6455 §4.2.2 step 5). */
export interface ServerResponseOptions {
  /** The client's Sec-WebSocket-Key (`ValidatedRequest.key`). */
  readonly key: string;
  /** The chosen subprotocol, one the client offered (see `selectSubprotocol`); omit for none. */
  readonly protocol?: string;
  /** The Sec-WebSocket-Extensions response value from extension negotiation; omit for none. */
  readonly extensions?: string;
  /** Extra headers, e.g. Set-Cookie. Handshake headers cannot be overridden. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Writes the server's opening handshake (RFC 6455 §4.2.2 step 5): `HTTP/1.1 101 Switching
 * Protocols`, `Upgrade: websocket`, `Connection: Upgrade`, Sec-WebSocket-Accept, then the
 * Sec-WebSocket-Protocol and Sec-WebSocket-Extensions lines only when given (each at most once,
 * §11.3.2, §11.3.4), and the extra headers. Returns ASCII text ending with CRLF CRLF.
 *
 * Throws `TypeError` for misuse: a key that is not base64 of 16 bytes, a protocol that is not a
 * token (the empty string included, §4.2.2), extensions that break the §9.1 grammar, an extra
 * header that would override the handshake's own, or values with CR, LF or control characters.
 */
export function buildServerResponse(o: ServerResponseOptions, sha1: Sha1): string {
  if (!isBase64Of16Bytes(o.key)) throw new TypeError('key must be the client\'s Sec-WebSocket-Key (base64 of 16 bytes)');
  let head =
    'HTTP/1.1 101 Switching Protocols\r\n' +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${computeAccept(o.key, sha1)}\r\n`;
  if (o.protocol !== undefined) {
    // §4.2.2 step 4: a token; "the empty string is not the same as the null value".
    if (!isToken(o.protocol)) throw new TypeError(`subprotocol ${JSON.stringify(o.protocol)} is not a valid token`);
    head += `Sec-WebSocket-Protocol: ${o.protocol}\r\n`;
  }
  if (o.extensions !== undefined) {
    try {
      parseExtensionHeader(o.extensions);
    } catch (error) {
      throw new TypeError(`extensions response is invalid: ${(error as Error).message}`);
    }
    head += headerLine('Sec-WebSocket-Extensions', trimOws(o.extensions));
  }
  head += extraHeaderLines(o.headers, isReservedResponseHeader);
  return head + '\r\n';
}

const REASON_PHRASES: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  426: 'Upgrade Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** The reason phrase for `status`: the usual one if known, else a generic phrase for its class. */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 400 ? 'Redirection' : status < 500 ? 'Client Error' : 'Server Error');
}

/** Options of `buildRejectResponse`. */
export interface RejectResponseOptions {
  /** Extra headers, e.g. `HandshakeError.headers`, `Location` for a redirect, `WWW-Authenticate`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The response body (plain text); defaults to the reason phrase. */
  readonly body?: string;
}

/**
 * Writes a complete HTTP/1.1 response that refuses the handshake (RFC 6455 §4.2.1, §4.2.2 steps
 * 2–4, §4.4, §10.2): a 3xx redirect or a 4xx/5xx error, with `Connection: close`,
 * `Content-Type: text/plain; charset=utf-8` (overridable), `Content-Length`, the extra headers and
 * the body. Encode the returned string as UTF-8 to send it; then close the connection.
 *
 * Throws `RangeError` if `status` is not an integer from 300 to 599, and `TypeError` for extra
 * headers that are malformed or would replace Connection, Content-Length or Transfer-Encoding.
 */
export function buildRejectResponse(status: number, o: RejectResponseOptions = {}): string {
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new RangeError(`a refused handshake needs a 3xx, 4xx or 5xx status, not ${status}`);
  }
  const reason = reasonPhrase(status);
  const body = o.body ?? reason;
  const bodyLength = new TextEncoder().encode(body).length;
  const extra = o.headers ?? {};
  const hasContentType = Object.keys(extra).some((name) => name.toLowerCase() === 'content-type');
  const lines = extraHeaderLines(extra, (n) => n === 'connection' || n === 'content-length' || n === 'transfer-encoding');
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    'Connection: close\r\n' +
    (hasContentType ? '' : 'Content-Type: text/plain; charset=utf-8\r\n') +
    `Content-Length: ${bodyLength}\r\n` +
    lines +
    '\r\n' +
    body
  );
}

/**
 * Chooses the subprotocol for the response (RFC 6455 §4.2.2 step 4 /subprotocol/).
 *
 * With a list, returns the first offered subprotocol (the client's preference order, §4.2.1
 * item 8) that the server also supports, compared exactly. With a function, returns what it
 * returns, which must be undefined or one of `offered`: the value MUST come from the client's
 * list (throws `TypeError` otherwise). Undefined means no Sec-WebSocket-Protocol header may be sent.
 */
export function selectSubprotocol(
  offered: readonly string[],
  supported: readonly string[] | ((offered: readonly string[]) => string | undefined),
): string | undefined {
  if (typeof supported === 'function') {
    const chosen = supported(offered);
    if (chosen !== undefined && !offered.includes(chosen)) {
      throw new TypeError(`the chosen subprotocol ${JSON.stringify(chosen)} was not offered by the client`);
    }
    return chosen;
  }
  return offered.find((protocol) => supported.includes(protocol));
}
