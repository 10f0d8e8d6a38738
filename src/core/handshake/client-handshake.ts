// RFC 6455 §4.1 (Client Requirements): the client's opening handshake request, and the checks
// on the server's response that decide whether the connection is established (§4.1 "The client
// MUST validate the server's response as follows", §4.2.2, §11.3).

import { isBase64Of16Bytes } from './base64.js';
import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { parseExtensionHeader, type ExtensionOffer } from './extension-header.js';
import { computeAccept, WEBSOCKET_VERSION, type Sha1 } from './accept-key.js';
import { extraHeaderLines, headerLine, isHttp11OrLater, listHasElement, singleHeader, trimOws } from './header-fields.js';
import { headerValues, isToken, type HeaderList, type ParsedHead } from './http-head.js';
import type { WebSocketUri } from './uri.js';

/** What the client's opening handshake is built from (RFC 6455 §4.1). */
export interface ClientRequestOptions {
  /** Where to connect: host, port and resource name from `parseWebSocketUri`. */
  readonly uri: WebSocketUri;
  /** A fresh Sec-WebSocket-Key from `generateKey` (new for every connection). */
  readonly key: string;
  /** Subprotocols to offer, most preferred first; each a token, no repeats (§4.1 step 10). */
  readonly protocols?: readonly string[];
  /** The Sec-WebSocket-Extensions offer, e.g. from the extension module (§4.1 step 11, §9.1). */
  readonly extensions?: string;
  /** The Origin header (§4.1 step 8): browsers must send it, other clients may. */
  readonly origin?: string;
  /** Extra headers such as Authorization or Cookie (§4.1 step 12). Handshake headers cannot be overridden. */
  readonly headers?: Readonly<Record<string, string>>;
}

// Headers the handshake writes itself; an application must not replace them.
function isReservedRequestHeader(lowerName: string): boolean {
  return (
    lowerName.startsWith('sec-websocket-') ||
    lowerName === 'host' ||
    lowerName === 'upgrade' ||
    lowerName === 'connection' ||
    lowerName === 'origin' ||
    lowerName === 'content-length' ||
    lowerName === 'transfer-encoding'
  );
}

/**
 * Writes the client's opening handshake (RFC 6455 §4.1 steps 1–12): a GET request for the
 * resource name, HTTP/1.1, with Host, `Upgrade: websocket`, `Connection: Upgrade`,
 * Sec-WebSocket-Key and `Sec-WebSocket-Version: 13`, then the optional Origin,
 * Sec-WebSocket-Protocol and Sec-WebSocket-Extensions and the extra headers. The result is ASCII
 * text ending with the empty line (CRLF CRLF).
 *
 * Throws `TypeError` for misuse: a key that is not base64 of 16 bytes, a protocol that is not a
 * token or is repeated, an extensions value that breaks the §9.1 grammar, an extra header that
 * would override one of the handshake's own, or any value containing CR, LF or other control
 * characters.
 */
export function buildClientRequest(o: ClientRequestOptions): string {
  const { uri } = o;
  // §4.1 step 3: the Request-URI is the resource name: "/" followed by visible ASCII only.
  if (!uri.resourceName.startsWith('/') || !/^[\x21-\x7e]+$/.test(uri.resourceName)) {
    throw new TypeError(`resource name ${JSON.stringify(uri.resourceName)} must start with "/" and be visible ASCII`);
  }
  if (!/^[\x21-\x7e]+$/.test(uri.hostHeader)) throw new TypeError(`host ${JSON.stringify(uri.hostHeader)} is not a valid Host value`);
  // §4.1 step 7: a base64-encoded 16-byte nonce.
  if (!isBase64Of16Bytes(o.key)) throw new TypeError('key must be base64 of 16 random bytes (use generateKey)');

  // §4.1 steps 2, 4, 5, 6, 7, 9.
  let head =
    `GET ${uri.resourceName} HTTP/1.1\r\n` +
    headerLine('Host', uri.hostHeader) +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    headerLine('Sec-WebSocket-Key', o.key) +
    `Sec-WebSocket-Version: ${WEBSOCKET_VERSION}\r\n`;
  // §4.1 step 8.
  if (o.origin !== undefined) head += headerLine('Origin', o.origin);
  // §4.1 step 10: non-empty tokens (visible ASCII, no separators), all different.
  const protocols = o.protocols ?? [];
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol)) throw new TypeError(`subprotocol ${JSON.stringify(protocol)} is not a valid token`);
    if (seen.has(protocol)) throw new TypeError(`subprotocol ${JSON.stringify(protocol)} is listed twice`);
    seen.add(protocol);
  }
  if (protocols.length > 0) head += `Sec-WebSocket-Protocol: ${protocols.join(', ')}\r\n`;
  // §4.1 step 11, §9.1.
  if (o.extensions !== undefined) {
    try {
      parseExtensionHeader(o.extensions);
    } catch (error) {
      throw new TypeError(`extensions offer is invalid: ${(error as Error).message}`);
    }
    head += headerLine('Sec-WebSocket-Extensions', o.extensions);
  }
  // §4.1 step 12.
  head += extraHeaderLines(o.headers, isReservedRequestHeader);
  return head + '\r\n';
}

/** What the client sent, to check the response against. */
export interface ExpectedServerResponse {
  /** The Sec-WebSocket-Key the request carried. */
  readonly key: string;
  /** The subprotocols the request offered (may be empty). */
  readonly protocols: readonly string[];
}

