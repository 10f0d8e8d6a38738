// RFC 6455 §4 (Opening Handshake) rides on HTTP/1.1: this module reads one HTTP message head
// (start line + header fields, RFC 9112 §2–§5, the successor of RFC 2616 §4–§6) from a byte
// stream, incrementally and within fixed limits. The client uses it for the server's 101
// response (§4.1); a server that is not behind Node's HTTP parser can use it for the request.
//
// Choices, all on the strict side (a handshake is machine-written, so strictness costs nothing):
// - Lines end with CRLF. A bare LF or a bare CR anywhere in the head is rejected (400);
//   RFC 9112 §2.2 allows that for a bare CR and makes accepting a bare LF optional.
// - Leading empty lines before the start line are not skipped: they are a malformed start line.
// - obs-fold (a header line starting with SP/HTAB) is rejected, as RFC 9112 §5.2 permits.
// - Whitespace between a field name and its colon is rejected, as RFC 9112 §5.1 requires.
// - Field values may hold VCHAR, SP, HTAB and obs-text (0x80–0xFF, decoded as Latin-1);
//   any other control character is rejected (RFC 9110 §5.5).

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { isFieldValue, isToken } from './http-tokens.js';

// The token grammar lives in http-tokens.ts; it is re-exported here, where callers have long found it.
export { isFieldValue, isToken, isTokenChar } from './http-tokens.js';

/**
 * Header fields in the order received, names in their original case:
 * `[name, value]` pairs, one per header line. Repeated names stay repeated.
 */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** A parsed HTTP response head (status line + header fields). */
export interface ParsedResponseHead {
  /** Tells a response from a request. */
  readonly kind: 'response';
  /** `major.minor`, e.g. `1.1` (without the `HTTP/` prefix, like Node's `httpVersion`). */
  readonly httpVersion: string;
  /** The three-digit status code, e.g. 101. */
  readonly status: number;
  /** The reason phrase, possibly empty. */
  readonly reason: string;
  /** The header fields in order, names as sent. */
  readonly headers: HeaderList;
}

/** A parsed HTTP request head (request line + header fields). */
export interface ParsedRequestHead {
  /** Tells a request from a response. */
  readonly kind: 'request';
  /** The method token, case preserved (methods are case-sensitive, RFC 9110 §9.1). */
  readonly method: string;
  /** The request-target exactly as sent, e.g. `/chat?room=1`. */
  readonly target: string;
  /** `major.minor`, e.g. `1.1`. */
  readonly httpVersion: string;
  /** The header fields in order, names as sent. */
  readonly headers: HeaderList;
}

/** An HTTP message head: a request or a response. */
export type ParsedHead = ParsedResponseHead | ParsedRequestHead;

/** Bounds on the size of a message head; exceeding either one is answered with 431. */
export interface HttpHeadLimits {
  /** Most bytes the head may take, terminating empty line included. Default 16 KiB. */
  readonly maxHeadBytes: number;
  /** Most header lines the head may contain. Default 100. */
  readonly maxHeaders: number;
}

/** The limits used when the constructor is given none. */
export const DEFAULT_HTTP_HEAD_LIMITS: HttpHeadLimits = { maxHeadBytes: 16 * 1024, maxHeaders: 100 };

/** What `HttpHeadParser.push` returns once the head is complete. */
export interface HttpHeadResult {
  /** The parsed request or response head. */
  readonly head: ParsedHead;
  /** The bytes of the pushed chunk that follow the head: the start of the next protocol (WebSocket frames). */
  readonly rest: Uint8Array;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Converts Node's `rawHeaders` (a flat `[name, value, name, value, …]` array) to a `HeaderList`.
 * Throws `TypeError` if the array has an odd length.
 */
export function headerListFromRaw(raw: readonly string[]): HeaderList {
  if (raw.length % 2 !== 0) throw new TypeError('raw header array must hold name/value pairs');
  const list: (readonly [string, string])[] = [];
  for (let i = 0; i < raw.length; i += 2) list.push([raw[i]!, raw[i + 1]!]);
  return list;
}

/** All values of the header `name` (matched case-insensitively, RFC 9110 §5.1), in order. */
export function headerValues(headers: HeaderList, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [n, v] of headers) if (n.toLowerCase() === wanted) values.push(v);
  return values;
}

