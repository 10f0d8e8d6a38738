// RFC 7692 (Compression Extensions for WebSocket): the "permessage-deflate" extension.
//   §5, §7, §7.1   negotiation: offers, responses, the four parameters and their validation
//   §6             framing: RSV1 ("Per-Message Compressed") on the first frame of a message only
//   §7.2.1         compressing: DEFLATE, sync flush, drop the trailing 00 00 ff ff
//   §7.2.2         decompressing: put 00 00 ff ff back at the end of the message, inflate
//
// One factory serves both sides: `offers`/`acceptResponse` run on a client, `acceptOffer` on a
// server, so each option reads naturally from the side that uses it (see the options below).
// The DEFLATE engine is injected (`DeflateCodec`, deflate-codec.ts); the core stays free of zlib.
// The window-size values and option checks it shares with deflate-frame: compression-parameters.ts.

import { HandshakeError, ProtocolError } from '../errors.js';
import { RULES } from '../rules.js';
import { RSV1 } from '../framing/frame-header.js';
import { checkCompressorOptions, checkWindowBits, describeValue, MAX_WINDOW_BITS, parseWindowBits, repeatedParameter } from './compression-parameters.js';
import { DeflateStreams, SYNC_FLUSH_TAIL, removeSyncFlushTail, type DeflateCodec } from './deflate-codec.js';
import type { EncodedFrame, Extension, ExtensionFactory, ExtensionParams, IncomingFrameInfo, OutgoingFrameInfo } from './extension.js';

/**
 * Configuration of `permessageDeflate`. "Server"/"client" in a name say whose compressor the
 * option is about, as in the RFC's parameter names; what the option does depends on the side
 * running it.
 */
export interface PermessageDeflateOptions {
  /** The DEFLATE implementation (e.g. `createZlibCodec()` from the Node layer). */
  readonly codec: DeflateCodec;
  /**
   * Client: offer `server_no_context_takeover` (the server must then compress every message
   * from an empty window, §7.1.1.1). Server: always answer with it and do so. A server also
   * honours it whenever a client asks. Default false.
   */
  readonly serverNoContextTakeover?: boolean;
  /**
   * Client: offer `client_no_context_takeover`, a hint that we need no window kept for us; we
   * compress from an empty window when the server's answer contains it (§7.1.1.2, §7.2.1).
   * Server: always answer with it, so clients must compress each message from an empty window.
   * Default false.
   */
  readonly clientNoContextTakeover?: boolean;
  /**
   * Client: offer `server_max_window_bits=<n>`: the server may compress with at most 2^n bytes of
   * window (§7.1.2.1). Server: compress with at most 2^n bytes and say so. 8..15; default: 15, unsaid.
   */
  readonly serverMaxWindowBits?: number;
  /**
   * Client: `true` (default) offers `client_max_window_bits` without a value (the server may
   * limit our window); a number n offers `client_max_window_bits=n`, a hint the server may turn into
   * an agreement; `false` leaves it out (§7.1.2.2). Either way we compress with the window the
   * answer agrees (§7.2.1). Server: a number n asks clients that offered the parameter to stay
   * within 2^n bytes (clients that did not may use 32 KiB); a client's own hint n is echoed, so
   * the inflater can use the smaller window.
   */
  readonly clientMaxWindowBits?: number | boolean;
  /**
   * Unfragmented messages shorter than this many bytes are sent uncompressed (default 1024, as
   * `ws` does): below about 1 KiB DEFLATE rarely saves a network packet, and each compressed
   * message costs a zlib call. 0 compresses everything the application asks to compress.
   */
  readonly threshold?: number;
  /** DEFLATE level 0..9 for the compressor (-1 or absent: the codec's default, zlib's 6). */
  readonly level?: number;
  /** zlib memLevel 1..9 for the compressor (the codec's default when absent). */
  readonly memLevel?: number;
}

