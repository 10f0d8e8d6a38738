// RFC 6455 §7.1.7, §4.2.1, §10.7 (and RFC 7692 §6, §7): the table of every check the core
// applies to what a peer sends. A row names the requirement it enforces (its id in
// spec-tests/requirements/*.json), a stable code, what is checked, the close code (after the
// handshake) or HTTP status (during it), the message (`{name}` marks a detail filled in where
// the rule is applied) and the docs section that explains it. Each row is applied at exactly
// one place in src/core, which names it as `RULES.KEY`; src/core/README.md lists those places.
// Rows are in the RFC's order. (Close codes are written as numbers: this module imports nothing.)

/** One check the protocol core applies, and what follows when input breaks it. */
export interface Rule {
  /** The requirement id in the catalog (`spec-tests/requirements/*.json`), e.g. `6455-5.1-2`. */
  readonly id: string;
  /** A stable code for programs, `WSREF_` + the row's key, e.g. `WSREF_UNMASKED_CLIENT_FRAME`. */
  readonly code: string;
  /** What is checked, in words. */
  readonly checks: string;
  /** Frame-level rules: the status code the connection is closed with (RFC 6455 §7.4.1). */
  readonly closeCode?: number;
  /** Handshake rules applied by a server: the HTTP status to answer with. */
  readonly status?: number;
  /** The error message; `{name}` is replaced by the detail of that name. */
  readonly message: string;
  /** The docs page and section that explain the rule, e.g. `/framing#masking`. */
  readonly docs: string;
}

type Row = Omit<Rule, 'code'>;

// The key is the code without its prefix; spelling it once keeps the two from drifting apart.
function table<K extends string>(rows: Record<K, Row>): Record<K, Rule> {
  const rules = {} as Record<K, Rule>;
  for (const key of Object.keys(rows) as K[]) rules[key] = Object.freeze({ ...rows[key], code: `WSREF_${key}` });
  return Object.freeze(rules);
}

const REQUEST = 'invalid WebSocket handshake request: ';
const RESPONSE = 'invalid server handshake: ';
const SERVER_REFUSES = '/handshake#the-server-refuses';
const CLIENT_REJECTS = '/handshake#the-client-rejects-the-response';
const H2 = 'invalid extended CONNECT for a WebSocket: ';
const H2_ANSWER = 'invalid server answer to the extended CONNECT: ';
const H2_FAILS = '/http2#when-the-handshake-fails';

