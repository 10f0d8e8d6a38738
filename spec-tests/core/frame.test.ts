// Tests for src/core/frame.ts — RFC 6455 §5.2 (frame header layout, opcodes, reserved bits)
// and the encode half of the §5.7 examples (header writer + masking).
import { describe, expect, it } from 'vitest';
import {
  FIN,
  frameHeaderLength,
  isControlOpcode,
  isDefinedOpcode,
  MASK,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  opcodeName,
  RSV1,
  RSV2,
  RSV3,
  RSV_MASK,
  writeFrameHeader,
} from '../../src/core/framing/frame-header.js';
import { maskInto } from '../../src/core/framing/mask.js';
import { concat, firstDifference, hex, pseudoRandomBytes, RFC_MASK_KEY, utf8 } from '../helpers/core-pair.js';

/** Encodes a whole frame the way the connection does: writeFrameHeader, then the payload (masked with maskInto). */
function encode(fin: boolean, opcode: number, payload: Uint8Array, maskKey?: number): Uint8Array {
  const masked = maskKey !== undefined;
  const headerLength = frameHeaderLength(payload.length, masked);
  const out = new Uint8Array(headerLength + payload.length);
  const end = writeFrameHeader(out, 0, fin, 0, opcode, payload.length, masked, maskKey ?? 0);
  expect(end).toBe(headerLength);
  if (masked) maskInto(out, headerLength, payload, maskKey);
  else out.set(payload, headerLength);
  return out;
}

/** Just the header bytes for a payload length. */
function header(payloadLength: number, masked = false, maskKey = 0, opcode: number = Opcode.Binary): Uint8Array {
  const out = new Uint8Array(14).fill(0xee);
  const end = writeFrameHeader(out, 0, true, 0, opcode, payloadLength, masked, maskKey);
  expect(end).toBe(frameHeaderLength(payloadLength, masked));
  return out.slice(0, end);
}

describe('opcodes (RFC 6455 §5.2)', () => {
  it('[6455-5.2-4] defines exactly 0x0, 0x1, 0x2, 0x8, 0x9, 0xA; 0x3–0x7 and 0xB–0xF are reserved', () => {
    const defined = Array.from({ length: 16 }, (_, op) => op).filter(isDefinedOpcode);
    expect(defined).toEqual([0x0, 0x1, 0x2, 0x8, 0x9, 0xa]);
    expect(Opcode).toEqual({ Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 });
  });

  it('[6455-5.5-1] treats every opcode with the high bit set (0x8–0xF) as a control opcode', () => {
    for (let op = 0; op < 16; op++) expect(isControlOpcode(op)).toBe(op >= 8);
  });

  it('[wsref] names opcodes for traces, reserved ones by number', () => {
    expect([0, 1, 2, 8, 9, 10].map(opcodeName)).toEqual(['continuation', 'text', 'binary', 'close', 'ping', 'pong']);
    expect(opcodeName(0x3)).toBe('reserved-0x3');
    expect(opcodeName(0xf)).toBe('reserved-0xf');
  });

  it('[6455-5.2-8, 6455-5.2-9, 6455-5.2-10] has the RSV1/RSV2/RSV3, FIN and MASK bits where §5.2 puts them', () => {
    expect([FIN, RSV1, RSV2, RSV3, RSV_MASK, MASK]).toEqual([0x80, 0x40, 0x20, 0x10, 0x70, 0x80]);
    expect(MAX_CONTROL_PAYLOAD).toBe(125);
  });
});