/** The agreed parameters, turned into what this endpoint does (RFC 7692 §7.2.1, §7.2.2). */
interface DeflateSettings {
  readonly sendWindowBits: number;
  readonly sendNoContextTakeover: boolean;
  readonly receiveWindowBits: number;
  readonly receiveNoContextTakeover: boolean;
}

/** The four parameters of one offer or response, read and validated (RFC 7692 §7, §7.1). */
interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` when present without a value (allowed in an offer only). */
  clientMaxWindowBits: number | true | undefined;
}

/**
 * RFC 7692 §7: reads one offer (`side: 'offer'`) or response. Returns the parameters, or the
 * reason they are invalid: an unknown parameter, a repeated one, or a bad value.
 */
function readParams(params: ExtensionParams, side: 'offer' | 'response'): DeflateParams | string {
  const read: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const repeated = repeatedParameter(params);
  if (repeated !== undefined) return `parameter ${repeated} appears twice`;
  for (const [name, value] of params) {
    switch (name) {
      case 'server_no_context_takeover': // §7.1.1.1: no value
      case 'client_no_context_takeover': // §7.1.1.2: no value
        if (value !== true) return `parameter ${name} takes no value`;
        if (name === 'server_no_context_takeover') read.serverNoContextTakeover = true;
        else read.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        // §7.1.2.1: a value 8..15 in offers and responses alike
        const bits = parseWindowBits(value);
        if (bits === undefined) return `server_max_window_bits must be 8 to 15 without leading zeros, got ${describeValue(value)}`;
        read.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        // §7.1.2.2: optional value in an offer, required in a response
        if (value === true && side === 'offer') {
          read.clientMaxWindowBits = true;
          break;
        }
        const bits = parseWindowBits(value);
        if (bits === undefined) return `client_max_window_bits must be 8 to 15 without leading zeros, got ${describeValue(value)}`;
        read.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${name}`; // §7: not defined for permessage-deflate
    }
  }
  return read;
}

