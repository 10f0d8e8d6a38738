// RFC 6455 §5–§8 and §10.7 (hostile input), RFC 7692 §8 (compression bombs): a fuzzing kit for
// the sans-I/O `Connection`. A well-behaved peer (a real Connection of the other role) writes a
// random script of messages, fragments, pings and a close; the bytes are then optionally
// mutated (one bit flipped, a byte replaced, cut short, random bytes inserted, replaced by
// noise, or a forged frame header with an arbitrary length appended) and fed to the connection
// under test in random pieces. After every piece the kit checks the invariants the brief asks
// for, and throws (so fast-check can shrink the case) when one breaks:
//
//   - `receive` never throws;
//   - a case finishes within a time bound;
//   - the connection never holds more than maxMessageSize bytes of an unfinished message, and
//     never delivers a larger message;
//   - it ends OPEN, or CLOSING after the peer's valid close frame, or failed with a close code
//     the RFC names for peer faults (1002, 1007, 1009) — written on the wire as a close frame —
//     and nothing is processed after that (RFC 6455 §7.1.7);
//   - an unmutated stream delivers exactly the messages the peer sent.
//
// The same functions run a few thousand cases in `npm test` and 100,000 in `npm run soak`.

import fc from 'fast-check';
import { Connection, type ConnectionEvent, type Role } from '../../src/core/connection.js';
import { parseExtensionHeader, parseTokenList } from '../../src/core/handshake/extension-header.js';
import type { HandshakeError, ProtocolError } from '../../src/core/errors.js';
import type { Extension } from '../../src/core/extensions/extension.js';
import { permessageDeflate, type PermessageDeflateOptions } from '../../src/core/extensions/permessage-deflate.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';
import { decodeFrames } from '../helpers/core-pair.js';

/** The close codes RFC 6455 §7.4.1 names for faults of the peer: protocol error, bad data, too big. */
export const PEER_FAULT_CODES: readonly number[] = [1002, 1007, 1009];

/** Wall-clock bound for one case (inputs are at most a few hundred KiB). Generous for loaded CI machines. */
export const CASE_TIME_LIMIT_MS = 2_000;

export interface FuzzConfig {
  /** The role of the connection under test; the peer writing the stream has the other one. */
  readonly role: Role;
  /** Negotiate permessage-deflate (RFC 7692) on both sides, with Node's zlib. */
  readonly deflate: boolean;
}

export const FUZZ_CONFIGS: readonly FuzzConfig[] = [
  { role: 'server', deflate: false },
  { role: 'client', deflate: false },
  { role: 'server', deflate: true },
  { role: 'client', deflate: true },
];

export const describeConfig = (c: FuzzConfig): string => `${c.role}${c.deflate ? ' + permessage-deflate' : ''}`;

// ─── What the peer does ─────────────────────────────────────────────────────────────────────

export type Step =
  | { readonly kind: 'message'; readonly isText: boolean; readonly bytes: Uint8Array; readonly cuts: readonly number[]; readonly compress: boolean; readonly pingBetween: boolean }
  | { readonly kind: 'ping' | 'pong'; readonly payload: Uint8Array }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string };

const encoder = new TextEncoder();

const payloadArb = (max: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: Math.min(max, 200) }) },
    // Lengths that need the 16-bit and 64-bit length forms (RFC 6455 §5.2).
    { weight: 1, arbitrary: fc.integer({ min: 126, max: max }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
  );

const messageArb = (maxPayload: number): fc.Arbitrary<Step> =>
  fc
    .record({
      isText: fc.boolean(),
      text: fc.string({ unit: 'grapheme', maxLength: 60 }),
      binary: payloadArb(maxPayload),
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
      compress: fc.boolean(),
      pingBetween: fc.boolean(),
    })
    .map(({ isText, text, binary, cuts, compress, pingBetween }) => ({
      kind: 'message' as const,
      isText,
      bytes: isText ? encoder.encode(text) : binary,
      cuts,
      compress,
      pingBetween,
    }));

const controlArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('ping' as const, 'pong' as const),
  payload: fc.uint8Array({ maxLength: 125 }),
});

const closeArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant('close' as const),
  code: fc.constantFrom(1000, 1001, 1003, 1008, 1011, 3000, 4999),
  reason: fc.string({ maxLength: 20 }).filter((s) => encoder.encode(s).length <= 123),
});

/** A peer's script: some messages and control frames, sometimes ending with a close frame. */
export const scriptArb = (maxPayload = 70_000): fc.Arbitrary<Step[]> =>
  fc
    .tuple(fc.array(fc.oneof({ weight: 4, arbitrary: messageArb(maxPayload) }, { weight: 1, arbitrary: controlArb }), { maxLength: 8 }), fc.option(closeArb))
    .map(([steps, close]) => (close ? [...steps, close] : steps));

/** Negotiation variants (RFC 7692 §7.1): defaults, no context takeover both ways, small windows. */
const DEFLATE_VARIANTS: ReadonlyArray<Omit<PermessageDeflateOptions, 'codec'>> = [
  { threshold: 0 },
  { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
  { threshold: 0, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
];

let sharedCodec: ReturnType<typeof createZlibCodec> | undefined;
const codec = () => (sharedCodec ??= createZlibCodec());

/** Negotiates permessage-deflate between a client and a server factory: [client's, server's] extension. */
function negotiateDeflate(variant: number): [Extension, Extension] {
  const options = { ...DEFLATE_VARIANTS[variant % DEFLATE_VARIANTS.length], codec: codec() };
  const clientFactory = permessageDeflate(options);
  const serverFactory = permessageDeflate(options);
  const serverExtension = serverFactory.acceptOffer(clientFactory.offers());
  if (!serverExtension) throw new Error('fuzz setup: the server declined permessage-deflate');
  return [clientFactory.acceptResponse(serverExtension.responseParams), serverExtension];
}

/** xorshift32: deterministic masking keys, so a failing case replays exactly. */
function keySource(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

interface Expected {
  /** `wireBytes`: the message's data-frame payloads as sent (compressed, when it was). */
  readonly messages: Array<{ isText: boolean; bytes: Uint8Array; wireBytes: number }>;
  readonly pings: number;
  readonly closeCode: number | undefined;
}

/** The peer's side: only its bytes matter (its events are pulled and dropped). */
class WriteCollector {
  readonly writes: Uint8Array[] = [];
  constructor(private readonly conn: Connection) {}
  /** Takes what the peer has written so far (copies: the peer's buffers may be reused). */
  collect(): void {
    while (this.conn.nextEvent()) {}
    for (const chunk of this.conn.dataToSend()) this.writes.push(chunk.slice());
  }
}

function join(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The receiver under test and the peer's extension, freshly negotiated. */
function extensionsFor(config: FuzzConfig, variant: number): { receiver: Extension[]; peer: Extension[] } {
  if (!config.deflate) return { receiver: [], peer: [] };
  const [clientExtension, serverExtension] = negotiateDeflate(variant);
  return config.role === 'server'
    ? { receiver: [serverExtension], peer: [clientExtension] }
    : { receiver: [clientExtension], peer: [serverExtension] };
}

/** Runs the script on a real peer Connection of the other role and returns the bytes it wrote. */
export function writeStream(config: FuzzConfig, steps: readonly Step[], peerExtensions: Extension[], maskSeed: number): { bytes: Uint8Array; expected: Expected } {
  const peerRole: Role = config.role === 'server' ? 'client' : 'server';
  const peer = new Connection({ role: peerRole, maskKeys: keySource(maskSeed) });
  const collector = new WriteCollector(peer);
  peer.establish(undefined, peerExtensions);
  const messages: Expected['messages'] = [];
  let pings = 0;
  let closeCode: number | undefined;
  for (const step of steps) {
    if (step.kind === 'message') {
      const writesBefore = collector.writes.length;
      const cuts = [...new Set(step.cuts.map((c) => (step.bytes.length === 0 ? 0 : c % step.bytes.length)))].filter((c) => c > 0).sort((a, b) => a - b);
      const bounds = [0, ...cuts, step.bytes.length];
      for (let i = 0; i + 1 < bounds.length; i++) {
        // The peer's extension may compress in place of the payload; hand it a copy.
        peer.sendFrame(step.bytes.slice(bounds[i], bounds[i + 1]), step.isText, i + 2 === bounds.length, step.compress);
        if (i === 0 && step.pingBetween && bounds.length > 2) {
          peer.ping(Uint8Array.of(1, 2, 3)); // RFC 6455 §5.4: control frames may come between fragments
          pings++;
        }
      }
      collector.collect();
      const sent = decodeFrames(join(collector.writes.slice(writesBefore)));
      const wireBytes = sent.filter((f) => f.opcode < 0x8).reduce((n, f) => n + f.payload.length, 0);
      messages.push({ isText: step.isText, bytes: step.bytes, wireBytes });
    } else if (step.kind === 'close') {
      peer.close(step.code, step.reason);
      closeCode = step.code;
      break;
    } else if (step.kind === 'ping') {
      peer.ping(step.payload);
      pings++;
    } else {
      peer.pong(step.payload);
    }
    collector.collect();
  }
  collector.collect(); // the close frame, when the script ended with one
  for (const e of peerExtensions) e.dispose();
  return { bytes: join(collector.writes), expected: { messages, pings, closeCode } };
}

// ─── Mutations ──────────────────────────────────────────────────────────────────────────────

export type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'byte'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'noise'; readonly bytes: Uint8Array }
  | { readonly kind: 'header'; readonly first: number; readonly length: bigint; readonly form: 0 | 1 | 2; readonly masked: boolean };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('noise' as const), bytes: fc.uint8Array({ maxLength: 2_000 }) }) },
  {
    weight: 2,
    // A forged header: any first byte, any length in any (possibly non-minimal) form, up to 2^64 − 1.
    arbitrary: fc.record({
      kind: fc.constant('header' as const),
      first: fc.integer({ min: 0, max: 255 }),
      length: fc.oneof(fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom((1n << 63n) - 1n, 1n << 63n, 1n << 53n, 1n << 30n)),
      form: fc.constantFrom(0 as const, 1 as const, 2 as const),
      masked: fc.boolean(),
    }),
  },
);

