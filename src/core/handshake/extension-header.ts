// RFC 6455 §9.1 (Negotiating Extensions) and §4.3: the grammar of the Sec-WebSocket-Extensions
// header, and the `1#token` list of Sec-WebSocket-Protocol (§4.1 step 10, §11.3.4).
//
//   extension-list  = 1#extension
//   extension       = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
//
// with RFC 2616's "implied *LWS" (spaces/tabs allowed around every separator) and its list
// rule (empty elements between commas are allowed and ignored, but at least one element must
// be present). Both parsers are single left-to-right passes over the characters, with no regular
// expressions: a backtracking pattern over this grammar is how the `ws` package got its ReDoS
// (CVE-2021-32640). Work and memory are linear in the input length.

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { isToken, isTokenChar } from './http-tokens.js';

/**
 * One element of a `Sec-WebSocket-Extensions` list: an extension name and its parameters.
 * Parameters keep their order, and repeats are kept (RFC 7692 §7.1 makes a repeated parameter
 * an error the extension itself must detect). A parameter without a value has the value `true`.
 */
export interface ExtensionOffer {
  /** The extension token, e.g. `permessage-deflate`. */
  readonly name: string;
  /** Its parameters in order: `[name, value]`, value `true` for a parameter without one. */
  readonly params: ReadonlyArray<readonly [name: string, value: string | true]>;
}

const SP = 0x20;
const HTAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses one or more `Sec-WebSocket-Extensions` header values (several header lines mean the same
 * as one line joining them with commas, RFC 6455 §9.1). Returns the extensions in order.
 *
 * Throws `HandshakeError` (status 400) saying where the value breaks the §9.1 grammar; per
 * RFC 6455 §9.1 the receiver must then fail the connection. A quoted parameter value must still be
 * a token once unquoted (§9.1, §4.3).
 */
export function parseExtensionHeader(values: string | readonly string[]): ExtensionOffer[] {
  const list = typeof values === 'string' ? [values] : values;
  const offers: ExtensionOffer[] = [];
  for (let line = 0; line < list.length; line++) {
    const where = list.length > 1 ? `Sec-WebSocket-Extensions (header line ${line + 1})` : 'Sec-WebSocket-Extensions';
    new ExtensionScanner(list[line]!, where).parseInto(offers);
  }
  // `1#extension`: at least one element over all the lines.
  if (offers.length === 0) throw new HandshakeError(RULES.EXTENSIONS_EMPTY);
  return offers;
}

/** One pass over one header value. `pos` only ever moves forward. */
class ExtensionScanner {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly where: string,
  ) {}

  parseInto(offers: ExtensionOffer[]): void {
    const { text } = this;
    for (;;) {
      this.skipWhitespace();
      if (this.pos >= text.length) return;
      if (text.charCodeAt(this.pos) === COMMA) {
        this.pos++; // an empty list element
        continue;
      }
      const name = this.token('an extension name');
      const params: (readonly [string, string | true])[] = [];
      this.skipWhitespace();
      while (text.charCodeAt(this.pos) === SEMICOLON) {
        this.pos++;
        this.skipWhitespace();
        const paramName = this.token('a parameter name');
        this.skipWhitespace();
        let value: string | true = true;
        if (text.charCodeAt(this.pos) === EQUALS) {
          this.pos++;
          this.skipWhitespace();
          value = text.charCodeAt(this.pos) === DQUOTE ? this.quotedTokenValue(paramName) : this.token(`a value for parameter "${paramName}"`);
          this.skipWhitespace();
        }
        params.push([paramName, value]);
      }
      offers.push({ name, params });
      if (this.pos < text.length) {
        if (text.charCodeAt(this.pos) !== COMMA) throw this.error(`expected "," or ";"`);
        this.pos++;
      }
    }
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== SP && c !== HTAB) return;
      this.pos++;
    }
  }

  private token(what: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && isTokenChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) throw this.error(`expected ${what}`);
    return this.text.slice(start, this.pos);
  }

  // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE; quoted-pair = "\" CHAR (RFC 2616 §2.2).
  // RFC 6455 §9.1: the unescaped value MUST still be a token.
  private quotedTokenValue(paramName: string): string {
    const { text } = this;
    const open = this.pos;
    this.pos++; // opening quote
    // The value is copied in runs: each backslash ends a run, and the character it escapes
    // starts the next one.
    let value = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) {
        this.pos = open;
        throw this.error(`unterminated quoted value for parameter "${paramName}"`);
      }
      let c = text.charCodeAt(this.pos);
      if (c === DQUOTE) break;
      if (c === BACKSLASH) {
        value += text.slice(runStart, this.pos);
        this.pos++;
        runStart = this.pos;
        if (this.pos >= text.length) continue; // reported as unterminated on the next turn
        c = text.charCodeAt(this.pos);
      }
      if (!isTokenChar(c)) {
        throw this.error(`quoted value of parameter "${paramName}" is not a token once unquoted (RFC 6455 §9.1)`);
      }
      this.pos++;
    }
    value += text.slice(runStart, this.pos);
    this.pos++; // closing quote
    if (value.length === 0) {
      this.pos = open;
      throw this.error(`quoted value of parameter "${paramName}" is empty, not a token (RFC 6455 §9.1)`);
    }
    return value;
  }

  private error(message: string): HandshakeError {
    const { text, pos } = this;
    const found = pos < text.length ? `${JSON.stringify(text[pos])}` : 'end of value';
    const context = text.length > 40 ? `${JSON.stringify(text.slice(Math.max(0, pos - 20), pos + 20))} around it` : JSON.stringify(text);
    return new HandshakeError(RULES.EXTENSIONS_MALFORMED, { header: this.where, position: pos, found, context, what: message });
  }
}

