// RFC 6455 §4.1–§4.2 on HTTP/1.1 header fields (RFC 9110 §5): the small helpers both halves of
// the opening handshake use to read a header's values and to write the application's own.

import { HandshakeError } from '../errors.js';
import { headerValues, isToken, type HeaderList } from './http-head.js';

/** Removes leading and trailing spaces and tabs (HTTP's OWS, RFC 9110 §5.6.3). */
export function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return s.slice(start, end);
}

/**
 * True if the comma-separated lists in `values` (one header, possibly on several lines) hold an
 * element equal to `wanted` ignoring ASCII case, e.g. `Connection: keep-alive, Upgrade`.
 */
export function listHasElement(values: readonly string[], wanted: string): boolean {
  const target = wanted.toLowerCase();
  for (const value of values) {
    for (const element of value.split(',')) if (trimOws(element).toLowerCase() === target) return true;
  }
  return false;
}

/**
 * The value of a header that may appear at most once, or undefined when absent.
 * Throws `makeError(message)` when it appears more than once.
 */
export function singleHeader(headers: HeaderList, name: string, makeError: (message: string) => HandshakeError): string | undefined {
  const values = headerValues(headers, name);
  if (values.length > 1) throw makeError(`the ${name} header appears ${values.length} times; it may appear only once`);
  return values.length === 1 ? trimOws(values[0]!) : undefined;
}

/** True if `s` is visible ASCII, spaces and tabs only: safe to write as a header value. */
function isAsciiFieldValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c > 0x7e) return false;
  }
  return true;
}

/**
 * Checks one header line the application wants to send and returns it as `Name: value\r\n`.
 * Throws `TypeError` for a name that is not a token or a value with CR, LF or another control
 * character or non-ASCII character (which could smuggle extra header lines).
 */
export function headerLine(name: string, value: string): string {
  if (!isToken(name)) throw new TypeError(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
  if (typeof value !== 'string' || !isAsciiFieldValue(value)) {
    throw new TypeError(`value of header "${name}" must be a string of visible ASCII, spaces and tabs (no CR or LF)`);
  }
  return `${name}: ${value}\r\n`;
}

/**
 * Writes the application's extra headers, refusing any whose lower-cased name `isReserved` says
 * the handshake sets itself (the application must not override those). Throws `TypeError`.
 */
export function extraHeaderLines(headers: Readonly<Record<string, string>> | undefined, isReserved: (lowerName: string) => boolean): string {
  if (headers === undefined) return '';
  let lines = '';
  for (const [name, value] of Object.entries(headers)) {
    if (isReserved(name.toLowerCase())) {
      throw new TypeError(`header "${name}" is set by the WebSocket handshake itself and cannot be given as an extra header`);
    }
    lines += headerLine(name, value);
  }
  return lines;
}

/** Parses `major.minor` (as in `ParsedHead.httpVersion` and Node's `httpVersion`); undefined if malformed. */
export function parseHttpVersionNumber(version: string): {
  /** The number before the dot, e.g. 1. */
  major: number;
  /** The number after the dot, e.g. 1. */
  minor: number;
} | undefined {
  const dot = version.indexOf('.');
  const major = version.slice(0, dot);
  const minor = version.slice(dot + 1);
  if (dot < 1 || !/^[0-9]{1,3}$/.test(major) || !/^[0-9]{1,3}$/.test(minor)) return undefined;
  return { major: Number(major), minor: Number(minor) };
}

/** True for HTTP/1.1 or any later version (RFC 6455 §4.1 step 2, §4.2.1 item 1). */
export function isHttp11OrLater(version: string): boolean {
  const v = parseHttpVersionNumber(version);
  return v !== undefined && (v.major > 1 || (v.major === 1 && v.minor >= 1));
}
