// RFC 6455 §4.2 on Node: a WebSocket endpoint that lives *inside* an ordinary Node HTTP(S)
// server — the seeds' key point (Jetty 7: "not another separate server"). The HTTP server
// keeps serving normal requests on the same port; requests with `Upgrade: websocket` arrive
// on its 'upgrade' event, are checked (§4.2.1), offered to the application's hooks (origin
// check §10.2, authentication, subprotocol choice), answered (§4.2.2), and become Sessions.

import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import {
  answerClientHandshake,
  buildRejectResponse,
  CloseCode,
  Connection,
  HandshakeError,
  headerListFromRaw,
  ReadyState,
  validateClientRequest,
  type ValidatedRequest,
  type ExtensionFactory,
  type Extension,
} from '../core/index.js';
import type { ValidatedExtendedConnect } from '../core/handshake/extended-connect.js';
import { DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_SHUTDOWN_REASON, DEFAULT_SHUTDOWN_TIMEOUT, SessionSettings } from './defaults.js';
import { buildExtensionFactories } from './extensions.js';
import { warnIfSlowRequestHead } from './http-server-options.js';
import { attachHttp2, isHttp2Server } from './http2-server.js';
import { allocateUnzeroed } from './allocate.js';
import { nativeUtf8Check, sha1 } from './platform.js';
import { Session } from './session.js';

import type { ServerOptions, WebSocketServerEvents } from './server-types.js';

export type { AuthenticationResult, ServerOptions, WebSocketServerEvents } from './server-types.js';

/** The endpoints attached to one HTTP server, dispatched by path from one 'upgrade' listener. */
const endpointsByServer = new WeakMap<EventEmitter, WebSocketServer[]>();

function attach(server: EventEmitter, endpoint: WebSocketServer): void {
  let endpoints = endpointsByServer.get(server);
  if (!endpoints) {
    endpoints = [];
    endpointsByServer.set(server, endpoints);
    const list = endpoints;
    server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const target = list.find((e) => e.handles(request));
      if (target) void target.handleUpgrade(request, socket, head);
      else rejectSocket(socket, 404, 'no WebSocket endpoint at this path');
    });
    if (isHttp2Server(server)) attachHttp2(server, list); // RFC 8441: extended CONNECT streams
  }
  endpoints.push(endpoint);
}

function detach(server: EventEmitter, endpoint: WebSocketServer): void {
  const endpoints = endpointsByServer.get(server);
  if (endpoints) endpoints.splice(endpoints.indexOf(endpoint) >>> 0, 1);
}

