// Tests for the size limits of src/core/message-assembler.ts — RFC 6455 §10.4 (limits on frame and
// message size, 1009 of §7.4.1) with RFC 7692 compression: `maxMessageSize` bounds the message as
// the application receives it, the wire bytes of compressed frames are bounded separately with room
// for what DEFLATE adds to incompressible data, and each 1009 reason names the quantity and the
// limit exceeded.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maxDeflatedSize, SYNC_FLUSH_ALLOWANCE } from '../../src/core/extensions/deflate-codec.js';
import { deflateFrame } from '../../src/core/extensions/deflate-frame.js';
import { ProtocolError } from '../../src/core/errors.js';
import type { Extension, ExtensionFactory } from '../../src/core/extensions/extension.js';
import { Opcode } from '../../src/core/framing/frame-header.js';
import { MessageAssembler } from '../../src/core/messages/message-assembler.js';
import { permessageDeflate } from '../../src/core/extensions/permessage-deflate.js';
import { isValidUtf8 } from '../../src/core/messages/utf8.js';
import { send, thrownBy, zlibCodec, type WireFrame } from './deflate-test-kit.js';

/** A sender's and a receiver's end of one negotiated extension. */
function negotiate(factory: ExtensionFactory): { sender: Extension; receiver: Extension } {
  const sender = factory.acceptOffer(factory.offers())!;
  const receiver = factory.acceptResponse(sender.responseParams);
  return { sender, receiver };
}

/** Feeds wire frames to an assembler, each payload in pieces of `chunk` bytes; returns the messages. */
function receive(assembler: MessageAssembler, frames: readonly WireFrame[], chunk = 64 * 1024): Uint8Array[] {
  const messages: Uint8Array[] = [];
  for (const f of frames) {
    assembler.startFrame(f.fin, f.rsv, f.opcode, f.payload.length);
    for (let at = 0; at < f.payload.length; at += chunk) assembler.payload(f.payload.subarray(at, at + chunk));
    const message = assembler.endFrame();
    if (message) messages.push(message.data);
  }
  return messages;
}

function tooBig(fn: () => unknown): string {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(ProtocolError);
  expect((error as ProtocolError).closeCode).toBe(1009);
  expect((error as ProtocolError).rule).toBe('6455-10.4-2');
  return (error as ProtocolError).message;
}

const plain = (payload: Uint8Array, fin = true, opcode: number = Opcode.Binary): WireFrame => ({ opcode, fin, rsv: 0, payload });

describe('maxMessageSize bounds the message the application receives (RFC 6455 §10.4)', () => {
  it('[6455-10.4-1] [6455-10.4-2] [7692-6.2-1] an incompressible message of maxMessageSize - 1 and of maxMessageSize bytes is accepted although its compressed form is larger', () => {
    const limit = 1 << 20;
    for (const size of [limit - 1, limit]) {
      const { sender, receiver } = negotiate(permessageDeflate({ codec: zlibCodec }));
      const message = randomBytes(size);
      const frames = send(sender, message);
      expect(frames[0]!.rsv).toBe(0x40);
      expect(frames[0]!.payload.length).toBeGreaterThan(limit); // DEFLATE made it larger
      const assembler = new MessageAssembler(limit, isValidUtf8);
      assembler.useExtensions([receiver]);
      expect(Buffer.from(receive(assembler, frames)[0]!).equals(message)).toBe(true);
    }
  });

  it('[6455-10.4-1] [6455-10.4-2] [7692-6.2-1] the same incompressible message sent as 1 KiB compressed fragments, each sync-flushed, is accepted', () => {
    const limit = 256 * 1024;
    const { sender, receiver } = negotiate(permessageDeflate({ codec: zlibCodec }));
    const message = randomBytes(limit);
    const frames = send(sender, message, { cuts: Array.from({ length: limit / 1024 - 1 }, (_, i) => (i + 1) * 1024) });
    const wire = frames.reduce((n, f) => n + f.payload.length, 0);
    expect(wire).toBeGreaterThan(limit);
    const assembler = new MessageAssembler(limit, isValidUtf8);
    assembler.useExtensions([receiver]);
    expect(Buffer.from(receive(assembler, frames)[0]!).equals(message)).toBe(true);
  });

  it('[6455-10.4-1] [6455-10.4-2] [6455-7.4.1-1] one byte over: the reason names the message size and maxMessageSize, for a frame and for fragments', () => {
    const assembler = new MessageAssembler(1000, isValidUtf8);
    expect(tooBig(() => receive(assembler, [plain(new Uint8Array(1001))]))).toBe('message of 1001 bytes exceeds maxMessageSize 1000');
    assembler.reset();
    const fragments = [plain(new Uint8Array(600), false), plain(new Uint8Array(401), false, Opcode.Continuation)];
    expect(tooBig(() => receive(assembler, fragments))).toBe('message of at least 1001 bytes exceeds maxMessageSize 1000');
  });

  it('[6455-10.4-1] [7692-6.2-1] a compressed message inflating past the limit: the reason says the message exceeds maxMessageSize once inflated', () => {
    const limit = 10_000;
    const { sender, receiver } = negotiate(permessageDeflate({ codec: zlibCodec }));
    const assembler = new MessageAssembler(limit, isValidUtf8);
    assembler.useExtensions([receiver]);
    expect(receive(assembler, send(sender, new Uint8Array(limit)))[0]!.length).toBe(limit);
    const frames = send(sender, new Uint8Array(limit + 1));
    expect(frames[0]!.payload.length).toBeLessThan(100);
    expect(tooBig(() => receive(assembler, frames))).toBe(`message of more than ${limit} bytes once inflated exceeds maxMessageSize ${limit}`);
  });
});

