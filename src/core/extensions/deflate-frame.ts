// draft-tyoshino-hybi-websocket-perframe-deflate-06 ("deflate-frame"; sent by WebKit and older
// Chromium as "x-webkit-deflate-frame"): DEFLATE applied to each data FRAME rather than to each
// message. It predates RFC 7692, which replaced it, but some clients still offer it.
//
// The draft's text is not part of this repository. The behaviour below follows revision -06 as
// its authors' own implementations (pywebsocket, WebKit/Chromium) realised it:
//   - RSV1 marks a compressed frame, on any data frame, continuation frames included; frames of
//     one message may mix compressed and uncompressed payloads.
//   - A compressed payload is DEFLATE output ending at a sync flush with the trailing
//     00 00 ff ff removed, the same rule as RFC 7692 §7.2.1 but applied per frame; the receiver
//     appends 00 00 ff ff to each compressed frame and inflates it (RFC 7692 §7.2.2, per frame).
//   - The LZ77 window carries over from frame to frame unless "no_context_takeover" applies.
//   - Parameters, both optional: `max_window_bits` (8..15) and `no_context_takeover` (no value).
//     In an offer they ask the server about its compressor; in the response they tell the client
//     about its compressor.
// Inferred (not taken from the draft): control frames are never compressed and RSV1 on one is a
// protocol error (1002), as in RFC 7692 §6.1; an offer or response with an unknown, repeated or
// malformed parameter is declined / fails the handshake, as RFC 7692 §7 does; a compressed frame
// with an empty payload carries no data; the inflater always keeps its window (correct whatever
// the peer does), and the window-size values follow RFC 7692 §7.1.2's rule (8..15, no leading zeros).

import { HandshakeError, ProtocolError } from '../errors.js';
import { inflateWithinLimit, SYNC_FLUSH_TAIL, removeSyncFlushTail, type DeflateCodec, type Deflater, type Inflater } from './deflate-codec.js';
import type { EncodedFrame, Extension, ExtensionFactory, ExtensionParams, IncomingFrameInfo, OutgoingFrameInfo } from './extension.js';
import { checkCompressionOptions, parseWindowBits } from './permessage-deflate.js';

/** The compressed-frame bit. */
const RSV1 = 0x40;
const MAX_WINDOW_BITS = 15;

/** Configuration of `deflateFrame`; as with permessage-deflate, the side running it gives each option its meaning. */
export interface DeflateFrameOptions {
  /** The DEFLATE implementation (e.g. `createZlibCodec()` from the Node layer). */
  readonly codec: DeflateCodec;
  /** The extension token: the draft's `deflate-frame` (default) or WebKit's `x-webkit-deflate-frame`. */
  readonly name?: 'deflate-frame' | 'x-webkit-deflate-frame';
  /**
   * Client: offer `max_window_bits=<n>`, so the server compresses with at most 2^n bytes of window.
   * Server: answer with it, so the client does. 8..15; default: 15, unsaid.
   */
  readonly maxWindowBits?: number;
  /**
   * Client: offer `no_context_takeover`, so the server compresses each frame from an empty window.
   * Server: answer with it, so the client does. Default false.
   */
  readonly noContextTakeover?: boolean;
  /** Frames shorter than this many bytes are sent uncompressed (default 1024; see permessage-deflate). */
  readonly threshold?: number;
  /** DEFLATE level 0..9 for the compressor (the codec's default, zlib's 6, when absent). */
  readonly level?: number;
  /** zlib memLevel 1..9 for the compressor (the codec's default when absent). */
  readonly memLevel?: number;
}

interface FrameDeflateParams {
  maxWindowBits: number | undefined;
  noContextTakeover: boolean;
}

/** Reads one offer or response; returns the reason when it is not acceptable. */
function readParams(params: ExtensionParams): FrameDeflateParams | string {
  const read: FrameDeflateParams = { maxWindowBits: undefined, noContextTakeover: false };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return `parameter ${name} appears twice`;
    seen.add(name);
    if (name === 'max_window_bits') {
      const bits = parseWindowBits(value);
      if (bits === undefined) return `max_window_bits must be 8 to 15, got ${value === true ? 'no value' : JSON.stringify(value)}`;
      read.maxWindowBits = bits;
    } else if (name === 'no_context_takeover') {
      if (value !== true) return 'parameter no_context_takeover takes no value';
      read.noContextTakeover = true;
    } else {
      return `unknown parameter ${name}`;
    }
  }
  return read;
}

interface FrameDeflateSettings {
  readonly sendWindowBits: number;
  readonly sendNoContextTakeover: boolean;
  readonly receiveWindowBits: number;
  readonly threshold: number;
  readonly level: number | undefined;
  readonly memLevel: number | undefined;
}

