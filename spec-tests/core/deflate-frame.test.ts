// Tests for src/core/extensions/deflate-frame.ts — the per-frame DEFLATE extension of
// draft-tyoshino-hybi-websocket-perframe-deflate-06 ("deflate-frame", "x-webkit-deflate-frame").
// No requirement catalog covers the draft, so these tests are [wsref] apart from the RSV1 rules
// RFC 6455 §5.2 states for every extension and RFC 7692 §5 for extensions that meet
// permessage-deflate.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deflateFrame, type DeflateFrameOptions } from '../../src/core/extensions/deflate-frame.js';
import { parseExtensionHeader } from '../../src/core/handshake/extension-header.js';
import { acceptServerExtensions, negotiateServerExtensions, offerExtensions, type Extension } from '../../src/core/extensions/extension.js';
import { permessageDeflate } from '../../src/core/extensions/permessage-deflate.js';
import { closeCodeOf, concat, expectControlFramesUncompressed, frame, hex, noise, receive, recordingCodec, send, text, utf8, zlibCodec } from './deflate-test-kit.js';

type Settings = Omit<DeflateFrameOptions, 'codec'>;
const factory = (settings: Settings = {}, codec = zlibCodec) => deflateFrame({ threshold: 0, ...settings, codec });

function respond(requestHeader: string, settings: Settings = {}, codec = zlibCodec) {
  const { extensions, responseHeader } = negotiateServerExtensions(parseExtensionHeader(requestHeader), [factory(settings, codec)]);
  return { responseHeader, server: extensions[0] };
}

function accept(responseHeader: string, settings: Settings = {}, codec = zlibCodec): Extension {
  return acceptServerExtensions(parseExtensionHeader(responseHeader), [factory(settings, codec)])[0]!;
}

function negotiate(client: Settings = {}, server: Settings = {}) {
  const requestHeader = offerExtensions([factory(client)])!;
  const { responseHeader, server: serverExtension } = respond(requestHeader, server);
  return { requestHeader, responseHeader, server: serverExtension!, client: accept(responseHeader!, client) };
}

const compressible = text('<li class="row">entry</li>\n'.repeat(60));

