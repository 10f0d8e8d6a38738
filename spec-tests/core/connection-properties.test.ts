// Property tests for src/core/connection.ts — RFC 6455 §5.4 and §6 as observable invariants:
// however the byte stream is cut, the same events come out; whatever is sent arrives unchanged
// in both directions; and hostile bytes never escape receive() as an exception (§10.7).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReadyState, type Role } from '../../src/core/connection.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import {
  clientFrame,
  closeBody,
  concat,
  type CoreEvent,
  feed,
  feedBytewise,
  frame,
  openEndpoint,
  openPair,
  pseudoRandomBytes,
  utf8,
} from '../helpers/core-pair.js';

/** A moderate stream exercising every frame kind, as the peer of `role` would send it. */
function sampleStream(role: Role): Uint8Array {
  const f = role === 'server' ? clientFrame : frame;
  const smiley = utf8('😀');
  return concat(
    f({ opcode: Opcode.Text, payload: utf8('Hello') }),
    f({ opcode: Opcode.Text, fin: false, payload: smiley.subarray(0, 2) }),
    f({ opcode: Opcode.Ping, payload: utf8('p') }),
    f({ opcode: Opcode.Continuation, payload: concat(smiley.subarray(2), utf8(' ok')) }),
    f({ opcode: Opcode.Binary, payload: pseudoRandomBytes(130, 1) }),
    f({ opcode: Opcode.Text }),
    f({ opcode: Opcode.Binary, fin: false, payload: new Uint8Array([1, 2]) }),
    f({ opcode: Opcode.Pong, payload: utf8('q') }),
    f({ opcode: Opcode.Continuation, fin: false }),
    f({ opcode: Opcode.Continuation, payload: new Uint8Array([3]) }),
    f({ opcode: Opcode.Close, payload: closeBody(1000, 'bye') }),
  );
}

function run(role: Role, bytes: Uint8Array, cuts: number[] | 'bytewise'): { events: CoreEvent[]; written: Uint8Array } {
  const { conn, log } = openEndpoint(role);
  if (cuts === 'bytewise') feedBytewise(conn, bytes);
  else feed(conn, bytes, cuts);
  return { events: log.events, written: log.allWritten() };
}

describe('chunking does not matter (RFC 6455 §6.2)', () => {
  for (const role of ['server', 'client'] as const) {
    it(`[6455-6.2-1, 6455-5.4-5, 6455-5.4-7] ${role}: the stream cut at every byte boundary (2 and 3 pieces, and byte by byte) gives identical events and replies`, () => {
      const bytes = sampleStream(role);
      const reference = run(role, bytes, []);
      expect(reference.events.map((e) => e.type)).toEqual(['message', 'ping', 'message', 'message', 'message', 'pong', 'message', 'closeFrame', 'closeTransport']);
      expect(reference.events[2]).toEqual({ type: 'message', data: utf8('😀 ok'), isText: true });
      for (let i = 1; i < bytes.length; i++) expect(run(role, bytes, [i])).toEqual(reference);
      for (let i = 1; i < bytes.length; i += 5) {
        for (let j = i + 1; j < bytes.length; j += 7) expect(run(role, bytes, [i, j])).toEqual(reference);
      }
      expect(run(role, bytes, 'bytewise')).toEqual(reference);
    });
  }
});

/** Events with byte fields as base64 text: quick to compare even for 64 KiB messages. */
function comparable(events: CoreEvent[]): unknown[] {
  const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
  return events.map((e) =>
    e.type === 'message' ? { ...e, data: b64(e.data) } : e.type === 'ping' || e.type === 'pong' ? { ...e, payload: b64(e.payload) } : e,
  );
}

// ─── Round trip ────────────────────────────────────────────────────────────────────────────

const SPECIAL_SIZES = [0, 1, 125, 126, 127, 65535, 65536];
const size = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...SPECIAL_SIZES) }, { weight: 4, arbitrary: fc.nat({ max: 300 }) });

/** A text payload: either any Unicode string, or multi-byte text of an exact byte size. */
const textPayload = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }).map(utf8),
  size.map((n) => utf8('é'.repeat(n >> 1) + 'a'.repeat(n & 1))),
);
const binaryPayload = fc.tuple(size, fc.nat()).map(([n, seed]) => pseudoRandomBytes(n, seed + 1));

type Item =
  | { kind: 'message'; isText: boolean; data: Uint8Array; cuts: number[]; pings: (Uint8Array | null)[] }
  | { kind: 'ping'; payload: Uint8Array };

const pingPayload = fc.uint8Array({ maxLength: 125 });
const messageItem: fc.Arbitrary<Item> = fc
  .record({
    isText: fc.boolean(),
    text: textPayload,
    binary: binaryPayload,
    rawCuts: fc.array(fc.nat(), { maxLength: 4 }),
    pings: fc.array(fc.option(pingPayload, { freq: 3 }), { maxLength: 4 }),
  })
  .map(({ isText, text, binary, rawCuts, pings }) => {
    const data = isText ? text : binary;
    const cuts = rawCuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b);
    return { kind: 'message' as const, isText, data, cuts, pings };
  });
const pingItem: fc.Arbitrary<Item> = pingPayload.map((payload) => ({ kind: 'ping' as const, payload }));
const items = fc.array(fc.oneof({ weight: 4, arbitrary: messageItem }, { weight: 1, arbitrary: pingItem }), { maxLength: 6 });
const chunkCuts = fc.array(fc.nat(), { maxLength: 12 });

