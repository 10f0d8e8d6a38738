// Tests for src/core/extensions/permessage-deflate.ts — RFC 7692 (permessage-deflate): negotiation
// (§5, §7, §7.1), framing (§6) and the payload transformation (§7.2), driven through the extension
// interface of src/core/extensions/extension.ts with Node's zlib as the codec, and, for the rules
// only a connection applies (control frames), through a negotiated connection pair.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeflateCodec } from '../../src/core/extensions/deflate-codec.js';
import { deflateFrame } from '../../src/core/extensions/deflate-frame.js';
import { parseExtensionHeader } from '../../src/core/handshake/extension-header.js';
import { acceptServerExtensions, negotiateServerExtensions, offerExtensions, type Extension, type ExtensionFactory } from '../../src/core/extensions/extension.js';
import { permessageDeflate, type PermessageDeflateOptions } from '../../src/core/extensions/permessage-deflate.js';
import {
  bytes, closeCodeOf, concat, expectControlFramesUncompressed, frame, hex, noise, receive, recordingCodec, send, text, utf8, zlibCodec,
  type WireFrame,
} from './deflate-test-kit.js';

type Settings = Omit<PermessageDeflateOptions, 'codec'>;
/** Test default: compress everything (the library's default threshold is 1024 bytes). */
const factory = (settings: Settings = {}, codec = zlibCodec) => permessageDeflate({ threshold: 0, ...settings, codec });

/** The request header a client with these settings sends. */
const offerOf = (settings: Settings = {}): string | undefined => offerExtensions([factory(settings)]);

/** The server side of the handshake for a request header: its response header and extension. */
function respond(requestHeader: string, settings: Settings = {}, codec = zlibCodec) {
  const { extensions, responseHeader } = negotiateServerExtensions(parseExtensionHeader(requestHeader), [factory(settings, codec)]);
  return { responseHeader, server: extensions[0] };
}

/** The client side of the handshake: parses a response header and activates what it names. */
const acceptHeader = (responseHeader: string, factories: readonly ExtensionFactory[]): Extension[] =>
  acceptServerExtensions(parseExtensionHeader(responseHeader), factories);

/** The client side: accepts a response header, or throws what the client would fail with. */
function accept(responseHeader: string, settings: Settings = {}, codec = zlibCodec): Extension {
  return acceptHeader(responseHeader, [factory(settings, codec)])[0]!;
}

/** A full negotiation between a client and a server with these settings. */
function negotiate(client: Settings = {}, server: Settings = {}) {
  const requestHeader = offerOf(client)!;
  const { responseHeader, server: serverExtension } = respond(requestHeader, server);
  return { requestHeader, responseHeader, server: serverExtension!, client: accept(responseHeader!, client) };
}

/** A 2,000-byte text that compresses well, so takeover effects show in sizes. */
const compressible = text('{"type":"update","items":[1,2,3],"ok":true} '.repeat(44));

