// What an idle server session keeps (issue #15: memory per idle connection ≤ 0.9× ws). Idle
// connections are counted in the thousands, so every object one session keeps without need is
// paid thousands of times. These tests pin the savings that are easy to undo without noticing:
// the sessions of one endpoint share their settings; a session with neither keepalive nor idle
// timeout keeps no clock of its own until the closing handshake needs one (RFC 6455 §7.1.1), and
// with them the sessions of one endpoint share one sweep rather than a Node timer each; writing
// keeps no object of its own;
// its table of listeners stays small (V8's fast mode, not a dictionary); and the transport carries
// the shared listeners only — the peer's FIN is answered by the stream itself, not by an 'end'
// listener per connection. A few read the session's internals by name: what is kept is the point.
import http from 'node:http';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { PeriodicSweep } from '../../src/node/periodic-sweep.js';
import { SessionTimers } from '../../src/node/session-timers.js';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer, type Session } from '../../src/index.js';
import { closeServer, listen, nextEvent, rawUpgrade, Resources, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

/**
 * An endpoint and `count` raw clients that completed the handshake; returns the server's sessions.
 * The HTTP server is set up as the benchmark's is, and adds no listener of its own to the sockets
 * (the sessions are closed by `wss.close`, the raw clients by `resources`).
 */
async function idleSessions(count: number, options: ConstructorParameters<typeof WebSocketServer>[0] = {}) {
  const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS });
  const port = await listen(server);
  resources.defer(() => closeServer(server));
  const wss = new WebSocketServer({ server, ...options });
  resources.defer(() => wss.close({ timeout: 200 }));
  const sessions: Session[] = [];
  const clients = [];
  for (let i = 0; i < count; i++) {
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const { socket, head } = await rawUpgrade(port, '/', resources);
    expect(head.status).toBe(101);
    clients.push(socket);
    sessions.push((await accepted)[0]);
  }
  return { sessions, clients };
}

/** A field of the session by name (private to it): what it keeps is what these tests check. */
const kept = (session: Session, field: string): unknown => Reflect.get(session, field);

/** V8's own answer to whether an object keeps its properties in fast mode (not as a dictionary). */
function hasFastProperties(value: object): boolean {
  v8.setFlagsFromString('--allow-natives-syntax');
  const check = new Function('value', 'return %HasFastProperties(value)') as (value: object) => boolean;
  return check(value);
}

describe('what an idle server session keeps', () => {
  it('[wsref] the sessions of one endpoint share one settings object, resolved once with the defaults filled in', async () => {
    const { sessions } = await idleSessions(2, { closeTimeout: 1_234 });
    const [first, second] = sessions.map((session) => kept(session, 'settings'));
    expect(first).toBe(second);
    expect(first).toMatchObject({ closeTimeout: 1_234, pingInterval: 0, idleTimeout: 0, textAs: 'string' });
  });

  it('[wsref] on the default timers an OPEN session keeps no clock of its own: no SessionTimers, no timestamps', async () => {
    const { sessions } = await idleSessions(2);
    const [first, second] = sessions.map((session) => kept(session, 'timers'));
    expect(first).not.toBeInstanceOf(SessionTimers);
    expect(first).toBe(second); // one shared object that times nothing
  });

  it('[wsref] with keepalive or an idle timeout, each session has its own clocks from the start', async () => {
    const { sessions } = await idleSessions(2, { idleTimeout: 60_000 });
    const [first, second] = sessions.map((session) => kept(session, 'timers'));
    expect(first).toBeInstanceOf(SessionTimers);
    expect(first).not.toBe(second);
  });

  it('[wsref] with keepalive on, the sessions of one endpoint are checked by one shared sweep, not a Node timer each', async () => {
    const { sessions } = await idleSessions(3, { pingInterval: 30_000 });
    const sweeps = sessions.map((session) => Reflect.get(kept(session, 'timers') as object, 'checkedBy'));
    expect(sweeps[0]).toBeInstanceOf(PeriodicSweep);
    expect(new Set(sweeps).size).toBe(1);
    const ownTimers = Object.values(kept(sessions[0]!, 'timers') as object).filter((value) => value instanceof Object && value.constructor.name === 'Timeout');
    expect(ownTimers).toEqual([]);
  });

  it('[wsref] a session keeps no writer object: writing needs only its transport and its shared settings', async () => {
    const { sessions } = await idleSessions(1);
    expect(kept(sessions[0]!, 'writer')).toBeUndefined();
    expect(Object.values(sessions[0]!).some((value) => value instanceof Object && value.constructor.name === 'SocketWriter')).toBe(false);
  });

  it('[6455-7.1.1-2] once the closing handshake starts the session gets its own clock, and a peer that never answers is dropped after closeTimeout', async () => {
    const { sessions } = await idleSessions(1, { closeTimeout: 150 });
    const session = sessions[0]!;
    const started = Date.now();
    session.close(1000, 'bye');
    expect(kept(session, 'timers')).toBeInstanceOf(SessionTimers);
    const [code, , wasClean] = await nextEvent<CloseArgs>(session, 'close', 2_000);
    expect([code, wasClean]).toEqual([1006, false]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("[wsref] a session's table of listeners stays in V8's fast mode, and names like 'toString', 'constructor', '__proto__' are plain events", async () => {
    const { sessions } = await idleSessions(1);
    const session = sessions[0]!;
    session.on('message', () => {});
    session.on('close', () => {});
    expect(hasFastProperties(kept(session, '_events') as object)).toBe(true);
    // Nothing is inherited: an event name that is a property of Object.prototype has no listener until given one.
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(session.listenerCount(name as 'open')).toBe(0);
      expect(session.emit(name as 'open')).toBe(false);
    }
    const heard: string[] = [];
    session.on('toString' as 'open', () => heard.push('toString'));
    session.on('__proto__' as 'open', () => heard.push('__proto__'));
    session.emit('toString' as 'open');
    session.emit('__proto__' as 'open');
    expect(heard).toEqual(['toString', '__proto__']);
    expect(session.eventNames()).toEqual(['message', 'close', 'toString', '__proto__']);
  });

  it('[wsref] the transports of two sessions carry the same listener functions (no closure per connection), none of them for end', async () => {
    const { sessions } = await idleSessions(2);
    const [first, second] = sessions.map((session) => kept(session, 'transportStream') as NodeJS.EventEmitter);
    for (const event of ['data', 'close', 'error', 'drain', 'end']) expect(first!.listeners(event)).toEqual(second!.listeners(event));
    // Node's net.Socket keeps one 'end' listener of its own; the session adds none.
    expect(first!.listenerCount('end')).toBe(1);
  });

  it("[6455-7.1.1-1] a peer's FIN without a close frame: the server ends TCP too, and the session closes with 1006", async () => {
    const { sessions, clients } = await idleSessions(1);
    const [session, client] = [sessions[0]!, clients[0]!];
    client.allowHalfOpen = true; // the raw client only half-closes: the server's FIN must be its own
    const closed = nextEvent<CloseArgs>(session, 'close', 2_000);
    const serverFin = withTimeout(new Promise<void>((resolve) => client.once('end', () => resolve())), 2_000, "the server's FIN");
    client.end();
    await serverFin;
    const [code, , wasClean] = await closed;
    expect([code, wasClean]).toEqual([1006, false]);
  });
});