/**
 * Incremental, bounded reader of one HTTP/1.1 message head.
 *
 * Feed it the bytes as they arrive with `push`. It returns `null` until the empty line that ends
 * the head has arrived, then the parsed head and the bytes after it (which belong to the next
 * protocol and must not be dropped). Each byte is examined once while looking for the end of
 * the head, so hostile input costs linear time; at most `maxHeadBytes` are buffered (copied, so
 * the caller may reuse its chunks).
 *
 * Errors are thrown as `HandshakeError`: status 431 when a limit is exceeded, 400 when the head
 * is malformed. After an error or a completed head the parser is finished: further pushes throw.
 */
export class HttpHeadParser {
  private readonly limits: HttpHeadLimits;
  /** Copy of the head bytes examined so far (`scanned` of them), grown by doubling up to the limit. */
  private buffer = new Uint8Array(0);
  /** Bytes examined so far. */
  private scanned = 0;
  /** How much of CR LF CR LF the last bytes matched: 0–3. */
  private matched = 0;
  private finished: 'no' | 'done' | 'failed' = 'no';

  /** `limits` may give either bound; the other keeps its default (16 KiB, 100 headers). */
  constructor(limits: Partial<HttpHeadLimits> = {}) {
    this.limits = { ...DEFAULT_HTTP_HEAD_LIMITS, ...limits };
    const { maxHeadBytes, maxHeaders } = this.limits;
    if (!Number.isInteger(maxHeadBytes) || maxHeadBytes < 4) throw new RangeError('maxHeadBytes must be an integer >= 4');
    if (!Number.isInteger(maxHeaders) || maxHeaders < 0) throw new RangeError('maxHeaders must be a non-negative integer');
  }

  /**
   * Adds the next bytes of the stream. Returns `null` while the head is incomplete, else the
   * head and the remaining bytes of this chunk (a view into `chunk`, possibly empty).
   * Throws `HandshakeError` (400 malformed, 431 too large).
   */
  push(chunk: Uint8Array): HttpHeadResult | null {
    if (this.finished !== 'no') throw new Error(`HttpHeadParser.push called after the parser ${this.finished === 'done' ? 'completed' : 'failed'}`);
    try {
      return this.scan(chunk);
    } catch (error) {
      this.finished = 'failed';
      this.buffer = new Uint8Array(0);
      throw error;
    }
  }

  private scan(chunk: Uint8Array): HttpHeadResult | null {
    const { maxHeadBytes } = this.limits;
    // Only look at as many new bytes as the size limit still allows.
    const room = maxHeadBytes - this.scanned;
    const end = Math.min(chunk.length, room);
    let matched = this.matched;
    for (let i = 0; i < end; i++) {
      const byte = chunk[i]!;
      // Track the terminator CR LF CR LF and reject bare CR / bare LF on the way (RFC 9112 §2.2).
      if (matched === 1 || matched === 3) {
        if (byte !== LF) throw malformed(`bare CR at byte ${this.scanned + i} of the head`);
        matched++;
        if (matched === 4) {
          const used = i + 1;
          this.keep(chunk.subarray(0, used));
          this.finished = 'done';
          const head = parseHead(this.buffer.subarray(0, this.scanned), this.limits.maxHeaders);
          this.buffer = new Uint8Array(0);
          return { head, rest: chunk.subarray(used) };
        }
      } else if (byte === CR) {
        matched++;
      } else if (byte === LF) {
        throw malformed(`bare LF at byte ${this.scanned + i} of the head`);
      } else {
        matched = 0;
      }
    }
    if (chunk.length > room) {
      throw new HandshakeError(RULES.HTTP_HEAD_TOO_LARGE, { limit: maxHeadBytes });
    }
    this.matched = matched;
    this.keep(chunk);
    return null;
  }

  /** Appends examined bytes to the buffer. The caller may reuse its chunk afterwards. */
  private keep(bytes: Uint8Array): void {
    const needed = this.scanned + bytes.length;
    if (needed > this.buffer.length) {
      // Doubling keeps the total copying linear; the limit caps the size.
      const grown = new Uint8Array(Math.min(this.limits.maxHeadBytes, Math.max(needed, 2 * this.buffer.length, 256)));
      grown.set(this.buffer.subarray(0, this.scanned));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.scanned);
    this.scanned = needed;
  }
}

function malformed(what: string): HandshakeError {
  return new HandshakeError(RULES.HTTP_HEAD_MALFORMED, { what });
}