function forgedHeader(m: Extract<Mutation, { kind: 'header' }>): Uint8Array {
  const maskBit = m.masked ? 0x80 : 0;
  const key = m.masked ? [0x12, 0x34, 0x56, 0x78] : [];
  if (m.form === 0) return Uint8Array.of(m.first, maskBit | Number(m.length & 0x7fn), ...key);
  if (m.form === 1) return Uint8Array.of(m.first, maskBit | 126, Number((m.length >> 8n) & 0xffn), Number(m.length & 0xffn), ...key);
  const out = [m.first, maskBit | 127];
  for (let shift = 56n; shift >= 0n; shift -= 8n) out.push(Number((m.length >> shift) & 0xffn));
  return Uint8Array.of(...out, ...key);
}

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case 'none':
      return bytes;
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= 1 << m.bit;
      return out;
    }
    case 'byte': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, n === 0 ? 0 : m.at % n);
    case 'insert': {
      const at = m.at % (n + 1);
      return join([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    }
    case 'noise':
      return m.bytes;
    case 'header':
      return join([bytes, forgedHeader(m), new Uint8Array(64).fill(0x61)]);
  }
}

/** Chunking: random cut points, or one byte at a time for short streams. */
export const chunkingArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 24 }).map((cuts) => ({ bytewise: false, cuts })) },
  { weight: 1, arbitrary: fc.constant({ bytewise: true, cuts: [] as number[] }) },
);

function chunk(bytes: Uint8Array, chunking: { bytewise: boolean; cuts: readonly number[] }): Uint8Array[] {
  if (chunking.bytewise && bytes.length <= 4_096) return Array.from(bytes, (b) => Uint8Array.of(b));
  const n = bytes.length;
  const points = [...new Set(chunking.cuts.map((c) => (n === 0 ? 0 : c % n)))].filter((c) => c > 0).sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const p of [...points, n]) {
    pieces.push(bytes.slice(start, p)); // a fresh copy: the connection owns (and unmasks) what it receives
    start = p;
  }
  return pieces;
}

