// Test helpers for the sans-I/O core (RFC 6455 §5–§7): a Recorder that drains a Connection, frame
// builders, an in-memory client/server Connection pair, and a pump that carries the bytes one
// side wrote to the other, split into pieces at chosen boundaries.
import { createHash } from 'node:crypto';
import { Connection, internalError, type ConnectionEvent, type ConnectionOptions, type Role, type TransportClose } from '../../src/core/connection.js';
import type { HandshakeError, ProtocolError } from '../../src/core/errors.js';
import type { ExtensionFactory } from '../../src/core/extensions/extension.js';
import { frameHeaderLength, writeFrameHeader } from '../../src/core/framing/frame-header.js';
import { maskInto } from '../../src/core/framing/mask.js';

/** SHA-1 for the handshake (tests may use Node; the core may not). */
export const sha1 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha1').update(data).digest());

/** The masking key of the RFC 6455 §5.7 examples. */
export const RFC_MASK_KEY = 0x37fa213d;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const utf8 = (s: string): Uint8Array => encoder.encode(s);
export const text = (b: Uint8Array): string => decoder.decode(b);

/** Parses "81 05 48 65" (spaces optional) into bytes. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new Error(`odd hex string: ${s}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The index of the first byte where `a` and `b` differ, or -1 when they are equal (a fast
 * comparison for big buffers: `expect(firstDifference(a, b)).toBe(-1)`).
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))) return -1;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

const fatalDecoder = new TextDecoder('utf-8', { fatal: true });

/** The reference verdict on a complete text (RFC 3629 via the platform's fatal TextDecoder, as WHATWG specifies it). */
export function referenceValidUtf8(bytes: Uint8Array): boolean {
  try {
    fatalDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function concat(...pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface FrameSpec {
  readonly fin?: boolean;
  readonly rsv?: number;
  readonly opcode: number;
  readonly payload?: Uint8Array;
  /** A masking key (client → server frames), or undefined for an unmasked frame. */
  readonly maskKey?: number;
}

/** Builds one well-formed frame with the core's header writer (minimal length form). */
export function frame(spec: FrameSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const masked = spec.maskKey !== undefined;
  const headerLength = frameHeaderLength(payload.length, masked);
  const out = new Uint8Array(headerLength + payload.length);
  writeFrameHeader(out, 0, spec.fin ?? true, spec.rsv ?? 0, spec.opcode, payload.length, masked, spec.maskKey ?? 0);
  if (masked) maskInto(out, headerLength, payload, spec.maskKey!);
  else out.set(payload, headerLength);
  return out;
}

/** A frame as the client sends it (masked with `maskKey`, default the RFC's key). */
export function clientFrame(spec: Omit<FrameSpec, 'maskKey'> & { maskKey?: number }): Uint8Array {
  return frame({ ...spec, maskKey: spec.maskKey ?? RFC_MASK_KEY });
}

/** The Autobahn 7.7.x (valid) and 7.9.x (invalid) close code lists. */
export const AUTOBAHN_VALID_CODES: readonly number[] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
export const AUTOBAHN_INVALID_CODES: readonly number[] = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/** The close frame body: 2-byte code and UTF-8 reason. */
export function closeBody(code: number, reason: Uint8Array | string = ''): Uint8Array {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  return concat(new Uint8Array([code >>> 8, code & 0xff]), r);
}

// ─── Recording handler ─────────────────────────────────────────────────────────────────────

export type CoreEvent =
  | { readonly type: 'open' }
  | { readonly type: 'message'; readonly data: Uint8Array; readonly isText: boolean }
  | { readonly type: 'ping'; readonly payload: Uint8Array }
  | { readonly type: 'pong'; readonly payload: Uint8Array }
  | { readonly type: 'closeFrame'; readonly code: number; readonly reason: string }
  | { readonly type: 'error'; readonly kind: 'protocol' | 'handshake'; readonly code: number; readonly message: string }
  | { readonly type: 'closeTransport'; readonly immediately: boolean };

/**
 * Drains a connection as a runtime would (its events in order, then its bytes, then its
 * `closeTransport`) and records everything, copying buffers so later reuse cannot change them.
 * It drains whenever a test reads what it recorded, so a test feeds bytes and then looks.
 */
export class Recorder {
  private conn: Connection | undefined;
  private draining = false;
  private transport: TransportClose = 'no';
  private readonly recordedEvents: CoreEvent[] = [];
  private readonly recordedWrites: Uint8Array[] = [];
  private readonly recordedErrors: (ProtocolError | HandshakeError)[] = [];
  private readonly recordedTimeline: string[] = [];
  private unread = 0;
  /** Called after a message is pulled and recorded: lets a test act as an application would. */
  onMessage: ((data: Uint8Array, isText: boolean) => void) | undefined;
  /** Called after the peer's close frame is pulled and recorded, before the core answers it (RFC 6455 §5.5.1). */
  onCloseFrame: ((info: { code: number; reason: string }) => void) | undefined;

  /** Records what `conn` produces from now on; returns it. `feed()` drains it after each piece. */
  attach(conn: Connection): Connection {
    this.conn = conn;
    recorders.set(conn, this);
    return conn;
  }

  /** Every event pulled, in order. */
  get events(): CoreEvent[] {
    this.drain();
    return this.recordedEvents;
  }
  /** Every write, in order: a frame whose header and payload came as two chunks is one write. */
  get writes(): Uint8Array[] {
    this.drain();
    return this.recordedWrites;
  }
  get errors(): (ProtocolError | HandshakeError)[] {
    this.drain();
    return this.recordedErrors;
  }
  /** Events, writes and transport requests by name ('message', 'write', 'closeTransport', …), in the order drained. */
  get timeline(): string[] {
    this.drain();
    return this.recordedTimeline;
  }

  /** Pulls everything the connection has now. */
  drain(): void {
    const conn = this.conn;
    if (!conn || this.draining) return;
    this.draining = true;
    try {
      // Bytes already written first (a failure's close frame precedes its error, §7.1.7), then the
      // events, then what pulling them produced (the answer to a close, §5.5.1).
      this.recordWrites(conn.dataToSend());
      for (let event = conn.nextEvent(); event; event = conn.nextEvent()) {
        try {
          this.recordEvent(event);
        } catch (error) {
          // As a runtime does when an application's callback throws: fail with 1011 (RFC 6455 §7.4.1).
          conn.fail(internalError(error));
        }
      }
      this.recordWrites(conn.dataToSend());
      if (conn.closeTransport !== this.transport) {
        this.transport = conn.closeTransport;
        this.record({ type: 'closeTransport', immediately: this.transport === 'now' });
      }
    } finally {
      this.draining = false;
    }
  }

  private recordWrites(chunks: readonly Uint8Array[]): void {
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      const payload = isLoneFrameHeader(chunk) ? chunks[++i] : undefined;
      this.recordedTimeline.push('write');
      this.recordedWrites.push(payload ? concat(chunk, payload) : chunk.slice());
    }
  }

  private recordEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'open':
        this.record({ type: 'open' });
        break;
      case 'message':
        this.record({ type: 'message', data: event.data.slice(), isText: event.isText });
        this.onMessage?.(event.data, event.isText);
        break;
      case 'ping':
      case 'pong':
        this.record({ type: event.type, payload: event.payload.slice() });
        break;
      case 'closing':
        this.record({ type: 'closeFrame', code: event.code, reason: event.reason });
        this.onCloseFrame?.(event);
        break;
      case 'error': {
        const error = event.error;
        this.recordedErrors.push(error);
        const kind = error.name === 'ProtocolError' ? 'protocol' : 'handshake';
        const code = kind === 'protocol' ? (error as ProtocolError).closeCode : (error as HandshakeError).status;
        this.record({ type: 'error', kind, code, message: error.message });
        break;
      }
    }
  }

  private record(event: CoreEvent): void {
    this.recordedTimeline.push(event.type);
    this.recordedEvents.push(event);
  }

  /** All bytes written since the last call, joined. */
  takeWritten(): Uint8Array {
    const writes = this.writes;
    const fresh = writes.slice(this.unread);
    this.unread = writes.length;
    return concat(...fresh);
  }

  /** All bytes ever written, joined. */
  allWritten(): Uint8Array {
    return concat(...this.writes);
  }

  /** Events of one type. */
  ofType<T extends CoreEvent['type']>(type: T): Extract<CoreEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<CoreEvent, { type: T }> => e.type === type);
  }

  /** The close code of the first error event, or undefined. */
  get failCode(): number | undefined {
    return this.ofType('error')[0]?.code;
  }
}

