// RFC 6455 §4 (Opening Handshake) driven from bytes: the client sends its request and reads
// the response (§4.1); the server reads a request and answers it (§4.2). The checks live in
// `client-handshake.ts` / `server-handshake.ts`; this module strings them together with the
// HTTP head parser and extension negotiation (§9) for the connection state machine.

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { acceptServerExtensions, negotiateServerExtensions, offerExtensions, type Extension, type ExtensionFactory } from '../extensions/extension.js';
import { generateKey, type Sha1 } from './accept-key.js';
import { buildClientRequest, validateServerResponse } from './client-handshake.js';
import {
  buildRejectResponse,
  buildServerResponse,
  selectSubprotocol,
  validateClientRequest,
  type ValidatedRequest,
} from './server-handshake.js';
import { HttpHeadParser, type HttpHeadLimits } from './http-head.js';
import type { WebSocketUri } from './uri.js';

const ascii = new TextEncoder();

/** What a finished handshake yields. */
export interface HandshakeOutcome {
  /** The subprotocol agreed (RFC 6455 §4.1, §4.2.2), or undefined for none. */
  readonly protocol: string | undefined;
  /** The extensions agreed, in the order the response named them (RFC 6455 §9.1). */
  readonly extensions: Extension[];
  /** Bytes that arrived after the handshake: the first frames, not to be lost. */
  readonly rest: Uint8Array;
  /** Server side: the 101 response to write. */
  readonly response?: Uint8Array;
}

/** How a client performs the opening handshake (RFC 6455 §4.1). */
export interface ClientHandshakeOptions {
  /** The `ws:`/`wss:` URI to connect to (RFC 6455 §3); gives the request-target and Host. */
  readonly uri: WebSocketUri;
  /** SHA-1, injected: the core has no hash of its own (checks Sec-WebSocket-Accept, §4.1). */
  readonly sha1: Sha1;
  /** Subprotocols to offer in Sec-WebSocket-Protocol, preferred first (RFC 6455 §4.1 item 10). */
  readonly protocols?: readonly string[];
  /** The Origin header to send (RFC 6455 §4.1 item 8, §10.2); none when absent. */
  readonly origin?: string;
  /** Extra request headers (e.g. Authorization, Cookie). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Extensions to offer in Sec-WebSocket-Extensions (RFC 6455 §9.1), preferred first. */
  readonly extensions?: readonly ExtensionFactory[];
  /** Source of the key's 16 random bytes (RFC 6455 §4.1). Default: `crypto.getRandomValues`. */
  readonly randomBytes?: (n: number) => Uint8Array;
  /** Bounds on the response head (size, header count), so a hostile server cannot exhaust memory. */
  readonly limits?: Partial<HttpHeadLimits>;
}

function defaultRandomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** The client half: one request out, one response in. */
export class ClientHandshaker {
  /** The Sec-WebSocket-Key of this attempt (RFC 6455 §4.1: a fresh nonce per connection). */
  readonly key: string;
  private readonly parser: HttpHeadParser;

  constructor(private readonly options: ClientHandshakeOptions) {
    this.key = generateKey(options.randomBytes ?? defaultRandomBytes);
    this.parser = new HttpHeadParser(options.limits);
  }

  /** The request bytes (RFC 6455 §4.1). */
  request(): Uint8Array {
    const o = this.options;
    const extensions = offerExtensions(o.extensions ?? []);
    return ascii.encode(
      buildClientRequest({
        uri: o.uri,
        key: this.key,
        ...(o.protocols ? { protocols: o.protocols } : {}),
        ...(extensions !== undefined ? { extensions } : {}),
        ...(o.origin !== undefined ? { origin: o.origin } : {}),
        ...(o.headers ? { headers: o.headers } : {}),
      }),
    );
  }

  /** Feeds response bytes; returns the outcome once the head is complete. Throws HandshakeError. */
  receive(chunk: Uint8Array): HandshakeOutcome | null {
    const parsed = this.parser.push(chunk);
    if (!parsed) return null;
    const accepted = validateServerResponse(parsed.head, { key: this.key, protocols: this.options.protocols ?? [] }, this.options.sha1);
    // RFC 6455 §4.1 / §9.1: every extension in the response must have been offered, with acceptable parameters.
    const extensions = acceptServerExtensions(accepted.extensions, this.options.extensions ?? []);
    return { protocol: accepted.protocol, extensions, rest: parsed.rest };
  }
}

/** How a server answers the opening handshake (RFC 6455 §4.2). */
export interface ServerHandshakeOptions {
  /** SHA-1, injected: computes Sec-WebSocket-Accept (RFC 6455 §4.2.2 step 5.4). */
  readonly sha1: Sha1;
  /** Subprotocols the server speaks, preferred first, or a chooser (RFC 6455 §4.2.2 step 5.5). */
  readonly protocols?: readonly string[] | ((offered: readonly string[]) => string | undefined);
  /** Extensions the server can accept, tried against the client's offers (RFC 6455 §9.1). */
  readonly extensions?: readonly ExtensionFactory[];
  /** Extra response headers (e.g. Set-Cookie). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Bounds on the request head (size, header count), so a hostile client cannot exhaust memory. */
  readonly limits?: Partial<HttpHeadLimits>;
}

/** What the server answers a valid request with. */
export interface ServerAnswer {
  /** The complete 101 Switching Protocols response head to write. */
  readonly response: string;
  /** The subprotocol selected, or undefined for none. */
  readonly protocol: string | undefined;
  /** The extensions accepted, in the order the response names them. */
  readonly extensions: Extension[];
}

/**
 * Server: chooses the subprotocol and extensions for a valid request and writes the 101
 * response (RFC 6455 §4.2.2). Shared by the byte-driven handshake below and the Node server,
 * whose HTTP parser has already read the request.
 */
export function answerClientHandshake(request: ValidatedRequest, options: ServerHandshakeOptions): ServerAnswer {
  const protocol = options.protocols ? selectSubprotocol(request.protocols, options.protocols) : undefined;
  const { extensions, responseHeader } = negotiateServerExtensions(request.extensions, options.extensions ?? []);
  const response = buildServerResponse(
    {
      key: request.key,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(responseHeader !== undefined ? { extensions: responseHeader } : {}),
      ...(options.headers ? { headers: options.headers } : {}),
    },
    options.sha1,
  );
  return { response, protocol, extensions };
}

/** The server half when the connection reads the raw request itself. */
export class ServerHandshaker {
  private readonly parser: HttpHeadParser;

  constructor(private readonly options: ServerHandshakeOptions) {
    this.parser = new HttpHeadParser(options.limits);
  }

  /** Feeds request bytes; returns the outcome once the head is complete. Throws HandshakeError. */
  receive(chunk: Uint8Array): HandshakeOutcome | null {
    const parsed = this.parser.push(chunk);
    if (!parsed) return null;
    const head = parsed.head;
    if (head.kind !== 'request') throw new HandshakeError(RULES.REQUEST_EXPECTED);
    const request = validateClientRequest({ method: head.method, httpVersion: head.httpVersion, headers: head.headers });
    const answer = answerClientHandshake(request, this.options);
    return { protocol: answer.protocol, extensions: answer.extensions, rest: parsed.rest, response: ascii.encode(answer.response) };
  }

  /** The HTTP error response for a failed handshake (RFC 6455 §4.2.1, §4.4: 426 carries the supported version). */
  reject(error: HandshakeError): Uint8Array {
    return ascii.encode(buildRejectResponse(error.status, { headers: { ...error.headers }, body: error.message }));
  }
}
