// RFC 6455 §4.2 and §10 over real loopback sockets: small helpers shared by the robustness tests
// and the soak — an echo endpoint inside an HTTP server, raw exchanges that send hostile bytes
// and report how the server answered, a "still serving?" probe, and memory readings.

import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { connect, RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer, type ServerOptions, type Session } from '../../src/index.js';
import { closeServer, parseHead, trackSockets, withTimeout, type RawHead, type Resources } from '../helpers/node-peers.js';
export { httpGet } from '../helpers/node-peers.js';

export interface EchoServer {
  readonly server: http.Server;
  readonly wss: WebSocketServer;
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  readonly url: string;
}

/**
 * An HTTP server on 127.0.0.1:0 (answering plain requests with "hello") with a WebSocket echo
 * endpoint at /echo, registered with `resources` for cleanup. `httpOptions` default to wsref's
 * recommended timeouts.
 */
export async function startEchoServer(
  resources: Resources | undefined,
  options: Omit<ServerOptions, 'server'> = {},
  httpOptions: http.ServerOptions = { ...RECOMMENDED_HTTP_SERVER_OPTIONS },
  port = 0,
): Promise<EchoServer> {
  const server = http.createServer(httpOptions, (_req, res) => res.end('hello'));
  const sockets = trackSockets(server);
  const wss = new WebSocketServer({ server, path: '/echo', ...options });
  wss.on('connection', (session) => {
    session.on('error', () => {});
    session.on('message', (data, isBinary) => {
      if (session.readyState === 1) session.send(data, { binary: isBinary });
    });
  });
  const listening = await listenOn(server, port);
  resources?.defer(async () => {
    await wss.close({ timeout: 200 });
    await closeServer(server, sockets);
  });
  return { server, wss, port: listening, sockets, url: `ws://127.0.0.1:${listening}/echo` };
}

/** Listens on 127.0.0.1:`port` (0: a port the OS picks); resolves with the port. */
function listenOn(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export interface RawAnswer {
  /** The response head, if one arrived before the socket closed or the wait ended. */
  readonly head: RawHead | undefined;
  /** Whether the server closed the connection within the wait. */
  readonly closed: boolean;
  readonly ms: number;
}

/**
 * Sends `request` on a fresh TCP connection and collects the answer for up to `ms`: the
 * response head, and whether the server closed the connection. Never rejects.
 */
export function rawExchange(port: number, request: string | Buffer, ms = 2_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ head: parseHead(received), closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), ms);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(request));
  });
}

/** Opens a WebSocket to `url` and checks one echo round trip; closes it. */
export async function echoRoundTrip(url: string, text = 'still serving'): Promise<string> {
  const session = await connect(url, { handshakeTimeout: 3_000 });
  try {
    const reply = new Promise<string>((resolve) => session.once('message', (data) => resolve(String(data))));
    session.send(text);
    return await withTimeout(reply, 3_000, 'echo reply');
  } finally {
    session.terminate();
  }
}

/** True once `session` has closed; resolves with its close code. */
export function closeCodeOf(session: Session, ms = 5_000): Promise<number> {
  if (session.readyState === 3) return Promise.resolve(-1);
  return withTimeout(new Promise((resolve) => session.once('close', (code) => resolve(code))), ms, 'session close');
}

/** Memory now, in bytes: resident set and ArrayBuffer backing stores (Buffers included). */
export function memory(): { rss: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { rss: m.rss, arrayBuffers: m.arrayBuffers };
}

/**
 * Resets the kernel's peak-RSS mark of this process (Linux: writing 5 to /proc/self/clear_refs),
 * so `peakRss()` then reports the highest RSS since now, even within one synchronous burst that
 * sampling could not see. Returns false where that is not available.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return peakRss() !== undefined;
  } catch {
    return false;
  }
}

/** The peak RSS (VmHWM) in bytes since the last `resetPeakRss()`, or undefined off Linux. */
export function peakRss(): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Triggers a full GC when the process runs with --expose-gc (the soak does); otherwise nothing. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export const MiB = 1024 * 1024;

// ─── Raw frames from a hostile client ───────────────────────────────────────────────────────

/**
 * A client frame header (RFC 6455 §5.2) with the MASK bit and an all-zero masking key, so the
 * payload goes on the wire as it is: cheap to send in bulk. `length` may be anything up to
 * 2^64 − 1 and is written in the form `form` asks for (default: the minimal one).
 */
export function maskedHeader(firstByte: number, length: bigint | number, form?: 7 | 16 | 64): Buffer {
  const n = BigInt(length);
  const use = form ?? (n < 126n ? 7 : n < 65_536n ? 16 : 64);
  const out = Buffer.alloc(use === 7 ? 6 : use === 16 ? 8 : 14);
  out[0] = firstByte;
  if (use === 7) out[1] = 0x80 | Number(n);
  else if (use === 16) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(Number(n), 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(n, 2);
  }
  return out; // the last four bytes, the masking key, stay zero
}

/** First header bytes: FIN bit, RSV1 (permessage-deflate's "compressed"), opcode. */
export const FIN = 0x80;
export const RSV1 = 0x40;

/** Writes `piece` repeatedly while the socket is open (respecting its buffer) until `total` bytes or it closes. */
export async function pump(socket: net.Socket, piece: Buffer, total: number): Promise<number> {
  let sent = 0;
  for (let writes = 1; !socket.destroyed && sent < total; writes++) {
    if (socket.writableLength < 4 * MiB) {
      socket.write(piece);
      sent += piece.length;
    }
    // Yield often: the server under attack usually runs in this very process.
    if (socket.writableLength >= 4 * MiB || writes % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return sent;
}

/** `count` MiB of zeros as raw DEFLATE that ends at a sync flush (RFC 7692 §7.2.1): ~1 KB per MiB. */
export function zeroBomb(count: number): Buffer {
  const block = zlib.deflateRawSync(Buffer.alloc(MiB), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  // Every copy decodes to zeros again: its back-references only ever see zeros.
  return Buffer.concat(Array.from({ length: count }, () => block));
}

