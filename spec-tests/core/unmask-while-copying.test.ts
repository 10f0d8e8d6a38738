// RFC 6455 §5.3 on the receive side, in one pass: a masked payload whose bytes are copied into
// the message (they did not arrive as one piece of their own) is unmasked *as* it is copied
// (`maskInto` from the piece's position in the payload), never unmasked in place and then copied;
// a piece kept as it came is unmasked in place. Text (§8.1) is checked where it landed. Checked
// here: the bytes, every position and cut, which masking call did the work, and that the input a
// copy was made from is left as it came.
import { afterEach, describe, expect, it } from 'vitest';
import { maskInto, useMaskKernel, type MaskKernel } from '../../src/core/framing/mask.js';
import { loadSimdMaskKernel } from '../../src/core/framing/mask-simd.js';
import { MessageBuffer } from '../../src/core/messages/message-buffer.js';
import { Utf8Validator } from '../../src/core/messages/utf8.js';
import { FrameParser } from '../../src/core/framing/frame-parser.js';
import { Connection } from '../../src/core/connection.js';
import { clientFrame, feed, firstDifference, openEndpoint, pseudoRandomBytes, utf8 } from '../helpers/core-pair.js';
import { naiveMask } from './mask-kernel-checks.js';

const simd = loadSimdMaskKernel();
afterEach(() => useMaskKernel(simd)); // what the core installs at load

/** The installed kernel (or the reference, below its minLength) with the bytes each operation was asked to do. */
function countingKernel(): MaskKernel & { inPlace: number; into: number } {
  const kernel = simd!;
  const counted = {
    name: 'counting',
    minLength: 0,
    inPlace: 0,
    into: 0,
    maskInPlace(data: Uint8Array, key: number) {
      counted.inPlace += data.length;
      kernel.maskInPlace(data, key);
    },
    maskInto(target: Uint8Array, offset: number, source: Uint8Array, key: number) {
      counted.into += source.length;
      kernel.maskInto(target, offset, source, key);
    },
  };
  return counted;
}

const KEY = 0x9a3c_51e7;

/** An OPEN server connection, fed `pieces`; returns the events it then gives, uncopied. */
function serverReceives(pieces: readonly Uint8Array[]): { type: string; data?: Uint8Array; error?: { closeCode?: number } }[] {
  const conn = new Connection({ role: 'server' });
  conn.establish(undefined, []);
  const events = [];
  for (const piece of pieces) {
    conn.receive(piece);
    for (let event = conn.nextEvent(); event !== undefined; event = conn.nextEvent()) if (event.type !== 'open') events.push(event);
  }
  return events as never;
}
const BINARY = 2;
const TEXT = 1;
const CONTINUATION = 0;

describe('maskInto from a position in the payload (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1, 6455-6.2-7] equals the §5.3 definition at positions 0–9, with the kernel and with the reference loops', () => {
    for (const kernel of [simd, undefined]) {
      useMaskKernel(kernel);
      for (const length of [0, 1, 7, 31, 32, 33, 100, 4099]) {
        const content = pseudoRandomBytes(length, length + 1);
        for (let position = 0; position < 10; position++) {
          for (const offset of [0, 1, 3]) {
            const target = new Uint8Array(length + offset);
            maskInto(target, offset, content, KEY, position);
            expect(firstDifference(target.subarray(offset), naiveMask(content, KEY, position))).toBe(-1);
          }
        }
      }
    }
  });
});

