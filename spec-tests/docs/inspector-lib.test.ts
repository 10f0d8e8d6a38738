// The frame inspector's non-visual parts, under Node: the pako `DeflateCodec` the site uses in
// the browser (website/src/lib/pako-codec.ts) against wsref's Node zlib codec, and the
// build/inspect functions (website/src/lib/frame-lab.ts) on the examples the site offers.
import { describe, expect, it } from 'vitest';
import { InflateLimitError, type DeflateCodec } from '../../src/core/extensions/deflate-codec.js';
import { Connection } from '../../src/core/connection.js';
import { hex } from '../../src/core/explain/frame-annotate.js';
import { permessageDeflate } from '../../src/core/extensions/permessage-deflate.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';
import { BROKEN_EXAMPLES, RFC_EXAMPLES, type FrameExample } from '../../website/src/lib/inspector-examples.js';
import { composeFrames, inspectBytes, parseHex, splitPayload, MirroredConversation } from '../../website/src/lib/frame-lab.js';
import { createPakoCodec } from '../../website/src/lib/pako-codec.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const pako = createPakoCodec();
const zlib = createZlibCodec();

/** Messages of several shapes: tiny, empty, repetitive, JSON-like, random-ish, larger than one output chunk. */
function sampleMessages(): Uint8Array[] {
  let seed = 12345;
  const noise = new Uint8Array(40_000).map(() => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  });
  return [
    encoder.encode('Hello'),
    new Uint8Array(0),
    encoder.encode('Hello Hello Hello Hello'),
    encoder.encode(JSON.stringify({ type: 'quotes', quotes: Array.from({ length: 40 }, (_, i) => ({ symbol: `S${i}`, bid: i * 1.5 })) })),
    noise,
    encoder.encode('abc'.repeat(50_000)),
  ];
}

function bytesOf(hexText: string): Uint8Array {
  const bytes = parseHex(hexText);
  if (typeof bytes === 'string') throw new Error(bytes);
  return bytes;
}

describe('the pako DeflateCodec (website/src/lib/pako-codec.ts)', () => {
  it.each([8, 9, 10, 12, 15])('[wsref] compresses byte for byte as the Node zlib codec does, window %i bits, keeping the window across calls', (windowBits) => {
    const ours = pako.createDeflater({ windowBits });
    const node = zlib.createDeflater({ windowBits });
    for (const message of sampleMessages()) {
      expect(hex(ours.deflate(message))).toBe(hex(node.deflate(message)));
    }
    ours.reset();
    node.reset();
    const again = encoder.encode('Hello Hello Hello Hello');
    expect(hex(ours.deflate(again))).toBe(hex(node.deflate(again)));
    ours.close();
    node.close();
  });

  const codecs: Record<'pako' | 'zlib', DeflateCodec> = { pako, zlib };
  it.each([['pako', 'zlib'], ['zlib', 'pako']] as const)('[wsref] %s inflates what %s compressed, message after message (context takeover)', (inflating, compressing) => {
    const inflaterCodec = codecs[inflating], compressor = codecs[compressing];
    const deflater = compressor.createDeflater({ windowBits: 15 });
    const inflater = inflaterCodec.createInflater({ windowBits: 15 });
    for (const message of sampleMessages()) {
      const compressed = deflater.deflate(message);
      expect(hex(inflater.inflate(compressed, message.length))).toBe(hex(message)); // the bytes: zlib's are a Buffer, pako's a Uint8Array
    }
  });

  it('[wsref] inflates RFC 7692 §7.2.3.1\'s "Hello" and stops at the output limit with InflateLimitError', () => {
    const inflater = pako.createInflater({ windowBits: 15 });
    expect(decoder.decode(inflater.inflate(bytesOf('f2 48 cd c9 c9 07 00 00 00 ff ff'), 5))).toBe('Hello');
    const bomb = zlib.createDeflater({ windowBits: 15 }).deflate(new Uint8Array(1_000_000));
    inflater.reset();
    expect(() => inflater.inflate(bomb, 1000)).toThrow(InflateLimitError);
  });

  it('[wsref] rejects data that is not DEFLATE, and works again after reset()', () => {
    const inflater = pako.createInflater({ windowBits: 15 });
    expect(() => inflater.inflate(bytesOf('ff ff ff ff ff'), 100)).toThrow(/invalid DEFLATE/);
    inflater.reset();
    expect(decoder.decode(inflater.inflate(bytesOf('f2 48 cd c9 c9 07 00 00 00 ff ff'), 100))).toBe('Hello');
  });

  it('[wsref] starts a new stream with an empty window after a block with BFINAL set (RFC 7692 §7.2.1)', () => {
    // "Hello" as a final fixed-Huffman block (RFC 7692 §7.2.3.1 with BFINAL = 1), then the same again.
    const finalHello = bytesOf('f3 48 cd c9 c9 07 00');
    const inflater = pako.createInflater({ windowBits: 15 });
    const both = new Uint8Array([...finalHello, ...finalHello]);
    expect(decoder.decode(inflater.inflate(both, 100))).toBe('HelloHello');
    // RFC 7692 §7.2.3.4's payload: the final block, then the header of the next stream; the
    // receiver appends 00 00 ff ff (§7.2.2), which completes that stream's empty stored block.
    const inflater2 = pako.createInflater({ windowBits: 15 });
    expect(decoder.decode(inflater2.inflate(bytesOf('f3 48 cd c9 c9 07 00 00 00 00 ff ff'), 100))).toBe('Hello');
  });

  it('[wsref] refuses window sizes outside 8..15', () => {
    expect(() => pako.createDeflater({ windowBits: 7 })).toThrow(RangeError);
    expect(() => pako.createInflater({ windowBits: 16 })).toThrow(RangeError);
  });
});

