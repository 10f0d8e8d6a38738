// RFC 8441 (Bootstrapping WebSockets with HTTP/2) on Node: a `WebSocketServer` attached to an
// `http2` server advertises SETTINGS_ENABLE_CONNECT_PROTOCOL (§3), takes the extended CONNECT
// streams for its path (§4–§5; checked by core/handshake/extended-connect.ts) and runs each
// WebSocket on its stream as if the stream were the TCP connection (§5): END_STREAM after the
// closing handshake, RST_STREAM with CANCEL when the WebSocket fails. Every other request keeps
// reaching the application's own 'request'/'stream' handlers.

import type { EventEmitter } from 'node:events';
import type http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { HandshakeError } from '../core/errors.js';
import {
  answerExtendedConnect,
  Http2ErrorCode,
  isExtendedConnect,
  MalformedStreamError,
  validateExtendedConnect,
  type ExtendedConnectAnswerOptions,
  type ValidatedExtendedConnect,
} from '../core/handshake/extended-connect.js';
import type { Extension } from '../core/extensions/extension.js';
import { asSessionTransport, openConnectionWindow, resetStream } from './http2-stream-transport.js';
import type { Session } from './session.js';

/**
 * What this module needs of a `WebSocketServer` (server.ts): the checks, answer options and session
 * start its HTTP/1.1 upgrades use, so both transports share them. Described here, not imported, so
 * the two modules do not import each other.
 */
export interface StreamEndpoint {
  /** Whether the request is for this endpoint's path. */
  handles(request: http.IncomingMessage): boolean;
  /** Time allowed from the request to the answer, ms. */
  readonly handshakeTimeout: number;
  /** Shutdown, origin and authentication checks; throws a HandshakeError to refuse. */
  vetHandshake(request: http.IncomingMessage, handshake: ValidatedExtendedConnect): Promise<void>;
  /** Subprotocols, extensions and extra headers the answer is chosen from. */
  answerOptions(request: http.IncomingMessage): ExtendedConnectAnswerOptions;
  /** Reports a refusal and says what to answer. */
  refusal(error: unknown, request: http.IncomingMessage): HandshakeError;
  /** Starts the session on the answered stream. */
  openSession(transport: Duplex, answer: { protocol: string | undefined; extensions: Extension[] }, request: http.IncomingMessage): Session;
}

/** An HTTP/2 server, with TLS (`createSecureServer`) or without (h2c, `createServer`). */
export type AnyHttp2Server = http2.Http2SecureServer | http2.Http2Server;

/** True for a server made by `http2.createServer` / `createSecureServer` (only they can update SETTINGS). */
export function isHttp2Server(server: unknown): server is AnyHttp2Server {
  return typeof (server as Partial<http2.Http2Server>).updateSettings === 'function';
}

/**
 * Serves the extended CONNECTs of `endpoints` (the list server.ts keeps per server, so close()
 * detaches from both protocols at once). Node turns every HTTP/2 CONNECT into a 'connect' event
 * (and answers 405 when nobody listens); ours takes those for a WebSocket endpoint's path.
 */
export function attachHttp2(server: AnyHttp2Server, endpoints: readonly StreamEndpoint[]): void {
  // RFC 8441 §3: value 1 on every new HTTP/2 connection; wsref never sends 0 after it (8441-3-3).
  server.updateSettings({ enableConnectProtocol: true });
  // Node emits 'connect' (and 'request') only once its compatibility layer is on, which it turns
  // on for the first 'request' listener. A server made without a request handler would leave
  // every extended CONNECT unanswered, so one is added; it answers 404 to what nobody else serves.
  (server as EventEmitter).on('request', (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
    const others = (server as EventEmitter).listenerCount('request') > 1 || (server as EventEmitter).listenerCount('stream') > 1;
    if (!others && !response.headersSent) respondError(request.stream, 404, 'nothing here but WebSockets');
  });
  (server as EventEmitter).on('connect', (request: unknown, second: unknown) => {
    const othersListen = (server as EventEmitter).listenerCount('connect') > 1;
    if (!(request instanceof http2.Http2ServerRequest)) {
      // An HTTP/1.1 CONNECT (allowHTTP1): not ours. Alone, do what Node does with no listener.
      if (!othersListen) (second as Duplex).destroy();
      return;
    }
    // The hooks read url, headers, method and socket, which an Http2ServerRequest has too.
    const incoming = request as unknown as http.IncomingMessage;
    const target = isExtendedConnect(request.headers) ? endpoints.find((e) => e.handles(incoming)) : undefined;
    if (target) void handleExtendedConnect(target, request);
    else if (othersListen) return; // a proxy or another application answers its CONNECTs
    else if (isExtendedConnect(request.headers)) respondError(request.stream, 404, 'no WebSocket endpoint at this path');
    else refuseStream(request.stream, () => validateExtendedConnect(request.headers, request.stream.session?.encrypted === true));
  });
}

