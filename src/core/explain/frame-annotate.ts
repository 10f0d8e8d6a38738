// RFC 6455 §5.2 (Base Framing Protocol) explained for people: one frame's bytes taken apart
// field by field — FIN, RSV1–3, opcode, MASK, the payload length and its 7/16/64-bit form, the
// masking key (§5.3), the payload (text §5.6, close body §5.5.1 / §7.4, compressed RFC 7692 §6) —
// each with where it sits, its value, what it means and the clause that defines it. It also names
// the rules a frame breaks, which a receiver would fail the connection for (§7.1.7).
//
// This is a teaching aid, not the receive path: `frame-parser.ts` enforces the rules; this module
// only describes, naming the row of core/rules.ts each problem breaks (`field.rule`).
// The payload's fields are explained in payload-annotate.ts. It never throws on bad input and never mutates it (unmasking works on a copy).
// Used by `wsref connect/serve --trace` and by the docs site's frame inspector (browser-safe).

import { isControlOpcode, isDefinedOpcode, MAX_16BIT_LENGTH, MAX_7BIT_LENGTH, MAX_CONTROL_PAYLOAD, Opcode, opcodeName } from '../framing/frame-header.js';
import { RULES, type Rule } from '../rules.js';
import { breaks, hex, type AnnotateOptions, type Broken, type FrameField } from './frame-field.js';
import { payloadFields } from './payload-annotate.js';

export { hex, type AnnotateOptions, type FrameField } from './frame-field.js';

/** Which of the three payload length encodings a frame uses (RFC 6455 §5.2). */
export type LengthForm = '7-bit' | '16-bit' | '64-bit';

/** Everything `annotateFrame` found in one frame's bytes. */
export interface FrameAnnotation {
  /** The fields found, in wire order. Only as many as the bytes given allow. */
  readonly fields: FrameField[];
  /** True when the whole header (up to and including the masking key) was in the input. */
  readonly headerComplete: boolean;
  /** Header length in bytes (2–14) once known from the first two bytes, else 0. */
  readonly headerLength: number;
  /** The FIN bit: the frame ends its message. */
  readonly fin: boolean;
  /** RSV1–RSV3 as they sit in byte 0 (bits 0x40, 0x20, 0x10). */
  readonly rsv: number;
  /** The opcode, 0x0–0xF. */
  readonly opcode: number;
  /** The MASK bit. */
  readonly masked: boolean;
  /** The 4 masking-key bytes, when masked and present. */
  readonly maskKey: Uint8Array | undefined;
  /** The announced payload length (when the header is complete), else 0. */
  readonly payloadLength: number;
  /** Which length encoding the frame uses, once byte 1 is known. */
  readonly lengthForm: LengthForm | undefined;
  /** Payload bytes present in the input: fewer than `payloadLength` when the input was cut short. */
  readonly payloadAvailable: number;
  /** The first `previewBytes` payload bytes present, unmasked (a copy). */
  readonly payloadPreview: Uint8Array;
  /** Every `problem` of the fields, in order. */
  readonly problems: string[];
  /** The rule each of `problems` breaks, in the same order. */
  readonly rules: Rule[];
}

const S52 = 'RFC 6455 §5.2';
const DEFAULT_PREVIEW = 64;