/** Writes an HTTP error response on a raw socket and closes it. */
function rejectSocket(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}, body = message): void {
  if (socket.destroyed) return;
  socket.end(buildRejectResponse(status, { headers, body }));
  // Destroy if the peer does not let the response go (a slowloris reader).
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/**
 * A WebSocket endpoint on a Node HTTP server.
 *
 * ```ts
 * const server = http.createServer((req, res) => res.end('hello'));
 * const wss = new WebSocketServer({ server, path: '/echo' });
 * wss.on('connection', (session) => session.on('message', (data) => session.send(data)));
 * server.listen(8080);
 * ```
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The open sessions of this endpoint. */
  readonly clients = new Set<Session>();
  private readonly options: ServerOptions;
  /** The session options, resolved once: every session of this endpoint shares the one object. */
  private readonly sessionSettings: SessionSettings;
  private readonly extensionFactories: ExtensionFactory[];
  /** @internal Set by close(): new handshakes are refused with 503. */
  closing = false;
  /** Whether the HTTP server of the first upgrade handed to handleUpgrade (no `server` option) was checked. */
  private upgradeServerChecked = false;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = options;
    this.sessionSettings = SessionSettings.of(options);
    this.extensionFactories = buildExtensionFactories(options);
    if (options.server) {
      attach(options.server, this);
      if (!isHttp2Server(options.server)) warnIfSlowRequestHead(options.server, options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT);
    }
  }

  /** Whether an upgrade request is for this endpoint (its path). */
  handles(request: http.IncomingMessage): boolean {
    if (this.options.path === undefined) return true;
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === this.options.path;
  }

  /**
   * Takes over an upgrade request (for frameworks that route upgrades themselves). Resolves
   * with the new session, or undefined when the handshake was refused (the socket is then
   * answered with the HTTP error and closed). Never rejects.
   */
  async handleUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<Session | undefined> {
    const timeout = this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    if (!this.upgradeServerChecked) this.checkUpgradeServer(request, timeout);
    const timer = setTimeout(() => socket.destroy(), timeout).unref();
    socket.on('error', ignoreError); // until the session owns it; errors here just end the attempt
    try {
      // RFC 6455 §4.2.1: check the client's handshake.
      const handshake = validateClientRequest({
        method: request.method ?? '',
        httpVersion: request.httpVersion,
        headers: headerListFromRaw(request.rawHeaders),
      });
      await this.vetHandshake(request, handshake);
      if (socket.destroyed) return undefined;
      const answer = answerClientHandshake(handshake, { sha1, ...this.answerOptions(request) });
      clearTimeout(timer);
      socket.off('error', ignoreError);
      // RFC 6455 §4.2.2: the 101 response; from here on the socket speaks WebSocket.
      socket.write(answer.response);
      return this.openSession(socket, answer, request, head);
    } catch (error) {
      clearTimeout(timer);
      this.answerRefusal(socket, error, request);
      return undefined;
    }
  }

  /** @internal The checks of every handshake, HTTP/1.1 or HTTP/2: shutdown (503), origin (§10.2, 403), authentication. */
  async vetHandshake(request: http.IncomingMessage, handshake: ValidatedRequest | ValidatedExtendedConnect): Promise<void> {
    if (this.closing) throw new HandshakeError('server is shutting down', 503);
    if (this.options.verifyOrigin && !this.options.verifyOrigin(handshake.origin, request)) {
      throw new HandshakeError(`origin ${handshake.origin ?? '(none)'} is not allowed`, 403);
    }
    if (this.options.authenticate) {
      const verdict = await this.options.authenticate(request, handshake);
      if (verdict !== true) {
        const refusal = verdict === false ? { status: 401 } : verdict;
        if (!Number.isInteger(refusal.status) || refusal.status < 300 || refusal.status > 599) {
          // An application bug, not the client's: answered as 500 and reported on 'error'.
          throw new TypeError(`authenticate refused with status ${String(refusal.status)}; a refusal needs a 3xx–5xx status`);
        }
        throw new HandshakeError(refusal.body ?? 'authentication failed', refusal.status, refusal.headers ?? {});
      }
    }
    // close() may have run while an async hook was pending: do not accept after shutdown.
    if (this.closing) throw new HandshakeError('server is shutting down', 503);
  }

  /** @internal Time allowed from a complete request to the answer, ms. */
  get handshakeTimeout(): number {
    return this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  }

  /** @internal What the answer is chosen from (RFC 6455 §4.2.2 step 4): subprotocols, extensions, extra headers. */
  answerOptions(request: http.IncomingMessage) {
    const chooser = this.options.protocols;
    return {
      ...(chooser ? { protocols: typeof chooser === 'function' ? (offered: readonly string[]) => chooser(offered, request) : chooser } : {}),
      extensions: this.extensionFactories,
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    };
  }

  /** @internal Reports a refusal ('rejected', and 'error' when not the client's fault); returns what to answer (else 500). */
  refusal(error: unknown, request: http.IncomingMessage): HandshakeError {
    const refusal = error instanceof HandshakeError ? error : new HandshakeError('internal error', 500);
    if (!(error instanceof HandshakeError) && this.listenerCount('error') > 0) this.emit('error', error as Error);
    this.emit('rejected', refusal.status, refusal.message, request);
    return refusal;
  }

  /**
   * Answers a refused upgrade (RFC 6455 §4.2.2: an HTTP error status). Should that answer fail in
   * turn (an authenticate hook's header that may not be sent, a 'rejected' listener that throws),
   * the client gets a bare 500, or the socket is dropped: a refusal never becomes an unhandled rejection.
   */
  private answerRefusal(socket: Duplex, error: unknown, request: http.IncomingMessage): void {
    try {
      const refusal = this.refusal(error, request);
      rejectSocket(socket, refusal.status, refusal.message, { ...refusal.headers });
    } catch {
      try {
        rejectSocket(socket, 500, 'internal error');
      } catch {
        socket.destroy();
      }
    }
  }

  /** @internal Starts and announces the session on an answered transport (RFC 6455 §4.2.2, RFC 8441 §5: OPEN). */
  openSession(socket: Duplex, answer: { protocol: string | undefined; extensions: Extension[] }, request: http.IncomingMessage, head?: Uint8Array): Session {
    const connection = new Connection({
      role: 'server',
      maxMessageSize: this.options.maxMessageSize, // the core applies the default
      utf8Check: nativeUtf8Check,
      allocate: allocateUnzeroed,
    });
    const session = new Session(socket, connection, this.sessionSettings);
    session.establish(answer.protocol, answer.extensions);
    session.trackIn(this.clients); // leaves the set when it closes
    this.announce(session, request);
    if (head && head.length > 0) session.receive(head);
    return session;
  }

  /**
   * Without a `server` option (a framework routes upgrades here), the HTTP server is found from
   * the first request's socket and checked for a slow request-head timeout like an attached one.
   */
  private checkUpgradeServer(request: http.IncomingMessage, handshakeTimeout: number): void {
    this.upgradeServerChecked = true;
    if (this.options.server) return; // checked when attached
    const httpServer = (request.socket as Socket & { server?: http.Server }).server;
    if (typeof httpServer?.headersTimeout === 'number') warnIfSlowRequestHead(httpServer, handshakeTimeout);
  }

  /**
   * Emits 'connection'. The 101 is already on the wire, so a listener that throws can no longer
   * get an HTTP error: the session is closed with 1011 and the error reported on 'error'.
   */
  private announce(session: Session, request: http.IncomingMessage): void {
    try {
      this.emit('connection', session, request);
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', error as Error);
      if (session.readyState === ReadyState.OPEN) session.close(CloseCode.InternalError, 'connection handler failed');
    }
  }

  /**
   * Graceful shutdown: refuses new handshakes, sends 1001 Going Away to every session, and
   * resolves when all have closed or `timeout` ms have passed (the rest are dropped).
   * Detaches from the HTTP server, which it does not close.
   */
  async close(options: { code?: number; reason?: string; timeout?: number } = {}): Promise<void> {
    this.closing = true;
    if (this.options.server) detach(this.options.server, this);
    const sessions = [...this.clients];
    const closed = sessions.map((s) => new Promise<void>((resolve) => (s.readyState === ReadyState.CLOSED ? resolve() : s.once('close', () => resolve()))));
    for (const session of sessions) {
      if (session.readyState === ReadyState.OPEN) session.close(options.code ?? CloseCode.GoingAway, options.reason ?? DEFAULT_SHUTDOWN_REASON);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT).unref()));
    await Promise.race([Promise.all(closed), deadline]);
    clearTimeout(timer);
    for (const session of this.clients) session.terminate();
    await Promise.all(closed);
  }
}

function ignoreError(): void {}
