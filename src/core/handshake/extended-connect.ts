// RFC 8441 §4–§5 (Bootstrapping WebSockets with HTTP/2): the opening handshake as an extended
// CONNECT on one HTTP/2 stream, beside RFC 6455 §4's GET + Upgrade. The request carries
// `:method CONNECT` and `:protocol websocket` instead of Upgrade/Connection, `:authority` instead
// of Host, and no Sec-WebSocket-Key/Accept; the answer is `:status 200`. Origin, version,
// subprotocols and extensions mean what RFC 6455 says (§5), and are negotiated by the same code.
// Headers are plain objects with lower-case names (RFC 9113 §8.2.1), as Node's http2 gives them.

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { acceptServerExtensions, negotiateServerExtensions, offerExtensions, type Extension, type ExtensionFactory } from '../extensions/extension.js';
import { WEBSOCKET_VERSION } from './accept-key.js';
import { parseExtensionHeader, parseTokenList, type ExtensionOffer } from './extension-header.js';
import { headerLine, singleHeader } from './header-fields.js';
import { headerValues, isToken, type HeaderList } from './http-head.js';
import { selectSubprotocol } from './server-handshake.js';
import type { WebSocketUri } from './uri.js';

/** HTTP/2 header fields as Node's http2 module gives and takes them: lower-case names, pseudo-headers included. */
export type Http2Headers = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** HTTP/2 error codes (RFC 9113 §7) that a refused extended CONNECT may reset its stream with. */
export const Http2ErrorCode = {
  /** A malformed request (RFC 9113 §8.1.1). */
  PROTOCOL_ERROR: 0x1,
  /** RFC 8441 §5: a WebSocket that fails rather than closes ends its stream with CANCEL. */
  CANCEL: 0x8,
} as const;

/**
 * The request is not a well-formed HTTP/2 request at all (RFC 9113 §8.1.1): no HTTP answer is
 * due; the stream is reset with `code` (PROTOCOL_ERROR).
 */
export class MalformedStreamError extends Error {
  /** Always `MalformedStreamError`. */
  override readonly name = 'MalformedStreamError';
  constructor(
    message: string,
    /** The RST_STREAM error code to send (RFC 9113 §7). */
    readonly code: number = Http2ErrorCode.PROTOCOL_ERROR,
  ) {
    super(message);
  }
}

/** A valid extended CONNECT for a WebSocket (RFC 8441 §5): what the server answers from. */
export interface ValidatedExtendedConnect {
  /** The protocol version: always 13, anything else is refused (RFC 6455 §4.2.1 item 6). */
  readonly version: 13;
  /** The offered subprotocols, client's preference first (empty if none). */
  readonly protocols: string[];
  /** The offered extensions, in the client's order (empty if none). */
  readonly extensions: ExtensionOffer[];
  /** The Origin header, lower-cased, or undefined (RFC 6455 §4.2.1 item 7, §4.2.2 step 4). */
  readonly origin: string | undefined;
  /** `:authority`, standing for RFC 6455's Host (RFC 8441 §5). */
  readonly host: string;
  /** `:path`: the WebSocket URI's resource name (RFC 8441 §5). */
  readonly path: string;
  /** `:scheme`: `https` for wss, `http` for ws (RFC 8441 §5). */
  readonly scheme: 'http' | 'https';
  /** The regular (non-pseudo) header fields, for the application (cookies, authorization, …). */
  readonly headers: HeaderList;
}

/** The regular header fields of an HTTP/2 header object as a list (arrays become several lines). */
export function http2HeaderList(headers: Http2Headers): HeaderList {
  const list: (readonly [string, string])[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) list.push([name, v]);
    else list.push([name, String(value)]);
  }
  return list;
}

/** True for a CONNECT that names a protocol to tunnel (RFC 8441 §4), whatever that protocol is. */
export function isExtendedConnect(headers: Http2Headers): boolean {
  return headers[':method'] === 'CONNECT' && headers[':protocol'] !== undefined;
}

// Header fields HTTP/2 forbids in any message (RFC 9113 §8.2.2); RFC 8441 §5 names the first two.
const CONNECTION_SPECIFIC = ['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding'];

