// RFC 6455 §7 (Closing the Connection): the status codes of §7.4 and the IANA "WebSocket
// Close Code Number Registry" (§11.7), which codes may travel in a close frame, and the
// close frame body of §5.5.1 (a 2-byte code, then a UTF-8 reason).

import { ProtocolError } from '../errors.js';
import { RULES } from '../rules.js';
import { MAX_CONTROL_PAYLOAD } from '../framing/frame-header.js';
import { isValidUtf8, type WholeUtf8Check } from '../messages/utf8.js';

/** The registered status codes (RFC 6455 §7.4.1 and the IANA registry). */
export const CloseCode = {
  /** 1000: the purpose of the connection has been fulfilled. */
  Normal: 1000,
  /** 1001: the endpoint is going away (server shutting down, page navigated away). */
  GoingAway: 1001,
  /** 1002: the peer broke the protocol. */
  ProtocolError: 1002,
  /** 1003: a data type the endpoint cannot accept (e.g. binary to a text-only endpoint). */
  UnsupportedData: 1003,
  /** 1004: reserved, meaning may be defined in the future. */
  Reserved: 1004,
  /** 1005: no status code was present. Never sent; only reported locally. */
  NoStatusReceived: 1005,
  /** 1006: the connection closed without a close frame. Never sent; only reported locally. */
  AbnormalClosure: 1006,
  /** 1007: message data inconsistent with its type (e.g. invalid UTF-8 in a text message). */
  InvalidPayloadData: 1007,
  /** 1008: a policy of the endpoint was violated (generic). */
  PolicyViolation: 1008,
  /** 1009: a message too big to process. */
  MessageTooBig: 1009,
  /** 1010: (client) the server did not negotiate an extension the client requires. */
  MandatoryExtension: 1010,
  /** 1011: (server) an unexpected condition prevented the server from fulfilling the request. */
  InternalError: 1011,
  /** 1012: the service is restarting (IANA registry). */
  ServiceRestart: 1012,
  /** 1013: try again later, temporary overload (IANA registry). */
  TryAgainLater: 1013,
  /** 1014: a gateway or proxy got an invalid response upstream (IANA registry). */
  BadGateway: 1014,
  /** 1015: the TLS handshake failed. Never sent; only reported locally. */
  TlsHandshake: 1015,
} as const;

/** One row of the status code table (the docs site renders this table). */
export interface CloseCodeInfo {
  /** The status code, 1000–1015. */
  readonly code: number;
  /** Its name in the IANA registry, e.g. `Normal Closure`. */
  readonly name: string;
  /** What it means, in a sentence. */
  readonly meaning: string;
  /** Which side typically sends it. */
  readonly sentBy: 'either' | 'client' | 'server' | 'nobody';
  /** Whether it may appear in a close frame on the wire. */
  readonly onWire: boolean;
  /** Where it is defined. */
  readonly source: 'RFC 6455 §7.4.1' | 'IANA registry';
}

/** The registered codes 1000–1015 with their meaning, sender and wire status. */
export const CLOSE_CODES: readonly CloseCodeInfo[] = [
  { code: 1000, name: 'Normal Closure', meaning: 'The purpose of the connection has been fulfilled.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1001, name: 'Going Away', meaning: 'The endpoint is leaving: server shutdown, browser page closed.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1002, name: 'Protocol Error', meaning: 'The peer broke the WebSocket protocol.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1003, name: 'Unsupported Data', meaning: 'Received a kind of data it cannot accept (text vs binary).', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1004, name: 'Reserved', meaning: 'Reserved; no meaning defined. The RFC does not forbid sending it; wsref never does, and fails a close frame that carries it.', sentBy: 'nobody', onWire: false, source: 'RFC 6455 §7.4.1' },
  { code: 1005, name: 'No Status Received', meaning: 'Reported locally when a close frame carried no code.', sentBy: 'nobody', onWire: false, source: 'RFC 6455 §7.4.1' },
  { code: 1006, name: 'Abnormal Closure', meaning: 'Reported locally when the connection dropped without a close frame.', sentBy: 'nobody', onWire: false, source: 'RFC 6455 §7.4.1' },
  { code: 1007, name: 'Invalid Frame Payload Data', meaning: 'Data inconsistent with the message type, e.g. invalid UTF-8 in text.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1008, name: 'Policy Violation', meaning: 'A policy was violated; a generic code when no better one fits.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1009, name: 'Message Too Big', meaning: 'A message was too big to process.', sentBy: 'either', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1010, name: 'Mandatory Extension', meaning: 'The client needed an extension the server did not negotiate.', sentBy: 'client', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1011, name: 'Internal Error', meaning: 'The server hit an unexpected condition.', sentBy: 'server', onWire: true, source: 'RFC 6455 §7.4.1' },
  { code: 1012, name: 'Service Restart', meaning: 'The service is restarting; reconnect later.', sentBy: 'server', onWire: true, source: 'IANA registry' },
  { code: 1013, name: 'Try Again Later', meaning: 'Temporary condition such as overload; reconnect later.', sentBy: 'server', onWire: true, source: 'IANA registry' },
  { code: 1014, name: 'Bad Gateway', meaning: 'A gateway or proxy received an invalid response upstream.', sentBy: 'server', onWire: true, source: 'IANA registry' },
  { code: 1015, name: 'TLS Handshake', meaning: 'Reported locally when the TLS handshake failed.', sentBy: 'nobody', onWire: false, source: 'RFC 6455 §7.4.1' },
];

/** Close reasons are limited by the 125-byte control payload minus the 2-byte code (RFC 6455 §5.5.1). */
export const MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;

/** A message made fit to be a close reason (RFC 6455 §5.5.1: 123 bytes): printable ASCII kept, then cut. */
export function closeReasonFrom(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_CLOSE_REASON_BYTES);
}