/** The Recorder attached to each connection, so `feed()` can drain it as a runtime would after each read. */
const recorders = new WeakMap<Connection, Recorder>();

/**
 * True for a chunk that is exactly a frame header announcing a payload (the writer sends a large
 * payload as its own chunk after it). Handshake heads are far longer than 14 bytes.
 */
function isLoneFrameHeader(chunk: Uint8Array): boolean {
  if (chunk.length < 2 || chunk.length > 14) return false;
  const length7 = chunk[1]! & 0x7f;
  const headerLength = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + ((chunk[1]! & 0x80) !== 0 ? 4 : 0);
  return chunk.length === headerLength && length7 > 0;
}

// ─── Decoding what a connection wrote ──────────────────────────────────────────────────────

export interface WireFrame {
  readonly fin: boolean;
  readonly rsv: number;
  readonly opcode: number;
  readonly masked: boolean;
  readonly maskKey: number;
  /** Unmasked payload. */
  readonly payload: Uint8Array;
}

/**
 * An independent, minimal decoder (not the core's parser) for the frames a connection wrote, so
 * tests can check the wire format without trusting the code under test. Throws on truncation.
 */
export function decodeFrames(bytes: Uint8Array): WireFrame[] {
  const frames: WireFrame[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) throw new Error('truncated header');
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    i += 2;
    let length = b1 & 0x7f;
    if (length === 126) {
      length = (bytes[i]! << 8) | bytes[i + 1]!;
      i += 2;
    } else if (length === 127) {
      length = 0;
      for (let k = 0; k < 8; k++) length = length * 256 + bytes[i + k]!;
      i += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    let maskKey = 0;
    const key = [0, 0, 0, 0];
    if (masked) {
      for (let k = 0; k < 4; k++) key[k] = bytes[i + k]!;
      maskKey = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
      i += 4;
    }
    if (i + length > bytes.length) throw new Error('truncated payload');
    const payload = bytes.slice(i, i + length);
    if (masked) for (let k = 0; k < payload.length; k++) payload[k]! ^= key[k % 4]!;
    i += length;
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, masked, maskKey, payload });
  }
  return frames;
}

