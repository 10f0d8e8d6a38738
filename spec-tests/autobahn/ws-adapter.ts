// Test helper: the `ws` package dressed up as the testees' runtime (autobahn/testee-runtime.ts),
// so the testees' protocol logic (RFC 6455 §5.6 echo, §7 close) can be tested before, and
// independently of, wsref's own runtime.

import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import type {
  TesteeConnect,
  TesteeLimits,
  TesteeSession,
  TesteeWebSocketServer,
} from '../../autobahn/testee-runtime.js';

/**
 * Wraps one `ws` socket: text arrives as a string, binary as a Buffer, and events that arrive
 * before the testee has registered its listener are held back, not lost.
 */
class WsSession extends EventEmitter implements TesteeSession {
  private readonly held: { event: string; args: unknown[] }[] = [];

  constructor(private readonly socket: WebSocket) {
    super();
    socket.on('message', (data: Buffer, isBinary: boolean) =>
      this.deliver('message', [isBinary ? data : data.toString('utf8'), isBinary]),
    );
    socket.on('close', (code: number, reason: Buffer) =>
      this.deliver('close', [code, reason.toString('utf8'), code !== 1006]),
    );
    socket.on('error', () => {});
    // Release held events once someone listens for them (after that listener is added).
    this.on('newListener', () => queueMicrotask(() => this.flush()));
  }

  private deliver(event: string, args: unknown[]): void {
    this.held.push({ event, args });
    this.flush();
  }

  /** Emits held events in arrival order, stopping at the first one nobody listens to yet. */
  private flush(): void {
    while (this.held.length > 0 && this.listenerCount(this.held[0]!.event) > 0) {
      const { event, args } = this.held.shift()!;
      this.emit(event, ...args);
    }
  }

  send(data: string | Uint8Array): void {
    this.socket.send(data, { binary: typeof data !== 'string' });
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
}

/** A `TesteeConnect` built on the `ws` client. */
export const wsConnect: TesteeConnect = (url: string, options: TesteeLimits) =>
  new Promise<TesteeSession>((resolve, reject) => {
    const socket = new WebSocket(url, {
      perMessageDeflate: options.perMessageDeflate,
      maxPayload: options.maxMessageSize,
    });
    const session = new WsSession(socket);
    socket.once('open', () => resolve(session));
    socket.once('unexpected-response', (_request, response) => {
      reject(new Error(`handshake refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    socket.once('error', (error) => reject(error));
  });

/** A `TesteeWebSocketServerClass` built on the `ws` server. */
export class WsTesteeServer extends EventEmitter implements TesteeWebSocketServer {
  constructor(options: TesteeLimits & { server: Server }) {
    super();
    const wss = new WebSocketServer({
      server: options.server,
      perMessageDeflate: options.perMessageDeflate,
      maxPayload: options.maxMessageSize,
    });
    wss.on('connection', (socket) => this.emit('connection', new WsSession(socket)));
  }
}