describe('a masked message is unmasked as it is copied (RFC 6455 §5.3, §5.4)', () => {
  it('[6455-5.3-1, 6455-5.4-3] a 100 KiB frame cut in three: the message is right, every byte went through maskInto once, none was unmasked in place, and the input is left masked', () => {
    const payload = pseudoRandomBytes(100 * 1024, 7);
    const wire = clientFrame({ opcode: BINARY, payload, maskKey: KEY });
    const pieces = [wire.slice(0, 3000), wire.slice(3000, 70_000), wire.slice(70_000)];
    const asSent = pieces.map((piece) => piece.slice());
    const counting = countingKernel();
    useMaskKernel(counting);
    const [message] = serverReceives(pieces);
    expect(message?.type).toBe('message');
    expect(firstDifference(message!.data!, payload)).toBe(-1);
    expect([counting.into, counting.inPlace]).toEqual([payload.length, 0]);
    expect(pieces.map((piece, i) => firstDifference(piece, asSent[i]!))).toEqual([-1, -1, -1]);
  });

  it('[6455-5.3-1] a frame that arrives whole in one piece is kept as it came, unmasked in place: no copy, no maskInto', () => {
    const payload = pseudoRandomBytes(5000, 3);
    const wire = clientFrame({ opcode: BINARY, payload, maskKey: KEY });
    const counting = countingKernel();
    useMaskKernel(counting);
    const data = serverReceives([wire])[0]!.data!;
    expect(firstDifference(data, payload)).toBe(-1);
    expect(data.buffer).toBe(wire.buffer); // a view of what was read
    expect([counting.into, counting.inPlace]).toEqual([0, payload.length]);
  });

  it('[6455-5.3-1, 6455-5.4-3, 6455-8.1-1] property: fragmented text and binary under random keys, cut anywhere, come out exactly as sent', () => {
    for (let round = 0; round < 60; round++) {
      const isText = round % 2 === 0;
      const length = (round * 7919) % 90_000;
      const content = isText ? utf8('κόσμε😀€a'.repeat(Math.ceil(length / 20)).slice(0, length)) : pseudoRandomBytes(length, round + 1);
      const fragments = 1 + (round % 4);
      const size = Math.ceil(content.length / fragments);
      const frames: Uint8Array[] = [];
      for (let f = 0; f < fragments; f++) {
        const part = content.subarray(f * size, Math.min(content.length, (f + 1) * size));
        const opcode = f === 0 ? (isText ? TEXT : BINARY) : CONTINUATION;
        frames.push(clientFrame({ opcode, fin: f === fragments - 1, payload: part, maskKey: (0x1234_5678 * (round + f + 1)) >>> 0 }));
      }
      const wire = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
      let at = 0;
      for (const f of frames) {
        wire.set(f, at);
        at += f.length;
      }
      const cuts = Array.from({ length: round % 9 }, (_, i) => Math.floor((wire.length * (i + 1) * 0.37) % wire.length));
      const { conn, log } = openEndpoint('server');
      feed(conn, wire, cuts);
      const events = log.events;
      expect(events.map((e) => e.type)).toEqual(['message']);
      expect(firstDifference((events[0] as { data: Uint8Array }).data, content)).toBe(-1);
    }
  });

  it('[6455-8.1-1] text is checked where it landed: an invalid byte in the second piece of a copied frame fails with 1007 at that piece', () => {
    const payload = utf8('a'.repeat(40_000));
    payload[30_000] = 0xff;
    const wire = clientFrame({ opcode: TEXT, payload, maskKey: KEY });
    const { conn, log } = openEndpoint('server');
    conn.receive(wire.slice(0, 20_000));
    expect(log.events).toEqual([]);
    conn.receive(wire.slice(20_000, 35_000));
    expect(log.events.map((e) => (e.type === 'error' ? e.code : e.type))).toContain(1007);
  });
});

describe('the parser hands masked pieces only to a sink that takes them (RFC 6455 §5.3)', () => {
  it('[6455-5.3-1] a sink that refuses (false) gets the pieces unmasked through framePayload; one without the method likewise', () => {
    const payload = pseudoRandomBytes(3000, 11);
    const wire = clientFrame({ opcode: BINARY, payload, maskKey: KEY });
    for (const refuses of [true, false]) {
      const got: number[] = [];
      const offered: number[] = [];
      const sink = {
        frameStart: () => {},
        framePayload: (piece: Uint8Array) => got.push(...piece),
        frameEnd: () => {},
        ...(refuses ? { frameMaskedPayload: (piece: Uint8Array, _key: number, position: number) => (offered.push(position, piece.length), false) } : {}),
      };
      const parser = new FrameParser({ expectMasked: true }, sink);
      parser.push(wire.slice(0, 1000));
      parser.push(wire.slice(1000));
      expect(firstDifference(Uint8Array.from(got), payload)).toBe(-1);
      expect(offered).toEqual(refuses ? [0, 1000 - 4 - 4, 1000 - 8, 3000 - (1000 - 8)] : []);
    }
  });

  it('[6455-5.3-1] a sink that takes them gets the key and each piece\'s position, and the bytes still masked', () => {
    const payload = pseudoRandomBytes(3000, 12);
    const wire = clientFrame({ opcode: BINARY, payload, maskKey: KEY });
    const unmasked = new Uint8Array(payload.length);
    const sink = {
      frameStart: () => {},
      framePayload: () => {
        throw new Error('not expected: the sink took every piece');
      },
      frameMaskedPayload: (piece: Uint8Array, key: number, position: number) => {
        maskInto(unmasked, position, piece, key, position);
        return true;
      },
      frameEnd: () => {},
    };
    const parser = new FrameParser({ expectMasked: true }, sink);
    for (let at = 0; at < wire.length; at += 777) parser.push(wire.slice(at, at + 777));
    expect(firstDifference(unmasked, payload)).toBe(-1);
  });
});

describe('MessageBuffer.append with a mask key (RFC 6455 §5.3, §8.1)', () => {
  it('[6455-5.3-1, 6455-8.1-1] a text piece split over two blocks is unmasked into both and checked in both', () => {
    const buffer = new MessageBuffer();
    const validator = new Utf8Validator();
    buffer.checkText(validator);
    const first = utf8('x'.repeat(1500));
    const second = utf8('é'.repeat(3000));
    buffer.expect(first.length, false);
    expect(buffer.append(naiveMask(first, KEY, 0), 100_000, KEY, 0)).toBe(true);
    buffer.expect(second.length, false);
    expect(buffer.append(naiveMask(second, KEY, 3), 100_000, KEY, 3)).toBe(true);
    const bad = Uint8Array.of(0x61, 0xc0, 0x80);
    buffer.expect(bad.length, true);
    expect(buffer.append(naiveMask(bad, KEY, 1), 100_000, KEY, 1)).toBe(false);
  });
});