/** Latin-1 decoding: one code unit per byte, so obs-text survives and offsets stay byte offsets. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  const STEP = 4096;
  for (let i = start; i < end; i += STEP) {
    // `apply` takes the typed array as the argument list directly (a spread would copy it first).
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(i + STEP, end)) as unknown as number[]);
  }
  return s;
}

/** Parses a complete head that ends with CRLF CRLF and holds no bare CR or LF. */
function parseHead(bytes: Uint8Array, maxHeaders: number): ParsedHead {
  // Drop the final CRLF CRLF, then every remaining CRLF separates two lines.
  const lines = latin1(bytes, 0, bytes.length - 4).split('\r\n');
  const startLine = lines[0]!;
  const headerCount = lines.length - 1;
  if (headerCount > maxHeaders) throw new HandshakeError(RULES.HTTP_HEAD_TOO_MANY_FIELDS, { limit: maxHeaders });
  const headers: (readonly [string, string])[] = [];
  for (let n = 1; n < lines.length; n++) headers.push(parseHeaderLine(lines[n]!, n));
  return startLine.startsWith('HTTP/') ? parseStatusLine(startLine, headers) : parseRequestLine(startLine, headers);
}

// RFC 9112 §5.1: field-line = field-name ":" OWS field-value OWS
function parseHeaderLine(line: string, lineNumber: number): readonly [string, string] {
  const first = line.charCodeAt(0);
  if (first === 0x20 || first === 0x09) throw malformed(`line ${lineNumber + 1} is an obs-fold continuation line`);
  const colon = line.indexOf(':');
  if (colon === -1) throw malformed(`header line ${lineNumber + 1} has no colon`);
  const name = line.slice(0, colon);
  if (!isToken(name)) throw malformed(`header line ${lineNumber + 1} has an invalid field name ${JSON.stringify(name)}`);
  let start = colon + 1;
  let end = line.length;
  while (start < end && isOws(line.charCodeAt(start))) start++;
  while (end > start && isOws(line.charCodeAt(end - 1))) end--;
  const value = line.slice(start, end);
  if (!isFieldValue(value)) throw malformed(`header ${JSON.stringify(name)} has a control character in its value`);
  return [name, value];
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

// RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT
function parseHttpVersion(s: string, where: string): string {
  if (s.length === 8 && s.startsWith('HTTP/') && isDigit(s.charCodeAt(5)) && s[6] === '.' && isDigit(s.charCodeAt(7))) {
    return s.slice(5);
  }
  throw malformed(`${where} has an invalid HTTP version ${JSON.stringify(s)}`);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
// (a missing final SP before an empty reason is tolerated).
function parseStatusLine(line: string, headers: HeaderList): ParsedResponseHead {
  const firstSp = line.indexOf(' ');
  if (firstSp === -1) throw malformed('status line has no status code');
  const httpVersion = parseHttpVersion(line.slice(0, firstSp), 'status line');
  const code = line.slice(firstSp + 1, firstSp + 4);
  if (code.length !== 3 || ![0, 1, 2].every((k) => isDigit(code.charCodeAt(k)))) {
    throw malformed(`status line has an invalid status code ${JSON.stringify(code)}`);
  }
  const afterCode = firstSp + 4;
  if (afterCode < line.length && line[afterCode] !== ' ') throw malformed('status code is not followed by a space');
  const reason = line.slice(afterCode + 1);
  // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
  if (!isFieldValue(reason)) throw malformed('reason phrase has a control character');
  return { kind: 'response', httpVersion, status: Number(code), reason, headers };
}

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version
function parseRequestLine(line: string, headers: HeaderList): ParsedRequestHead {
  const parts = line.split(' ');
  if (parts.length !== 3) throw malformed(`request line ${JSON.stringify(line.slice(0, 64))} is not "method SP target SP version"`);
  const [method, target, version] = parts as [string, string, string];
  if (!isToken(method)) throw malformed(`request method ${JSON.stringify(method)} is not a token`);
  if (target.length === 0) throw malformed('request target is empty');
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    // The request-target forms (RFC 9112 §3.2) use visible ASCII only.
    if (c <= 0x20 || c >= 0x7f) throw malformed('request target has a character outside visible ASCII');
  }
  return { kind: 'request', method, target, httpVersion: parseHttpVersion(version, 'request line'), headers };
}
