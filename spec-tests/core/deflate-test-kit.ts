// Test helpers shared by the compression-extension tests (RFC 7692 and deflate-frame): driving
// an `Extension` the way the connection does, frame by frame, a codec that records options, and
// a connection pair that negotiated an extension, for the rules only a connection can reach.
import type { DeflateCodec, DeflaterOptions, InflaterOptions } from '../../src/core/extensions/deflate-codec.js';
import { expect } from 'vitest';
import type { Extension, ExtensionFactory } from '../../src/core/extensions/extension.js';
import { ProtocolError } from '../../src/core/errors.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';
import { clientFrame, decodeFrames, feed, handshakePair, type Pair } from '../helpers/core-pair.js';

export const zlibCodec: DeflateCodec = createZlibCodec();

export const bytes = (hexText: string): Uint8Array => Uint8Array.from(Buffer.from(hexText.replace(/\s+/g, ''), 'hex'));
export const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const utf8 = (data: Uint8Array): string => new TextDecoder().decode(data);

export function concat(pieces: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** A codec that passes through to zlib and remembers the options of every engine it made. */
export function recordingCodec(): { codec: DeflateCodec; deflaters: DeflaterOptions[]; inflaters: InflaterOptions[] } {
  const deflaters: DeflaterOptions[] = [];
  const inflaters: InflaterOptions[] = [];
  return {
    deflaters,
    inflaters,
    codec: {
      createDeflater(options) {
        deflaters.push(options);
        return zlibCodec.createDeflater(options);
      },
      createInflater(options) {
        inflaters.push(options);
        return zlibCodec.createInflater(options);
      },
    },
  };
}

/** A data frame as it would travel: opcode, FIN, RSV bits, payload. */
export interface WireFrame {
  readonly opcode: number;
  readonly fin: boolean;
  readonly rsv: number;
  readonly payload: Uint8Array;
}

export function frame(payloadHex: string, fields: Partial<Omit<WireFrame, 'payload'>> = {}): WireFrame {
  return { opcode: 0x1, fin: true, rsv: 0, ...fields, payload: bytes(payloadHex) };
}

/**
 * Sends one message through `extension` as the connection would: cut into fragments at the
 * given payload offsets (none: one frame), the first frame with `opcode`, the rest continuations.
 */
export function send(
  extension: Extension,
  data: Uint8Array,
  { opcode = 0x2, cuts = [] as readonly number[], compress = true } = {},
): WireFrame[] {
  const bounds = [0, ...cuts, data.length];
  const frames: WireFrame[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const firstFrameOfMessage = i === 0;
    const fin = i + 2 === bounds.length;
    const frameOpcode = firstFrameOfMessage ? opcode : 0x0;
    const { payload, rsv } = extension.encodeFrame(data.subarray(bounds[i], bounds[i + 1]), {
      opcode: frameOpcode,
      fin,
      firstFrameOfMessage,
      compress,
    });
    frames.push({ opcode: frameOpcode, fin, rsv, payload });
  }
  return frames;
}

/**
 * Receives the frames of one message through `extension` as the connection would, handing each
 * transformed payload over in pieces of `chunkSize` bytes, with `limit` for the whole message.
 */
export function receive(extension: Extension, frames: readonly WireFrame[], { limit = 1 << 26, chunkSize = Infinity } = {}): Uint8Array {
  const out: Uint8Array[] = [];
  const left = (): number => limit - out.reduce((n, p) => n + p.length, 0);
  for (const f of frames) {
    const transformed = extension.startIncomingFrame({ opcode: f.opcode, fin: f.fin, rsv: f.rsv, firstFrameOfMessage: f.opcode !== 0x0 });
    if (!transformed) {
      out.push(f.payload);
      continue;
    }
    for (let at = 0; at < f.payload.length; at += chunkSize) {
      extension.decodeChunk(f.payload.subarray(at, Math.min(f.payload.length, at + chunkSize)), out, left());
    }
    extension.endIncomingFrame(f.fin, out, left());
  }
  return concat(out);
}

/** Runs `fn` and returns what it threw (failing the test if nothing was thrown). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

/** The close code of the ProtocolError `fn` throws (failing the test if it throws anything else). */
export function closeCodeOf(fn: () => unknown): number {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(ProtocolError);
  return (error as ProtocolError).closeCode;
}

/** Bytes with little redundancy (a linear congruential generator). */
export function noise(length: number, seed = 1): Uint8Array {
  let state = seed;
  return new Uint8Array(length).map(() => (state = (state * 1103515245 + 12345) & 0x7fffffff) >>> 23);
}

/**
 * A client and a server connection that agreed on `makeFactory()`'s extension in a real opening
 * handshake (RFC 6455 §4, §9.1): each side gets its own factory, as two endpoints would.
 */
export function negotiatedPair(makeFactory: () => ExtensionFactory): Pair {
  const pair = handshakePair({ extensions: { client: [makeFactory()], server: [makeFactory()] } });
  expect(pair.client.conn.extensions.split(';')[0]).toBe(makeFactory().name);
  return pair;
}

/**
 * RFC 7692 §6.1 (and RFC 6455 §5.2) through connections that negotiated `makeFactory()`'s
 * extension, which must compress everything (threshold 0): a ping sent beside a message leaves
 * with RSV1 clear and its payload as given while the message is compressed, and a close, ping or
 * pong arriving with RSV1 set fails the connection with 1002. Control frames never pass through
 * an extension, so only a connection can show these rules.
 */
export function expectControlFramesUncompressed(makeFactory: () => ExtensionFactory): void {
  const sending = negotiatedPair(makeFactory);
  const payload = text('ping ping ping ping ping ping');
  sending.client.conn.ping(payload);
  sending.client.conn.send(payload, false);
  const [ping, message] = decodeFrames(sending.clientToServer());
  expect(ping).toMatchObject({ opcode: 0x9, rsv: 0 });
  expect(hex(ping!.payload)).toBe(hex(payload));
  expect(message).toMatchObject({ opcode: 0x2, rsv: 0x40 }); // the extension is active and compressing
  expect(hex(sending.server.log.ofType('ping')[0]!.payload)).toBe(hex(payload));
  expect(hex(sending.server.log.ofType('message')[0]!.data)).toBe(hex(payload));
  for (const opcode of [0x8, 0x9, 0xa]) {
    const receiving = negotiatedPair(makeFactory);
    feed(receiving.server.conn, clientFrame({ opcode, rsv: 0x40 }));
    expect(receiving.server.log.failCode, `opcode 0x${opcode.toString(16)} with RSV1`).toBe(1002);
  }
}
