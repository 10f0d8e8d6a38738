// RFC 6455 §5.2 (Base Framing Protocol), with the opcodes of §5.2/§11.8 and the reserved
// bits of §5.2/§9. This module knows the layout of a frame header and nothing else:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-------+-+-------------+-------------------------------+
//   |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//   |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//   |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//   | |1|2|3|       |K|             |                               |
//   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//   |     Extended payload length continued, if payload len == 127  |
//   + - - - - - - - - - - - - - - - +-------------------------------+
//   |                               | Masking-key, if MASK set to 1 |
//   +-------------------------------+-------------------------------+
//   | Masking-key (continued)       |          Payload Data         |
//   +-------------------------------- - - - - - - - - - - - - - - - +

/** Frame opcodes (RFC 6455 §5.2, §11.8). */
export const Opcode = {
  /** 0x0: a later fragment of a message (§5.4). */
  Continuation: 0x0,
  /** 0x1: a text message (or its first fragment), UTF-8 (§5.6). */
  Text: 0x1,
  /** 0x2: a binary message (or its first fragment) (§5.6). */
  Binary: 0x2,
  /** 0x8: close (§5.5.1). */
  Close: 0x8,
  /** 0x9: ping (§5.5.2). */
  Ping: 0x9,
  /** 0xA: pong (§5.5.3). */
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Byte-0 bits. */
export const FIN = 0x80;
/** RSV1 (0x40): permessage-deflate's "compressed" bit (RFC 7692 §6). */
export const RSV1 = 0x40;
/** RSV2 (0x20): reserved for extensions (RFC 6455 §5.2). */
export const RSV2 = 0x20;
/** RSV3 (0x10): reserved for extensions (RFC 6455 §5.2). */
export const RSV3 = 0x10;
/** All three reserved bits (RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated…"). */
export const RSV_MASK = RSV1 | RSV2 | RSV3;
/** Byte-1 bit: the payload is masked (RFC 6455 §5.2, §5.3). */
export const MASK = 0x80;

/** Control frames carry at most 125 payload bytes (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
/** The largest payload length that fits the 7-bit form; 126 and 127 announce the longer forms. */
export const MAX_7BIT_LENGTH = 125;
/** The largest payload length of the 16-bit form. */
export const MAX_16BIT_LENGTH = 0xffff;

/** Control frames have the high bit of the opcode set: 0x8–0xF (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Opcodes defined by RFC 6455; 0x3–0x7 and 0xB–0xF are reserved (§5.2). */
export function isDefinedOpcode(opcode: number): boolean {
  return opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
}

/** A human name for an opcode, for traces and error messages. */
export function opcodeName(opcode: number): string {
  switch (opcode) {
    case Opcode.Continuation: return 'continuation';
    case Opcode.Text: return 'text';
    case Opcode.Binary: return 'binary';
    case Opcode.Close: return 'close';
    case Opcode.Ping: return 'ping';
    case Opcode.Pong: return 'pong';
    default: return `reserved-0x${opcode.toString(16)}`;
  }
}

/** Header size for a payload length: 2 bytes, +2 for the 16-bit form, +8 for the 64-bit form, +4 with a mask. */
export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength <= MAX_7BIT_LENGTH ? 0 : payloadLength <= MAX_16BIT_LENGTH ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/**
 * Writes a frame header at `target[offset…]` and returns the offset after it. The payload
 * length always uses the minimal form (RFC 6455 §5.2: "the minimal number of bytes MUST be used").
 * With `masked`, the 4 key bytes are written from `maskKey` (a 32-bit number, network order).
 */
export function writeFrameHeader(
  target: Uint8Array,
  offset: number,
  fin: boolean,
  rsv: number,
  opcode: number,
  payloadLength: number,
  masked: boolean,
  maskKey: number,
): number {
  let i = offset;
  target[i++] = (fin ? FIN : 0) | (rsv & RSV_MASK) | (opcode & 0x0f);
  const maskBit = masked ? MASK : 0;
  if (payloadLength <= MAX_7BIT_LENGTH) {
    target[i++] = maskBit | payloadLength;
  } else if (payloadLength <= MAX_16BIT_LENGTH) {
    target[i++] = maskBit | 126;
    target[i++] = payloadLength >>> 8;
    target[i++] = payloadLength & 0xff;
  } else {
    target[i++] = maskBit | 127;
    // 64-bit big-endian length; the high 32 bits of a safe integer fit in 21 bits, so bit 63 is 0.
    const high = Math.floor(payloadLength / 0x1_0000_0000);
    const low = payloadLength >>> 0;
    target[i++] = 0; target[i++] = (high >>> 16) & 0xff;
    target[i++] = (high >>> 8) & 0xff; target[i++] = high & 0xff;
    target[i++] = low >>> 24; target[i++] = (low >>> 16) & 0xff;
    target[i++] = (low >>> 8) & 0xff; target[i++] = low & 0xff;
  }
  if (masked) {
    target[i++] = maskKey >>> 24;
    target[i++] = (maskKey >>> 16) & 0xff;
    target[i++] = (maskKey >>> 8) & 0xff;
    target[i++] = maskKey & 0xff;
  }
  return i;
}