/**
 * Writes extensions as a `Sec-WebSocket-Extensions` value, e.g.
 * `permessage-deflate; client_max_window_bits, x-foo`. Values are written bare (they are tokens).
 * Throws `TypeError` if a name or value is not a token: that is a bug in the caller.
 */
export function serializeExtensionHeader(offers: readonly ExtensionOffer[]): string {
  const parts: string[] = [];
  for (const offer of offers) {
    if (!isToken(offer.name)) throw new TypeError(`extension name ${JSON.stringify(offer.name)} is not a token`);
    let part = offer.name;
    for (const [name, value] of offer.params) {
      if (!isToken(name)) throw new TypeError(`extension parameter name ${JSON.stringify(name)} is not a token`);
      if (value === true) {
        part += `; ${name}`;
      } else {
        if (!isToken(value)) throw new TypeError(`value ${JSON.stringify(value)} of extension parameter "${name}" is not a token`);
        part += `; ${name}=${value}`;
      }
    }
    parts.push(part);
  }
  return parts.join(', ');
}

/**
 * Parses a `1#token` list such as `Sec-WebSocket-Protocol: chat, superchat` (RFC 6455 §4.1 step 10,
 * §4.3; several header lines combine as one, §11.3.4). Empty elements between commas are ignored
 * (RFC 2616 §2.1 list rule); surrounding spaces/tabs are dropped. Duplicates are kept, in order.
 *
 * Throws `HandshakeError` (400) if an element is not a token or the list has no element at all.
 */
export function parseTokenList(values: string | readonly string[], headerName = 'Sec-WebSocket-Protocol'): string[] {
  const list = typeof values === 'string' ? [values] : values;
  const malformed = (what: string) => new HandshakeError(RULES.TOKEN_LIST_MALFORMED, { header: headerName, what });
  const tokens: string[] = [];
  for (const text of list) {
    let pos = 0;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === SP || c === HTAB || c === COMMA) {
        pos++;
        continue;
      }
      const start = pos;
      while (pos < text.length && isTokenChar(text.charCodeAt(pos))) pos++;
      if (pos === start) {
        throw malformed(`at character ${pos}, ${JSON.stringify(text[pos])} cannot start a token`);
      }
      tokens.push(text.slice(start, pos));
      while (pos < text.length && (text.charCodeAt(pos) === SP || text.charCodeAt(pos) === HTAB)) pos++;
      if (pos < text.length && text.charCodeAt(pos) !== COMMA) {
        throw malformed(`at character ${pos}, expected "," after ${JSON.stringify(tokens[tokens.length - 1])}`);
      }
    }
  }
  if (tokens.length === 0) throw malformed('it lists no value');
  return tokens;
}