/**
 * Checks a client's extended CONNECT (RFC 8441 §4–§5 with RFC 6455 §4.2.1). `secure` says
 * whether the HTTP/2 connection runs over TLS. Throws:
 * - `MalformedStreamError` (reset with PROTOCOL_ERROR, RFC 9113 §8.1.1) when the request breaks
 *   HTTP/2 itself: `:method` is CONNECT with `:protocol` but no `:scheme` or `:path` (RFC 8441 §4),
 *   or a connection-specific field such as Connection or Upgrade is present (RFC 8441 §5, RFC 9113 §8.2.2);
 * - `HandshakeError` with the `:status` to answer:
 *   405 (`allow: CONNECT`) for another method; 400 when `:protocol` is missing (a plain CONNECT
 *   asks for a tunnel to `:authority`, which a WebSocket endpoint never opens, RFC 8441 §4) or is
 *   not `websocket` (§5), when `:scheme` does not match the connection (`https` over TLS, `http`
 *   without, §5), when `:authority` is missing (it stands for Host, §5), when the version is
 *   missing, repeated or not 13 (with `sec-websocket-version: 13`; not 426, whose required
 *   Upgrade field HTTP/2 forbids), and for bad protocol or extension lists or a repeated Origin,
 *   as RFC 6455 §4.2.1 does. A Sec-WebSocket-Key is ignored (§5: not processed).
 */
export function validateExtendedConnect(headers: Http2Headers, secure: boolean): ValidatedExtendedConnect {
  const method = headers[':method'];
  if (method !== 'CONNECT') {
    throw new HandshakeError(RULES.H2_REQUEST_NOT_CONNECT, { method: JSON.stringify(method) }, { headers: { allow: 'CONNECT' } });
  }
  const protocol = headers[':protocol'];
  const scheme = headers[':scheme'];
  const path = headers[':path'];
  // RFC 8441 §4: with :protocol, :scheme and :path MUST be present; RFC 9113 §8.5: without it they MUST NOT.
  if (protocol !== undefined ? scheme === undefined || path === undefined : scheme !== undefined || path !== undefined) {
    throw new MalformedStreamError(
      protocol !== undefined ? 'an extended CONNECT needs :scheme and :path (RFC 8441 §4)' : 'a CONNECT without :protocol may not carry :scheme or :path (RFC 9113 §8.5)',
    );
  }
  const list = http2HeaderList(headers);
  // RFC 8441 §5 (Connection and Upgrade MUST NOT be included), RFC 9113 §8.2.2: malformed.
  const forbidden = list.find(([name]) => CONNECTION_SPECIFIC.includes(name.toLowerCase()));
  if (forbidden) throw new MalformedStreamError(`the connection-specific field ${forbidden[0]} may not appear in HTTP/2 (RFC 8441 §5)`);
  // RFC 8441 §4: a plain CONNECT would open a tunnel to :authority; a WebSocket endpoint never does.
  if (protocol === undefined) throw new HandshakeError(RULES.H2_PROTOCOL_MISSING);
  // RFC 8441 §5: :protocol MUST be "websocket" (an upgrade token, compared exactly as sent lower-case).
  if (protocol !== 'websocket') throw new HandshakeError(RULES.H2_PROTOCOL_NOT_WEBSOCKET, { protocol: JSON.stringify(protocol) });
  // RFC 8441 §5: "https" for wss, "http" for ws — the scheme must match the connection it came on.
  const expectedScheme = secure ? 'https' : 'http';
  if (scheme !== expectedScheme) {
    throw new HandshakeError(RULES.H2_SCHEME_MISMATCH, { scheme: JSON.stringify(scheme), tls: secure ? 'with' : 'without', expected: expectedScheme });
  }
  const pathText = String(path);
  if (!pathText.startsWith('/')) throw new HandshakeError(RULES.H2_PATH_NOT_RESOURCE, { path: JSON.stringify(pathText) });
  const authority = headers[':authority'];
  if (typeof authority !== 'string' || authority === '') throw new HandshakeError(RULES.H2_AUTHORITY_MISSING);
  // RFC 8441 §5: Sec-WebSocket-Key and -Accept are not processed (superseded by :protocol): a key
  // that some clients still send (undici does) is ignored, and no accept is answered.
  // RFC 6455 §4.2.1 item 6, §4.4 (answer with the version we speak), §11.3.5 (at most once).
  const versionHeader = { headers: { 'sec-websocket-version': String(WEBSOCKET_VERSION) } };
  const version = singleHeader(list, 'sec-websocket-version', (repeated) => new HandshakeError(RULES.H2_VERSION_REPEATED, { repeated }, versionHeader));
  if (version !== String(WEBSOCKET_VERSION)) {
    const problem = version === undefined ? 'is missing' : `${JSON.stringify(version)} is not 13`;
    throw new HandshakeError(RULES.H2_VERSION_NOT_13, { problem }, versionHeader);
  }
  const offers = readOffers(list);
  return { version: WEBSOCKET_VERSION, ...offers, host: authority, path: pathText, scheme: expectedScheme, headers: list };
}