describe('the wire bytes of compressed frames have their own limit (RFC 6455 §10.4)', () => {
  it('[6455-10.4-1] [6455-10.4-2] a compressed frame declaring more than the wire limit is refused at its header, and the reason names the wire limit', () => {
    const limit = 1 << 20;
    const wireLimit = maxDeflatedSize(limit) + SYNC_FLUSH_ALLOWANCE;
    const { receiver } = negotiate(permessageDeflate({ codec: zlibCodec }));
    const assembler = new MessageAssembler(limit, isValidUtf8);
    assembler.useExtensions([receiver]);
    // At the wire limit the header passes (the payload would then be inflated and checked) …
    expect(() => assembler.startFrame(true, 0x40, Opcode.Binary, wireLimit)).not.toThrow();
    assembler.reset();
    // … one byte more is refused before any payload.
    expect(tooBig(() => assembler.startFrame(true, 0x40, Opcode.Binary, wireLimit + 1))).toBe(
      `compressed data of ${wireLimit + 1} bytes exceeds the wire limit ${wireLimit} for maxMessageSize ${limit}`,
    );
  });

  it('[6455-10.4-1] compressed fragments that inflate to nothing stop at the wire limit', () => {
    const limit = 64 * 1024;
    const { receiver } = negotiate(deflateFrame({ codec: zlibCodec }));
    const assembler = new MessageAssembler(limit, isValidUtf8);
    assembler.useExtensions([receiver]);
    // Empty stored blocks (00 00 00 ff ff): valid DEFLATE, no output, 5 bytes each.
    const empty = new Uint8Array(4 * 1024 * 5);
    for (let i = 0; i < empty.length; i += 5) empty.set([0x00, 0x00, 0x00, 0xff, 0xff], i);
    let sent = 0;
    const message = tooBig(() => {
      for (let i = 0; i < 1000; i++, sent += empty.length) {
        receive(assembler, [{ opcode: i === 0 ? Opcode.Binary : Opcode.Continuation, fin: false, rsv: 0x40, payload: empty }]);
      }
    });
    // Refused on the wire bytes (COMPRESSED_TOO_BIG): the message gives the numbers.
    expect(message).toMatch(/^compressed data of at least \d+ bytes exceeds the wire limit \d+ for maxMessageSize 65536$/);
    expect(sent).toBeLessThanOrEqual(maxDeflatedSize(limit) + 16 * SYNC_FLUSH_ALLOWANCE);
  });

  it('[wsref] the wire bound covers what zlib produces for incompressible data at any window and memLevel', () => {
    const data = randomBytes(256 * 1024);
    for (const windowBits of [8, 9, 12, 15]) {
      for (const memLevel of [1, 8, 9]) {
        const deflater = zlibCodec.createDeflater({ windowBits, memLevel });
        const compressed = deflater.deflate(data);
        deflater.close();
        expect(compressed.length, `windowBits ${windowBits}, memLevel ${memLevel}`).toBeGreaterThan(data.length);
        expect(compressed.length, `windowBits ${windowBits}, memLevel ${memLevel}`).toBeLessThanOrEqual(maxDeflatedSize(data.length) + SYNC_FLUSH_ALLOWANCE);
      }
    }
  });
});