/**
 * Whether a status code may appear in a close frame (RFC 6455 §7.4.1, §7.4.2):
 * 0–999 are unused, 1004–1006 and 1015 are never sent, 1016–2999 are for future
 * standards (unassigned today), 3000–3999 are registered by libraries and frameworks,
 * 4000–4999 are private to applications.
 */
export function isWireCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 1000 && code <= 1014) return code !== 1004 && code !== 1005 && code !== 1006;
  return code >= 3000 && code <= 4999;
}

/** What a close frame carried, or what the connection reports when it carried nothing. */
export interface CloseInfo {
  /** The status code (RFC 6455 §7.1.5); 1005 when the frame had no body. */
  readonly code: number;
  /** The UTF-8 reason (RFC 6455 §7.1.6); '' when none. */
  readonly reason: string;
}

// ignoreBOM: a leading U+FEFF is part of the reason, not a byte order mark to strip
// (WHATWG "UTF-8 decode without BOM" for the close reason).
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * Decodes a received close frame body (RFC 6455 §5.5.1). An empty body means "no status"
 * and is reported as 1005 (§7.1.5). A 1-byte body, a code that may not be sent, or a reason
 * that is not UTF-8 fail the connection (1002 / 1007).
 */
export function decodeCloseBody(body: Uint8Array, utf8Check: WholeUtf8Check = isValidUtf8): CloseInfo {
  if (body.length === 0) return { code: CloseCode.NoStatusReceived, reason: '' };
  // RFC 6455 §5.5.1: if there is a body, its first two bytes are the status code.
  if (body.length === 1) throw new ProtocolError(RULES.CLOSE_BODY_ONE_BYTE);
  const code = (body[0]! << 8) | body[1]!;
  // RFC 6455 §7.4: a code outside the sendable ranges is a protocol error.
  if (!isWireCloseCode(code)) throw new ProtocolError(RULES.CLOSE_CODE_INVALID, { code });
  const reasonBytes = body.subarray(2);
  // RFC 6455 §5.5.1: the reason is UTF-8; §8.1: invalid UTF-8 fails the connection with 1007.
  if (!utf8Check(reasonBytes)) throw new ProtocolError(RULES.CLOSE_REASON_NOT_UTF8);
  return { code, reason: utf8Decoder.decode(reasonBytes) };
}

/**
 * Encodes a close frame body for sending. Throws (application misuse, not peer input) when
 * the code may not be sent or the reason exceeds 123 bytes. `undefined` code → empty body,
 * which is allowed only without a reason (§5.5.1: a reason needs a code before it).
 */
export function encodeCloseBody(code?: number, reason = ''): Uint8Array {
  if (code === undefined) {
    if (reason !== '') throw new TypeError('a close reason needs a close code');
    return new Uint8Array(0);
  }
  if (!isWireCloseCode(code)) throw new RangeError(`close code ${code} may not be sent (RFC 6455 §7.4)`);
  const reasonBytes = utf8Encoder.encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(`close reason is ${reasonBytes.length} bytes; at most ${MAX_CLOSE_REASON_BYTES} fit (RFC 6455 §5.5)`);
  }
  const body = new Uint8Array(2 + reasonBytes.length);
  body[0] = code >>> 8;
  body[1] = code & 0xff;
  body.set(reasonBytes, 2);
  return body;
}
