// RFC 6455 §7.1.7 (Fail the WebSocket Connection) and §4.2.1/§4.1 (handshake failures):
// the two kinds of error the protocol core reports. Neither ever escapes the core
// as an uncaught exception: the connection turns a ProtocolError into a close frame
// with its code, and the handshake functions return or throw a HandshakeError that
// the runtime turns into an HTTP response (server) or a failed connect (client).
// Each carries the row of core/rules.ts it breaks: `err.rule` (the requirement id) and `err.code`.
import { ruleMessage, type Rule, type RuleDetails } from './rules.js';

/** A violation found after the handshake: the connection must be failed with `closeCode` (RFC 6455 §7.4.1). */
export class ProtocolError extends Error {
  /** Always `ProtocolError`. */
  override readonly name = 'ProtocolError';
  /** The status code the RFC names for this failure, e.g. 1002, 1007, 1009. */
  readonly closeCode: number;
  /** The requirement id of the broken rule, e.g. `6455-5.1-2` (see core/rules.ts). */
  readonly rule: string | undefined;
  /** The rule's stable code, e.g. `WSREF_UNMASKED_CLIENT_FRAME`. */
  readonly code: string | undefined;
  /** The broken rule: `new ProtocolError(RULES.KEY, { detail })`. */
  constructor(rule: Rule, details?: RuleDetails);
  /** A failure that breaks no rule of the peer's (the application's own: 1011, see `internalError`); `rule` and `code` stay undefined. */
  constructor(closeCode: number, message: string);
  constructor(ruleOrCloseCode: Rule | number, detailsOrMessage?: RuleDetails | string) {
    if (typeof ruleOrCloseCode === 'number') {
      super(String(detailsOrMessage));
      this.closeCode = ruleOrCloseCode;
      this.rule = this.code = undefined;
      return;
    }
    super(ruleMessage(ruleOrCloseCode, detailsOrMessage as RuleDetails | undefined));
    if (ruleOrCloseCode.closeCode === undefined) throw new TypeError(`rule ${ruleOrCloseCode.code} is not a frame-level rule`);
    this.closeCode = ruleOrCloseCode.closeCode;
    this.rule = ruleOrCloseCode.id;
    this.code = ruleOrCloseCode.code;
  }
}

/** How a HandshakeError built from a rule may differ from the row. */
export interface HandshakeErrorOptions {
  /** Instead of the row's status: e.g. the status a server answered, which a client reports. */
  readonly status?: number;
  /** Extra response headers, e.g. `Sec-WebSocket-Version: 13` with a 426 (RFC 6455 §4.4). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The opening handshake cannot complete (RFC 6455 §4.1, §4.2.1, §4.4). */
export class HandshakeError extends Error {
  /** Always `HandshakeError`. */
  override readonly name = 'HandshakeError';
  /** The HTTP status a server should answer with (400, 403, 426, …); clients ignore it. */
  readonly status: number;
  /** Extra response headers, e.g. `Sec-WebSocket-Version: 13` with a 426 (RFC 6455 §4.4). */
  readonly headers: Readonly<Record<string, string>>;
  /** The requirement id of the broken rule, e.g. `6455-4.2.2-6`; undefined for an application's refusal. */
  readonly rule: string | undefined;
  /** The rule's stable code, e.g. `WSREF_REQUEST_VERSION_UNSUPPORTED`. */
  readonly code: string | undefined;
  /** The broken rule: `new HandshakeError(RULES.KEY, { detail }, { headers })`. */
  constructor(rule: Rule, details?: RuleDetails, options?: HandshakeErrorOptions);
  /** A refusal that breaks no rule of the core (the application's, a proxy's): `rule` and `code` stay undefined. */
  constructor(message: string, status?: number, headers?: Readonly<Record<string, string>>);
  constructor(
    ruleOrMessage: Rule | string,
    detailsOrStatus?: RuleDetails | number,
    optionsOrHeaders?: HandshakeErrorOptions | Readonly<Record<string, string>>,
  ) {
    if (typeof ruleOrMessage === 'string') {
      super(ruleOrMessage);
      this.status = (detailsOrStatus as number | undefined) ?? 400;
      this.headers = (optionsOrHeaders as Readonly<Record<string, string>> | undefined) ?? {};
      this.rule = this.code = undefined;
      return;
    }
    super(ruleMessage(ruleOrMessage, detailsOrStatus as RuleDetails | undefined));
    const options = (optionsOrHeaders ?? {}) as HandshakeErrorOptions;
    this.status = options.status ?? ruleOrMessage.status ?? 400;
    this.headers = options.headers ?? {};
    this.rule = ruleOrMessage.id;
    this.code = ruleOrMessage.code;
  }
}
