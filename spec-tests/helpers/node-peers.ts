// Test helpers for the Node runtime over real loopback sockets (RFC 6455 §4–§7 end to end):
// servers on port 0, a cleanup list, a self-signed certificate for wss:// (RFC 6455 §4.1 step 5),
// an independent little frame encoder/decoder for raw `net` peers that play a misbehaving side,
// and detection of the system peers (Python websockets) with the CI rule: a missing peer skips
// loudly on a developer machine and fails when `CI` is set.
//
// The raw frame code here is written separately from src/core on purpose: a test peer that
// shared the code under test would agree with its bugs.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECOMMENDED_HTTP_SERVER_OPTIONS } from '../../src/node/http-server-options.js';

export const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2 step 5.4). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

// ─── Time bounds ──────────────────────────────────────────────────────────────────────────

/** Rejects with `label` if `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` on `emitter`, or a rejection after `ms`. */
export function nextEvent<A extends unknown[] = unknown[]>(emitter: EventEmitter, event: string, ms = 2_000): Promise<A> {
  return withTimeout(
    new Promise<A>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as A))),
    ms,
    `waiting for '${event}'`,
  );
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 5 ms until it holds, or rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${label}`);
    await delay(5);
  }
}

// ─── Cleanup ──────────────────────────────────────────────────────────────────────────────

/** Things a test opened, closed in reverse order by `afterEach(() => resources.cleanup())`. */
export class Resources {
  private readonly closers: Array<() => unknown> = [];

  defer(closer: () => unknown): void {
    this.closers.push(closer);
  }

  /** Registers a socket to destroy. */
  socket<T extends net.Socket>(socket: T): T {
    this.defer(() => socket.destroy());
    return socket;
  }

  async cleanup(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers) {
      try {
        await withTimeout(Promise.resolve(close()), 2_000, 'cleanup');
      } catch {
        // cleanup is best effort; the test itself reports what went wrong
      }
    }
  }
}

// ─── Servers on port 0 ────────────────────────────────────────────────────────────────────

/** Starts listening on 127.0.0.1 with an OS-chosen port and returns the port. */
export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** Closes a server, dropping its open connections (upgraded sockets included). */
export function closeServer(server: net.Server, sockets?: Iterable<net.Socket>): Promise<void> {
  for (const socket of sockets ?? []) socket.destroy();
  if (server instanceof http.Server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Tracks every socket a net/http server accepts, so cleanup can destroy upgraded ones too. */
export function trackSockets(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

export interface StartedServer<S extends net.Server> {
  server: S;
  port: number;
  sockets: Set<net.Socket>;
}

/**
 * An HTTP server on 127.0.0.1:0 answering ordinary requests with `handler` (default: 200 "hello"),
 * with wsref's recommended timeouts, registered with `resources` for cleanup.
 */
export async function startHttpServer(
  resources: Resources,
  handler: http.RequestListener = (_req, res) => res.end('hello'),
): Promise<StartedServer<http.Server>> {
  const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, handler);
  const sockets = trackSockets(server);
  const port = await listen(server);
  resources.defer(() => closeServer(server, sockets));
  return { server, port, sockets };
}

/**
 * A raw TCP server on 127.0.0.1:0 whose connections go to `onSocket`, registered for cleanup.
 * `allowHalfOpen` keeps a connection open after the peer's FIN (a peer that lingers).
 */
export async function startRawServer(
  resources: Resources,
  onSocket: (socket: net.Socket) => void,
  options: { allowHalfOpen?: boolean } = {},
): Promise<StartedServer<net.Server>> {
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    socket.on('error', () => {});
    onSocket(socket);
  });
  const sockets = trackSockets(server);
  const port = await listen(server);
  resources.defer(() => closeServer(server, sockets));
  return { server, port, sockets };
}

// ─── Raw HTTP ─────────────────────────────────────────────────────────────────────────────

export interface RawHead {
  /** The status line or request line. */
  startLine: string;
  /** Status code (responses) — NaN for requests. */
  status: number;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes after the blank line. */
  rest: Buffer;
}

/** Parses an HTTP head from `buffer` if its blank line has arrived. */
export function parseHead(buffer: Buffer): RawHead | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const startLine = lines.shift() ?? '';
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(startLine)?.[1];
  return { startLine, status: status ? Number(status) : NaN, headers, rest: buffer.subarray(end + 4) };
}

/** Reads one HTTP head from a socket (request or response); later data stays in `rest` and the stream. */
export function readHead(socket: net.Socket, ms = 2_000): Promise<RawHead> {
  return withTimeout(
    new Promise<RawHead>((resolve, reject) => {
      let buffered: Buffer = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const head = parseHead(buffered);
        if (!head) return;
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.pause();
        resolve(head);
      };
      const onClose = () => reject(new Error(`socket closed before a full HTTP head: ${JSON.stringify(buffered.toString('latin1'))}`));
      socket.on('data', onData);
      socket.once('close', onClose);
    }),
    ms,
    'reading an HTTP head',
  );
}

/** A plain HTTP GET on 127.0.0.1: status and body. */
export function httpGet(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    }),
    3_000,
    `GET ${path}`,
  );
}

/** Opens a TCP connection to 127.0.0.1:port. */
export function tcpConnect(port: number, resources?: Resources): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    resources?.socket(socket);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A fresh Sec-WebSocket-Key (16 random bytes, base64 — RFC 6455 §4.1). */
export const newKey = (): string => randomBytes(16).toString('base64');

/** A client opening handshake as text; `headers` override or add (a value of null drops a header). */
export function upgradeRequest(path: string, port: number, headers: Record<string, string | null> = {}): string {
  const base: Record<string, string | null> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': newKey(),
    'Sec-WebSocket-Version': '13',
  };
  const all = { ...base, ...headers };
  const lines = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`;
}