/** A factory for the "permessage-deflate" extension (RFC 7692 §7) with these options. */
export function permessageDeflate(options: PermessageDeflateOptions): ExtensionFactory {
  if (options.serverMaxWindowBits !== undefined) checkWindowBits('serverMaxWindowBits', options.serverMaxWindowBits);
  if (typeof options.clientMaxWindowBits === 'number') checkWindowBits('clientMaxWindowBits', options.clientMaxWindowBits);
  const threshold = checkCompressorOptions(options);
  /** The extension for the agreed settings: engines that keep to the agreed windows (§7.2.1, §7.2.2). */
  const activate = (responseParams: ExtensionParams, settings: DeflateSettings): Extension => {
    const sendOptions = { windowBits: settings.sendWindowBits, level: options.level, memLevel: options.memLevel };
    const streams = new DeflateStreams(options.codec, sendOptions, { windowBits: settings.receiveWindowBits }, 'compressed message');
    return new PermessageDeflateExtension(responseParams, settings, threshold, streams);
  };

  // Client side: the one offer we make (RFC 7692 §5: the extension name, §7.1: parameters).
  const offer: [string, string | true][] = [];
  if (options.serverNoContextTakeover) offer.push(['server_no_context_takeover', true]);
  if (options.clientNoContextTakeover) offer.push(['client_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined) offer.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  const offeredClientWindow = options.clientMaxWindowBits ?? true;
  if (offeredClientWindow === true) offer.push(['client_max_window_bits', true]);
  else if (typeof offeredClientWindow === 'number') offer.push(['client_max_window_bits', String(offeredClientWindow)]);

  return {
    name: 'permessage-deflate',

    offers: () => [offer.slice()],

    acceptResponse(params: ExtensionParams): Extension {
      const fail = (why: string): never => {
        throw new HandshakeError(RULES.PMD_RESPONSE_INVALID, { why });
      };
      const agreed = readParams(params, 'response');
      if (typeof agreed === 'string') return fail(agreed); // §7: unknown, repeated or invalid parameter
      // §7.1.1.1: a server accepts our server_no_context_takeover by repeating it.
      if (options.serverNoContextTakeover && !agreed.serverNoContextTakeover) return fail('server_no_context_takeover was requested but not accepted');
      // §7.1.2.1: ... and our server_max_window_bits by answering with the same or a smaller value.
      if (options.serverMaxWindowBits !== undefined) {
        if (agreed.serverMaxWindowBits === undefined) return fail('server_max_window_bits was requested but not accepted');
        if (agreed.serverMaxWindowBits > options.serverMaxWindowBits) {
          return fail(`server_max_window_bits=${agreed.serverMaxWindowBits} is larger than the ${options.serverMaxWindowBits} offered`);
        }
      }
      // §7.1.2.2: client_max_window_bits may only answer an offer that had it.
      if (agreed.clientMaxWindowBits !== undefined && offeredClientWindow === false) return fail('client_max_window_bits was not offered');
      return activate(params, {
        // §7.2.1: the agreed parameters decide, whatever hints our offer gave: a window of at
        // most 2^client_max_window_bits, and an empty window per message under
        // client_no_context_takeover; otherwise 32 KiB and context takeover.
        sendWindowBits: typeof agreed.clientMaxWindowBits === 'number' ? agreed.clientMaxWindowBits : MAX_WINDOW_BITS,
        sendNoContextTakeover: agreed.clientNoContextTakeover,
        // §7.2.2: 32 KiB unless server_max_window_bits was agreed.
        receiveWindowBits: agreed.serverMaxWindowBits ?? MAX_WINDOW_BITS,
        receiveNoContextTakeover: agreed.serverNoContextTakeover,
      });
    },

    acceptOffer(offers: readonly ExtensionParams[]): Extension | undefined {
      // RFC 7692 §5: the client's offers are in order of preference; take the first we can accept.
      for (const params of offers) {
        const offered = readParams(params, 'offer');
        if (typeof offered === 'string') continue; // §7: decline an invalid offer
        const response: [string, string | true][] = [];
        // §7.1.1.1: honour a request for server_no_context_takeover; may add it unasked.
        const serverNoContextTakeover = offered.serverNoContextTakeover || options.serverNoContextTakeover === true;
        if (serverNoContextTakeover) response.push(['server_no_context_takeover', true]);
        // §7.1.1.2: may forbid the client to take over. A client's own client_no_context_takeover
        // is only a hint (§7.2.2): unless we answer with it, we keep our inflate window.
        const clientNoContextTakeover = options.clientNoContextTakeover === true;
        if (clientNoContextTakeover) response.push(['client_no_context_takeover', true]);
        // §7.1.2.1: answer a requested limit with the same or a smaller value; may add one unasked.
        let sendWindowBits = MAX_WINDOW_BITS;
        if (offered.serverMaxWindowBits !== undefined || options.serverMaxWindowBits !== undefined) {
          sendWindowBits = Math.min(offered.serverMaxWindowBits ?? MAX_WINDOW_BITS, options.serverMaxWindowBits ?? MAX_WINDOW_BITS);
          response.push(['server_max_window_bits', String(sendWindowBits)]);
        }
        // §7.1.2.2: only if the offer had client_max_window_bits may the response limit the client.
        let receiveWindowBits = MAX_WINDOW_BITS;
        if (offered.clientMaxWindowBits !== undefined) {
          const hinted = offered.clientMaxWindowBits === true ? MAX_WINDOW_BITS : offered.clientMaxWindowBits;
          const wanted = typeof options.clientMaxWindowBits === 'number' ? options.clientMaxWindowBits : MAX_WINDOW_BITS;
          const bits = Math.min(hinted, wanted);
          if (bits < MAX_WINDOW_BITS || typeof options.clientMaxWindowBits === 'number') {
            receiveWindowBits = bits;
            response.push(['client_max_window_bits', String(bits)]);
          }
        }
        return activate(response, {
          sendWindowBits,
          sendNoContextTakeover: serverNoContextTakeover,
          receiveWindowBits,
          receiveNoContextTakeover: clientNoContextTakeover,
        });
      }
      return undefined; // §5: declining every offer, the response names no permessage-deflate
    },
  };
}

/** One connection's permessage-deflate: a compressor for what it sends, an inflater for what it receives. */
class PermessageDeflateExtension implements Extension {
  readonly name = 'permessage-deflate';
  readonly rsvBits = RSV1;
  /** Whether the message being sent is a compressed one (decided on its first frame). */
  private sendingCompressed = false;
  /** Whether the message being received is a compressed one (RSV1 on its first frame). */
  private receivingCompressed = false;
  private receivedCompressedBytes = 0;

  constructor(
    readonly responseParams: ExtensionParams,
    private readonly settings: DeflateSettings,
    private readonly threshold: number,
    private readonly streams: DeflateStreams,
  ) {}

  // The connection passes data frames only (opcodes 0x0-0x2): control frames are never
  // compressed (§6.1) and it refuses RSV1 on them itself (RFC 6455 §5.2).
  startIncomingFrame(frame: IncomingFrameInfo): boolean {
    const compressedBit = (frame.rsv & RSV1) !== 0;
    if (frame.firstFrameOfMessage) {
      // §6: RSV1 on the first frame makes the whole message a compressed message
      this.receivingCompressed = compressedBit;
      this.receivedCompressedBytes = 0;
      return compressedBit;
    }
    // §6.1: "MUST NOT set the Per-Message Compressed bit of ... non-first fragments"
    if (compressedBit) throw new ProtocolError(RULES.PMD_RSV1_ON_CONTINUATION);
    return this.receivingCompressed;
  }

  decodeChunk(data: Uint8Array, out: Uint8Array[], limit: number): void {
    this.receivedCompressedBytes += data.length;
    this.streams.inflate(data, out, limit, false);
  }

  endIncomingFrame(fin: boolean, out: Uint8Array[], limit: number): void {
    // An empty payload is an empty message; senders more often write the single byte 0x00 (§7.2.3.6).
    if (!fin || this.receivedCompressedBytes === 0) return;
    // §7.2.2 step 1: append 00 00 ff ff, inflate. The peer promised not to refer back under
    // client/server_no_context_takeover, so we may start the next message empty; doing so also
    // makes a peer that breaks the promise fail loudly (1007) instead of working by luck.
    this.streams.inflate(SYNC_FLUSH_TAIL, out, limit, this.settings.receiveNoContextTakeover);
  }

  // Called for data frames only: the connection writes control frames itself, never compressed (§6.1).
  encodeFrame(payload: Uint8Array, frame: OutgoingFrameInfo): EncodedFrame {
    if (frame.firstFrameOfMessage) {
      // §6: the choice is made once per message; continuation frames follow it.
      this.sendingCompressed = frame.compress && !(frame.fin && payload.length < this.threshold);
    }
    if (!this.sendingCompressed) return { payload, rsv: 0 }; // §6.1: uncompressed message, RSV1 clear
    // §6.1: RSV1 on the first frame of a compressed message only.
    const rsv = frame.firstFrameOfMessage ? RSV1 : 0;
    // §7.2.1 lets a sender split compressed data anywhere; wsref chooses to end each fragment at a
    // sync flush, keeping its 00 00 ff ff on every fragment but the last (§7.2.1 removes only that
    // one). Without context takeover the next message starts from an empty window (§7.2.1).
    const noTakeover = this.settings.sendNoContextTakeover;
    const compressed = this.streams.deflate(payload, frame.fin && noTakeover);
    if (!frame.fin) return { payload: compressed, rsv };
    const lastFragment = removeSyncFlushTail(compressed); // §7.2.1 steps 2-3
    // §7.3: without takeover the window carries nothing over, so an unfragmented message that
    // did not shrink may go out as it was.
    if (noTakeover && frame.firstFrameOfMessage && lastFragment.length >= payload.length) return { payload, rsv: 0 };
    return { payload: lastFragment, rsv };
  }

  dispose(): void {
    this.streams.dispose();
  }
}