/** Every check the core applies, by key (the stable code is `WSREF_` + the key), in the RFC's order. */
export const RULES = table({
  // §4.1: the client's checks of the server's response (the client fails the connection).
  RESPONSE_EXPECTED: { id: '6455-4.1-42', checks: 'the reply to the request is an HTTP response', message: 'expected an HTTP response from the server, got a request', docs: CLIENT_REJECTS },
  RESPONSE_NOT_101: { id: '6455-4.1-42', checks: 'the response status is 101 Switching Protocols', message: 'server answered {status} instead of 101 Switching Protocols', docs: CLIENT_REJECTS },
  RESPONSE_BELOW_HTTP11: { id: '6455-4.1-42', checks: 'the response is HTTP/1.1 or later', message: `${RESPONSE}HTTP/{version} cannot switch protocols; HTTP/1.1 is required`, docs: CLIENT_REJECTS },
  RESPONSE_UPGRADE_REPEATED: { id: '6455-4.1-37', checks: 'the response has one Upgrade field', message: `${RESPONSE}{repeated}`, docs: CLIENT_REJECTS },
  RESPONSE_UPGRADE_MISSING: { id: '6455-4.1-37', checks: 'the response has an Upgrade field', message: `${RESPONSE}the Upgrade header is missing`, docs: CLIENT_REJECTS },
  RESPONSE_UPGRADE_NOT_WEBSOCKET: { id: '6455-4.1-37', checks: 'Upgrade is "websocket" in any letter case', message: `${RESPONSE}Upgrade is {upgrade}, not "websocket"`, docs: CLIENT_REJECTS },
  RESPONSE_CONNECTION_NOT_UPGRADE: { id: '6455-4.1-38', checks: 'Connection contains the token "Upgrade" in any letter case', message: `${RESPONSE}the Connection header does not contain "Upgrade"`, docs: CLIENT_REJECTS },
  RESPONSE_ACCEPT_REPEATED: { id: '6455-11.3.3-1', checks: 'the response has one Sec-WebSocket-Accept field', message: `${RESPONSE}{repeated}`, docs: CLIENT_REJECTS },
  RESPONSE_ACCEPT_MISSING: { id: '6455-4.1-39', checks: 'the response has a Sec-WebSocket-Accept field', message: `${RESPONSE}the Sec-WebSocket-Accept header is missing`, docs: CLIENT_REJECTS },
  RESPONSE_ACCEPT_MISMATCH: { id: '6455-4.1-39', checks: 'Sec-WebSocket-Accept is base64(SHA-1(key + GUID)) of the key sent', message: `${RESPONSE}Sec-WebSocket-Accept does not match the key that was sent`, docs: '/handshake#sec-websocket-accept-worked-through' },
  RESPONSE_PROTOCOL_REPEATED: { id: '6455-11.3.4-2', checks: 'the response has at most one Sec-WebSocket-Protocol field', message: `${RESPONSE}{repeated}`, docs: CLIENT_REJECTS },
  RESPONSE_PROTOCOL_NOT_TOKEN: { id: '6455-4.1-41', checks: 'a chosen subprotocol is a single token', message: `${RESPONSE}Sec-WebSocket-Protocol {protocol} is not a single token`, docs: CLIENT_REJECTS },
  RESPONSE_PROTOCOL_NOT_OFFERED: { id: '6455-4.1-41', checks: 'a chosen subprotocol is one the client offered', message: `${RESPONSE}the server chose subprotocol {protocol}, which was not offered`, docs: CLIENT_REJECTS },
  EXTENSION_NOT_OFFERED: { id: '6455-4.1-40', checks: 'every accepted extension was offered', message: 'server accepted extension {name} that was not offered', docs: '/extensions#the-framework-rfc-6455-9' },
  EXTENSION_REPEATED: { id: '6455-4.1-42', checks: 'the response accepts each extension once', message: 'server named extension {name} twice', docs: '/extensions#the-framework-rfc-6455-9' },

  // §4.2.1: the server's checks of the client's request (answered with an HTTP error).
  REQUEST_EXPECTED: { id: '6455-4.2.1-1', checks: 'what a client sends first is an HTTP request', status: 400, message: 'expected an HTTP request', docs: SERVER_REFUSES },
  REQUEST_NOT_GET: { id: '6455-4.2.1-1', checks: 'the method is GET (405 with Allow: GET otherwise)', status: 405, message: 'WebSocket handshake must use GET, not {method}', docs: SERVER_REFUSES },
  REQUEST_BELOW_HTTP11: { id: '6455-4.2.1-1', checks: 'the request is HTTP/1.1 or later', status: 400, message: `${REQUEST}HTTP/{version} is below HTTP/1.1`, docs: SERVER_REFUSES },
  REQUEST_HOST_REPEATED: { id: '6455-4.2.1-1', checks: 'the request has one Host field (RFC 9112 §3.2)', status: 400, message: `${REQUEST}{repeated}`, docs: SERVER_REFUSES },
  REQUEST_HOST_MISSING: { id: '6455-4.2.1-1', checks: 'the request has a non-empty Host field', status: 400, message: `${REQUEST}the Host header is missing`, docs: SERVER_REFUSES },
  REQUEST_UPGRADE_NOT_WEBSOCKET: { id: '6455-4.2.1-1', checks: 'Upgrade contains "websocket" in any letter case', status: 400, message: `${REQUEST}the Upgrade header does not contain "websocket"`, docs: SERVER_REFUSES },
  REQUEST_CONNECTION_NOT_UPGRADE: { id: '6455-4.2.1-1', checks: 'Connection contains the token "Upgrade" in any letter case', status: 400, message: `${REQUEST}the Connection header does not contain "Upgrade"`, docs: SERVER_REFUSES },
  REQUEST_VERSION_REPEATED: { id: '6455-11.3.5-2', checks: 'the request has one Sec-WebSocket-Version field', status: 400, message: `${REQUEST}{repeated}`, docs: '/handshake#version-negotiation-426-422-44' },
  REQUEST_VERSION_MISSING: { id: '6455-4.2.1-1', checks: 'the request has a Sec-WebSocket-Version field', status: 400, message: `${REQUEST}the Sec-WebSocket-Version header is missing`, docs: '/handshake#version-negotiation-426-422-44' },
  REQUEST_VERSION_MALFORMED: { id: '6455-4.2.1-1', checks: 'Sec-WebSocket-Version is a version number (§4.3 grammar)', status: 400, message: `${REQUEST}Sec-WebSocket-Version {version} is not a version number`, docs: '/handshake#version-negotiation-426-422-44' },
  REQUEST_VERSION_UNSUPPORTED: { id: '6455-4.2.2-6', checks: 'the version is 13 (426 with Sec-WebSocket-Version: 13 otherwise)', status: 426, message: 'unsupported WebSocket version {version}; this server speaks version 13', docs: '/handshake#version-negotiation-426-422-44' },
  REQUEST_KEY_REPEATED: { id: '6455-11.3.1-1', checks: 'the request has one Sec-WebSocket-Key field', status: 400, message: `${REQUEST}{repeated}`, docs: SERVER_REFUSES },
  REQUEST_KEY_MISSING: { id: '6455-4.2.1-1', checks: 'the request has a Sec-WebSocket-Key field', status: 400, message: `${REQUEST}the Sec-WebSocket-Key header is missing`, docs: SERVER_REFUSES },
  REQUEST_KEY_MALFORMED: { id: '6455-4.2.1-1', checks: 'Sec-WebSocket-Key is base64 of 16 bytes', status: 400, message: `${REQUEST}Sec-WebSocket-Key {key} is not base64 of 16 bytes`, docs: SERVER_REFUSES },
  REQUEST_PROTOCOL_REPEATED: { id: '6455-4.1-32', checks: 'no subprotocol is offered twice', status: 400, message: `${REQUEST}subprotocol {protocol} is offered twice`, docs: '/handshake#subprotocols-19-41-item-10-422' },
  REQUEST_ORIGIN_REPEATED: { id: '6455-4.2.1-1', checks: 'the request has at most one Origin field', status: 400, message: `${REQUEST}{repeated}`, docs: SERVER_REFUSES },

  // §4 with RFC 9112: the HTTP head itself, read with limits (either side).
  HTTP_HEAD_MALFORMED: { id: '6455-4.2.1-1', checks: 'the head follows the HTTP/1.1 grammar (CRLF lines, tokens, no obs-fold)', status: 400, message: 'malformed HTTP head: {what}', docs: '/security#header-parsing-and-the-cves-of-others' },
  HTTP_HEAD_TOO_LARGE: { id: '6455-10.7-4', checks: 'the head fits in maxHeadBytes', status: 431, message: 'HTTP head is larger than {limit} bytes', docs: '/security-defences#the-opening-handshake' },
  HTTP_HEAD_TOO_MANY_FIELDS: { id: '6455-10.7-4', checks: 'the head has at most maxHeaders fields', status: 431, message: 'HTTP head has more than {limit} header fields', docs: '/security-defences#the-opening-handshake' },
  TOKEN_LIST_MALFORMED: { id: '6455-4.1-32', checks: 'a list header (Sec-WebSocket-Protocol) is 1#token', status: 400, message: 'malformed {header}: {what}', docs: '/handshake#subprotocols-19-41-item-10-422' },

  // §5.1, §5.2: the frame header (frame-level rules close the connection).
  UNMASKED_CLIENT_FRAME: { id: '6455-5.1-2', checks: 'a server receives only masked frames', closeCode: 1002, message: 'unmasked frame from client', docs: '/framing#masking' },
  MASKED_SERVER_FRAME: { id: '6455-5.1-5', checks: 'a client receives only unmasked frames', closeCode: 1002, message: 'masked frame from server', docs: '/framing#masking' },
  RSV_WITHOUT_EXTENSION: { id: '6455-5.2-3', checks: 'RSV bits of a data frame are 0 unless a negotiated extension claims them', closeCode: 1002, message: 'RSV bits {rsv} set without a negotiated extension', docs: '/framing#the-header' },
  RESERVED_OPCODE: { id: '6455-5.2-4', checks: 'the opcode is one the RFC defines', closeCode: 1002, message: 'reserved opcode {opcode}', docs: '/framing#opcodes' },
  LENGTH_HIGH_BIT: { id: '6455-5.2-5', checks: 'the most significant bit of a 64-bit length is 0', closeCode: 1002, message: '64-bit payload length with the high bit set', docs: '/framing#the-three-length-forms' },
  LENGTH_NOT_MINIMAL: { id: '6455-5.2-6', checks: 'the length uses the shortest of the three forms', closeCode: 1002, message: 'payload length not in minimal form', docs: '/framing#the-three-length-forms' },

  // §5.4, §5.5: fragmentation and control frames.
  DATA_FRAME_INSIDE_MESSAGE: { id: '6455-5.4-4', checks: 'a new message starts only after the previous one\'s final frame', closeCode: 1002, message: 'new data frame inside a fragmented message', docs: '/framing#fragmentation-54' },
  CONTINUATION_WITHOUT_MESSAGE: { id: '6455-5.4-12', checks: 'a continuation frame continues a message in progress', closeCode: 1002, message: 'continuation frame without a message to continue', docs: '/framing#fragmentation-54' },
  CONTROL_FRAME_FRAGMENTED: { id: '6455-5.4-2', checks: 'a control frame has FIN set', closeCode: 1002, message: 'fragmented control frame', docs: '/control-frames#control-frames-in-general-55' },
  CONTROL_FRAME_TOO_LONG: { id: '6455-5.5-1', checks: 'a control frame carries at most 125 bytes', closeCode: 1002, message: 'control frame payload of {length} bytes (max 125)', docs: '/control-frames#control-frames-in-general-55' },
  CONTROL_FRAME_RSV: { id: '6455-5.2-3', checks: 'RSV bits of a control frame are 0 (no extension claims them)', closeCode: 1002, message: 'RSV bit set on a control frame', docs: '/control-frames#control-frames-in-general-55' },
  CLOSE_BODY_ONE_BYTE: { id: '6455-5.5.1-2', checks: 'a close body is empty or starts with a 2-byte code', closeCode: 1002, message: 'close frame body of 1 byte', docs: '/closing#the-close-frame-551' },

  // §7.4, §8.1: close codes and UTF-8.
  CLOSE_CODE_INVALID: { id: '6455-7.4.1-1', checks: 'a received close code is one that may be sent (§7.4.1, §7.4.2)', closeCode: 1002, message: 'invalid close code {code}', docs: '/closing#what-wsref-accepts-and-sends' },
  CLOSE_REASON_NOT_UTF8: { id: '6455-8.1-1', checks: 'a close reason is valid UTF-8', closeCode: 1007, message: 'close reason is not valid UTF-8', docs: '/closing#the-close-frame-551' },
  TEXT_NOT_UTF8: { id: '6455-8.1-1', checks: 'a text message is valid UTF-8, checked as its bytes arrive', closeCode: 1007, message: 'text message is not valid UTF-8', docs: '/security#invalid-data-and-utf-8-81-107' },
  TEXT_ENDS_MID_CHARACTER: { id: '6455-8.1-1', checks: 'a text message does not end inside a UTF-8 sequence', closeCode: 1007, message: 'text message ends inside a UTF-8 sequence', docs: '/security#invalid-data-and-utf-8-81-107' },

  // §9.1: the extension header grammar, and extension negotiation (RFC 7692 §5, §7).
  EXTENSIONS_MALFORMED: { id: '6455-9.1-1', checks: 'Sec-WebSocket-Extensions follows the §9.1 grammar', status: 400, message: 'malformed {header} at character {position} (found {found} in {context}): {what}', docs: '/handshake#extensions-91' },
  EXTENSIONS_EMPTY: { id: '6455-9.1-1', checks: 'Sec-WebSocket-Extensions names at least one extension', status: 400, message: 'Sec-WebSocket-Extensions names no extension', docs: '/handshake#extensions-91' },
  EXTENSION_RSV_CONFLICT: { id: '7692-5-8', checks: 'no two accepted extensions claim the same RSV bit', message: 'extension {name} claims an RSV bit already in use', docs: '/extensions#the-framework-rfc-6455-9' },
  PMD_RESPONSE_INVALID: { id: '7692-7-2', checks: 'the permessage-deflate response has known, valid, unrepeated parameters the client can use', message: 'permessage-deflate: invalid server response ({why}); RFC 7692 §7 requires failing the connection', docs: '/extensions#the-four-parameters-rfc-7692-71' },
  DEFLATE_FRAME_RESPONSE_INVALID: { id: '6455-9.1-5', checks: 'the deflate-frame response has only parameters the draft defines', message: '{name}: invalid server response ({why})', docs: '/extensions#deflate-frame-and-x-webkit-deflate-frame' },

  // RFC 7692 §6: the compressed bit; §8 and RFC 6455 §10.4: limits.
  PMD_RSV1_ON_CONTINUATION: { id: '7692-6.1-4', checks: 'permessage-deflate: RSV1 is set on a message\'s first frame only', closeCode: 1002, message: 'RFC 7692 §6.1: RSV1 set on a continuation frame', docs: '/extensions#on-the-wire' },
  INFLATE_FAILED: { id: '7692-6.2-1', checks: 'compressed data inflates', closeCode: 1007, message: '{what} cannot be inflated ({cause})', docs: '/extensions#on-the-wire' },
  LENGTH_BEYOND_2_53: { id: '6455-10.4-2', checks: 'a 64-bit length is at most 2^53 - 1 (no limit could admit more)', closeCode: 1009, message: 'payload length beyond 2^53 - 1', docs: '/framing#the-three-length-forms' },
  MESSAGE_TOO_BIG: { id: '6455-10.4-2', checks: 'a message stays within maxMessageSize, refused before it is buffered', closeCode: 1009, message: '{what} exceeds maxMessageSize {limit}', docs: '/security-defences#message-size-1009-before-the-memory-is-spent' },
  COMPRESSED_TOO_BIG: { id: '6455-10.4-2', checks: 'compressed bytes stay within what maxMessageSize can need on the wire', closeCode: 1009, message: 'compressed data of {length} bytes exceeds the wire limit {wireLimit} for maxMessageSize {limit}', docs: '/security-defences#message-size-1009-before-the-memory-is-spent' },
  INFLATE_TOO_BIG: { id: '6455-10.4-2', checks: 'inflating stops at the bytes the message may still grow by', closeCode: 1009, message: '{what} inflates to more than the {limit} bytes the message may still grow by', docs: '/security-defences#decompression-bombs-rfc-7692-8' },

  // RFC 8441 §4–§5: a WebSocket over HTTP/2 (extended CONNECT), with RFC 6455's field rules.
  H2_REQUEST_NOT_CONNECT: { id: '8441-5-1', checks: 'the method is CONNECT (405 with allow: CONNECT otherwise)', status: 405, message: 'a WebSocket over HTTP/2 opens with CONNECT, not {method}', docs: H2_FAILS },
  H2_PROTOCOL_MISSING: { id: '8441-4-3', checks: 'the CONNECT names :protocol (a plain CONNECT asks for a tunnel, never opened)', status: 400, message: `${H2}CONNECT without :protocol asks for a tunnel, which this endpoint does not open; send :protocol websocket`, docs: H2_FAILS },
  H2_PROTOCOL_NOT_WEBSOCKET: { id: '8441-5-1', checks: ':protocol is exactly "websocket"', status: 400, message: `${H2}:protocol is {protocol}, not "websocket"`, docs: H2_FAILS },
  H2_SCHEME_MISMATCH: { id: '8441-5-2', checks: ':scheme is https on a TLS connection and http without', status: 400, message: `${H2}:scheme is {scheme} on a connection {tls} TLS; expected "{expected}"`, docs: H2_FAILS },
  H2_PATH_NOT_RESOURCE: { id: '8441-4-2', checks: ':path is a resource name (starts with "/")', status: 400, message: `${H2}:path {path} is not a resource name`, docs: H2_FAILS },
  H2_AUTHORITY_MISSING: { id: '8441-4-3', checks: ':authority is present (it stands for Host)', status: 400, message: `${H2}:authority is missing; it stands for Host (RFC 8441 §5)`, docs: H2_FAILS },
  H2_VERSION_REPEATED: { id: '6455-11.3.5-2', checks: 'the CONNECT has one sec-websocket-version field', status: 400, message: `${H2}{repeated}`, docs: H2_FAILS },
  H2_VERSION_NOT_13: { id: '6455-4.2.2-6', checks: 'sec-websocket-version is 13 (400 naming 13: HTTP/2 has no 426 upgrade)', status: 400, message: `${H2}sec-websocket-version {problem}`, docs: H2_FAILS },
  H2_PROTOCOL_REPEATED: { id: '6455-4.1-32', checks: 'no subprotocol is offered twice', status: 400, message: `${H2}subprotocol {protocol} is offered twice`, docs: H2_FAILS },
  H2_ORIGIN_REPEATED: { id: '6455-4.2.1-1', checks: 'the CONNECT has at most one origin field', status: 400, message: `${H2}{repeated}`, docs: H2_FAILS },
  H2_RESPONSE_NOT_200: { id: '6455-4.1-42', checks: 'the answer to the extended CONNECT is :status 200', message: 'server answered the extended CONNECT with {status}, not 200', docs: H2_FAILS },
  H2_RESPONSE_PROTOCOL_REPEATED: { id: '6455-11.3.4-2', checks: 'the answer has at most one sec-websocket-protocol field', message: `${H2_ANSWER}{repeated}`, docs: H2_FAILS },
  H2_RESPONSE_PROTOCOL_NOT_OFFERED: { id: '6455-4.1-41', checks: 'a chosen subprotocol is a token the client offered', message: `${H2_ANSWER}the server chose subprotocol {protocol}, which was not offered`, docs: H2_FAILS },
});

/** A row's key, e.g. `UNMASKED_CLIENT_FRAME`. */
export type RuleKey = keyof typeof RULES;

/** The details a rule's message template names, e.g. `{ opcode: '0x3' }`. */
export type RuleDetails = Readonly<Record<string, string | number>>;

/** The rule's message with each `{name}` replaced by `details[name]` (left as is when absent). */
export function ruleMessage(rule: Rule, details: RuleDetails = {}): string {
  return rule.message.replace(/\{(\w+)\}/g, (whole, name: string) => (name in details ? String(details[name]) : whole));
}