/** RFC 6455 §4.2.1 items 7–9 on an HTTP/2 request: subprotocols (distinct tokens), extensions (§9.1), Origin. */
function readOffers(list: HeaderList): Pick<ValidatedExtendedConnect, 'protocols' | 'extensions' | 'origin'> {
  const protocolValues = headerValues(list, 'sec-websocket-protocol');
  const protocols = protocolValues.length > 0 ? parseTokenList(protocolValues) : [];
  const repeated = protocols.find((p, i) => protocols.indexOf(p) !== i);
  if (repeated !== undefined) throw new HandshakeError(RULES.H2_PROTOCOL_REPEATED, { protocol: JSON.stringify(repeated) });
  const extensionValues = headerValues(list, 'sec-websocket-extensions');
  const extensions = extensionValues.length > 0 ? parseExtensionHeader(extensionValues) : [];
  const origin = singleHeader(list, 'origin', (repeated) => new HandshakeError(RULES.H2_ORIGIN_REPEATED, { repeated }))?.toLowerCase();
  return { protocols, extensions, origin };
}

// Response fields the handshake sets itself, and those HTTP/2 forbids (RFC 9113 §8.2.2).
function isReservedField(lowerName: string): boolean {
  return lowerName.startsWith(':') || lowerName.startsWith('sec-websocket-') || lowerName === 'content-length' || CONNECTION_SPECIFIC.includes(lowerName);
}

/** Extra header fields for an HTTP/2 message, names lower-cased (RFC 9113 §8.2.1). Throws `TypeError`. */
function extraFields(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (isReservedField(lower)) throw new TypeError(`header "${name}" is set by the WebSocket handshake or forbidden in HTTP/2`);
    headerLine(lower, value); // throws TypeError for a bad name or a value with CR/LF/controls
    fields[lower] = value;
  }
  return fields;
}