describe('writeFrameHeader (RFC 6455 §5.2)', () => {
  it('[6455-5.2-6] uses the 7-bit length for 0–125 bytes: a 2-byte header', () => {
    expect(header(0)).toEqual(hex('82 00'));
    expect(header(1)).toEqual(hex('82 01'));
    expect(header(125)).toEqual(hex('82 7d'));
  });

  it('[6455-5.2-6] uses the 16-bit length for 126–65535 bytes: 126 then 2 bytes big-endian', () => {
    expect(header(126)).toEqual(hex('82 7e 00 7e'));
    expect(header(256)).toEqual(hex('82 7e 01 00'));
    expect(header(65535)).toEqual(hex('82 7e ff ff'));
  });

  it('[6455-5.2-5, 6455-5.2-6] uses the 64-bit length from 65536 bytes: 127 then 8 bytes big-endian, top bit 0', () => {
    expect(header(65536)).toEqual(hex('82 7f 00 00 00 00 00 01 00 00'));
    expect(header(0x1_0000_0000)).toEqual(hex('82 7f 00 00 00 01 00 00 00 00'));
    expect(header(0x1234_5678_9abc)).toEqual(hex('82 7f 00 00 12 34 56 78 9a bc'));
    expect(header(2 ** 52)).toEqual(hex('82 7f 00 10 00 00 00 00 00 00'));
    expect(header(Number.MAX_SAFE_INTEGER)).toEqual(hex('82 7f 00 1f ff ff ff ff ff ff'));
  });

  it('[6455-5.2-6] frameHeaderLength agrees with the form chosen at every boundary', () => {
    const cases: [number, number][] = [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10], [2 ** 40, 10]];
    for (const [length, size] of cases) {
      expect(frameHeaderLength(length, false)).toBe(size);
      expect(frameHeaderLength(length, true)).toBe(size + 4);
    }
  });

  it('[6455-5.3-1] sets the MASK bit and appends the 4-byte key (network order) after the length', () => {
    expect(header(5, true, RFC_MASK_KEY, Opcode.Text)).toEqual(hex('81 85 37 fa 21 3d'));
    expect(header(126, true, 0x01020304)).toEqual(hex('82 fe 00 7e 01 02 03 04'));
    expect(header(65536, true, 0xffffffff)).toEqual(hex('82 ff 00 00 00 00 00 01 00 00 ff ff ff ff'));
    // Without `masked` no key is written and the bit is clear, even if a key is passed.
    expect(header(5, false, RFC_MASK_KEY, Opcode.Text)).toEqual(hex('81 05'));
  });

  it('[6455-5.2-1, 6455-5.2-2] encodes FIN, the RSV bits and the opcode in byte 0, and nothing else', () => {
    const out = new Uint8Array(2);
    writeFrameHeader(out, 0, false, RSV1, Opcode.Text, 0, false, 0);
    expect(out[0]).toBe(0x41);
    writeFrameHeader(out, 0, true, RSV1 | RSV2 | RSV3, Opcode.Continuation, 0, false, 0);
    expect(out[0]).toBe(0xf0);
    // Stray bits outside RSV_MASK / the opcode nibble are dropped, not smeared into other fields.
    writeFrameHeader(out, 0, false, 0xff, 0xf9, 0, false, 0);
    expect(out[0]).toBe(0x79);
  });

  it('[wsref] writes at the given offset and returns the offset after the header', () => {
    const out = new Uint8Array(20).fill(0xaa);
    const end = writeFrameHeader(out, 3, true, 0, Opcode.Ping, 300, true, 0xdeadbeef);
    expect(end).toBe(3 + 8);
    expect(out.slice(0, 3)).toEqual(hex('aa aa aa'));
    expect(out.slice(3, end)).toEqual(hex('89 fe 01 2c de ad be ef'));
    expect(out.slice(end)).toEqual(new Uint8Array(9).fill(0xaa));
  });
});

describe('RFC 6455 §5.7 examples, encoded with writeFrameHeader + maskInto', () => {
  const hello = utf8('Hello');

  it('[6455-5.1-4, 6455-6.1-4] a single-frame unmasked text message', () => {
    expect(encode(true, Opcode.Text, hello)).toEqual(hex('81 05 48 65 6c 6c 6f'));
  });

  it('[6455-5.1-1, 6455-5.3-1] a single-frame masked text message', () => {
    expect(encode(true, Opcode.Text, hello, RFC_MASK_KEY)).toEqual(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('[6455-5.4-6, 6455-6.1-6, 6455-6.1-7] a fragmented unmasked text message', () => {
    expect(encode(false, Opcode.Text, utf8('Hel'))).toEqual(hex('01 03 48 65 6c'));
    expect(encode(true, Opcode.Continuation, utf8('lo'))).toEqual(hex('80 02 6c 6f'));
  });

  it('[6455-5.5.2-1] an unmasked ping and a masked pong, both carrying "Hello"', () => {
    expect(encode(true, Opcode.Ping, hello)).toEqual(hex('89 05 48 65 6c 6c 6f'));
    expect(encode(true, Opcode.Pong, hello, RFC_MASK_KEY)).toEqual(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('[6455-5.2-6] 256 bytes of binary data in a single unmasked frame', () => {
    const data = pseudoRandomBytes(256, 7);
    expect(encode(true, Opcode.Binary, data)).toEqual(concat(hex('82 7e 01 00'), data));
  });

  it('[6455-5.2-5, 6455-5.2-6] 64 KiB of binary data in a single unmasked frame', () => {
    const data = pseudoRandomBytes(65536, 9);
    expect(firstDifference(encode(true, Opcode.Binary, data), concat(hex('82 7f 00 00 00 00 00 01 00 00'), data))).toBe(-1);
  });
});