/** A factory for the deflate-frame extension (under either of its names) with these options. */
export function deflateFrame(options: DeflateFrameOptions): ExtensionFactory {
  const name = options.name ?? 'deflate-frame';
  if (name !== 'deflate-frame' && name !== 'x-webkit-deflate-frame') throw new TypeError(`unknown deflate-frame name ${JSON.stringify(name)}`);
  const { codec } = options;
  if (options.maxWindowBits !== undefined && (!Number.isInteger(options.maxWindowBits) || options.maxWindowBits < 8 || options.maxWindowBits > 15)) {
    throw new RangeError(`maxWindowBits must be an integer from 8 to 15, got ${options.maxWindowBits}`);
  }
  const threshold = checkCompressionOptions(options);
  const settingsBase = { threshold, level: options.level, memLevel: options.memLevel };
  const ownParams: [string, string | true][] = [];
  if (options.maxWindowBits !== undefined) ownParams.push(['max_window_bits', String(options.maxWindowBits)]);
  if (options.noContextTakeover) ownParams.push(['no_context_takeover', true]);

  return {
    name,

    offers: () => [ownParams.slice()],

    acceptResponse(params: ExtensionParams): Extension {
      const agreed = readParams(params);
      if (typeof agreed === 'string') throw new HandshakeError(`${name}: invalid server response (${agreed})`);
      // The response's parameters bind our compressor; the offer's bound the server's.
      return new DeflateFrameExtension(name, codec, params, {
        ...settingsBase,
        sendWindowBits: agreed.maxWindowBits ?? MAX_WINDOW_BITS,
        sendNoContextTakeover: agreed.noContextTakeover,
        receiveWindowBits: options.maxWindowBits ?? MAX_WINDOW_BITS,
      });
    },

    acceptOffer(offers: readonly ExtensionParams[]): Extension | undefined {
      for (const params of offers) {
        const requested = readParams(params);
        if (typeof requested === 'string') continue; // decline this offer, try the next
        return new DeflateFrameExtension(name, codec, ownParams.slice(), {
          ...settingsBase,
          sendWindowBits: requested.maxWindowBits ?? MAX_WINDOW_BITS,
          sendNoContextTakeover: requested.noContextTakeover,
          receiveWindowBits: options.maxWindowBits ?? MAX_WINDOW_BITS,
        });
      }
      return undefined;
    },
  };
}

/** One connection's deflate-frame: every data frame is compressed or not on its own. */
class DeflateFrameExtension implements Extension {
  readonly rsvBits = RSV1;
  private deflater: Deflater | undefined;
  private inflater: Inflater | undefined;
  private receivedCompressedBytes = 0;

  constructor(
    readonly name: string,
    private readonly codec: DeflateCodec,
    readonly responseParams: ExtensionParams,
    private readonly settings: FrameDeflateSettings,
  ) {}

  startIncomingFrame(frame: IncomingFrameInfo): boolean {
    const compressedBit = (frame.rsv & RSV1) !== 0;
    if (frame.opcode >= 0x8) {
      if (compressedBit) throw new ProtocolError(1002, `${this.name}: RSV1 set on a control frame`);
      return false;
    }
    this.receivedCompressedBytes = 0;
    return compressedBit; // per frame: continuation frames may be compressed too
  }

  decodeChunk(data: Uint8Array, out: Uint8Array[], limit: number): void {
    if (data.length === 0) return;
    this.receivedCompressedBytes += data.length;
    this.inflateInto(data, out, limit);
  }

  endIncomingFrame(_fin: boolean, out: Uint8Array[], limit: number): void {
    // Each compressed frame ends at a sync flush whose 00 00 ff ff the sender removed.
    if (this.receivedCompressedBytes > 0) this.inflateInto(SYNC_FLUSH_TAIL, out, limit);
    this.receivedCompressedBytes = 0;
  }

  private inflateInto(data: Uint8Array, out: Uint8Array[], limit: number): void {
    const inflater = (this.inflater ??= this.codec.createInflater({ windowBits: this.settings.receiveWindowBits }));
    try {
      inflateWithinLimit(inflater, data, limit, `${this.name}: compressed frame`, out);
    } catch (error) {
      this.inflater = undefined; // closed by the failure; the connection is failing anyway
      throw error;
    }
  }

  encodeFrame(payload: Uint8Array, frame: OutgoingFrameInfo): EncodedFrame {
    if (frame.opcode >= 0x8) return { payload, rsv: 0 };
    if (!frame.compress || payload.length === 0 || payload.length < this.settings.threshold) return { payload, rsv: 0 };
    this.deflater ??= this.codec.createDeflater({
      windowBits: this.settings.sendWindowBits,
      level: this.settings.level,
      memLevel: this.settings.memLevel,
    });
    const compressed = removeSyncFlushTail(this.deflater.deflate(payload));
    if (this.settings.sendNoContextTakeover) {
      this.deflater.reset();
      // Nothing carries over to the next frame, so a frame that did not shrink may go out as it was.
      if (compressed.length >= payload.length) return { payload, rsv: 0 };
    }
    return { payload: compressed, rsv: RSV1 };
  }

  dispose(): void {
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = undefined;
    this.inflater = undefined;
  }
}