// ─── The receiver under test ──────────────────────────────────────────────────────────────────

type Event =
  | { type: 'message'; isText: boolean; bytes: Uint8Array }
  | { type: 'ping' | 'pong' }
  | { type: 'closeFrame'; code: number }
  | { type: 'error'; code: number; message: string }
  | { type: 'closeTransport' };

/** Drains the connection under test as a runtime does after each read: events, then bytes, then the transport request. */
class Observer {
  readonly events: Event[] = [];
  readonly writes: Uint8Array[] = [];
  private transport = 'no';
  constructor(private readonly conn: Connection) {}

  drain(): void {
    for (let event = this.conn.nextEvent(); event; event = this.conn.nextEvent()) this.record(event);
    for (const chunk of this.conn.dataToSend()) this.writes.push(chunk.slice());
    if (this.conn.closeTransport !== this.transport) {
      this.transport = this.conn.closeTransport;
      this.events.push({ type: 'closeTransport' });
    }
  }

  private record(event: ConnectionEvent): void {
    if (event.type === 'message') this.events.push({ type: 'message', isText: event.isText, bytes: event.data.slice() });
    else if (event.type === 'ping' || event.type === 'pong') this.events.push({ type: event.type });
    else if (event.type === 'closing') this.events.push({ type: 'closeFrame', code: event.code });
    else if (event.type === 'error') {
      const error: ProtocolError | HandshakeError = event.error;
      this.events.push({ type: 'error', code: 'closeCode' in error ? error.closeCode : -1, message: error.message });
    }
  }
}

/**
 * Bytes of the unfinished message the connection holds. White-box: reads the assembler's
 * running total; if that field is renamed the kit fails loudly rather than checking nothing.
 */
export function heldBytes(conn: Connection): number {
  const assembler = (conn as unknown as { messages?: { length?: unknown } }).messages;
  const held = assembler?.length;
  if (typeof held !== 'number') throw new Error('fuzz kit: Connection.messages.length is gone; update heldBytes()');
  return held;
}

export interface FuzzCase {
  readonly steps: readonly Step[];
  readonly mutation: Mutation;
  readonly chunking: { bytewise: boolean; cuts: readonly number[] };
  readonly maxMessageSize: number;
  readonly maskSeed: number;
  readonly deflateVariant: number;
}

export const caseArb = (maxPayload = 70_000): fc.Arbitrary<FuzzCase> =>
  fc.record({
    steps: scriptArb(maxPayload),
    mutation: mutationArb,
    chunking: chunkingArb,
    // Small limits make 1009 common; large ones let valid streams through.
    maxMessageSize: fc.oneof(fc.integer({ min: 1, max: 512 }), fc.constant(1 << 20)),
    maskSeed: fc.nat(),
    deflateVariant: fc.nat({ max: DEFLATE_VARIANTS.length - 1 }),
  });

export interface FuzzOutcome {
  readonly readyState: number;
  /** The close code of our failure, if the connection failed. */
  readonly failCode: number | undefined;
  readonly peakHeld: number;
  readonly messages: number;
  readonly ms: number;
}

function fail(why: string): never {
  throw new Error(`invariant broken: ${why}`);
}

