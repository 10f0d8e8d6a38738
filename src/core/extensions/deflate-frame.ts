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
// protocol error (1002), as in RFC 7692 §6.1 (the connection applies that to every extension,
// RFC 6455 §5.2, so control frames never reach this module); an offer or response with an
// unknown, repeated or malformed parameter is declined / fails the handshake, as RFC 7692 §7
// does; a compressed frame with an empty payload carries no data; the inflater always keeps its
// window (correct whatever the peer does), and the window-size values follow RFC 7692 §7.1.2's
// rule (8..15, no leading zeros).

import { HandshakeError } from '../errors.js';
import { RULES } from '../rules.js';
import { RSV1 } from '../framing/frame-header.js';
import { checkCompressorOptions, checkWindowBits, describeValue, MAX_WINDOW_BITS, parseWindowBits, repeatedParameter } from './compression-parameters.js';
import { DeflateStreams, SYNC_FLUSH_TAIL, removeSyncFlushTail, type DeflateCodec } from './deflate-codec.js';
import type { EncodedFrame, Extension, ExtensionFactory, ExtensionParams, IncomingFrameInfo, OutgoingFrameInfo } from './extension.js';

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
  const repeated = repeatedParameter(params);
  if (repeated !== undefined) return `parameter ${repeated} appears twice`;
  for (const [name, value] of params) {
    if (name === 'max_window_bits') {
      const bits = parseWindowBits(value);
      if (bits === undefined) return `max_window_bits must be 8 to 15, got ${describeValue(value)}`;
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

/** A factory for the deflate-frame extension (under either of its names) with these options. */
export function deflateFrame(options: DeflateFrameOptions): ExtensionFactory {
  const name = options.name ?? 'deflate-frame';
  if (name !== 'deflate-frame' && name !== 'x-webkit-deflate-frame') throw new TypeError(`unknown deflate-frame name ${JSON.stringify(name)}`);
  if (options.maxWindowBits !== undefined) checkWindowBits('maxWindowBits', options.maxWindowBits);
  const threshold = checkCompressorOptions(options);
  // The inflater always keeps its window and allows what our own offer or answer said.
  const receiveOptions = { windowBits: options.maxWindowBits ?? MAX_WINDOW_BITS };
  /** The extension once the other side's compressor settings are known (`agreed`). */
  const activate = (responseParams: ExtensionParams, agreed: FrameDeflateParams): Extension => {
    const sendOptions = { windowBits: agreed.maxWindowBits ?? MAX_WINDOW_BITS, level: options.level, memLevel: options.memLevel };
    const streams = new DeflateStreams(options.codec, sendOptions, receiveOptions, `${name}: compressed frame`);
    return new DeflateFrameExtension(name, responseParams, agreed.noContextTakeover, threshold, streams);
  };
  const ownParams: [string, string | true][] = [];
  if (options.maxWindowBits !== undefined) ownParams.push(['max_window_bits', String(options.maxWindowBits)]);
  if (options.noContextTakeover) ownParams.push(['no_context_takeover', true]);

  return {
    name,

    offers: () => [ownParams.slice()],

    acceptResponse(params: ExtensionParams): Extension {
      const agreed = readParams(params);
      if (typeof agreed === 'string') throw new HandshakeError(RULES.DEFLATE_FRAME_RESPONSE_INVALID, { name, why: agreed });
      // The response's parameters bind our compressor; the offer's bound the server's.
      return activate(params, agreed);
    },

    acceptOffer(offers: readonly ExtensionParams[]): Extension | undefined {
      for (const params of offers) {
        const requested = readParams(params);
        if (typeof requested === 'string') continue; // decline this offer, try the next
        // The offer's parameters bind our compressor; our answer binds the client's.
        return activate(ownParams.slice(), requested);
      }
      return undefined;
    },
  };
}

/** One connection's deflate-frame: every data frame is compressed or not on its own. */
class DeflateFrameExtension implements Extension {
  readonly rsvBits = RSV1;
  private receivedCompressedBytes = 0;

  constructor(
    readonly name: string,
    readonly responseParams: ExtensionParams,
    private readonly sendNoContextTakeover: boolean,
    private readonly threshold: number,
    private readonly streams: DeflateStreams,
  ) {}

  // The connection passes data frames only (opcodes 0x0-0x2) and refuses RSV1 on a control
  // frame itself (RFC 6455 §5.2); control frames are never compressed.
  startIncomingFrame(frame: IncomingFrameInfo): boolean {
    this.receivedCompressedBytes = 0;
    return (frame.rsv & RSV1) !== 0; // per frame: continuation frames may be compressed too
  }

  decodeChunk(data: Uint8Array, out: Uint8Array[], limit: number): void {
    this.receivedCompressedBytes += data.length;
    this.streams.inflate(data, out, limit, false);
  }

  endIncomingFrame(_fin: boolean, out: Uint8Array[], limit: number): void {
    // Each compressed frame ends at a sync flush whose 00 00 ff ff the sender removed.
    if (this.receivedCompressedBytes > 0) this.streams.inflate(SYNC_FLUSH_TAIL, out, limit, false);
  }

  // Called for data frames only: the connection writes control frames itself, uncompressed.
  encodeFrame(payload: Uint8Array, frame: OutgoingFrameInfo): EncodedFrame {
    if (!frame.compress || payload.length === 0 || payload.length < this.threshold) return { payload, rsv: 0 };
    const compressed = removeSyncFlushTail(this.streams.deflate(payload, this.sendNoContextTakeover));
    // Without takeover nothing carries over to the next frame, so one that did not shrink may go out as it was.
    if (this.sendNoContextTakeover && compressed.length >= payload.length) return { payload, rsv: 0 };
    return { payload: compressed, rsv: RSV1 };
  }

  dispose(): void {
    this.streams.dispose();
  }
}
