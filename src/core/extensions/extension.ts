// RFC 6455 §9 (Extensions): the plug-in interface every extension implements, and the
// negotiation that turns a client's offers and a server's response into the list of
// extensions active on one connection.
//
// An extension touches the protocol in exactly three places, and the interface has one
// method group for each:
//   1. negotiation (`ExtensionFactory`): offers, acceptance, response parameters (§9.1);
//   2. incoming data frames: it may claim RSV bits (§5.2) and transform payload bytes;
//   3. outgoing data frames: it may transform the payload and set its RSV bits.
// Control frames never pass through extensions here: both extensions we ship
// (RFC 7692 §6, deflate-frame) leave them alone, and RFC 6455 §5.5 keeps them short.

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { serializeExtensionHeader, type ExtensionOffer } from '../handshake/extension-header.js';

/** Parameters of one extension offer or response, in order: `[name, value]`, `true` for a name without value. */
export type ExtensionParams = ExtensionOffer['params'];

/** What the connection tells an extension about an incoming data frame before its payload. */
export interface IncomingFrameInfo {
  /** Opcode of the frame: 0x0 continuation, 0x1 text, 0x2 binary. */
  readonly opcode: number;
  /** The frame ends its message. */
  readonly fin: boolean;
  /** The frame's RSV1–RSV3 bits as in the first header byte (0x40, 0x20, 0x10). */
  readonly rsv: number;
  /** True for the first frame of a message (opcode text or binary). */
  readonly firstFrameOfMessage: boolean;
}

/** What the connection tells an extension about an outgoing data frame. */
export interface OutgoingFrameInfo {
  /** Opcode of the frame: 0x0 continuation, 0x1 text, 0x2 binary. */
  readonly opcode: number;
  /** The frame ends its message. */
  readonly fin: boolean;
  /** True for the first frame of a message (opcode text or binary). */
  readonly firstFrameOfMessage: boolean;
  /** The application's per-message wish (`send(data, { compress })`); extensions may also skip small payloads. */
  readonly compress: boolean;
}

/** The result of encoding one outgoing frame. */
export interface EncodedFrame {
  /** The payload to send (e.g. compressed). */
  readonly payload: Uint8Array;
  /** RSV bits to set on this frame (a subset of the extension's `rsvBits`). */
  readonly rsv: number;
}

/** One negotiated extension, living as long as its connection. */
export interface Extension {
  /** The registered extension token, e.g. `permessage-deflate` (RFC 6455 §9.1). */
  readonly name: string;
  /** The RSV bits this extension gives a meaning to (RFC 6455 §5.2): a mask of 0x40/0x20/0x10. */
  readonly rsvBits: number;
  /** The parameters as the server's response names them (what `session.extensions` shows). */
  readonly responseParams: ExtensionParams;

  /**
   * Start of an incoming data frame. Returns true when the frame's payload must be passed
   * through `decodeChunk`/`endIncomingFrame`. Throws `ProtocolError` when the frame uses this
   * extension's RSV bits in a way it forbids (e.g. RFC 7692 §6.1: RSV1 on a continuation frame).
   */
  startIncomingFrame(frame: IncomingFrameInfo): boolean;
  /**
   * Decodes a piece of a transformed frame's payload (pieces arrive as the network delivers
   * them), pushing output chunks onto `out`. `limit` is how many output bytes the message may
   * still grow by; exceeding it throws `ProtocolError(1009)` *before* more memory is used.
   * Malformed input throws `ProtocolError` (1007 for undecodable compressed data).
   */
  decodeChunk(data: Uint8Array, out: Uint8Array[], limit: number): void;
  /** End of a transformed frame; `fin` is true at the end of the message. Same contract as `decodeChunk`. */
  endIncomingFrame(fin: boolean, out: Uint8Array[], limit: number): void;

  /** Transforms an outgoing data frame's payload. The input is not modified. */
  encodeFrame(payload: Uint8Array, frame: OutgoingFrameInfo): EncodedFrame;

  /** Releases what the extension holds (compression contexts). Called once, when the connection closes. */
  dispose(): void;
}

/** No extensions: one shared empty list, so a connection without any allocates none. */
export const NO_EXTENSIONS: readonly Extension[] = Object.freeze([]);

