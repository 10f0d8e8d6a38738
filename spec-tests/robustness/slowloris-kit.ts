// RFC 6455 §4.1, §10.7 over a real socket: a slowloris client, which sends a valid opening
// handshake one byte at a time so that its request head never completes, and reports whether
// (and how fast) the server let the connection go. Shared by the robustness tests and the soak.

import net from 'node:net';
import { upgradeRequest } from '../helpers/node-peers.js';

export interface TrickleOutcome {
  /** Whether the server closed the connection before the client gave up. */
  readonly closed: boolean;
  /** Milliseconds from the connection to its close (or to giving up). */
  readonly ms: number;
  /** Bytes of the request head sent by then, and the head's length: a slowloris never finishes it. */
  readonly sent: number;
  readonly requestLength: number;
  /** What the server wrote, e.g. "HTTP/1.1 408 Request Timeout…"; empty when it just closed. */
  readonly received: string;
}

export interface TrickleOptions {
  /** The request target; default `/`. */
  path?: string;
  /** One byte every this many ms; default 1,000 (1 byte/s). */
  intervalMs?: number;
  /** The client gives up (and closes) after this many ms; default 15,000. */
  giveUpMs?: number;
}

/**
 * Connects to 127.0.0.1:`port` and trickles a valid upgrade request (RFC 6455 §4.1) one byte
 * per `intervalMs` until the server closes the connection or `giveUpMs` pass. Never rejects.
 */
export function trickleHandshake(port: number, options: TrickleOptions = {}): Promise<TrickleOutcome> {
  const request = Buffer.from(upgradeRequest(options.path ?? '/', port), 'latin1');
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = '';
    let sent = 0;
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearInterval(trickle);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ closed, ms: performance.now() - started, sent, requestLength: request.length, received });
    };
    const sendNextByte = () => {
      if (socket.writable && sent < request.length) socket.write(request.subarray(sent, ++sent));
    };
    const trickle = setInterval(sendNextByte, options.intervalMs ?? 1_000);
    const giveUp = setTimeout(() => finish(false), options.giveUpMs ?? 15_000);
    socket.on('connect', sendNextByte);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => finish(true));
  });
}
