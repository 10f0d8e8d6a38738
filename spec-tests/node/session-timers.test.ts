// Unit tests for src/node/session-timers.ts on vitest's fake clock: keepalive pings after a
// silence (RFC 6455 §5.5.2 "may serve as a keepalive") and the drop of a peer that stays silent,
// the idle timeout (1001 Going Away, §7.4.1), the closing timeout (§7.1.1 "MAY", §7.1.7), and
// the client's grace before it closes TCP itself (§7.1.1: the server should close first).
// The loopback behaviour of the same clocks is in timers.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLIENT_CLOSE_GRACE, SessionTimers, type TimedSession, type TimerSettings } from '../../src/node/session-timers.js';

/** A session that records what its timers asked of it, in order. */
class RecordingSession implements TimedSession {
  readonly calls: string[] = [];
  sendKeepalivePing(): void {
    this.calls.push('ping');
  }
  closeIdle(): void {
    this.calls.push('idle close');
  }
  dropTransport(error?: Error): void {
    this.calls.push(error ? `drop: ${error.message}` : 'drop');
  }
  endTransport(): void {
    this.calls.push('end');
  }
}

const OFF: TimerSettings = { pingInterval: 0, pongTimeout: 0, idleTimeout: 0, closeTimeout: 0 };

function timersWith(settings: Partial<TimerSettings>) {
  const session = new RecordingSession();
  const timers = new SessionTimers({ ...OFF, ...settings }, session);
  return { session, timers };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('keepalive', () => {
  it('[6455-5.5.2-4] a ping goes out after pingInterval of silence, and not before', () => {
    const { session, timers } = timersWith({ pingInterval: 1_000, pongTimeout: 500 });
    timers.opened();
    vi.advanceTimersByTime(990);
    expect(session.calls).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(session.calls).toEqual(['ping']);
  });

  it('[6455-5.5.2-4] incoming bytes answer the ping: no drop, and the next ping waits for the next silence', () => {
    const { session, timers } = timersWith({ pingInterval: 1_000, pongTimeout: 500 });
    timers.opened();
    vi.advanceTimersByTime(1_100);
    expect(session.calls).toEqual(['ping']);
    timers.received(); // the pong (any byte counts)
    vi.advanceTimersByTime(900);
    expect(session.calls).toEqual(['ping']);
    vi.advanceTimersByTime(300);
    expect(session.calls).toEqual(['ping', 'ping']);
  });

  it('[6455-5.5.2-4] a peer that keeps talking is never pinged', () => {
    const { session, timers } = timersWith({ pingInterval: 1_000, pongTimeout: 500 });
    timers.opened();
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(400);
      timers.received();
    }
    expect(session.calls).toEqual([]);
  });

  it('[wsref] a peer silent for pongTimeout after the ping is dropped with an error, once, and the clocks stop', () => {
    const { session, timers } = timersWith({ pingInterval: 1_000, pongTimeout: 500 });
    timers.opened();
    vi.advanceTimersByTime(1_100); // the ping went out at 1 000 ms (the clock ticks every 125 ms)
    vi.advanceTimersByTime(350);
    expect(session.calls).toEqual(['ping']);
    vi.advanceTimersByTime(100);
    expect(session.calls).toEqual(['ping', 'drop: no pong within 500 ms']);
    vi.advanceTimersByTime(10_000);
    expect(session.calls).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('[wsref] pongTimeout 0 turns the drop off: one ping stays outstanding, nothing else happens', () => {
    const { session, timers } = timersWith({ pingInterval: 100, pongTimeout: 0 });
    timers.opened();
    vi.advanceTimersByTime(10_000);
    expect(session.calls).toEqual(['ping']);
  });
});

describe('idle timeout', () => {
  it('[wsref] idleTimeout without messages asks for the 1001 close', () => {
    const { session, timers } = timersWith({ idleTimeout: 2_000 });
    timers.opened();
    vi.advanceTimersByTime(1_900);
    expect(session.calls).toEqual([]);
    vi.advanceTimersByTime(700);
    expect(session.calls).toEqual(['idle close']);
  });

  it('[wsref] messages keep the connection from being idle; bytes alone (pongs) do not', () => {
    const { session, timers } = timersWith({ idleTimeout: 2_000 });
    timers.opened();
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(1_000);
      timers.active();
      timers.received();
    }
    expect(session.calls).toEqual([]);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1_000);
      timers.received();
    }
    expect(session.calls).toEqual(['idle close']);
  });

  it('[wsref] keepalive and idle of a session share one Node timer', () => {
    const { timers } = timersWith({ pingInterval: 1_000, pongTimeout: 500, idleTimeout: 3_000 });
    timers.opened();
    expect(vi.getTimerCount()).toBe(1);
    timers.opened(); // a second call starts nothing more
    expect(vi.getTimerCount()).toBe(1);
  });

  it('[wsref] with every timer off, opening a session starts no Node timer', () => {
    const { timers } = timersWith({});
    timers.opened();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('one sweep per endpoint, not a timer per session', () => {
  /** `count` sessions on one settings object, as a server's sessions share theirs. */
  function sessionsSharing(count: number, settings: Partial<TimerSettings>) {
    const shared: TimerSettings = { ...OFF, ...settings };
    return Array.from({ length: count }, () => {
      const session = new RecordingSession();
      return { session, timers: new SessionTimers(shared, session) };
    });
  }

  it('[6455-5.5.2-4] 1,000 OPEN sessions of one endpoint with keepalive and idle timeout run one Node timer, and each is still pinged on its own silence', () => {
    const sessions = sessionsSharing(1_000, { pingInterval: 1_000, pongTimeout: 500, idleTimeout: 60_000 });
    for (const { timers } of sessions) timers.opened();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(600);
    sessions[0]!.timers.received(); // only the first one heard from its peer since
    vi.advanceTimersByTime(600);
    expect(sessions[0]!.session.calls).toEqual([]);
    expect(sessions.slice(1).every(({ session }) => session.calls.join() === 'ping')).toBe(true);
  });

  it('[wsref] sessions on other settings (another endpoint) have their own sweep; the timer stops with the last session of each', () => {
    const a = sessionsSharing(3, { pingInterval: 1_000 });
    const b = sessionsSharing(2, { idleTimeout: 5_000 });
    for (const { timers } of [...a, ...b]) timers.opened();
    expect(vi.getTimerCount()).toBe(2);
    for (const { timers } of a) timers.stop();
    expect(vi.getTimerCount()).toBe(1);
    b[0]!.timers.closing(); // closing leaves the sweep (its closeTimeout is 0: no close timer)
    expect(vi.getTimerCount()).toBe(1);
    b[1]!.timers.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('[wsref] a session dropped by the sweep (no pong) leaves it during the sweep; the others are still checked in that run', () => {
    const sessions = sessionsSharing(3, { pingInterval: 1_000, pongTimeout: 500 });
    for (const { timers } of sessions) timers.opened();
    vi.advanceTimersByTime(1_100); // all three pinged
    sessions[2]!.timers.received(); // the third answers
    vi.advanceTimersByTime(500); // the first two are dropped, in the same run
    expect(sessions.map(({ session }) => session.calls.join())).toEqual([
      'ping,drop: no pong within 500 ms',
      'ping,drop: no pong within 500 ms',
      'ping',
    ]);
    expect(vi.getTimerCount()).toBe(1); // the third is still checked
  });

  it('[wsref] a long pingInterval is checked at least once a second, so silences that began a second apart are pinged a second apart', () => {
    const sessions = sessionsSharing(2, { pingInterval: 60_000 });
    sessions[0]!.timers.opened();
    vi.advanceTimersByTime(1_000);
    sessions[1]!.timers.opened();
    vi.advanceTimersByTime(58_900); // 59.9 s after the first opened
    expect(sessions.map(({ session }) => session.calls.length)).toEqual([0, 0]);
    vi.advanceTimersByTime(200); // 60.1 s: the sweep at 60 s pinged the first
    expect(sessions.map(({ session }) => session.calls.length)).toEqual([1, 0]);
    vi.advanceTimersByTime(1_000); // 61.1 s: the sweep at 61 s pinged the second
    expect(sessions.map(({ session }) => session.calls.length)).toEqual([1, 1]);
  });
});

describe('closing timeout (RFC 6455 §7.1.1)', () => {
  it('[6455-7.1.1-2] [6455-7.1.7-2] once closing, a peer that does not finish within closeTimeout is dropped; keepalive and idle end', () => {
    const { session, timers } = timersWith({ pingInterval: 100, pongTimeout: 100, idleTimeout: 100, closeTimeout: 5_000 });
    timers.opened();
    timers.closing();
    vi.advanceTimersByTime(4_900);
    expect(session.calls).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(session.calls).toEqual(['drop']);
  });

  it('[6455-7.1.1-2] a second closing() does not move the deadline', () => {
    const { session, timers } = timersWith({ closeTimeout: 1_000 });
    timers.closing();
    vi.advanceTimersByTime(800);
    timers.closing();
    vi.advanceTimersByTime(300);
    expect(session.calls).toEqual(['drop']);
  });

  it('[6455-7.1.1-5] a server ends TCP at once; the close deadline already running still holds', () => {
    const { session, timers } = timersWith({ closeTimeout: 1_000 });
    timers.closing();
    vi.advanceTimersByTime(600);
    timers.transportEnding(true);
    expect(session.calls).toEqual(['end']);
    vi.advanceTimersByTime(500);
    expect(session.calls).toEqual(['end', 'drop']);
  });

  it('[6455-7.1.1-4] [6455-7.1.1-5] a client waits CLIENT_CLOSE_GRACE for the server to close TCP, then sends FIN, then drops after closeTimeout', () => {
    const { session, timers } = timersWith({ closeTimeout: 2_000 });
    timers.closing();
    vi.advanceTimersByTime(100);
    timers.transportEnding(false);
    vi.advanceTimersByTime(CLIENT_CLOSE_GRACE - 10);
    expect(session.calls).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(session.calls).toEqual(['end']);
    vi.advanceTimersByTime(1_980);
    expect(session.calls).toEqual(['end']);
    vi.advanceTimersByTime(20);
    expect(session.calls).toEqual(['end', 'drop']);
  });

  it('[6455-7.1.1-3] a server that closes TCP during the grace: stop() cancels the FIN and the drop', () => {
    const { session, timers } = timersWith({ pingInterval: 100, pongTimeout: 100, closeTimeout: 2_000 });
    timers.opened();
    timers.closing();
    timers.transportEnding(false);
    timers.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(session.calls).toEqual([]);
  });

  it('[6455-7.1.1-2] closeTimeout 0 turns the drop off', () => {
    const { session, timers } = timersWith({ closeTimeout: 0 });
    timers.closing();
    timers.transportEnding(true);
    vi.advanceTimersByTime(60_000);
    expect(session.calls).toEqual(['end']);
  });
});