/** Runs one case against a fresh connection and checks every invariant. Throws on a violation. */
export function runCase(config: FuzzConfig, c: FuzzCase): FuzzOutcome {
  const started = performance.now();
  const { receiver, peer } = extensionsFor(config, c.deflateVariant);
  const { bytes, expected } = writeStream(config, c.steps, peer, c.maskSeed);
  const input = mutate(bytes, c.mutation);
  const conn = new Connection({ role: config.role, maxMessageSize: c.maxMessageSize });
  const observer = new Observer(conn);
  conn.establish(undefined, receiver);

  let peakHeld = 0;
  for (const piece of chunk(input, c.chunking)) {
    try {
      conn.receive(piece);
      observer.drain();
    } catch (error) {
      fail(`receive threw ${String(error)}`);
    }
    const held = heldBytes(conn);
    peakHeld = Math.max(peakHeld, held);
    if (held > c.maxMessageSize) fail(`holds ${held} bytes of a message, limit ${c.maxMessageSize}`);
  }
  const ms = performance.now() - started;
  if (ms > CASE_TIME_LIMIT_MS) fail(`case took ${ms.toFixed(0)} ms`);

  // Terminal events: nothing but closing the transport may follow (RFC 6455 §7.1.7, §5.5.1).
  const events = observer.events;
  const terminal = events.findIndex((e) => e.type === 'error' || e.type === 'closeFrame');
  if (terminal !== -1) {
    const after = events.slice(terminal + 1);
    if (after.length !== 1 || after[0]!.type !== 'closeTransport') fail(`events after ${events[terminal]!.type}: ${after.map((e) => e.type).join(', ')}`);
  } else if (events.some((e) => e.type === 'closeTransport')) {
    fail('transport closed without an error or a close frame');
  }
  for (const e of events) {
    if (e.type === 'message' && e.bytes.length > c.maxMessageSize) fail(`delivered a ${e.bytes.length}-byte message, limit ${c.maxMessageSize}`);
  }

  const failure = events.find((e): e is Extract<Event, { type: 'error' }> => e.type === 'error');
  const written = decodeFrames(join(observer.writes));
  if (failure) {
    // RFC 6455 §7.1.7, §7.4.1: fail with the code the RFC names, sent in a close frame.
    if (!PEER_FAULT_CODES.includes(failure.code)) fail(`failed with ${failure.code} (${failure.message})`);
    const last = written[written.length - 1];
    if (!last || last.opcode !== 0x8 || ((last.payload[0]! << 8) | last.payload[1]!) !== failure.code) fail(`no close frame with ${failure.code} written`);
    if (conn.readyState !== 2) fail(`readyState ${conn.readyState} after a failure`);
  } else if (terminal !== -1) {
    if (conn.readyState !== 2) fail(`readyState ${conn.readyState} after the peer's close frame`);
    if (!written.some((f) => f.opcode === 0x8)) fail('the peer\'s close frame was not answered');
  } else if (conn.readyState !== 1) {
    fail(`readyState ${conn.readyState} without an error or a close frame`);
  }

  // An unmutated stream within the limit is delivered exactly (chunking must not matter). The
  // limit holds for the message and for its bytes on the wire (compressed data can be larger).
  const withinLimit = expected.messages.every((m) => m.bytes.length <= c.maxMessageSize && m.wireBytes <= c.maxMessageSize);
  if (c.mutation.kind === 'none' && withinLimit) {
    if (failure) fail(`valid stream failed with ${failure.code}: ${failure.message}`);
    const got = events.filter((e): e is Extract<Event, { type: 'message' }> => e.type === 'message');
    if (got.length !== expected.messages.length) fail(`delivered ${got.length} of ${expected.messages.length} messages`);
    got.forEach((m, i) => {
      const want = expected.messages[i]!;
      if (m.isText !== want.isText || Buffer.compare(Buffer.from(m.bytes), Buffer.from(want.bytes)) !== 0) fail(`message ${i} differs`);
    });
    if (events.filter((e) => e.type === 'ping').length !== expected.pings) fail('a ping was lost');
    const closeEvent = events.find((e): e is Extract<Event, { type: 'closeFrame' }> => e.type === 'closeFrame');
    if (closeEvent?.code !== expected.closeCode) fail(`close code ${closeEvent?.code}, sent ${expected.closeCode}`);
  }

  const delivered = events.filter((e) => e.type === 'message').length;
  const readyState = conn.readyState;
  const result = conn.transportClosed(); // must not throw; frees the extension
  if (result.code < 1000) fail(`close result code ${result.code}`);
  return { readyState, failCode: failure?.code, peakHeld, messages: delivered, ms };
}

/** Counts outcomes over a run, for the soak summary. */
export class FuzzTally {
  cases = 0;
  open = 0;
  peerClosed = 0;
  readonly failCodes = new Map<number, number>();
  peakHeld = 0;
  slowestMs = 0;