describe('deflate-frame negotiation', () => {
  it('[wsref] offers under the draft name by default, or under WebKit’s name', () => {
    expect(offerExtensions([factory()])).toBe('deflate-frame');
    expect(offerExtensions([factory({ name: 'x-webkit-deflate-frame' })])).toBe('x-webkit-deflate-frame');
    expect(offerExtensions([factory({ maxWindowBits: 10, noContextTakeover: true })])).toBe('deflate-frame; max_window_bits=10; no_context_takeover');
  });

  it('[wsref] a server accepts what WebKit and Chromium sent: a bare x-webkit-deflate-frame', () => {
    const { responseHeader, server } = respond('x-webkit-deflate-frame', { name: 'x-webkit-deflate-frame' });
    expect(responseHeader).toBe('x-webkit-deflate-frame');
    expect(server?.name).toBe('x-webkit-deflate-frame');
    expect(respond('x-webkit-deflate-frame').server).toBeUndefined(); // the factory answers to one name only
  });

  it('[wsref] declines offers with unknown, repeated or malformed parameters, and takes a valid fallback', () => {
    for (const offer of ['deflate-frame; foo', 'deflate-frame; no_context_takeover; no_context_takeover', 'deflate-frame; max_window_bits=16', 'deflate-frame; max_window_bits', 'deflate-frame; no_context_takeover=1']) {
      expect(respond(offer).server, offer).toBeUndefined();
    }
    expect(respond('deflate-frame; max_window_bits=7, deflate-frame; max_window_bits=9').server).toBeDefined();
  });

  it('[wsref] the offer binds the server’s compressor; the response binds the client’s', () => {
    const serverSide = recordingCodec();
    const { server, responseHeader } = respond('deflate-frame; max_window_bits=9', { maxWindowBits: 11 }, serverSide.codec);
    expect(responseHeader).toBe('deflate-frame; max_window_bits=11');
    const clientSide = recordingCodec();
    const client = accept(responseHeader!, { maxWindowBits: 9 }, clientSide.codec);
    expect(utf8(receive(client, send(server!, compressible)))).toBe(utf8(compressible));
    expect(utf8(receive(server!, send(client, compressible)))).toBe(utf8(compressible));
    expect(serverSide.deflaters.map((o) => o.windowBits)).toEqual([9]);
    expect(clientSide.deflaters.map((o) => o.windowBits)).toEqual([11]);
    expect(clientSide.inflaters.map((o) => o.windowBits)).toEqual([9]);
  });

  it('[wsref] a client fails on an invalid response', () => {
    for (const response of ['deflate-frame; foo', 'deflate-frame; max_window_bits=07', 'deflate-frame; max_window_bits=8; max_window_bits=9', 'deflate-frame; no_context_takeover=x']) {
      expect(() => accept(response), response).toThrow(expect.objectContaining({ code: 'WSREF_DEFLATE_FRAME_RESPONSE_INVALID' }));
    }
    expect(accept('deflate-frame; max_window_bits=8; no_context_takeover')).toBeDefined();
  });

  it('[7692-5-7] [7692-5-8] never shares RSV1 with permessage-deflate', () => {
    const factories = [factory(), permessageDeflate({ codec: zlibCodec })];
    expect(negotiateServerExtensions(parseExtensionHeader('deflate-frame, permessage-deflate'), factories).responseHeader).toBe('deflate-frame');
    expect(() => acceptServerExtensions(parseExtensionHeader('deflate-frame, permessage-deflate'), factories)).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_RSV_CONFLICT' }));
  });

  it('[wsref] refuses impossible options', () => {
    expect(() => factory({ maxWindowBits: 16 })).toThrow(RangeError);
    expect(() => factory({ name: 'perframe' as 'deflate-frame' })).toThrow(TypeError);
  });
});