/** The server's accepted handshake, as far as the core can judge it. */
export interface ValidatedResponse {
  /** The subprotocol the server chose (the _Subprotocol In Use_), or undefined for none (§4.1). */
  readonly protocol: string | undefined;
  /**
   * The extensions the server's Sec-WebSocket-Extensions names, in order, parsed but not yet
   * judged: whether each was offered and its parameters acceptable is the extension module's
   * decision (§4.1 step 5, §9.1).
   */
  readonly extensions: ExtensionOffer[];
  /** All response headers (e.g. for Set-Cookie). */
  readonly headers: HeaderList;
}

/**
 * Checks the server's response to the opening handshake (RFC 6455 §4.1, §4.2.2, §11.3).
 *
 * Throws `HandshakeError` — upon which the client must _Fail the WebSocket Connection_ — whose
 * `status` is the status code the server sent, when:
 * - the head is not an HTTP/1.1-or-later response, or its status is not 101 (§4.1 step 1);
 * - Upgrade is missing, repeated, or not `websocket` in any letter case (step 2);
 * - Connection has no `Upgrade` token in any letter case (step 3);
 * - Sec-WebSocket-Accept is missing, repeated (§11.3.3) or not the expected value (step 4);
 * - Sec-WebSocket-Protocol is repeated (§11.3.4), not a token, or not one the client offered (step 6);
 * - Sec-WebSocket-Extensions breaks the §9.1 grammar.
 *
 * Several Sec-WebSocket-Extensions lines are combined into one list: §4.2.2 step 6 lets a server
 * split them, although §11.3.2 forbids it; accepting both readings costs nothing.
 */
export function validateServerResponse(head: ParsedHead, expected: ExpectedServerResponse, sha1: Sha1): ValidatedResponse {
  if (head.kind !== 'response') throw new HandshakeError(RULES.RESPONSE_EXPECTED);
  const { status, headers } = head;
  // The client fails the connection; the error reports the status the server answered.
  const answered = { status };

  // §4.1 step 1: anything but 101 means the handshake did not complete (HTTP semantics apply).
  if (status !== 101) {
    throw new HandshakeError(RULES.RESPONSE_NOT_101, { status: `${status}${head.reason ? ` ${head.reason}` : ''}` }, answered);
  }
  if (!isHttp11OrLater(head.httpVersion)) throw new HandshakeError(RULES.RESPONSE_BELOW_HTTP11, { version: head.httpVersion }, answered);

  // §4.1 step 2: Upgrade must be exactly "websocket", ASCII case-insensitively.
  const upgrade = singleHeader(headers, 'Upgrade', (repeated) => new HandshakeError(RULES.RESPONSE_UPGRADE_REPEATED, { repeated }, answered));
  if (upgrade === undefined) throw new HandshakeError(RULES.RESPONSE_UPGRADE_MISSING, {}, answered);
  if (upgrade.toLowerCase() !== 'websocket') throw new HandshakeError(RULES.RESPONSE_UPGRADE_NOT_WEBSOCKET, { upgrade: JSON.stringify(upgrade) }, answered);

  // §4.1 step 3: Connection must contain the token "Upgrade", ASCII case-insensitively.
  if (!listHasElement(headerValues(headers, 'Connection'), 'upgrade')) throw new HandshakeError(RULES.RESPONSE_CONNECTION_NOT_UPGRADE, {}, answered);

  // §4.1 step 4 and §11.3.3: exactly one Sec-WebSocket-Accept, equal to base64(SHA-1(key + GUID)).
  const accept = singleHeader(headers, 'Sec-WebSocket-Accept', (repeated) => new HandshakeError(RULES.RESPONSE_ACCEPT_REPEATED, { repeated }, answered));
  if (accept === undefined) throw new HandshakeError(RULES.RESPONSE_ACCEPT_MISSING, {}, answered);
  if (accept !== computeAccept(expected.key, sha1)) throw new HandshakeError(RULES.RESPONSE_ACCEPT_MISMATCH, {}, answered);

  // §4.1 step 6, §4.2.2 (Sec-WebSocket-Protocol-Server = token) and §11.3.4: at most one line,
  // naming one of the offered subprotocols. With nothing offered, any value fails.
  const protocol = singleHeader(headers, 'Sec-WebSocket-Protocol', (repeated) => new HandshakeError(RULES.RESPONSE_PROTOCOL_REPEATED, { repeated }, answered));
  if (protocol !== undefined) {
    const named = { protocol: JSON.stringify(protocol) };
    if (!isToken(protocol)) throw new HandshakeError(RULES.RESPONSE_PROTOCOL_NOT_TOKEN, named, answered);
    if (!expected.protocols.includes(protocol)) throw new HandshakeError(RULES.RESPONSE_PROTOCOL_NOT_OFFERED, named, answered);
  }

  // §9.1: a malformed value fails the connection (the parser's EXTENSIONS_* rows). Which
  // extensions are acceptable is decided by the extension negotiation (§4.1 step 5), not here.
  const extensionValues = headerValues(headers, 'Sec-WebSocket-Extensions');
  const extensions: ExtensionOffer[] = extensionValues.length > 0 ? parseExtensionHeader(extensionValues.map(trimOws)) : [];
  return { protocol, extensions, headers };
}
