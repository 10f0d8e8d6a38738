// RFC 6455 §9 and §4.2.2 step 5.6: how the server's Sec-WebSocket-Extensions answer is derived
// from the client's offer, and which parameters may appear in it. Driven through the core's
// negotiation functions with the two compression extensions we ship.

import { describe, expect, it } from 'vitest';
import {
  acceptServerExtensions,
  negotiateServerExtensions,
  parseExtensionHeader,
  serializeExtensionHeader,
  type Extension,
  type ExtensionFactory,
  type ExtensionParams,
} from '../../src/core/index.js';
import { deflateFrame } from '../../src/core/extensions/deflate-frame.js';
import { permessageDeflate } from '../../src/core/extensions/permessage-deflate.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';

const codec = createZlibCodec();
const serverFactories = (): ExtensionFactory[] => [
  permessageDeflate({ codec }),
  deflateFrame({ codec, name: 'deflate-frame' }),
  deflateFrame({ codec, name: 'x-webkit-deflate-frame' }),
];
/** The parameters each extension defines (RFC 7692 §7.1; the deflate-frame draft). */
const DEFINED_PARAMS: Record<string, readonly string[]> = {
  'permessage-deflate': ['server_no_context_takeover', 'client_no_context_takeover', 'server_max_window_bits', 'client_max_window_bits'],
  'deflate-frame': ['max_window_bits', 'no_context_takeover'],
  'x-webkit-deflate-frame': ['max_window_bits', 'no_context_takeover'],
};

function negotiate(offer: string) {
  const result = negotiateServerExtensions(parseExtensionHeader(offer), serverFactories());
  for (const e of result.extensions) e.dispose();
  return result.responseHeader;
}

describe('the server derives its answer from the client offer (RFC 6455 §4.2.2, §9.1)', () => {
  /** Offers and the answer a server supporting all three compression extensions gives. */
  const offers: [string, string | undefined][] = [
    ['deflate-frame', 'deflate-frame'],
    ['x-webkit-deflate-frame; max_window_bits=10', 'x-webkit-deflate-frame'],
    ['permessage-deflate; client_max_window_bits', 'permessage-deflate'],
    ['x-unknown-ext, deflate-frame', 'deflate-frame'],
    ['permessage-deflate; unknown_param, deflate-frame', 'deflate-frame'],
    ['permessage-deflate; server_max_window_bits=10, deflate-frame', 'permessage-deflate; server_max_window_bits=10'],
    ['x-unknown-ext; a=1', undefined],
  ];

  it.each(offers)('[6455-4.2.2-10] [6455-4.2.2-11] answers %j only with extensions the client listed: %j', (offer, expected) => {
    const offeredNames = new Set(parseExtensionHeader(offer).map((o) => o.name));
    const response = negotiate(offer);
    const answered = response === undefined ? [] : parseExtensionHeader(response);
    for (const entry of answered) expect(offeredNames.has(entry.name)).toBe(true);
    // Unknown or declined extensions are passed over, not the end of the list.
    expect(response).toBe(expected);
  });

  it('[6455-4.2.2-10] with several supported extensions offered, the choice follows the client order (one per RSV bit)', () => {
    expect(negotiate('deflate-frame, permessage-deflate')).toBe('deflate-frame');
    expect(negotiate('permessage-deflate, deflate-frame')).toBe('permessage-deflate');
  });
});

describe('extension parameters (RFC 6455 §9, §9.1)', () => {
  it.each([
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits',
    'permessage-deflate; client_max_window_bits=12',
    'deflate-frame; max_window_bits=11; no_context_takeover',
  ])('[6455-9-3] [6455-9.1-5] the answer to %j carries only parameters its extension defines, with valid values', (offer) => {
    const response = negotiate(offer)!;
    expect(response).toBeDefined();
    for (const entry of parseExtensionHeader(response)) {
      for (const [name, value] of entry.params) {
        expect(DEFINED_PARAMS[entry.name]).toContain(name);
        if (name.endsWith('window_bits') && value !== true) expect(Number(value)).toBeGreaterThanOrEqual(8);
        if (name.endsWith('window_bits') && value !== true) expect(Number(value)).toBeLessThanOrEqual(15);
      }
    }
  });

  it('[6455-9.1-5] [6455-9-3] a server declines an offer that carries a parameter its extension does not define', () => {
    expect(negotiate('permessage-deflate; invented_param')).toBeUndefined();
    expect(negotiate('deflate-frame; invented_param=3')).toBeUndefined();
    // …and falls back to the client's next, valid alternative.
    expect(negotiate('permessage-deflate; invented_param, permessage-deflate')).toBe('permessage-deflate');
  });

  it('[6455-9.1-5] [6455-9-3] a client refuses an answer with an undefined parameter or an out-of-range value', () => {
    const clientFactories = [permessageDeflate({ codec })];
    const bad = ['permessage-deflate; invented_param', 'permessage-deflate; server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=abc'];
    for (const response of bad) {
      expect(() => acceptServerExtensions(parseExtensionHeader(response), clientFactories), response).toThrow(expect.objectContaining({ code: 'WSREF_PMD_RESPONSE_INVALID' }));
    }
    const good = acceptServerExtensions(parseExtensionHeader('permessage-deflate; server_max_window_bits=10'), clientFactories);
    expect(serializeExtensionHeader(good.map((e) => ({ name: e.name, params: e.responseParams })))).toBe('permessage-deflate; server_max_window_bits=10');
    for (const e of good) e.dispose();
  });
});