describe('building frames with the core (website/src/lib/frame-lab.ts)', () => {
  it('[wsref] a client "Hello" with the fixed key 37 fa 21 3d is RFC 6455 §5.7\'s masked example, byte for byte', () => {
    const built = composeFrames({ sender: 'client', kind: 'text', payload: encoder.encode('Hello'), fragments: 1, compression: 'none', maskKey: 0x37fa213d, codec: pako });
    expect(hex(built.bytes)).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
  });

  it('[wsref] a server "Hello" with permessage-deflate is RFC 7692 §7.2.3.1\'s compressed example', () => {
    const built = composeFrames({ sender: 'server', kind: 'text', payload: encoder.encode('Hello'), fragments: 1, compression: 'permessage-deflate', maskKey: 0, codec: pako });
    expect(hex(built.bytes)).toBe('c1 07 f2 48 cd c9 c9 07 00');
  });

  it('[wsref] two fragments with deflate-frame are RFC 7692 §7.2.3.5-style per-frame compressed frames: RSV1 on both', () => {
    const built = composeFrames({ sender: 'server', kind: 'text', payload: encoder.encode('Hello'), fragments: 2, compression: 'deflate-frame', maskKey: 0, codec: pako });
    expect(built.frames.map((f) => f[0]! & 0xf0)).toEqual([0x40, 0xc0]);
  });

  it('[wsref] splits a payload into the asked number of pieces that join back to it', () => {
    const payload = encoder.encode('Hello, world');
    const pieces = splitPayload(payload, 5);
    expect(pieces).toHaveLength(5);
    expect(decoder.decode(new Uint8Array(pieces.flatMap((p) => [...p])))).toBe('Hello, world');
  });

  it('[wsref] reports what the core refuses to send instead of throwing: a 126-byte ping, a close code that may not be sent', () => {
    const base = { sender: 'client' as const, fragments: 1, compression: 'none' as const, maskKey: 1, codec: pako };
    expect(composeFrames({ ...base, kind: 'ping', payload: new Uint8Array(126) }).error).toMatch(/at most 125/);
    expect(composeFrames({ ...base, kind: 'close', payload: new Uint8Array(0), closeCode: 1005 }).error).toMatch(/may not be sent/);
  });

  it('[wsref] frames built with pako are received by a core connection using Node zlib: compressed, fragmented, masked', () => {
    const message = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const built = composeFrames({ sender: 'client', kind: 'text', payload: encoder.encode(message), fragments: 3, compression: 'permessage-deflate', maskKey: 'random', codec: pako });
    const received: string[] = [];
    const server = new Connection({ role: 'server' });
    server.establish(undefined, [permessageDeflate({ codec: zlib }).acceptOffer([[]])!]);
    server.receive(built.bytes.slice());
    for (const event of server.events()) {
      if (event.type === 'message') received.push(decoder.decode(event.data));
      if (event.type === 'error') received.push(`error ${event.error.message}`);
    }
    expect(received).toEqual([message]);
  });
});