  add(o: FuzzOutcome): void {
    this.cases++;
    if (o.failCode !== undefined) this.failCodes.set(o.failCode, (this.failCodes.get(o.failCode) ?? 0) + 1);
    else if (o.readyState === 1) this.open++;
    else this.peerClosed++;
    this.peakHeld = Math.max(this.peakHeld, o.peakHeld);
    this.slowestMs = Math.max(this.slowestMs, o.ms);
  }

  toString(): string {
    const codes = [...this.failCodes].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${n}`).join(' ');
    return `${this.cases} cases: ${this.open} open, ${this.peerClosed} closed by the peer, failed ${codes || 'none'}; slowest ${this.slowestMs.toFixed(1)} ms`;
  }
}

/** Runs `numRuns` cases of one configuration through fast-check (shrinking failures). */
export function fuzzConnection(config: FuzzConfig, numRuns: number, options: { seed?: number; tally?: FuzzTally; maxPayload?: number } = {}): void {
  fc.assert(
    fc.property(caseArb(options.maxPayload), (c) => {
      const outcome = runCase(config, c);
      options.tally?.add(outcome);
    }),
    { numRuns, ...(options.seed !== undefined ? { seed: options.seed } : {}) },
  );
}

// ─── Pathological header values (CVE-2021-32640 in ws: a regular expression that backtracked) ───

export interface PathologicalValue {
  readonly header: 'Sec-WebSocket-Protocol' | 'Sec-WebSocket-Extensions';
  readonly name: string;
  /** The value for about `n` characters. */
  readonly make: (n: number) => string;
  /** Part of the quick set (the soak runs them all). */
  readonly quick: boolean;
}

const both = (name: string, make: (n: number) => string, quick: boolean): PathologicalValue[] => [
  { header: 'Sec-WebSocket-Protocol', name, make, quick },
  { header: 'Sec-WebSocket-Extensions', name, make, quick },
];

export const PATHOLOGICAL_HEADER_VALUES: readonly PathologicalValue[] = [
  ...both('commas and spaces', (n) => ', '.repeat(n / 2), true),
  { header: 'Sec-WebSocket-Protocol', name: 'many one-letter tokens', make: (n) => 'a,'.repeat(n / 2), quick: true },
  { header: 'Sec-WebSocket-Extensions', name: 'many one-letter extensions', make: (n) => 'a,'.repeat(n / 2), quick: false },
  ...both('spaces then a comma', (n) => ' '.repeat(n) + ',', false),
  ...both('tabs and commas', (n) => '\t,'.repeat(n / 2), false),
  { header: 'Sec-WebSocket-Extensions', name: 'parameters', make: (n) => 'x' + '; a=b'.repeat(n / 5), quick: true },
  { header: 'Sec-WebSocket-Extensions', name: 'an unterminated quoted string', make: (n) => 'x; a="' + '\\a'.repeat(n / 2), quick: true },
  { header: 'Sec-WebSocket-Extensions', name: 'semicolons', make: (n) => 'x' + ';'.repeat(n), quick: false },
  { header: 'Sec-WebSocket-Extensions', name: 'spaces around "="', make: (n) => 'x; a' + ' '.repeat(n) + '=b', quick: false },
];

/** Parses a header value as the server would; a HandshakeError is a fine outcome, anything else is not. */
export function parseHeaderValue(header: PathologicalValue['header'], value: string): void {
  try {
    if (header === 'Sec-WebSocket-Protocol') parseTokenList(value);
    else parseExtensionHeader(value);
  } catch (error) {
    if ((error as Error).name !== 'HandshakeError') throw error;
  }
}

/** Milliseconds to parse a value of `large / 4` and of `large` characters (best of three each, after a warm-up). */
export function timeParse(header: PathologicalValue['header'], make: (n: number) => string, large = 1 << 20): { small: number; large: number } {
  const smallValue = make(large / 4);
  const largeValue = make(large);
  parseHeaderValue(header, make(4_096)); // warm-up: let the JIT compile the parser first
  const time = (value: string) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      parseHeaderValue(header, value);
      best = Math.min(best, performance.now() - started);
    }
    return best;
  };
  return { small: time(smallValue), large: time(largeValue) };
}
