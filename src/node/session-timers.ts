// The clocks of one session (RFC 6455 §5.5.2 pings as keepalive, §7.1.1 closing the TCP
// connection): keepalive pings after a silence and dropping a peer that stays silent, the idle
// timeout (closed with 1001 Going Away, §7.4.1), the closing timeout (a peer that never finishes
// the closing handshake is dropped, §7.1.1 "MAY"/§7.1.7), and the client's grace before it
// closes TCP itself (§7.1.1: the server should close first).
//
// Idle connections are counted in the thousands, so a session keeps little for its clocks. While
// OPEN, keepalive and idleness are checked by one periodic sweep shared by every session with the
// same settings (periodic-sweep.ts; a server's sessions share theirs), not by a timer each; a
// session only keeps its timestamps and its place in that sweep. Closing has one Node timeout of
// its own, while it runs. Timer callbacks are static functions that get their `SessionTimers` as
// an argument: no closure is made per connection. A session with neither keepalive nor idle
// timeout (the default) has nothing to time while it is OPEN: it shares `UNTIMED` and makes its
// own `SessionTimers` only when the closing handshake starts.

import { PeriodicSweep } from './periodic-sweep.js';

/** What the timers do to their session. The session implements it (one small object). */
export interface TimedSession {
  /** Keepalive: send a ping (RFC 6455 §5.5.2); called only while OPEN. */
  sendKeepalivePing(): void;
  /** Idle timeout: start the closing handshake with 1001 Going Away; called only while OPEN. */
  closeIdle(): void;
  /** Keepalive failed (nothing came back) or the closing timeout ran out: report `error` if given, drop the transport. */
  dropTransport(error?: Error): void;
  /** The client's grace is over: send our FIN (the close timeout then bounds the rest). */
  endTransport(): void;
}

/** What a session tells its clocks as it opens, as traffic flows, and when its transport has closed. */
export interface ActivityClocks {
  /** The connection is OPEN: keepalive and idle timing start now. */
  opened(): void;
  /** Bytes arrived from the peer. */
  received(): void;
  /** A message was sent or received. */
  active(): void;
  /** The transport is closed: every clock stops. */
  stop(): void;
}

/**
 * The clocks of every session with neither keepalive nor idle timeout, shared: while OPEN there is
 * nothing to time, so nothing is kept per session (no timestamps, no object, no Date.now() per read).
 */
export const UNTIMED: ActivityClocks = Object.freeze({ opened() {}, received() {}, active() {}, stop() {} });

/** Whether these settings time anything while the connection is OPEN (else `UNTIMED` serves until closing). */
export function timesOpenConnection(settings: TimerSettings): boolean {
  return settings.pingInterval > 0 || settings.idleTimeout > 0;
}

/** The timer settings, in milliseconds; 0 turns a timer off. */
export interface TimerSettings {
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly idleTimeout: number;
  readonly closeTimeout: number;
}

/** How long a client waits, after a clean closing handshake, for the server to close TCP (§7.1.1). */
export const CLIENT_CLOSE_GRACE = 1_000;

/** The shortest period of the checking sweep: a fine setting must not make a busy timer. */
const MIN_CHECK_PERIOD = 10;
/**
 * The longest period of the checking sweep. Every session of an endpoint is checked at once, so
 * a coarse sweep would send the pings of all sessions that fell silent within one period in one
 * burst; at most a second apart, they go out about as spread as the silences began.
 */
const MAX_CHECK_PERIOD = 1_000;

/** The sweep that checks the OPEN sessions running on `settings`: one per settings object, made on first use. */
const sweeps = new WeakMap<TimerSettings, PeriodicSweep<SessionTimers>>();

function activitySweepFor(settings: TimerSettings): PeriodicSweep<SessionTimers> {
  let sweep = sweeps.get(settings);
  if (sweep === undefined) {
    // A quarter of the shortest period (10 ms to 1 s): a deadline is acted on at most that late.
    const { pingInterval, pongTimeout, idleTimeout } = settings;
    let shortest = Infinity;
    if (pingInterval > 0) shortest = Math.min(pingInterval, pongTimeout > 0 ? pongTimeout : pingInterval);
    if (idleTimeout > 0) shortest = Math.min(shortest, idleTimeout);
    const period = Math.min(MAX_CHECK_PERIOD, Math.max(MIN_CHECK_PERIOD, shortest / 4));
    sweep = new PeriodicSweep(period, SessionTimers.check);
    sweeps.set(settings, sweep);
  }
  return sweep;
}