/** A plug-in that knows how to negotiate one extension (RFC 6455 §9.1). */
export interface ExtensionFactory {
  /** The extension token this factory negotiates. */
  readonly name: string;
  /** Client side: the parameter sets to offer, most preferred first. */
  offers(): ExtensionParams[];
  /**
   * Client side: the server accepted with `params`. Returns the active extension, or throws
   * `HandshakeError` when the response is not one the client may accept (a parameter it did
   * not offer, a bad value): the client then fails the connection (RFC 6455 §9.1).
   */
  acceptResponse(params: ExtensionParams): Extension;
  /**
   * Server side: the client's offers for this extension, in the client's order of preference.
   * Returns the accepted extension (its `responseParams` go into the response) or `undefined`
   * to decline every offer. Offers with invalid parameters are declined, not fatal.
   */
  acceptOffer(offers: readonly ExtensionParams[]): Extension | undefined;
}

/** Client: the `Sec-WebSocket-Extensions` request value for these factories, or undefined if none offer anything. */
export function offerExtensions(factories: readonly ExtensionFactory[]): string | undefined {
  const offers: ExtensionOffer[] = [];
  for (const factory of factories) {
    for (const params of factory.offers()) offers.push({ name: factory.name, params });
  }
  return offers.length > 0 ? serializeExtensionHeader(offers) : undefined;
}

/** The outcome of server-side negotiation: the active extensions and the response header value. */
export interface ServerNegotiation {
  /** The accepted extensions, in the client's order. */
  readonly extensions: Extension[];
  /** The `Sec-WebSocket-Extensions` response value, or undefined when none was accepted. */
  readonly responseHeader: string | undefined;
}

/**
 * Server: picks at most one configuration per extension from the client's offers
 * (RFC 6455 §9.1), in the order the client listed the extensions, never two extensions that
 * claim the same RSV bit (they could not tell their frames apart).
 */
export function negotiateServerExtensions(
  offers: readonly ExtensionOffer[],
  factories: readonly ExtensionFactory[],
): ServerNegotiation {
  const extensions: Extension[] = [];
  let claimedRsv = 0;
  const offersByName = new Map<string, ExtensionParams[]>();
  for (const offer of offers) {
    const list = offersByName.get(offer.name);
    if (list) list.push(offer.params);
    else offersByName.set(offer.name, [offer.params]);
  }
  // RFC 6455 §9.1: the order of extensions in the client's header is its preference.
  for (const [name, alternatives] of offersByName) {
    const factory = factories.find((f) => f.name === name);
    if (!factory) continue; // unknown extensions are simply not accepted
    const extension = factory.acceptOffer(alternatives);
    if (!extension) continue;
    if ((extension.rsvBits & claimedRsv) !== 0) {
      extension.dispose(); // RSV conflict with an extension accepted earlier
      continue;
    }
    claimedRsv |= extension.rsvBits;
    extensions.push(extension);
  }
  return { extensions, responseHeader: extensions.length > 0 ? describeExtensions(extensions) : undefined };
}

/**
 * Client: checks the server's `Sec-WebSocket-Extensions` response (parsed) against what was offered and
 * activates the extensions it names. Throws `HandshakeError` when the server names an extension
 * the client did not offer, names one twice, or picks parameters the extension rejects
 * (RFC 6455 §4.1: the client must then fail the connection).
 */
export function acceptServerExtensions(
  response: readonly ExtensionOffer[],
  factories: readonly ExtensionFactory[],
): Extension[] {
  const extensions: Extension[] = [];
  let claimedRsv = 0;
  try {
    for (const entry of response) {
      const factory = factories.find((f) => f.name === entry.name);
      if (!factory || factory.offers().length === 0) {
        throw new HandshakeError(RULES.EXTENSION_NOT_OFFERED, { name: JSON.stringify(entry.name) });
      }
      if (extensions.some((e) => e.name === entry.name)) {
        throw new HandshakeError(RULES.EXTENSION_REPEATED, { name: JSON.stringify(entry.name) });
      }
      const extension = factory.acceptResponse(entry.params);
      if ((extension.rsvBits & claimedRsv) !== 0) {
        extension.dispose();
        throw new HandshakeError(RULES.EXTENSION_RSV_CONFLICT, { name: JSON.stringify(entry.name) });
      }
      claimedRsv |= extension.rsvBits;
      extensions.push(extension);
    }
  } catch (error) {
    for (const e of extensions) e.dispose();
    throw error;
  }
  return extensions;
}

/** The `extensions` string of a connection: what the server's response said, in order. */
export function describeExtensions(extensions: readonly Extension[]): string {
  return serializeExtensionHeader(extensions.map((e) => ({ name: e.name, params: e.responseParams })));
}