describe('round trip through random fragmentation and chunking (RFC 6455 §5.4, §6)', () => {
  for (const direction of ['client→server', 'server→client'] as const) {
    it(`[6455-5.4-3, 6455-5.4-6, 6455-5.4-7, 6455-6.1-5, 6455-6.2-3, 6455-5.5.2-2] ${direction}: messages and pings arrive exactly as sent, pongs come back`, () => {
      fc.assert(
        fc.property(items, chunkCuts, chunkCuts, (plan, forwardCuts, backCuts) => {
          const pair = openPair({ client: { maskKeys: (() => { let k = 0x1234567; return () => (k = (k * 1103515245 + 12345) >>> 0); })() } });
          const [sender, receiver] = direction === 'client→server' ? [pair.client, pair.server] : [pair.server, pair.client];
          const expected: CoreEvent[] = [];
          const pingsSent: Uint8Array[] = [];
          for (const item of plan) {
            if (item.kind === 'ping') {
              sender.conn.ping(item.payload);
              expected.push({ type: 'ping', payload: item.payload });
              pingsSent.push(item.payload);
              continue;
            }
            const bounds = [0, ...item.cuts, item.data.length];
            for (let k = 1; k < bounds.length; k++) {
              const last = k === bounds.length - 1;
              sender.conn.sendFrame(item.data.subarray(bounds[k - 1], bounds[k]), item.isText, last);
              const ping = item.pings[k - 1];
              if (!last && ping) {
                sender.conn.ping(ping);
                expected.push({ type: 'ping', payload: ping });
                pingsSent.push(ping);
              }
            }
            expected.push({ type: 'message', data: item.data, isText: item.isText });
          }
          const back = direction === 'client→server' ? pair.serverToClient : pair.clientToServer;
          const bytes = sender.log.takeWritten();
          feed(receiver.conn, bytes, forwardCuts.map((c) => c % (bytes.length + 1)));
          expect(comparable(receiver.log.events)).toEqual(comparable(expected));
          const reply = receiver.log.writes.reduce((n, w) => n + w.length, 0);
          back(backCuts.map((c) => c % (reply + 1)));
          expect(comparable(sender.log.events)).toEqual(comparable(pingsSent.map((payload) => ({ type: 'pong', payload }))));
          expect(receiver.conn.readyState).toBe(ReadyState.OPEN);
        }),
        { numRuns: 60 },
      );
    });
  }
});

// ─── Hostile input ─────────────────────────────────────────────────────────────────────────

/** Frame-shaped input: frames of random opcode/flags/payload for the role, with bits flipped. */
function hostileStream(role: Role) {
  const oneFrame = fc.record({
    opcode: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 1, 2, 8, 9, 10) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
    fin: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
    rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0x10, 0x20, 0x40) }),
    payload: fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }).map(utf8),
      fc.integer({ min: 900, max: 1500 }).map((n) => new Uint8Array(n)),
      fc.constantFrom(new Uint8Array(0), closeBody(1000), closeBody(3000, 'bye'), closeBody(1005)),
    ),
    rightMasking: fc.integer({ min: 0, max: 9 }).map((n) => n > 0), // mostly as the role expects
  });
  return fc
    .tuple(fc.array(oneFrame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 3 }))
    .map(([frames, flips]) => {
      const bytes = concat(
        ...frames.map((f) => {
          const masked = (role === 'server') === f.rightMasking;
          return frame({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, payload: f.payload, ...(masked ? { maskKey: 0x0badf00d } : {}) });
        }),
      );
      for (const flip of flips) if (bytes.length > 0) bytes[flip % bytes.length]! ^= 1 << (flip % 8);
      return bytes;
    });
}

describe('hostile input never escapes receive() (RFC 6455 §10.7, §7.1.7)', () => {
  for (const role of ['server', 'client'] as const) {
    it(`[6455-10.7-1, 6455-10.7-3, 6455-7.1.7-3] ${role}: random and mangled bytes end in 1002/1007/1009 or leave the connection working`, () => {
      const input = fc.oneof({ weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) }, { weight: 3, arbitrary: hostileStream(role) });
      const outcomes = new Set<string>();
      fc.assert(
        fc.property(input, chunkCuts, (bytes, cuts) => {
          const { conn, log } = openEndpoint(role, { maxMessageSize: 1000 });
          expect(() => feed(conn, bytes, cuts.map((c) => c % (bytes.length + 1)))).not.toThrow();
          const errors = log.ofType('error');
          if (errors.length > 0) {
            expect(errors).toHaveLength(1);
            expect(errors[0]!.kind).toBe('protocol');
            expect([1002, 1007, 1009]).toContain(errors[0]!.code);
            expect(log.events[log.events.length - 1]).toEqual({ type: 'closeTransport', immediately: true });
            expect(conn.readyState).toBe(ReadyState.CLOSING);
            outcomes.add(String(errors[0]!.code));
          } else if (log.ofType('closeFrame').length > 0) {
            expect(conn.readyState).toBe(ReadyState.CLOSING);
            outcomes.add('closed');
          } else {
            expect(conn.readyState).toBe(ReadyState.OPEN);
            expect(log.ofType('closeTransport')).toEqual([]);
            outcomes.add('open');
          }
          // Whatever happened, the connection still accepts more bytes without throwing.
          expect(() => feed(conn, bytes)).not.toThrow();
        }),
        { numRuns: 1000 },
      );
      // The generator reaches every outcome, so the checks above are not vacuous.
      expect([...outcomes].sort()).toEqual(['1002', '1007', '1009', 'closed', 'open']);
    });
  }
});