describe('deflate-frame framing and compression', () => {
  it('[wsref] compresses every data frame on its own, with RSV1 on each, continuation frames included', () => {
    const { client, server } = negotiate();
    const frames = send(client, compressible, { cuts: [500, 1000] });
    expect(frames.map((f) => f.rsv)).toEqual([0x40, 0x40, 0x40]);
    // The tail is removed from every frame, not only the last (each frame is a whole unit).
    for (const f of frames) expect(hex(f.payload).endsWith('0000ffff')).toBe(false);
    expect(utf8(receive(server, frames))).toBe(utf8(compressible));
  });

  it('[wsref] reads "Hello" as RFC 7692 §7.2.3.1’s bytes on one frame, and a message mixing compressed and plain frames', () => {
    const { client } = negotiate();
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    const mixed = [frame('48656c', { fin: false }), frame('ca c9 07 00', { opcode: 0x0, rsv: 0x40, fin: false }), frame('21', { opcode: 0x0 })];
    expect(utf8(receive(client, mixed))).toBe('Hello!');
  });

  it('[wsref] shares the window from frame to frame unless no_context_takeover applies', () => {
    const taking = negotiate().client;
    const a = send(taking, compressible)[0]!.payload;
    const b = send(taking, compressible)[0]!.payload;
    expect(b.length).toBeLessThan(a.length);
    const fresh = negotiate({}, { noContextTakeover: true }).client; // the response binds the client
    const c = send(fresh, compressible)[0]!.payload;
    const d = send(fresh, compressible)[0]!.payload;
    expect(hex(c)).toBe(hex(a));
    expect(hex(d)).toBe(hex(c));
    const server = negotiate({ noContextTakeover: true }).server; // the offer binds the server
    expect(hex(send(server, compressible)[0]!.payload)).toBe(hex(send(server, compressible)[0]!.payload));
  });

  it('[wsref] leaves empty frames, small frames and uncompressible frames (without takeover) alone', () => {
    const { client } = negotiate({}, { noContextTakeover: true });
    expect(send(client, new Uint8Array(0))[0]!.rsv).toBe(0);
    expect(send(negotiate().client, new Uint8Array(0))[0]).toMatchObject({ rsv: 0, payload: new Uint8Array(0) }); // with takeover too
    expect(send(client, compressible, { compress: false })[0]!.rsv).toBe(0);
    const random = noise(2000);
    expect(send(client, random)[0]!.rsv).toBe(0);
    const thresholded = acceptServerExtensions(parseExtensionHeader('deflate-frame'), [deflateFrame({ codec: zlibCodec })])[0]!;
    expect(send(thresholded, compressible.subarray(0, 1023))[0]!.rsv).toBe(0);
    expect(send(thresholded, compressible.subarray(0, 1024))[0]!.rsv).toBe(0x40);
  });

  it('[wsref] [6455-5.2-3] a negotiated connection sends control frames uncompressed and fails (1002) on RSV1 on one, under either name', () => {
    expectControlFramesUncompressed(() => factory());
    expectControlFramesUncompressed(() => factory({ name: 'x-webkit-deflate-frame' }));
  });

  it('[wsref] treats a compressed frame with an empty payload as carrying nothing, wherever it comes', () => {
    const { client } = negotiate();
    expect(receive(client, [frame('', { rsv: 0x40, fin: false }), frame('00', { opcode: 0x0, rsv: 0x40 })]).length).toBe(0);
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    // After a compressed frame, an empty one between two others: the window still carries over.
    const between = [frame('f248cdc9c90700', { rsv: 0x40, fin: false }), frame('', { opcode: 0x0, rsv: 0x40, fin: false }), frame('f200110000', { opcode: 0x0, rsv: 0x40 })];
    expect(utf8(receive(negotiate().client, between))).toBe('HelloHello');
  });

  it('[wsref] fails with 1007 on data that is not DEFLATE', () => {
    const { client } = negotiate();
    expect(closeCodeOf(() => receive(client, [frame('fe', { rsv: 0x40 })]))).toBe(1007);
  });

  it('[6455-10.4-1] stops a frame that inflates past the message limit with 1009, without holding its output', () => {
    const deflater = zlibCodec.createDeflater({ windowBits: 15, level: 9 });
    const zeros = new Uint8Array(1 << 20);
    const bomb = concat(Array.from({ length: 64 }, () => deflater.deflate(zeros))).subarray(0, -4);
    deflater.close();
    const { client } = negotiate();
    const limit = 1 << 20;
    const before = process.memoryUsage().arrayBuffers;
    expect(closeCodeOf(() => receive(client, [{ opcode: 0x2, fin: true, rsv: 0x40, payload: bomb }], { limit }))).toBe(1009);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(limit + 8 * 1024 * 1024);
  });

  it('[wsref] every negotiated configuration delivers every message intact (property)', () => {
    const settings = fc.record({
      maxWindowBits: fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined }),
      noContextTakeover: fc.boolean(),
      threshold: fc.integer({ min: 0, max: 64 }),
    });
    const message = fc.record({
      data: fc.oneof(
        fc.uint8Array({ maxLength: 1500 }),
        fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 200 })).map(([unit, n]) => concat(new Array<Uint8Array>(n).fill(unit))),
      ),
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
      toServer: fc.boolean(),
      compress: fc.boolean(),
      chunkSize: fc.integer({ min: 1, max: 500 }),
    });
    fc.assert(
      fc.property(settings, settings, fc.array(message, { minLength: 1, maxLength: 8 }), (clientSettings, serverSettings, messages) => {
        const { client, server } = negotiate(clientSettings, serverSettings);
        try {
          for (const m of messages) {
            const cuts = [...new Set(m.cuts.map((c) => c % (m.data.length + 1)))].sort((a, b) => a - b);
            const [from, to] = m.toServer ? [client, server] : [server, client];
            expect(hex(receive(to, send(from, m.data, { cuts, compress: m.compress }), { chunkSize: m.chunkSize }))).toBe(hex(m.data));
          }
        } finally {
          client.dispose();
          server.dispose();
        }
      }),
      { numRuns: 120 },
    );
  });
});