/** Explains the frame at the start of `bytes`. Bytes after the frame are ignored. */
export function annotateFrame(bytes: Uint8Array, options: AnnotateOptions = {}): FrameAnnotation {
  const previewBytes = Math.max(0, options.previewBytes ?? DEFAULT_PREVIEW);
  const fields: FrameField[] = [];
  const add = (f: FrameField) => fields.push(f);
  const result = {
    fields, headerComplete: false, headerLength: 0, fin: false, rsv: 0, opcode: 0, masked: false,
    maskKey: undefined as Uint8Array | undefined, payloadLength: 0, lengthForm: undefined as LengthForm | undefined,
    payloadAvailable: 0, payloadPreview: new Uint8Array(0), problems: [] as string[], rules: [] as Rule[],
  };
  const finish = () => {
    result.problems = fields.flatMap((f) => (f.problem ? [f.problem] : []));
    result.rules = fields.flatMap((f) => (f.rule ? [f.rule] : []));
    return result;
  };
  if (bytes.length < 1) return finish();

  // Byte 0: FIN, RSV1–3, opcode.
  const b0 = bytes[0]!;
  const fin = (b0 & 0x80) !== 0;
  const opcode = b0 & 0x0f;
  const control = isControlOpcode(opcode);
  result.fin = fin;
  result.rsv = b0 & 0x70;
  result.opcode = opcode;
  add(bit('FIN', 0, fin ? 1 : 0,
    fin ? 'final fragment: this frame ends its message' : 'more fragments of this message follow (§5.4)',
    S52, control && !fin ? breaks(RULES.CONTROL_FRAME_FRAGMENTED, 'a control frame must not be fragmented (§5.5): the receiver fails the connection') : undefined));
  for (const [n, mask] of [[1, 0x40], [2, 0x20], [3, 0x10]] as const) add(reservedBit(n, mask, b0, opcode, options));
  add({
    field: 'opcode', bits: [4, 8], bytes: [0, 1], value: opcode, display: `0x${opcode.toString(16)}`,
    meaning: opcodeMeaning(opcode), rfc: 'RFC 6455 §5.2, §11.8',
    ...(isDefinedOpcode(opcode) ? {} : breaks(RULES.RESERVED_OPCODE, `opcode 0x${opcode.toString(16)} is reserved: the receiver must fail the connection (§5.2)`)),
  });
  if (bytes.length < 2) return finish();

  // Byte 1: MASK and the 7-bit payload length.
  const masked = (bytes[1]! & 0x80) !== 0;
  result.masked = masked;
  add(bit('MASK', 8, masked ? 1 : 0,
    masked ? 'the payload is masked with the key below (client → server)' : 'the payload is not masked (server → client)',
    'RFC 6455 §5.2, §5.3', maskProblem(masked, options.sender)));
  const length7 = bytes[1]! & 0x7f;
  const lengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const form: LengthForm = lengthBytes === 0 ? '7-bit' : lengthBytes === 2 ? '16-bit' : '64-bit';
  result.lengthForm = form;
  add({
    field: 'Payload len', bits: [9, 16], bytes: [1, 2], value: length7, display: String(length7),
    meaning: length7 <= MAX_7BIT_LENGTH
      ? `payload length ${length7} bytes (7-bit form, 0–125)`
      : `${length7}: the length follows in the next ${lengthBytes} bytes (${form} form)`,
    rfc: S52,
  });
  const headerLength = 2 + lengthBytes + (masked ? 4 : 0);
  result.headerLength = headerLength;
  if (bytes.length < 2 + lengthBytes) return finish();

  // Extended payload length (16-bit or 64-bit, network byte order).
  let payloadLength = length7;
  if (lengthBytes > 0) {
    let problem: Broken | undefined;
    if (lengthBytes === 2) {
      payloadLength = (bytes[2]! << 8) | bytes[3]!;
      if (payloadLength <= MAX_7BIT_LENGTH) problem = breaks(RULES.LENGTH_NOT_MINIMAL, `length ${payloadLength} fits the 7-bit form: the minimal encoding must be used (§5.2)`);
    } else {
      const high = ((bytes[2]! << 24) | (bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!) >>> 0;
      const low = ((bytes[6]! << 24) | (bytes[7]! << 16) | (bytes[8]! << 8) | bytes[9]!) >>> 0;
      payloadLength = high * 0x1_0000_0000 + low; // exact below 2^53; only a display beyond
      if (high & 0x8000_0000) problem = breaks(RULES.LENGTH_HIGH_BIT, 'the most significant bit of a 64-bit length must be 0 (§5.2)');
      else if (payloadLength <= MAX_16BIT_LENGTH) problem = breaks(RULES.LENGTH_NOT_MINIMAL, `length ${payloadLength} fits the 16-bit form: the minimal encoding must be used (§5.2)`);
    }
    add({
      field: 'Extended payload length', bits: [16, 16 + lengthBytes * 8], bytes: [2, 2 + lengthBytes], value: payloadLength,
      display: String(payloadLength),
      meaning: `payload length ${payloadLength} bytes (${form} form, ${lengthBytes === 2 ? '126–65535' : '65536 and up'})`,
      rfc: S52, ...problem,
    });
  }
  if (control && payloadLength > MAX_CONTROL_PAYLOAD) {
    const last = fields[fields.length - 1]!;
    fields[fields.length - 1] = { ...last, ...breaks(RULES.CONTROL_FRAME_TOO_LONG, `a control frame carries at most ${MAX_CONTROL_PAYLOAD} bytes (§5.5): the receiver fails the connection`) };
  }
  result.payloadLength = payloadLength;
  if (bytes.length < headerLength) return finish();
  result.headerComplete = true;

  // Masking key (§5.3).
  let key: Uint8Array | undefined;
  if (masked) {
    const at = 2 + lengthBytes;
    key = bytes.slice(at, at + 4);
    result.maskKey = key;
    add({
      field: 'Masking-key', bits: [at * 8, (at + 4) * 8], bytes: [at, at + 4], value: hex(key), display: hex(key),
      meaning: 'payload byte i is XORed with key byte i mod 4', rfc: 'RFC 6455 §5.3',
    });
  }

  // Payload: unmask a copy of the part we show.
  const available = Math.min(payloadLength, bytes.length - headerLength);
  result.payloadAvailable = available;
  const preview = bytes.slice(headerLength, headerLength + Math.min(available, previewBytes));
  if (key) for (let i = 0; i < preview.length; i++) preview[i]! ^= key[i & 3]!;
  result.payloadPreview = preview;
  if (payloadLength > 0) {
    const truncated = preview.length < payloadLength;
    for (const f of payloadFields(opcode, preview, payloadLength, truncated, headerLength, result.rsv, fin, options)) add(f);
  }
  return finish();
}

function bit(field: string, position: number, value: number, meaning: string, rfc: string, problem?: Broken): FrameField {
  const byte = position >> 3;
  return { field, bits: [position, position + 1], bytes: [byte, byte + 1], value, display: String(value), meaning, rfc, ...problem };
}

function reservedBit(n: 1 | 2 | 3, mask: number, b0: number, opcode: number, options: AnnotateOptions): FrameField {
  const set = (b0 & mask) !== 0;
  const name = `RSV${n}`;
  if (!set) return bit(name, n, 0, 'not set', S52);
  const known = options.extensionRsv;
  let meaning = 'set: must be 0 unless a negotiated extension defines it (§5.2)';
  let problem: Broken | undefined;
  if (n === 1 && known !== undefined && known & 0x40) meaning = 'set: the payload is compressed (RFC 7692 §6)';
  if (isControlOpcode(opcode)) {
    problem = breaks(RULES.CONTROL_FRAME_RSV, `${name} is set on a control frame, which no extension gives a meaning (§5.2, RFC 7692 §6.1)`);
  } else if (known !== undefined && !(known & mask)) {
    problem = breaks(RULES.RSV_WITHOUT_EXTENSION, `${name} is set but no negotiated extension defines it: the receiver must fail the connection (§5.2)`);
  }
  return bit(name, n, 1, meaning, n === 1 && !problem && known !== undefined ? 'RFC 6455 §5.2, RFC 7692 §6' : S52, problem);
}

function maskProblem(masked: boolean, sender: AnnotateOptions['sender']): Broken | undefined {
  if (sender === 'client' && !masked) return breaks(RULES.UNMASKED_CLIENT_FRAME, 'a client must mask every frame (§5.1): the server closes the connection');
  if (sender === 'server' && masked) return breaks(RULES.MASKED_SERVER_FRAME, 'a server must not mask its frames (§5.1): the client closes the connection');
  return undefined;
}

function opcodeMeaning(opcode: number): string {
  switch (opcode) {
    case Opcode.Continuation: return 'continuation: the next fragment of a fragmented message (§5.4)';
    case Opcode.Text: return 'text: the message is UTF-8 text (§5.6)';
    case Opcode.Binary: return 'binary: the message is arbitrary bytes (§5.6)';
    case Opcode.Close: return 'close: start or answer the closing handshake (§5.5.1)';
    case Opcode.Ping: return 'ping: the peer must answer with a pong (§5.5.2)';
    case Opcode.Pong: return 'pong: the answer to a ping, or a heartbeat (§5.5.3)';
    default: return `${opcodeName(opcode)}: ${isControlOpcode(opcode) ? 'reserved for future control frames' : 'reserved for future data frames'}`;
  }
}