/**
 * A plug-in that changes no data (RFC 6455 §9: the interface admits any extension): it claims
 * `rsvBits`, offers `offers`, and logs the instances disposed, so the negotiation's own rules
 * show apart from what the compression extensions do.
 */
function loggingFactory(name: string, rsvBits: number, disposed: string[], offers: ExtensionParams[] = [[]]): ExtensionFactory {
  let made = 0;
  const make = (): Extension => {
    const id = `${name}#${++made}`;
    return {
      name,
      rsvBits,
      responseParams: [],
      startIncomingFrame: () => false,
      decodeChunk: () => undefined,
      endIncomingFrame: () => undefined,
      encodeFrame: (payload) => ({ payload, rsv: 0 }),
      dispose: () => void disposed.push(id),
    };
  };
  return { name, offers: () => offers, acceptResponse: make, acceptOffer: make };
}

describe('negotiation with any plug-in (RFC 6455 §9.1, §4.1)', () => {
  it('[6455-9-1] [6455-9.1-7] a server passes over an RSV bit already claimed and releases the extension it then drops', () => {
    const disposed: string[] = [];
    const result = negotiateServerExtensions(parseExtensionHeader('x-a, x-b, x-c'), [
      loggingFactory('x-a', 0x20, disposed),
      loggingFactory('x-b', 0x20, disposed),
      loggingFactory('x-c', 0x10, disposed),
    ]);
    expect(result.responseHeader).toBe('x-a, x-c');
    expect(disposed).toEqual(['x-b#1']);
  });

  it('[6455-4.1-40] [6455-9.1-6] a client fails on an extension it did not offer or that is named twice, releasing what it had accepted', () => {
    const disposed: string[] = [];
    const factories = [loggingFactory('x-a', 0, disposed), loggingFactory('x-quiet', 0, disposed, []), loggingFactory('x-b', 0x20, disposed)];
    expect(() => acceptServerExtensions(parseExtensionHeader('x-a, x-quiet'), factories)).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_NOT_OFFERED' })); // offered nothing
    expect(disposed).toEqual(['x-a#1']);
    expect(() => acceptServerExtensions(parseExtensionHeader('x-a, x-a'), factories)).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_REPEATED' })); // even without an RSV bit
    expect(disposed).toEqual(['x-a#1', 'x-a#2']);
    const accepted = acceptServerExtensions(parseExtensionHeader('x-b, x-a'), factories);
    expect(accepted.map((e) => e.name)).toEqual(['x-b', 'x-a']);
  });

  it('[6455-4.1-40] a client fails on two accepted extensions that claim the same RSV bit, releasing both', () => {
    const disposed: string[] = [];
    const factories = [loggingFactory('x-a', 0x20, disposed), loggingFactory('x-b', 0x20, disposed)];
    expect(() => acceptServerExtensions(parseExtensionHeader('x-a, x-b'), factories)).toThrow(expect.objectContaining({ code: 'WSREF_EXTENSION_RSV_CONFLICT' }));
    expect(disposed.sort()).toEqual(['x-a#1', 'x-b#1']);
  });
});

describe('extensions may change the application data (RFC 6455 §6.2, §9.2)', () => {
  it('[6455-9.2-1] [6455-6.2-6] a separately defined extension (permessage-deflate) compresses the data on the way out and restores it on the way in', () => {
    const { extensions: [server] } = negotiateServerExtensions(parseExtensionHeader('permessage-deflate'), [permessageDeflate({ codec, threshold: 0 })]);
    const [client] = acceptServerExtensions(parseExtensionHeader('permessage-deflate'), [permessageDeflate({ codec, threshold: 0 })]);
    const data = new TextEncoder().encode('application data, application data, application data');
    const sent = client!.encodeFrame(data, { opcode: 1, fin: true, firstFrameOfMessage: true, compress: true });
    expect(sent.rsv).toBe(0x40); // RSV1: this frame's application data was modified
    expect(sent.payload.length).toBeLessThan(data.length);
    expect(server!.startIncomingFrame({ opcode: 1, fin: true, rsv: sent.rsv, firstFrameOfMessage: true })).toBe(true);
    const out: Uint8Array[] = [];
    server!.decodeChunk(sent.payload, out, 1 << 20);
    server!.endIncomingFrame(true, out, 1 << 20);
    expect(new TextDecoder().decode(Buffer.concat(out))).toBe('application data, application data, application data');
    client!.dispose();
    server!.dispose();
  });
});