describe('permessage-deflate negotiation: the client offer (RFC 7692 §5, §7.1)', () => {
  it('[7692-5-1] [7692-7.1.2.2-1] names the extension, offering client_max_window_bits without a value by default', () => {
    expect(offerOf()).toBe('permessage-deflate; client_max_window_bits');
  });

  it('[7692-5-3] [7692-5-4] [7692-7.1.1.1-1] [7692-7.1.1.2-1] [7692-7.1.2.1-1] [7692-7.1.2.2-1] offers each of the four parameters when configured', () => {
    expect(
      offerOf({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 12 }),
    ).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12');
    expect(offerOf({ clientMaxWindowBits: false })).toBe('permessage-deflate');
  });

  it('[wsref] refuses configurations that no endpoint could announce', () => {
    expect(() => factory({ serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => factory({ serverMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => factory({ clientMaxWindowBits: 9.5 })).toThrow(RangeError);
    expect(() => factory({ threshold: -1 })).toThrow(RangeError);
    expect(() => factory({ threshold: 0.5 })).toThrow(RangeError);
    for (const level of [10, -2, 1.5]) expect(() => factory({ level }), `level ${level}`).toThrow(RangeError);
    for (const memLevel of [0, 10, 2.5]) expect(() => factory({ memLevel }), `memLevel ${memLevel}`).toThrow(RangeError);
    for (const fine of [{ level: -1 }, { level: 0 }, { level: 9 }, { memLevel: 1 }, { memLevel: 9 }]) expect(() => factory(fine)).not.toThrow();
  });
});

describe('permessage-deflate negotiation: the server (RFC 7692 §5, §7, §7.1)', () => {
  it('[7692-5-5] accepts the simplest offer with the simplest response (§7.1.3)', () => {
    const { responseHeader, server } = respond('permessage-deflate');
    expect(responseHeader).toBe('permessage-deflate');
    expect(server?.responseParams).toEqual([]);
    expect(server?.rsvBits).toBe(0x40);
  });

  it('[7692-5-2] takes the first acceptable of several offers, in the client’s order', () => {
    expect(respond('permessage-deflate; server_max_window_bits=10, permessage-deflate').responseHeader).toBe(
      'permessage-deflate; server_max_window_bits=10',
    );
    // The first offer is invalid (§7), so the fallback is taken.
    expect(respond('permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits').responseHeader).toBe(
      'permessage-deflate',
    );
  });

  it('[7692-7-1] [7692-5-11] declines offers with unknown, repeated or malformed parameters, naming no permessage-deflate', () => {
    for (const offer of [
      'permessage-deflate; foo',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate; client_max_window_bits; client_max_window_bits=10',
      'permessage-deflate; server_no_context_takeover=1',
      'permessage-deflate; client_no_context_takeover="x"',
      'permessage-deflate; server_max_window_bits',
    ]) {
      const { responseHeader, server } = respond(offer);
      expect(server, offer).toBeUndefined();
      expect(responseHeader, offer).toBeUndefined();
    }
  });

  it('[7692-7.1.2.1-2] reads server_max_window_bits as 8..15 without leading zeros; a quoted value counts once unquoted', () => {
    for (const good of ['8', '9', '15', '"10"']) {
      expect(respond(`permessage-deflate; server_max_window_bits=${good}`).responseHeader).toBe(
        `permessage-deflate; server_max_window_bits=${good.replaceAll('"', '')}`,
      );
    }
    for (const bad of ['7', '16', '0', '010', '08', '05', '20', 'abc', '1e1', '"7"', '+9']) {
      expect(respond(`permessage-deflate; server_max_window_bits=${bad}`).server, bad).toBeUndefined();
    }
  });

  it('[7692-7.1.2.2-2] reads an offered client_max_window_bits value as 8..15, and allows it without value', () => {
    expect(respond('permessage-deflate; client_max_window_bits').server).toBeDefined();
    expect(respond('permessage-deflate; client_max_window_bits=8').server).toBeDefined();
    for (const bad of ['7', '16', '09', 'abc']) {
      expect(respond(`permessage-deflate; client_max_window_bits=${bad}`).server, bad).toBeUndefined();
    }
  });

  it('[7692-7.1.1.1-2] [7692-7.2.1-10] honours server_no_context_takeover: says so and compresses each message afresh', () => {
    const { responseHeader, server } = respond('permessage-deflate; server_no_context_takeover');
    expect(responseHeader).toBe('permessage-deflate; server_no_context_takeover');
    const first = send(server!, compressible);
    const second = send(server!, compressible);
    expect(first[0]!.rsv).toBe(0x40);
    expect(hex(second[0]!.payload)).toBe(hex(first[0]!.payload));
  });

  it('[7692-7.1.1.1-3] may add server_no_context_takeover unasked', () => {
    expect(respond('permessage-deflate', { serverNoContextTakeover: true }).responseHeader).toBe(
      'permessage-deflate; server_no_context_takeover',
    );
  });

  it('[7692-7.1.1.2-2] may answer with client_no_context_takeover', () => {
    expect(respond('permessage-deflate', { clientNoContextTakeover: true }).responseHeader).toBe(
      'permessage-deflate; client_no_context_takeover',
    );
  });

  it('[7692-7.1.2.1-4] [7692-7.2.1-14] may add server_max_window_bits unasked, and then compresses within it', () => {
    const recorder = recordingCodec();
    const { responseHeader, server } = respond('permessage-deflate', { serverMaxWindowBits: 11 }, recorder.codec);
    expect(responseHeader).toBe('permessage-deflate; server_max_window_bits=11');
    send(server!, compressible);
    expect(recorder.deflaters.map((o) => o.windowBits)).toEqual([11]);
  });

  it('[7692-7.2.1-14] [7692-5-6] compresses within the window a client asked for, down to 8 (which it fully supports)', () => {
    for (const [offered, own, agreed] of [[10, undefined, 10], [12, 9, 9], [8, undefined, 8], [9, 13, 9]] as const) {
      const recorder = recordingCodec();
      const { responseHeader, server } = respond(`permessage-deflate; server_max_window_bits=${offered}`, { serverMaxWindowBits: own }, recorder.codec);
      expect(responseHeader).toBe(`permessage-deflate; server_max_window_bits=${agreed}`);
      const client = accept(responseHeader!, { serverMaxWindowBits: offered });
      expect(utf8(receive(client, send(server!, compressible)))).toBe(utf8(compressible));
      expect(recorder.deflaters.map((o) => o.windowBits)).toEqual([agreed]);
    }
  });

  it('[7692-7.1.2.2-3] limits the client window only when the offer had client_max_window_bits', () => {
    expect(respond('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 }).responseHeader).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
    // The client's own hint is echoed (the inflater then needs less memory), or lowered.
    expect(respond('permessage-deflate; client_max_window_bits=9').responseHeader).toBe('permessage-deflate; client_max_window_bits=9');
    expect(respond('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 }).responseHeader).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
    expect(respond('permessage-deflate; client_max_window_bits').responseHeader).toBe('permessage-deflate');
    // A configured limit is said even when it is the full window.
    expect(respond('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 15 }).responseHeader).toBe(
      'permessage-deflate; client_max_window_bits=15',
    );
  });

  it('[7692-7.2.2-6] [7692-7.2.2-8] inflates with no larger a window than the agreement allows the peer', () => {
    const onServer = recordingCodec();
    const { responseHeader, server } = respond('permessage-deflate; client_max_window_bits=9', {}, onServer.codec);
    expect(responseHeader).toBe('permessage-deflate; client_max_window_bits=9');
    const onClient = recordingCodec();
    const client = accept('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }, onClient.codec);
    expect(utf8(receive(client, send(respond('permessage-deflate; server_max_window_bits=10').server!, compressible)))).toBe(utf8(compressible));
    expect(utf8(receive(server!, send(accept(responseHeader!, { clientMaxWindowBits: 9 }), compressible)))).toBe(utf8(compressible));
    expect(onClient.inflaters.map((o) => o.windowBits)).toEqual([10]);
    expect(onServer.inflaters.map((o) => o.windowBits)).toEqual([9]);
  });

  it('[7692-7.1.2.2-5] [7692-7.2.2-9] never sends client_max_window_bits to a client that did not offer it, and inflates with 32 KiB', () => {
    const recorder = recordingCodec();
    const { responseHeader, server } = respond('permessage-deflate', { clientMaxWindowBits: 10 }, recorder.codec);
    expect(responseHeader).toBe('permessage-deflate');
    const client = accept(responseHeader!, { clientMaxWindowBits: false });
    expect(utf8(receive(server!, send(client, compressible)))).toBe(utf8(compressible));
    expect(recorder.inflaters.map((o) => o.windowBits)).toEqual([15]);
  });

  it('[7692-7.2.2-4] [7692-7.2.2-5] keeps its inflate window across messages unless it imposed client_no_context_takeover', () => {
    // The client hinted client_no_context_takeover, but the agreement lacks it: the client may
    // take over (RFC 7692 §7.2.3.2's second "Hello" refers to the first).
    const { responseHeader, server } = respond('permessage-deflate; client_no_context_takeover');
    expect(responseHeader).toBe('permessage-deflate');
    expect(utf8(receive(server!, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    expect(utf8(receive(server!, [frame('f200110000', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-7.2.2-1] [7692-7.2.2-3] [wsref] inflates each message afresh under no_context_takeover, so a peer that refers back fails (1007)', () => {
    const { server } = respond('permessage-deflate', { clientNoContextTakeover: true });
    expect(utf8(receive(server!, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    expect(closeCodeOf(() => receive(server!, [frame('f200110000', { rsv: 0x40 })]))).toBe(1007);
    const client = accept('permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true });
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    expect(closeCodeOf(() => receive(client, [frame('f200110000', { rsv: 0x40 })]))).toBe(1007);
  });
});

describe('permessage-deflate negotiation: the client checks the response (RFC 7692 §5, §7)', () => {
  const fails = (response: string, settings: Settings = {}) => expect(() => accept(response, settings), response).toThrow(expect.objectContaining({ code: 'WSREF_PMD_RESPONSE_INVALID' }));

  it('[7692-7-2] fails on unknown, repeated or malformed parameters', () => {
    fails('permessage-deflate; foo');
    fails('permessage-deflate; server_no_context_takeover; server_no_context_takeover');
    fails('permessage-deflate; client_no_context_takeover=yes');
    fails('permessage-deflate; server_no_context_takeover="1"');
  });

  it('[7692-7.1.2.1-3] fails on a server_max_window_bits value outside 8..15 or with leading zeros', () => {
    for (const bad of ['7', '16', '010', 'abc']) fails(`permessage-deflate; server_max_window_bits=${bad}`, { serverMaxWindowBits: 15 });
    fails('permessage-deflate; server_max_window_bits', { serverMaxWindowBits: 15 });
    expect(accept('permessage-deflate; server_max_window_bits="12"', { serverMaxWindowBits: 15 })).toBeDefined();
  });

  it('[7692-7-2] [7692-7.1.2.1-3] fails when the response does not honour what the client requested', () => {
    // A larger server window than offered, or none at all, is a configuration the client cannot use.
    fails('permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 });
    fails('permessage-deflate', { serverMaxWindowBits: 10 });
    expect(accept('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 })).toBeDefined();
    // server_no_context_takeover is accepted only by repeating it (§7.1.1.1).
    fails('permessage-deflate', { serverNoContextTakeover: true });
  });

  it('[7692-7.1.2.2-4] fails on client_max_window_bits without a value or out of range in a response', () => {
    fails('permessage-deflate; client_max_window_bits');
    fails('permessage-deflate; client_max_window_bits=16');
    fails('permessage-deflate; client_max_window_bits=7');
    expect(accept('permessage-deflate; client_max_window_bits=8')).toBeDefined();
  });

  it('[7692-7.1.2.2-5] [7692-7-2] fails on client_max_window_bits when it was not offered', () => {
    fails('permessage-deflate; client_max_window_bits=10', { clientMaxWindowBits: false });
  });

  it('[7692-5-12] fails when the server accepts a permessage-deflate that was not offered, or names it twice', () => {
    expect(() => acceptHeader('permessage-deflate', [])).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_NOT_OFFERED' }));
    expect(() => acceptHeader('permessage-deflate', [deflateFrame({ codec: zlibCodec })])).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_NOT_OFFERED' }));
    expect(() => acceptHeader('permessage-deflate, permessage-deflate', [factory()])).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_REPEATED' }));
  });

  it('[7692-7.1.1.2-3] [7692-7.2.1-7] supports client_no_context_takeover: compresses every message from an empty window', () => {
    const client = accept('permessage-deflate; client_no_context_takeover');
    const first = send(client, compressible);
    const second = send(client, compressible);
    expect(hex(second[0]!.payload)).toBe(hex(first[0]!.payload));
  });

  it('[7692-7.2.1-8] [7692-7.2.1-9] takes over its window when allowed, even after offering client_no_context_takeover', () => {
    const client = accept('permessage-deflate', { clientNoContextTakeover: true });
    const first = send(client, compressible);
    const second = send(client, compressible);
    expect(second[0]!.payload.length).toBeLessThan(first[0]!.payload.length);
    const server = respond('permessage-deflate').server!;
    expect(utf8(receive(server, first))).toBe(utf8(compressible));
    expect(utf8(receive(server, second))).toBe(utf8(compressible));
  });

  it('[7692-7.2.1-12] [7692-7.2.2-10] [7692-7.2.1-13] compresses with the window the response agreed, whatever it hinted', () => {
    for (const [hinted, response, used] of [[true, 'client_max_window_bits=10', 10], [9, 'client_max_window_bits=12', 12], [9, '', 15], [true, 'client_max_window_bits=8', 8]] as const) {
      const recorder = recordingCodec();
      const client = accept(`permessage-deflate${response ? '; ' + response : ''}`, { clientMaxWindowBits: hinted }, recorder.codec);
      send(client, compressible);
      expect(recorder.deflaters.map((o) => o.windowBits)).toEqual([used]);
    }
  });

  it('[7692-7.2.2-7] [7692-7.2.1-6] [7692-7.3-1] uses 32 KiB windows by default, never more', () => {
    const recorder = recordingCodec();
    const client = accept('permessage-deflate', {}, recorder.codec);
    const server = respond('permessage-deflate').server!;
    // A message that refers back 30,000 bytes decodes.
    const block = noise(2000);
    const message = concat([block, noise(28_000, 5), block]);
    expect(hex(receive(client, send(server, message)))).toBe(hex(message));
    send(client, compressible);
    expect(recorder.inflaters.map((o) => o.windowBits)).toEqual([15]);
    expect(recorder.deflaters.map((o) => o.windowBits)).toEqual([15]);
  });
});

describe('permessage-deflate with other extensions (RFC 7692 §5)', () => {
  const both = () => [factory(), deflateFrame({ codec: zlibCodec, threshold: 0 })];

  it('[7692-5-7] [7692-5-9] never accepts it together with deflate-frame, which uses RSV1 per frame', () => {
    const { responseHeader, extensions } = negotiateServerExtensions(parseExtensionHeader('permessage-deflate, deflate-frame'), both());
    expect(responseHeader).toBe('permessage-deflate');
    expect(extensions.map((e) => e.name)).toEqual(['permessage-deflate']);
    expect(negotiateServerExtensions(parseExtensionHeader('deflate-frame, permessage-deflate'), both()).responseHeader).toBe('deflate-frame');
  });

  it('[7692-5-8] [7692-5-10] fails when a response accepts it together with deflate-frame', () => {
    expect(() => acceptHeader('permessage-deflate, deflate-frame', both())).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_RSV_CONFLICT' }));
  });
});

describe('permessage-deflate framing (RFC 7692 §6)', () => {
  it('[7692-6.1-1] [7692-6.2-1] sends and reads RFC 7692 §7.2.3.1: "Hello" as f2 48 cd c9 c9 07 00 with RSV1', () => {
    const { client, server } = negotiate();
    const frames = send(client, text('Hello'), { opcode: 0x1 });
    expect(frames).toHaveLength(1);
    expect(frames[0]!.rsv).toBe(0x40);
    expect(hex(frames[0]!.payload)).toBe('f248cdc9c90700');
    expect(utf8(receive(server, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-6.2-1] [7692-6.1-3] reads §7.2.3.1 fragmented: RSV1 on the first frame only', () => {
    const { client } = negotiate();
    const frames = [frame('f248cd', { rsv: 0x40, fin: false }), frame('c9c90700', { opcode: 0x0 })];
    expect(utf8(receive(client, frames))).toBe('Hello');
  });

  it('[7692-6.1-3] [7692-7.2.1-5] sends fragments with RSV1 on the first only, keeping 00 00 ff ff on all but the last', () => {
    const { client, server } = negotiate();
    const frames = send(client, compressible, { cuts: [100, 1500] });
    expect(frames.map((f) => f.rsv)).toEqual([0x40, 0, 0]);
    expect(hex(frames[0]!.payload).endsWith('0000ffff')).toBe(true);
    expect(hex(frames[1]!.payload).endsWith('0000ffff')).toBe(true);
    expect(hex(frames[2]!.payload).endsWith('0000ffff')).toBe(false);
    expect(utf8(receive(server, frames))).toBe(utf8(compressible));
  });

  it('[7692-6.1-3] [7692-6.1-4] a negotiated connection never sets RSV1 on control frames, and fails (1002) on one that has it', () => {
    expectControlFramesUncompressed(() => factory());
  });

  it('[7692-6.1-4] fails the connection (1002) on RSV1 on a continuation frame', () => {
    const { server } = negotiate();
    expect(closeCodeOf(() => receive(server, [frame('f248cd', { rsv: 0x40, fin: false }), frame('c9c90700', { opcode: 0x0, rsv: 0x40 })]))).toBe(1002);
    // Uncompressed first frame, RSV1 on the continuation: still an error.
    const { client } = negotiate();
    expect(closeCodeOf(() => receive(client, [frame('48656c', { fin: false }), frame('6c6f', { opcode: 0x0, rsv: 0x40 })]))).toBe(1002);
  });

  it('[7692-6.2-2] [7692-6.1-2] passes uncompressed messages through as they are, RSV1 clear', () => {
    const { client, server } = negotiate();
    expect(server.startIncomingFrame({ opcode: 0x1, fin: false, rsv: 0, firstFrameOfMessage: true })).toBe(false);
    expect(server.startIncomingFrame({ opcode: 0x0, fin: true, rsv: 0, firstFrameOfMessage: false })).toBe(false);
    const frames = send(client, compressible, { cuts: [10], compress: false });
    expect(frames.map((f) => f.rsv)).toEqual([0, 0]);
    expect(hex(concat(frames.map((f) => f.payload)))).toBe(hex(compressible));
  });

  it('[7692-6.1-2] [wsref] sends unfragmented messages below the threshold uncompressed (default 1024 bytes)', () => {
    const client = acceptHeader('permessage-deflate', [permessageDeflate({ codec: zlibCodec })])[0]!;
    expect(send(client, compressible.subarray(0, 1023))[0]!.rsv).toBe(0);
    expect(send(client, compressible.subarray(0, 1024))[0]!.rsv).toBe(0x40);
    // A fragmented message cannot be measured up front: it is compressed.
    expect(send(client, compressible.subarray(0, 300), { cuts: [100] })[0]!.rsv).toBe(0x40);
  });

  it('[wsref] uncompressed messages in between leave the shared window alone (§7.2.3.2)', () => {
    const { client, server } = negotiate();
    const hello = send(client, text('Hello'));
    const plain = send(client, text('other'), { compress: false });
    const again = send(client, text('Hello'));
    expect(hex(again[0]!.payload)).toBe('f200110000');
    expect(utf8(receive(server, hello))).toBe('Hello');
    expect(utf8(receive(server, plain))).toBe('other');
    expect(utf8(receive(server, again))).toBe('Hello');
  });
});

describe('permessage-deflate payload transformation (RFC 7692 §7.2)', () => {
  it('[7692-7.2.1-11] [7692-7.2.1-8] [7692-7.2.2-2] shares the window across messages: §7.2.3.2 both ways', () => {
    const { client, server } = negotiate();
    expect(hex(send(server, text('Hello'))[0]!.payload)).toBe('f248cdc9c90700');
    expect(hex(send(server, text('Hello'))[0]!.payload)).toBe('f200110000');
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
    expect(utf8(receive(client, [frame('f200110000', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-7.2.1-11] a second identical message is smaller with takeover, and identical without', () => {
    const taking = negotiate().server;
    const a = send(taking, compressible)[0]!.payload;
    const b = send(taking, compressible)[0]!.payload;
    expect(b.length).toBeLessThan(a.length);
    const fresh = negotiate({ serverNoContextTakeover: true }).server;
    const c = send(fresh, compressible)[0]!.payload;
    const d = send(fresh, compressible)[0]!.payload;
    expect(hex(c)).toBe(hex(a));
    expect(hex(d)).toBe(hex(c));
  });

  it('[wsref] keeps the window between the fragments of one message, also without context takeover', () => {
    const { server } = negotiate({ serverNoContextTakeover: true });
    const frames = send(server, compressible, { cuts: [1000] });
    const fresh = negotiate({ serverNoContextTakeover: true }).server;
    const alone = send(fresh, compressible.subarray(1000))[0]!.payload;
    // The second fragment refers back into the first: smaller than the same bytes compressed alone.
    expect(frames[1]!.payload.length).toBeLessThan(alone.length);
  });

  it('[7692-7.2.1-2] reads a stored (uncompressed) DEFLATE block: §7.2.3.3', () => {
    const { client } = negotiate();
    expect(utf8(receive(client, [frame('0005 00faff 48656c6c6f 00', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-7.2.1-3] reads a block with BFINAL set: §7.2.3.4, and the next message still decodes', () => {
    const { client } = negotiate();
    expect(utf8(receive(client, [frame('f348cdc9c90700 00', { rsv: 0x40 })]))).toBe('Hello');
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-7.2.1-1] reads two DEFLATE blocks in one message: §7.2.3.5', () => {
    const { client } = negotiate();
    expect(utf8(receive(client, [frame('f24805 00 0000ffff cac9c90700', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-7.2.1-2] [7692-7.2.1-1] reads dynamic-Huffman output spread over many blocks', () => {
    const { client, server } = negotiate({}, { level: 9 });
    const message = concat([noise(70_000), compressible, noise(70_000, 9)]);
    expect(hex(receive(client, send(server, message)))).toBe(hex(message));
  });

  it('[7692-6.2-1] reads an empty compressed message written as 0x00 (§7.2.3.6) or as nothing', () => {
    const { client } = negotiate();
    expect(receive(client, [frame('00', { rsv: 0x40 })]).length).toBe(0);
    expect(receive(client, [frame('', { rsv: 0x40 })]).length).toBe(0);
    expect(receive(client, [frame('', { rsv: 0x40, fin: false }), frame('', { opcode: 0x0 })]).length).toBe(0);
    expect(utf8(receive(client, [frame('f248cdc9c90700', { rsv: 0x40 })]))).toBe('Hello');
  });

  it('[7692-6.1-1] ends a fragmented message with an empty final fragment as the single byte 0x00 (§7.2.3.6)', () => {
    const { client, server } = negotiate();
    const frames = send(client, text('Hello'), { cuts: [5] });
    expect(hex(frames[1]!.payload)).toBe('00');
    expect(utf8(receive(server, frames))).toBe('Hello');
  });

  it('[wsref] sends a message that did not shrink uncompressed when no window carries over', () => {
    const { server, client } = negotiate({ serverNoContextTakeover: true });
    const random = noise(3000);
    const [only] = send(server, random);
    expect(only!.rsv).toBe(0);
    expect(hex(only!.payload)).toBe(hex(random));
    expect(hex(receive(client, [only!]))).toBe(hex(random));
  });

  it('[wsref] inflates payloads handed over in pieces of any size', () => {
    const { client, server } = negotiate();
    const message = concat([compressible, noise(5000)]);
    const frames = send(server, message, { cuts: [700] });
    for (const chunkSize of [1, 2, 3, 7, 1000]) {
      const again = negotiate();
      const replay = send(again.server, message, { cuts: [700] });
      expect(hex(receive(again.client, replay, { chunkSize }))).toBe(hex(message));
    }
    expect(hex(receive(client, frames))).toBe(hex(message));
  });

  it('[wsref] fails with 1007 on compressed data that is not DEFLATE', () => {
    const { client } = negotiate();
    expect(closeCodeOf(() => receive(client, [frame('ffffffff', { rsv: 0x40 })]))).toBe(1007);
  });

  it('[6455-10.4-1] allows exactly the message limit and fails with 1009 one byte past it', () => {
    const { client, server } = negotiate();
    const frames = send(server, compressible);
    expect(receive(client, frames, { limit: compressible.length }).length).toBe(compressible.length);
    const other = negotiate();
    expect(closeCodeOf(() => receive(other.client, send(other.server, compressible), { limit: compressible.length - 1 }))).toBe(1009);
    // A payload inflated in several slices (several KiB of DEFLATE): the limit holds for their sum.
    const records = text(Array.from({ length: 4000 }, (_, i) => `{"id":${i},"v":${(i * 7919) % 10007}}`).join(','));
    const big = negotiate();
    const bigFrames = send(big.server, records);
    expect(bigFrames[0]!.payload.length).toBeGreaterThan(3 * 4096);
    expect(receive(big.client, bigFrames, { limit: records.length }).length).toBe(records.length);
    const over = negotiate();
    expect(closeCodeOf(() => receive(over.client, send(over.server, records), { limit: records.length - 1 }))).toBe(1009);
  });

  it('[6455-10.4-1] stops a decompression bomb with 1009 without inflating it into memory', () => {
    // ~100 KB of compressed zeros that would inflate to 100 MiB.
    const deflater = zlibCodec.createDeflater({ windowBits: 15, level: 9 });
    const zeros = new Uint8Array(1 << 20);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < 100; i++) pieces.push(deflater.deflate(zeros));
    const bomb = concat(pieces).subarray(0, -4);
    deflater.close();
    expect(bomb.length).toBeLessThan(150_000);
    const { client } = negotiate();
    const limit = 1 << 20;
    const before = process.memoryUsage().arrayBuffers;
    expect(closeCodeOf(() => receive(client, [{ opcode: 0x2, fin: true, rsv: 0x40, payload: bomb }], { limit, chunkSize: 16_384 }))).toBe(1009);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(limit + 8 * 1024 * 1024);
  });

  it('[wsref] releases its compression contexts on dispose', () => {
    const closed: string[] = [];
    const codec: DeflateCodec = {
      createDeflater(o) {
        const real = zlibCodec.createDeflater(o);
        return { deflate: (d) => real.deflate(d), reset: () => real.reset(), close: () => (closed.push('deflater'), real.close()) };
      },
      createInflater(o) {
        const real = zlibCodec.createInflater(o);
        return { inflate: (d, max) => real.inflate(d, max), reset: () => real.reset(), close: () => (closed.push('inflater'), real.close()) };
      },
    };
    const client = accept('permessage-deflate', {}, codec);
    send(client, text('x'));
    client.startIncomingFrame({ opcode: 0x1, fin: true, rsv: 0x40, firstFrameOfMessage: true });
    client.decodeChunk(bytes('f248cdc9c90700'), [], 100);
    client.dispose();
    expect(closed.sort()).toEqual(['deflater', 'inflater']);
    // An inflater that failed is closed at once, and not a second time on dispose.
    closed.length = 0;
    const failing = accept('permessage-deflate', {}, codec);
    expect(closeCodeOf(() => receive(failing, [frame('ffffffff', { rsv: 0x40 })]))).toBe(1007);
    expect(closed).toEqual(['inflater']);
    failing.dispose();
    expect(closed).toEqual(['inflater']);
  });
});

describe('permessage-deflate round trips (property)', () => {
  const windowBits = fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined });
  const settings = fc.record({
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: windowBits,
    clientMaxWindowBits: fc.oneof(fc.boolean(), fc.integer({ min: 8, max: 15 })),
    threshold: fc.integer({ min: 0, max: 64 }),
    level: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  });
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 300 })).map(([unit, n]) =>
      concat(new Array<Uint8Array>(n).fill(unit)),
    ),
  );
  const message = fc.record({
    data: payload,
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
    toServer: fc.boolean(),
    compress: fc.boolean(),
    chunkSize: fc.integer({ min: 1, max: 600 }),
  });

  it('[7692-5-13] [7692-5-6] every negotiated configuration delivers every message intact, however fragmented', () => {
    fc.assert(
      fc.property(settings, settings, fc.array(message, { minLength: 1, maxLength: 8 }), (clientSettings, serverSettings, messages) => {
        const { client, server } = negotiate(clientSettings, serverSettings);
        try {
          for (const m of messages) {
            const cuts = [...new Set(m.cuts.map((c) => c % (m.data.length + 1)))].sort((a, b) => a - b);
            const [from, to] = m.toServer ? [client, server] : [server, client];
            const frames: WireFrame[] = send(from, m.data, { cuts, compress: m.compress });
            expect(frames.slice(1).every((f) => f.rsv === 0)).toBe(true);
            expect(hex(receive(to, frames, { chunkSize: m.chunkSize }))).toBe(hex(m.data));
          }
        } finally {
          client.dispose();
          server.dispose();
        }
      }),
      { numRuns: 150 },
    );
  });
});
