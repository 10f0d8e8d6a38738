// Autobahn|Testsuite testees — the slice of wsref's public API they use (RFC 6455 §1.3–§1.4
// opening/closing handshakes, RFC 7692 permessage-deflate), written as structural types so the
// testees' protocol logic can be driven by wsref or, in tests, by a stand-in built on `ws`.

import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One open WebSocket as the testees see it: text arrives as a string, binary as bytes. */
export interface TesteeSession {
  // `any[]`: the testees only listen to 'message' (data, isBinary), 'close' (code, reason,
  // wasClean) and 'error' (err), but must accept a runtime whose `on` is a set of overloads.
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** A string goes out as a text message, bytes as a binary message (RFC 6455 §5.6). */
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake (RFC 6455 §7.1.2). */
  close(code?: number, reason?: string): void;
}

/**
 * Sends `data` back on `session` with its type kept (RFC 6455 §5.6: a string goes out as text,
 * bytes as binary). A message that arrives after this side has sent its close frame is not
 * echoed: no data frames may follow a close (RFC 6455 §5.5.1), and the runtime refuses them.
 */
export function echo(session: TesteeSession, data: string | Uint8Array): void {
  try {
    session.send(data);
  } catch {
    // The session is closing; nothing more to send.
  }
}

/** Options every testee connection and server uses. */
export interface TesteeLimits {
  /** Offer / accept permessage-deflate with any parameters the peer asks for (RFC 7692 §7.1). */
  perMessageDeflate: true;
  /** Largest reassembled message accepted, in bytes. */
  maxMessageSize: number;
}

/**
 * Limits big enough for every case of the suite:
 * - cases 9.1.6 / 9.2.6 send one 16 MiB message, so the message limit must exceed 16 MiB;
 * - cases 9.3.1 / 9.4.1 send a 4 MiB message in 64-byte fragments, i.e. 65,536 fragments,
 *   so any limit a runtime puts on the fragment count must allow at least that many.
 */
export const TESTEE_LIMITS: TesteeLimits = {
  perMessageDeflate: true,
  maxMessageSize: 64 * 1024 * 1024,
};

/** Opens a client connection; resolves once OPEN, rejects if the handshake fails (RFC 6455 §4.1). */
export type TesteeConnect = (url: string, options: TesteeLimits) => Promise<TesteeSession>;

/** The server side: accepts upgrades on an existing `node:http` server. */
export interface TesteeWebSocketServer {
  on(event: 'connection', listener: (session: TesteeSession) => void): unknown;
}

export type TesteeWebSocketServerClass = new (
  options: TesteeLimits & { server: Server },
) => TesteeWebSocketServer;

/** What the testee scripts take from wsref. */
export interface TesteeRuntime {
  WebSocketServer: TesteeWebSocketServerClass;
  connect: TesteeConnect;
}

/** Where wsref's public API lives, relative to this file. */
const WSREF_ENTRY = '../src/index.js';

/**
 * Loads wsref's public API at run time, for callers that must cope with it being absent or
 * broken (the tests use this to tell whether the runtime is ready). The import goes through a
 * variable so this file type-checks on its own; the shape is checked here instead.
 */
export async function loadWsrefRuntime(): Promise<TesteeRuntime> {
  const entry: string = WSREF_ENTRY;
  const api = (await import(entry)) as Partial<TesteeRuntime>;
  if (typeof api.WebSocketServer !== 'function' || typeof api.connect !== 'function') {
    throw new Error(`${WSREF_ENTRY} does not export WebSocketServer and connect yet`);
  }
  return { WebSocketServer: api.WebSocketServer, connect: api.connect };
}

/** True when this module is the script node/tsx was started with. */
export function isMainModule(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // Compare real paths so a symlinked checkout still counts as "run directly".
    return realpathOf(fileURLToPath(moduleUrl)) === realpathOf(script);
  } catch {
    return false;
  }
}

function realpathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolvePath(path);
  }
}