describe('inspecting bytes (website/src/lib/frame-lab.ts)', () => {
  // The example ids are written out so that each test's name is known before it runs; the
  // last test below checks that these lists are exactly the examples the site offers.
  const rfcExampleIds = ['unmasked-hello', 'masked-hello', 'fragmented', 'ping', 'masked-pong', 'binary-256', 'binary-64k', 'close-1000', 'compressed-hello'];
  const exampleNamed = (examples: readonly FrameExample[], id: string): FrameExample => {
    const example = examples.find((e) => e.id === id);
    if (!example) throw new Error(`no inspector example has the id ${id}`);
    return example;
  };

  it.each(rfcExampleIds)('[wsref] the RFC example "%s" is received without failing the connection', (id) => {
    const example = exampleNamed(RFC_EXAMPLES, id);
    const result = inspectBytes({ bytes: bytesOf(example.hex), sender: example.sender, compression: example.compression, codec: pako });
    expect(result.failure).toBeUndefined();
    expect(result.frames.every((f) => f.annotation.problems.length === 0)).toBe(true);
  });

  const expectedCodes = [
    ['unmasked-from-client', 1002, 'WSREF_UNMASKED_CLIENT_FRAME'],
    ['masked-from-server', 1002, 'WSREF_MASKED_SERVER_FRAME'],
    ['non-minimal-length', 1002, 'WSREF_LENGTH_NOT_MINIMAL'],
    ['long-ping', 1002, 'WSREF_CONTROL_FRAME_TOO_LONG'],
    ['fragmented-ping', 1002, 'WSREF_CONTROL_FRAME_FRAGMENTED'],
    ['reserved-opcode', 1002, 'WSREF_RESERVED_OPCODE'],
    ['invalid-utf8', 1007, 'WSREF_TEXT_NOT_UTF8'],
    ['close-1004', 1002, 'WSREF_CLOSE_CODE_INVALID'],
    ['rsv1-on-close', 1002, 'WSREF_CONTROL_FRAME_RSV'],
  ] as const;

  it.each(expectedCodes)('[wsref] the broken example "%s" fails the connection with the close code the RFC names (%i) under its rule (%s), and the annotator flags it', (id, code, rule) => {
    const example = exampleNamed(BROKEN_EXAMPLES, id);
    const result = inspectBytes({ bytes: bytesOf(example.hex), sender: example.sender, compression: example.compression, codec: pako });
    expect(result.failure?.code).toBe(code);
    expect(result.failure?.ruleCode).toBe(rule); // the receiver panel links this rule
    expect(result.frames.flatMap((f) => f.annotation.problems).length).toBeGreaterThan(0);
    // The receiver's own close frame carries that code (RFC 6455 §7.1.7, §7.4.1).
    const closeReply = result.replies.find((r) => r.annotation.opcode === 0x8);
    expect(closeReply?.annotation.fields.find((f) => f.field === 'Status code')?.value).toBe(code);
  });

  it('[wsref] the tests above name every example the inspector offers, each once', () => {
    expect(RFC_EXAMPLES.map((e) => e.id)).toEqual(rfcExampleIds);
    expect(BROKEN_EXAMPLES.map((e) => e.id)).toEqual(expectedCodes.map(([id]) => id));
  });

  it('[wsref] the examples cover every §5.7 frame the page lists', () => {
    expect(RFC_EXAMPLES.map((e) => e.hex)).toEqual(expect.arrayContaining([
      '81 05 48 65 6c 6c 6f', '81 85 37 fa 21 3d 7f 9f 4d 51 58', '01 03 48 65 6c 80 02 6c 6f',
      '89 05 48 65 6c 6c 6f', '8a 85 37 fa 21 3d 7f 9f 4d 51 58', '82 7e 01 00', '82 7f 00 00 00 00 00 01 00 00',
    ]));
  });

  it('[wsref] a frame cut short makes the receiver wait for the missing bytes instead of failing', () => {
    const result = inspectBytes({ bytes: bytesOf('82 7e 01 00 01 02'), sender: 'server', compression: 'none', codec: pako });
    expect(result.failure).toBeUndefined();
    expect(result.awaiting).toBe(254);
  });

  it('[wsref] reads hex with spaces, colons, commas and 0x prefixes, and says what is wrong otherwise', () => {
    expect(hex(bytesOf('0x81,0x05:48 656c6c6f'))).toBe('81 05 48 65 6c 6c 6f');
    expect(parseHex('81 0')).toMatch(/odd number/);
    expect(parseHex('81 zz')).toMatch(/not a hex digit/);
  });
});

describe('the live panel\'s mirror (website/src/lib/frame-lab.ts)', () => {
  it('[wsref] mirrors a permessage-deflate conversation: short messages uncompressed (1 KiB threshold), long ones with RSV1, decodable by a client', () => {
    const mirror = new MirroredConversation('permessage-deflate; client_max_window_bits=15', pako);
    expect(hex(mirror.clientFrame('Hello'))).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    expect(hex(mirror.serverFrame('Hello'))).toBe('81 05 48 65 6c 6c 6f');
    const long = 'x'.repeat(2000);
    const frame = mirror.serverFrame(long);
    expect(frame[0]).toBe(0xc1);
    const result = inspectBytes({ bytes: frame, sender: 'server', compression: 'permessage-deflate', codec: pako });
    expect(result.events).toEqual([{ kind: 'message', isText: true, data: encoder.encode(long) }]);
    mirror.dispose();
  });
});