/**
 * A raw client: connects, sends an upgrade request, and reads the response head. The socket
 * is left paused, with any bytes after the head in `head.rest`.
 */
export async function rawUpgrade(
  port: number,
  path: string,
  resources: Resources,
  headers: Record<string, string | null> = {},
): Promise<{ socket: net.Socket; head: RawHead }> {
  const socket = await tcpConnect(port, resources);
  socket.on('error', () => {});
  socket.write(upgradeRequest(path, port, headers));
  const head = await readHead(socket);
  return { socket, head };
}

/** Resolves once the socket has closed (or rejects after `ms`). */
export function socketClosed(socket: net.Socket, ms = 2_000): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return withTimeout(new Promise((resolve) => socket.once('close', () => resolve())), ms, 'socket close');
}

// ─── Raw frames (RFC 6455 §5.2) ─────────────────────────────────────────────────────────────

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface RawFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key as 4 bytes (all zero when unmasked). */
  maskKey: Buffer;
  /** The unmasked payload. */
  payload: Buffer;
}

/** Encodes one frame; `mask: true` masks with a random key, as a client must (RFC 6455 §5.3). */
export function encodeFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), options: { fin?: boolean; mask?: boolean; rsv?: number } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = options.mask ?? false;
  const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  let header: Buffer;
  if (data.length < 126) {
    header = Buffer.from([first, data.length]);
  } else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  if (!mask) return Buffer.concat([header, data]);
  header[1] |= 0x80;
  const key = randomBytes(4);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([header, key, body]);
}

/** A close frame body: 2-byte code then the UTF-8 reason (RFC 6455 §5.5.1). */
export function closeBody(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

/** Incremental frame decoder for what a raw peer reads. Bounded by the bytes given to it. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  readonly frames: RawFrame[] = [];

  /** Adds bytes; returns the frames completed by them (also appended to `frames`). */
  push(chunk: Buffer): RawFrame[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const completed: RawFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      completed.push(frame);
      this.frames.push(frame);
    }
    return completed;
  }

  private next(): RawFrame | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskKey = masked ? b.subarray(offset, offset + 4) : Buffer.alloc(4);
    if (masked) offset += 4;
    if (b.length < offset + length) return undefined;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= maskKey[i & 3]!;
    this.buffered = b.subarray(offset + length);
    return { fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, masked, maskKey: Buffer.from(maskKey), payload };
  }
}

/** Feeds a socket's data (starting with `initial`) to a FrameReader; `onFrame` sees each frame. */
export function readFrames(socket: net.Socket, initial: Buffer, onFrame: (frame: RawFrame) => void = () => {}): FrameReader {
  const reader = new FrameReader();
  const take = (chunk: Buffer) => reader.push(chunk).forEach(onFrame);
  if (initial.length > 0) take(initial);
  socket.on('data', take);
  socket.resume();
  return reader;
}

// ─── TLS: a self-signed certificate (RFC 6455 §4.1 step 5, §10.6) ────────────────────────────

export interface Certificate {
  key: string;
  cert: string;
}

let cachedCertificate: Certificate | undefined | null;

/** Whether the `openssl` command-line tool is installed. */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * A throwaway EC key and a self-signed certificate for `localhost` and 127.0.0.1, made with the
 * openssl CLI (once per process). Undefined when openssl is missing.
 */
export function selfSignedCertificate(): Certificate | undefined {
  if (cachedCertificate !== undefined) return cachedCertificate ?? undefined;
  if (!hasOpenssl()) {
    cachedCertificate = null;
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'wsref-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore', timeout: 10_000 },
    );
    cachedCertificate = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
    return cachedCertificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ─── System peers and the CI rule ─────────────────────────────────────────────────────────────

/** Debian's python3 with python3-websockets (not the pyenv python3 on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** The installed Python `websockets` version, or undefined when it (or the interpreter) is missing. */
export function pythonWebsocketsVersion(): string | undefined {
  const result = spawnSync(SYSTEM_PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** True when running in CI: missing system peers are failures there, not skips. */
export const inCI = Boolean(process.env.CI);

/**
 * Decides whether tests needing a system peer run. Locally a missing peer is skipped with a
 * loud warning; in CI the tests run anyway (and fail), and `peerRequiredInCI` fails explicitly.
 */
export function systemPeerGate(peer: string, available: boolean): boolean {
  if (available) return true;
  if (inCI) return true;
  console.warn(`\n*** SKIPPING tests that need ${peer}: it is not installed (they FAIL when CI is set) ***\n`);
  return false;
}
