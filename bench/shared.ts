// Benchmark plumbing shared by the harness, the servers under test and the load generator:
// the messages they exchange over Node's IPC channel, the compression parameters both
// servers are given, and the payloads every scenario sends. No RFC logic lives here.

/**
 * Which server (or client) implementation a process runs. `ws` always runs with its native
 * helpers (bufferutil) when they are installed; the run says so and the column is labelled.
 * `after` and `before` are both wsref, in the --baseline mode (./baseline.ts): this tree's
 * build and the build of the baseline commit.
 */
export type Impl = 'wsref' | 'ws' | 'tcp' | 'after' | 'before';

/** The two implementations a run pairs: the one under test and the one it is held against. */
export interface Comparison {
  subject: Impl;
  reference: Impl;
}
export const WSREF_VS_WS: Comparison = { subject: 'wsref', reference: 'ws' };
export const AFTER_VS_BEFORE: Comparison = { subject: 'after', reference: 'before' };

/** Whether `impl` is a wsref build (it then gets the wsref-only node flags, e.g. --cpu-prof). */
export const isWsref = (impl: Impl): boolean => impl === 'wsref' || impl === 'after' || impl === 'before';

/**
 * What a server process has spent, read by itself: `process.cpuUsage()` (user + system, µs)
 * and the messages it has echoed so far, at `atMs` (its own `performance.now()`). Two marks
 * around a measured window give CPU per message and messages per second.
 */
export interface CpuMark {
  type: 'cpu';
  cpuMicros: number;
  messages: number;
  atMs: number;
}

/** A server process tells the harness it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  /** What the process actually runs (e.g. whether ws loaded bufferutil). */
  info: Record<string, unknown>;
}

/** Memory of a server process, measured by itself after forced garbage collection. */
export interface MemoryReport {
  type: 'memory';
  rss: number;
  heapUsed: number;
  /** Heap memory V8 has committed (used or not), and the young generation's part of it. */
  heapTotal: number;
  newSpace: number;
  external: number;
  arrayBuffers: number;
  /** Open WebSocket connections the server tracks (its `clients` set). */
  connections: number;
  /** The HTTP/2 connections they share (the HTTP/2 scenario's server only). */
  http2Connections?: number;
}

/** A request to a child and its answer; `id` pairs them. */
export interface Request<T = unknown> {
  type: 'request';
  id: number;
  task: T;
}
export interface Reply<R = unknown> {
  type: 'reply';
  id: number;
  result?: R;
  error?: string;
}

/**
 * permessage-deflate settings, the same for every server and client (RFC 7692): context
 * takeover in both directions (§7.1.1), 32 KiB windows both ways (15 bits, §7.1.2), zlib
 * level 6 and memLevel 8 (zlib's defaults, written out), and the same threshold on both sides:
 * 1 KiB, the default of both libraries (messages shorter than that go uncompressed).
 */
export const DEFLATE_LEVEL = 6;
export const DEFLATE_MEM_LEVEL = 8;
export const DEFLATE_THRESHOLD = 1024;
export const DEFLATE_WINDOW_BITS = 15;
export const WSREF_DEFLATE = {
  threshold: DEFLATE_THRESHOLD,
  level: DEFLATE_LEVEL,
  memLevel: DEFLATE_MEM_LEVEL,
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: DEFLATE_WINDOW_BITS,
  clientMaxWindowBits: DEFLATE_WINDOW_BITS,
} as const;
export const WS_DEFLATE = {
  threshold: DEFLATE_THRESHOLD,
  zlibDeflateOptions: { level: DEFLATE_LEVEL, memLevel: DEFLATE_MEM_LEVEL },
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: DEFLATE_WINDOW_BITS,
  clientMaxWindowBits: DEFLATE_WINDOW_BITS,
} as const;

/**
 * How a server echoes a text message, chosen per connection by the URL path. `bytes`: the
 * payload goes back without being decoded (ws hands text over as a Buffer); `string`: decoded
 * to a JavaScript string and sent as one, as applications that read text do.
 */
export type TextEcho = 'bytes' | 'string';
export const textEchoOf = (url: string | undefined): TextEcho => (url?.startsWith('/string') ? 'string' : 'bytes');

/** A small deterministic PRNG (mulberry32), so every run sends the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` pseudo-random bytes (incompressible binary payload). */
export function binaryPayload(size: number): Buffer {
  const random = prng(size + 1);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (random() * 256) | 0;
  return out;
}

/** `size` bytes of printable ASCII (valid UTF-8 text that does not compress to nothing). */
export function textPayload(size: number): Buffer {
  const random = prng(size + 2);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = 0x20 + ((random() * 95) | 0);
  return out;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

/** About `size` bytes of JSON-like text (an array of records), padded to exactly `size` bytes. */
export function jsonPayload(size: number): Buffer {
  const random = prng(size + 3);
  const records: string[] = [];
  let length = 2;
  for (let id = 1; length < size; id++) {
    const record = JSON.stringify({
      id,
      user: `${WORDS[(random() * WORDS.length) | 0]}_${(random() * 10_000) | 0}`,
      active: random() < 0.5,
      score: Math.round(random() * 1e6) / 100,
      tags: [WORDS[(random() * WORDS.length) | 0], WORDS[(random() * WORDS.length) | 0]],
      updated: `2024-0${1 + ((random() * 9) | 0)}-1${(random() * 9) | 0}T12:${10 + ((random() * 49) | 0)}:00Z`,
    });
    records.push(record);
    length += record.length + 1;
  }
  const text = `[${records.join(',')}]`;
  // Trim or pad with spaces (JSON whitespace) to the exact size; trimming may cut a record,
  // which keeps it JSON-*like* text, all the compressor cares about.
  return Buffer.from(text.length >= size ? text.slice(0, size) : text.padEnd(size, ' '));
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

export function formatSize(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`;
  return `${bytes} B`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