/** How a server answers an extended CONNECT: the same choices as RFC 6455 §4.2.2, no SHA-1 needed. */
export interface ExtendedConnectAnswerOptions {
  /** Subprotocols the server speaks, preferred first, or a chooser (RFC 6455 §4.2.2 step 4). */
  readonly protocols?: readonly string[] | ((offered: readonly string[]) => string | undefined);
  /** Extensions the server can accept (RFC 6455 §9.1). */
  readonly extensions?: readonly ExtensionFactory[];
  /** Extra response fields (e.g. set-cookie). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The server's accepting answer (RFC 8441 §5): the response header fields and what was agreed. */
export interface ExtendedConnectAnswer {
  /** `:status 200`, then sec-websocket-protocol / -extensions when chosen, then the extra fields. */
  readonly headers: Record<string, string | number>;
  /** The subprotocol selected, or undefined. */
  readonly protocol: string | undefined;
  /** The extensions accepted, in the order the response names them. */
  readonly extensions: Extension[];
}

/**
 * Answers a valid extended CONNECT (RFC 8441 §5, RFC 6455 §4.2.2 step 5 without the accept key):
 * the subprotocol and extensions are chosen exactly as for HTTP/1.1 (`selectSubprotocol`,
 * `negotiateServerExtensions`). Throws `TypeError` for misuse (a chooser returning a protocol not
 * offered, extra fields that are reserved or malformed).
 */
export function answerExtendedConnect(request: ValidatedExtendedConnect, options: ExtendedConnectAnswerOptions = {}): ExtendedConnectAnswer {
  const extra = extraFields(options.headers);
  const protocol = options.protocols ? selectSubprotocol(request.protocols, options.protocols) : undefined;
  const { extensions, responseHeader } = negotiateServerExtensions(request.extensions, options.extensions ?? []);
  const headers: Record<string, string | number> = { ':status': 200 };
  if (protocol !== undefined) headers['sec-websocket-protocol'] = protocol;
  if (responseHeader !== undefined) headers['sec-websocket-extensions'] = responseHeader;
  return { headers: { ...headers, ...extra }, protocol, extensions };
}

/** What a client's extended CONNECT is built from (RFC 8441 §5). */
export interface ExtendedConnectRequestOptions {
  /** The `ws:`/`wss:` URI (RFC 6455 §3): gives `:scheme`, `:authority` and `:path`. */
  readonly uri: WebSocketUri;
  /** Subprotocols to offer, preferred first; tokens, no repeats (RFC 6455 §4.1 step 10). */
  readonly protocols?: readonly string[];
  /** Extensions to offer (RFC 6455 §9.1). */
  readonly extensions?: readonly ExtensionFactory[];
  /** The Origin to send (RFC 6455 §4.1 step 8). */
  readonly origin?: string;
  /** Extra request fields such as authorization or cookie. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Builds the client's extended CONNECT (RFC 8441 §4–§5): `:method CONNECT`, `:protocol websocket`,
 * `:scheme` https for wss and http for ws, `:path` the resource name, `:authority` what Host would
 * be, `sec-websocket-version: 13`, then the optional origin, subprotocols and extensions. No key,
 * no Upgrade or Connection. Throws `TypeError` for misuse (bad or repeated subprotocols, reserved
 * or malformed extra fields).
 */
export function buildExtendedConnectRequest(o: ExtendedConnectRequestOptions): Record<string, string> {
  const protocols = o.protocols ?? [];
  for (const [i, p] of protocols.entries()) {
    if (typeof p !== 'string' || !isToken(p)) throw new TypeError(`subprotocol ${JSON.stringify(p)} is not a valid token`);
    if (protocols.indexOf(p) !== i) throw new TypeError(`subprotocol ${JSON.stringify(p)} is listed twice`);
  }
  const extra = extraFields(o.headers);
  if ('origin' in extra) throw new TypeError('give the origin as the origin option, not as an extra header');
  const request: Record<string, string> = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': o.uri.secure ? 'https' : 'http',
    ':path': o.uri.resourceName,
    ':authority': o.uri.hostHeader,
    'sec-websocket-version': String(WEBSOCKET_VERSION),
  };
  if (o.origin !== undefined) {
    headerLine('origin', o.origin); // throws TypeError for CR/LF or control characters
    request.origin = o.origin;
  }
  if (protocols.length > 0) request['sec-websocket-protocol'] = protocols.join(', ');
  const offer = offerExtensions(o.extensions ?? []);
  if (offer !== undefined) request['sec-websocket-extensions'] = offer;
  return { ...request, ...extra };
}

/** The server's accepted extended CONNECT, judged by the client. */
export interface ValidatedExtendedConnectResponse {
  /** The subprotocol the server chose, or undefined (RFC 6455 §4.1 step 6). */
  readonly protocol: string | undefined;
  /** The extensions agreed (each offered, parameters acceptable: RFC 6455 §4.1 step 5, §9.1). */
  readonly extensions: Extension[];
  /** The regular response fields (e.g. set-cookie). */
  readonly headers: HeaderList;
}

/**
 * Checks the server's answer to an extended CONNECT (RFC 8441 §5 with RFC 6455 §4.1). Throws
 * `HandshakeError` carrying the status the server sent — the client must then fail the
 * WebSocket (reset the stream with CANCEL) — when `:status` is not 200 (any other status means
 * no tunnel, RFC 9110 §9.3.6), when sec-websocket-protocol is repeated, not a token or not offered,
 * or when sec-websocket-extensions is malformed or names what was not offered.
 */
export function validateExtendedConnectResponse(
  headers: Http2Headers,
  offered: { readonly protocols?: readonly string[]; readonly extensions?: readonly ExtensionFactory[] },
): ValidatedExtendedConnectResponse {
  const status = Number(headers[':status']);
  if (status !== 200) throw new HandshakeError(RULES.H2_RESPONSE_NOT_200, { status: String(headers[':status']) }, { status: status || 400 });
  const answered = { status };
  const list = http2HeaderList(headers);
  const protocol = singleHeader(list, 'sec-websocket-protocol', (repeated) => new HandshakeError(RULES.H2_RESPONSE_PROTOCOL_REPEATED, { repeated }, answered));
  if (protocol !== undefined && (!isToken(protocol) || !(offered.protocols ?? []).includes(protocol))) {
    throw new HandshakeError(RULES.H2_RESPONSE_PROTOCOL_NOT_OFFERED, { protocol: JSON.stringify(protocol) }, answered);
  }
  // §9.1: a malformed value fails with the parser's own EXTENSIONS_* row.
  const extensionValues = headerValues(list, 'sec-websocket-extensions');
  const response: ExtensionOffer[] = extensionValues.length > 0 ? parseExtensionHeader(extensionValues) : [];
  return { protocol, extensions: acceptServerExtensions(response, offered.extensions ?? []), headers: list };
}
