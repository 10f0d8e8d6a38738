// A session's side toward its transport (RFC 6455 §7.1.1: the transport under the WebSocket
// connection, closed and dropped on the protocol's terms): any `stream.Duplex` — a TCP or TLS
// socket, an HTTP/2 stream (RFC 8441) — its shared listeners, the writing (socket-writer.ts), the
// session's clocks (session-timers.ts), and the events the transport itself causes (error,
// drain, close). `Session` (session.ts) adds the protocol side on top: the core and its events.

import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, ReadyState, type CloseResult } from '../core/index.js';
import { SessionSettings } from './defaults.js';
import { SessionTimers, timesOpenConnection, UNTIMED, type ActivityClocks, type TimedSession } from './session-timers.js';
import type { SessionEvents, SessionOptions } from './session-types.js';
import { belowHighWaterMark } from './socket-writer.js';

/** The transport side of a `Session`; not used on its own. */
export abstract class TransportSession extends EventEmitter<SessionEvents> {
  /** @internal The stream the WebSocket runs on: a TCP or TLS socket, or an HTTP/2 stream. */
  protected readonly transportStream: Duplex;
  /**
   * @internal Keepalive, idle and closing clocks: the session's own `SessionTimers` once something
   * is timed, the shared `UNTIMED` before (no keepalive, no idle timeout, not yet closing).
   */
  protected timers: ActivityClocks;
  /** @internal The settings it runs on: shared by the sessions of one server endpoint (see `SessionSettings`). */
  protected readonly settings: SessionSettings;
  /**
   * @internal While set (see `Session.holdEvents`), events wait here in arrival order; the core is not
   * drained meanwhile, so its events wait inside it.
   */
  protected heldEvents: Array<[event: keyof SessionEvents, args: unknown[]]> | undefined;
  /** The server's set of open sessions, if any: this session leaves it when closed. */
  private registry: Set<TransportSession> | undefined;

  protected constructor(transport: Duplex, options: SessionOptions) {
    super();
    // EventEmitter's listener table is a null-prototype object literal, which V8 keeps as a
    // dictionary (about 180 bytes with one listener); this one has the same keys and no inherited
    // ones either, in fast mode (about 40). Node's own streams likewise set `_events` themselves.
    (this as unknown as { _events: object })._events = new ListenerTable();
    const settings = SessionSettings.of(options);
    this.settings = settings;
    this.transportStream = transport;
    this.timers = timesOpenConnection(settings) ? this.ownTimers() : UNTIMED;
    if (transport instanceof Socket) {
      // TCP (or TLS over it): no Nagle delay (frames are corked per tick already), no idle timeout of Node's.
      transport.setNoDelay(true);
      transport.setTimeout(0);
    }
    // The listeners are shared by all sessions (no closures per connection: idle connections
    // are counted in the thousands); each finds its session through the transport.
    (transport as LinkedTransport)[kSession] = this;
    // The peer's FIN (its side done) ends ours too. An upgraded server socket is half-open capable;
    // with allowHalfOpen off, the stream itself ends its writable side when its readable side ends
    // (as a plain net.Socket does), and no 'end' listener is kept per connection.
    transport.allowHalfOpen = false;
    transport.on('data', TransportSession.onData);
    transport.on('close', TransportSession.onClose);
    transport.on('error', TransportSession.onError);
    transport.on('drain', TransportSession.onDrain);
  }

  /** CONNECTING, OPEN, CLOSING or CLOSED: the protocol's state. */
  abstract get readyState(): ReadyState;
  /** Sends a ping (the keepalive's). */
  abstract ping(): void;
  /** Starts the closing handshake (the idle timeout's). */
  abstract close(code?: number, reason?: string): void;
  /** @internal Bytes arrived from the peer. */
  protected abstract bytesReceived(chunk: Uint8Array): void;
  /** @internal The transport closed: how the connection ended (RFC 6455 §7.1.4–§7.1.6). */
  protected abstract transportClosed(): CloseResult;

  /**
   * What carries the WebSocket: `'http/1.1'` for a connection taken over by the upgrade (RFC 6455
   * §4), `'h2'` for one stream of an HTTP/2 connection opened by extended CONNECT (RFC 8441 §4).
   */
  get transport(): TransportKind { return kHttp2Stream in this.transportStream ? 'h2' : 'http/1.1'; }
  /** Bytes queued in the transport, not yet handed to the operating system. */
  get bufferedAmount(): number { return this.transportStream.writableLength; }
  /** The peer's address, for logs (undefined when the transport does not say). */
  get remoteAddress(): string | undefined { return (this.transportStream as Partial<Socket>).remoteAddress; }