/** The keepalive, idle and closing clocks of one session. */
export class SessionTimers implements ActivityClocks {
  /** While keepalive or idleness is checked: the endpoint's sweep this session is in. */
  private checkedBy: PeriodicSweep<SessionTimers> | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  /** When the keepalive ping went out (0: none outstanding). Any incoming byte answers it. */
  private pingSentAt = 0;
  private lastReceived = 0;
  private lastActivity = 0;

  constructor(
    private readonly settings: TimerSettings,
    private readonly session: TimedSession,
  ) {}

  /** The connection is OPEN: keepalive and idle timing start now. */
  opened(): void {
    this.lastReceived = this.lastActivity = Date.now();
    if (!timesOpenConnection(this.settings) || this.checkedBy) return;
    this.checkedBy = activitySweepFor(this.settings);
    this.checkedBy.add(this);
  }

  /** Bytes arrived from the peer: the connection is alive (this answers an outstanding keepalive ping). */
  received(): void {
    this.lastReceived = Date.now();
    this.pingSentAt = 0;
  }

  /** A message was sent or received: the connection is not idle. */
  active(): void {
    this.lastActivity = Date.now();
  }

  /**
   * The closing handshake started (our close frame went out, or the peer's arrived): keepalive
   * and idle end, and the peer has `closeTimeout` to finish before the transport is dropped.
   * Safe to call again: a deadline already running is kept.
   */
  closing(): void {
    this.stopChecks();
    this.armCloseTimer();
  }

  /**
   * No more WebSocket traffic will flow: close the transport (RFC 6455 §7.1.1). `now` (a server,
   * or a failed connection) sends our FIN at once; a client after a clean closing handshake
   * first gives the server `CLIENT_CLOSE_GRACE` to close TCP. Either way the transport is
   * dropped if it is still open `closeTimeout` after our FIN.
   */
  transportEnding(now: boolean): void {
    this.stopChecks();
    if (now) {
      this.session.endTransport();
      this.armCloseTimer();
      return;
    }
    clearTimeout(this.closeTimer);
    this.closeTimer = setTimeout(SessionTimers.graceOver, CLIENT_CLOSE_GRACE, this).unref();
  }

  /** The transport is closed: every clock stops. */
  stop(): void {
    this.stopChecks();
    clearTimeout(this.closeTimer);
    this.closeTimer = undefined;
  }

  private stopChecks(): void {
    this.checkedBy?.delete(this);
    this.checkedBy = undefined;
  }

  private armCloseTimer(): void {
    if (this.closeTimer || this.settings.closeTimeout <= 0) return;
    this.closeTimer = setTimeout(SessionTimers.closeTimedOut, this.settings.closeTimeout, this).unref();
  }

  /** @internal The sweep's visit: acts on a deadline that has passed (`now` is the sweep's). */
  static check(timers: SessionTimers, now: number): void {
    const { pingInterval, pongTimeout, idleTimeout } = timers.settings;
    if (pingInterval > 0) {
      if (timers.pingSentAt !== 0) {
        if (pongTimeout > 0 && now - timers.pingSentAt >= pongTimeout) {
          // Keepalive failed: nothing came back. Drop the connection (reported as 1006).
          timers.stop();
          timers.session.dropTransport(new Error(`no pong within ${pongTimeout} ms`));
          return;
        }
      } else if (now - timers.lastReceived >= pingInterval) {
        timers.pingSentAt = now;
        timers.session.sendKeepalivePing();
      }
    }
    if (idleTimeout > 0 && now - timers.lastActivity >= idleTimeout) {
      timers.session.closeIdle();
      timers.closing(); // the 1001 close frame is out: the closing timeout governs from here
    }
  }

  private static graceOver(timers: SessionTimers): void {
    // Our FIN; a server that still keeps TCP open is dropped after closeTimeout (§7.1.1 "MAY").
    timers.closeTimer = undefined;
    timers.session.endTransport();
    timers.armCloseTimer();
  }

  private static closeTimedOut(timers: SessionTimers): void {
    timers.closeTimer = undefined;
    timers.session.dropTransport();
  }
}