// ─── Connections and pairs ─────────────────────────────────────────────────────────────────

export interface Endpoint {
  readonly conn: Connection;
  readonly log: Recorder;
}

/**
 * An OPEN connection in the given role whose handshake is taken as done (`establish`).
 * The client masks with the RFC's key unless `maskKeys` is given.
 */
export function openEndpoint(role: Role, options: Partial<ConnectionOptions> = {}): Endpoint {
  const log = new Recorder();
  const conn = log.attach(new Connection({ ...(role === 'client' ? { maskKeys: () => RFC_MASK_KEY } : {}), ...options, role }));
  conn.establish(undefined, []);
  log.events.length = 0; // drop the 'open' event: tests look at what follows
  log.timeline.length = 0;
  return { conn, log };
}

/** Splits `bytes` into copies cut at the given offsets (sorted, duplicates allowed). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...cuts].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.slice(start, p)); // copy: the connection owns (and unmasks) what it receives
    start = p;
  }
  return pieces;
}

/** Feeds `bytes` to `conn` in pieces cut at `cuts` (each piece a fresh copy). */
export function feed(conn: Connection, bytes: Uint8Array, cuts: readonly number[] = []): void {
  for (const piece of splitAt(bytes, cuts)) {
    conn.receive(piece);
    recorders.get(conn)?.drain();
  }
}

/** Feeds `bytes` one byte at a time. */
export function feedBytewise(conn: Connection, bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) {
    conn.receive(bytes.slice(i, i + 1));
    recorders.get(conn)?.drain();
  }
}

export interface Pair {
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Moves everything the client wrote since the last pump to the server; returns the bytes moved. */
  clientToServer(cuts?: readonly number[]): Uint8Array;
  /** Moves everything the server wrote since the last pump to the client; returns the bytes moved. */
  serverToClient(cuts?: readonly number[]): Uint8Array;
}

function pairFrom(client: Endpoint, server: Endpoint): Pair {
  return {
    client,
    server,
    clientToServer(cuts = []) {
      const bytes = client.log.takeWritten();
      feed(server.conn, bytes, cuts);
      return bytes;
    },
    serverToClient(cuts = []) {
      const bytes = server.log.takeWritten();
      feed(client.conn, bytes, cuts);
      return bytes;
    },
  };
}

/** A client and a server, both OPEN (handshake skipped with `establish`). */
export function openPair(options: { client?: Partial<ConnectionOptions>; server?: Partial<ConnectionOptions> } = {}): Pair {
  return pairFrom(openEndpoint('client', options.client), openEndpoint('server', options.server));
}

/**
 * A client and a server that perform the real byte-level opening handshake (RFC 6455 §4)
 * through the pump. Both are OPEN on return; their 'open' events stay in the logs.
 */
export function handshakePair(
  options: {
    client?: Partial<ConnectionOptions>;
    server?: Partial<ConnectionOptions>;
    protocols?: { client?: string[]; server?: string[] };
    /** Extension factories each side negotiates with in the handshake (RFC 6455 §9.1). */
    extensions?: { client?: readonly ExtensionFactory[]; server?: readonly ExtensionFactory[] };
  } = {},
): Pair {
  const clientLog = new Recorder();
  const serverLog = new Recorder();
  const client = clientLog.attach(new Connection(
    {
      maskKeys: () => RFC_MASK_KEY,
      ...options.client,
      role: 'client',
      client: {
        uri: { secure: false, host: 'localhost', port: 80, resourceName: '/chat', hostHeader: 'localhost' },
        sha1,
        ...(options.protocols?.client ? { protocols: options.protocols.client } : {}),
        ...(options.extensions?.client ? { extensions: options.extensions.client } : {}),
      },
    },
  ));
  const server = serverLog.attach(new Connection(
    {
      ...options.server,
      role: 'server',
      server: {
        sha1,
        ...(options.protocols?.server ? { protocols: options.protocols.server } : {}),
        ...(options.extensions?.server ? { extensions: options.extensions.server } : {}),
      },
    },
  ));
  const pair = pairFrom({ conn: client, log: clientLog }, { conn: server, log: serverLog });
  client.startHandshake();
  pair.clientToServer();
  pair.serverToClient();
  return pair;
}