  /** Resolves when the transport's buffer has drained below `highWaterMark` (or the session closed). */
  drained(): Promise<void> {
    if (belowHighWaterMark(this.transportStream, this.settings) || this.readyState === ReadyState.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('drain', done);
        this.off('close', done);
        resolve();
      };
      this.on('drain', done);
      this.on('close', done);
    });
  }

  /** Drops the connection at once, without a closing handshake (reported as 1006). */
  terminate(): void { this.transportStream.destroy(); }
  /** Stops reading from the peer (TCP backpressure) until `resume()`. */
  pause(): void { this.transportStream.pause(); }
  /** Starts reading from the transport again after `pause()`. */
  resume(): void { this.transportStream.resume(); }

  /** @internal Keeps this session in `registry` (a server's `clients`) until it closes. */
  trackIn(registry: Set<TransportSession>): void {
    this.registry = registry;
    registry.add(this);
  }

  /**
   * @internal The clocks of the closing handshake and of closing the transport (RFC 6455 §7.1.1):
   * the session's own, made now if it had none (a session with nothing timed while OPEN).
   */
  protected ownTimers(): SessionTimers {
    if (this.timers instanceof SessionTimers) return this.timers;
    const timers = new SessionTimers(this.settings, new TransportSession.Clock(this));
    this.timers = timers;
    return timers;
  }

  /** @internal Emits an event now, or queues it behind the held events. Errors are reported to listeners only. */
  protected emitNow(event: keyof SessionEvents, args: unknown[]): void {
    if (this.heldEvents) {
      this.heldEvents.push([event, args]);
      return;
    }
    // An unheard error must never crash the process.
    if (event === 'error' && this.listenerCount('error') === 0) return;
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    if (event === 'close') this.removeAllListeners('drain');
  }

  /** What the clocks do to their session: one small object per session, its methods on the prototype. */
  private static readonly Clock = class implements TimedSession {
    constructor(private readonly session: TransportSession) {}
    sendKeepalivePing(): void {
      if (this.session.readyState === ReadyState.OPEN) this.session.ping();
    }
    closeIdle(): void {
      if (this.session.readyState === ReadyState.OPEN) this.session.close(CloseCode.GoingAway, 'idle timeout');
    }
    dropTransport(error?: Error): void {
      if (error) this.session.emitNow('error', [error]);
      this.session.transportStream.destroy();
    }
    endTransport(): void {
      this.session.transportStream.end(); // what is queued (the close frame) goes first, then FIN
    }
  };

  // ─── Transport events (shared listeners: `this` is the transport) ─────────────────────

  private static onData(this: Duplex, chunk: Buffer): void {
    const session = (this as LinkedTransport)[kSession];
    session.timers.received();
    session.bytesReceived(chunk);
  }

  private static onError(this: Duplex, error: Error): void {
    (this as LinkedTransport)[kSession].emitNow('error', [error]);
    this.destroy();
  }

  private static onDrain(this: Duplex): void {
    (this as LinkedTransport)[kSession].emit('drain');
  }

  private static onClose(this: Duplex): void {
    const session = (this as LinkedTransport)[kSession];
    if (session.readyState === ReadyState.CLOSED) return; // CLOSED only once the transport has closed
    session.timers.stop();
    session.registry?.delete(session);
    const result = session.transportClosed();
    session.emitNow('close', [result.code, result.reason, result.wasClean]);
  }
}

/** The protocols a session can run on, as `session.transport` names them (ALPN's names). */
export type TransportKind = 'http/1.1' | 'h2';
/** Set on an HTTP/2 stream made a session's transport (http2-stream-transport.ts). */
export const kHttp2Stream = Symbol('wsref.http2Stream');

/** Where a transport keeps its session, for the shared listeners. */
const kSession = Symbol('wsref.session');
type LinkedTransport = Duplex & { [kSession]: TransportSession };

/**
 * A session's table of listeners, for EventEmitter: its prototype chain is one empty object with
 * a null prototype, so no event name finds an inherited property ('toString', '__proto__' and
 * 'constructor' are names like any other, as in Node's `{ __proto__: null }`), and V8 keeps the
 * table in fast mode. A plain function, not a class: a class's prototype has a `constructor`.
 */
const ListenerTable = function ListenerTable() {} as unknown as new () => object;
ListenerTable.prototype = Object.create(null);