/**
 * Takes over one extended CONNECT stream (RFC 8441 §5). Resolves with the session, or undefined
 * when the handshake was refused (answered with its status and ended) or the request was
 * malformed (the stream reset with PROTOCOL_ERROR, RFC 9113 §8.1.1). Never rejects.
 */
export async function handleExtendedConnect(endpoint: StreamEndpoint, request: http2.Http2ServerRequest): Promise<Session | undefined> {
  const { stream } = request;
  const incoming = request as unknown as http.IncomingMessage;
  // The handshake is bounded as over HTTP/1.1: a stream left waiting is reset (RFC 8441 §5: CANCEL).
  const timer = setTimeout(() => resetStream(stream, Http2ErrorCode.CANCEL), endpoint.handshakeTimeout).unref();
  stream.on('error', ignoreError); // until the session owns it; errors here just end the attempt
  try {
    // RFC 8441 §5: :scheme https on TLS connections, http on h2c.
    const handshake = validateExtendedConnect(request.headers, stream.session?.encrypted === true);
    await endpoint.vetHandshake(incoming, handshake);
    if (stream.destroyed || stream.closed) return undefined;
    const answer = answerExtendedConnect(handshake, endpoint.answerOptions(incoming));
    clearTimeout(timer);
    stream.off('error', ignoreError);
    // RFC 9113 §6.9: the connection's window opened wide, so that only each stream's own holds a WebSocket back.
    openConnectionWindow(stream.session);
    // RFC 8441 §5: :status 200 without END_STREAM; the stream now carries RFC 6455 frames.
    stream.respond(answer.headers);
    return endpoint.openSession(asSessionTransport(stream), answer, incoming);
  } catch (error) {
    clearTimeout(timer);
    answerFailure(stream, error, (e) => endpoint.refusal(e, incoming));
    return undefined;
  }
}

/** Answers a plain CONNECT at no endpoint's path with the core's verdict (RFC 8441 §4: no tunnel). */
function refuseStream(stream: http2.ServerHttp2Stream, validate: () => unknown): void {
  try {
    validate();
    respondError(stream, 400, 'not a WebSocket request');
  } catch (error) {
    answerFailure(stream, error, (e) => e as HandshakeError); // the core throws only its two kinds
  }
}

/**
 * A malformed request is reset (PROTOCOL_ERROR); a refusal is answered with its status. Should
 * that answer fail in turn (a 'rejected' listener that throws, header fields Node will not send),
 * the stream is cancelled: a bad handshake never becomes an uncaught error.
 */
function answerFailure(stream: http2.ServerHttp2Stream, error: unknown, toRefusal: (error: unknown) => HandshakeError): void {
  try {
    if (error instanceof MalformedStreamError) resetStream(stream, error.code);
    else {
      const refusal = toRefusal(error);
      respondError(stream, refusal.status, refusal.message, refusal.headers);
    }
  } catch {
    resetStream(stream, Http2ErrorCode.CANCEL);
  }
}

/** A refusal as an HTTP/2 response: the status, its extra fields (names lower-cased, RFC 9113 §8.2.1), a text body. */
function respondError(stream: http2.ServerHttp2Stream, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  const fields: http2.OutgoingHttpHeaders = { ':status': status, 'content-type': 'text/plain; charset=utf-8' };
  for (const [name, value] of Object.entries(headers)) fields[name.toLowerCase()] = value;
  stream.on('error', ignoreError);
  stream.respond(fields);
  stream.end(message);
  // A peer that never reads the answer is reset rather than kept.
  setTimeout(() => resetStream(stream, Http2ErrorCode.CANCEL), 1_000).unref();
}

function ignoreError(): void {}
