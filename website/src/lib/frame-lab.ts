// RFC 6455 §5 (framing), §5.3 (masking), §5.4 (fragmentation), §5.5 (control frames), §7.4
// (close codes) and RFC 7692 / deflate-frame, as the docs site's frame inspector uses them.
// Nothing here re-implements the protocol: frames are *built* by the core's `Connection` (whose
// `FrameWriter` writes headers with `writeFrameHeader` and masks with `maskInto`), *explained* by
// `annotateFrame`, and *received* by another `Connection`, whose `FrameParser` applies every
// rule and fails the connection with the close code the RFC names.
//
// Browser-safe (no Node imports); the unit tests in spec-tests/docs/ run it under Node.

import { CLOSE_CODES } from '../../../src/core/closing/close-codes.js';
import { Connection, createMaskKeySource, type Role } from '../../../src/core/connection.js';
import { deflateFrame } from '../../../src/core/extensions/deflate-frame.js';
import type { DeflateCodec } from '../../../src/core/extensions/deflate-codec.js';
import { ProtocolError } from '../../../src/core/errors.js';
import type { Extension, ExtensionFactory, ExtensionParams } from '../../../src/core/extensions/extension.js';
import { parseExtensionHeader } from '../../../src/core/handshake/extension-header.js';
import { annotateFrame, hex, type FrameAnnotation } from '../../../src/core/explain/frame-annotate.js';
import { Opcode } from '../../../src/core/framing/frame-header.js';
import { permessageDeflate } from '../../../src/core/extensions/permessage-deflate.js';

/** Who sends the frames: a client masks them (RFC 6455 §5.1, §5.3), a server does not. */
export type Sender = Role;
/** The compression extension in effect: none, per message (RFC 7692) or per frame (deflate-frame). */
export type Compression = 'none' | 'permessage-deflate' | 'deflate-frame';
/** What kind of frame(s) to build. */
export type FrameKind = 'text' | 'binary' | 'ping' | 'pong' | 'close';

/** The most bytes the inspector takes apart in one go (pasted or built). */
export const MAX_INSPECT_BYTES = 1024 * 1024;
/** The most frames it lists. */
export const MAX_FRAMES = 64;
/** Payload bytes decoded and shown per frame. */
export const PREVIEW_BYTES = 4096;
/** The most fragments a message may be split into here. */
export const MAX_FRAGMENTS = 16;

// ─── Hex ─────────────────────────────────────────────────────────────────────────────────

/** Reads hex such as `81 85 37fa213d`, `0x81,0x85` or `81:85`. Returns the bytes or what is wrong. */
export function parseHex(text: string): Uint8Array | string {
  const cleaned = text.replace(/0x/gi, '').replace(/[\s,:;_-]+/g, '');
  if (cleaned.length === 0) return new Uint8Array(0);
  const bad = /[^0-9a-f]/i.exec(cleaned);
  if (bad) return `"${bad[0]}" is not a hex digit`;
  if (cleaned.length % 2 !== 0) return `odd number of hex digits (${cleaned.length}): every byte needs two`;
  if (cleaned.length / 2 > MAX_INSPECT_BYTES) return `more than ${MAX_INSPECT_BYTES} bytes`;
  const bytes = new Uint8Array(cleaned.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(cleaned.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** A masking key written as 8 hex digits (spaces allowed) → 32-bit number, network order. */
export function parseMaskKey(text: string): number | string {
  const bytes = parseHex(text);
  if (typeof bytes === 'string') return bytes;
  if (bytes.length !== 4) return 'a masking key is exactly 4 bytes (RFC 6455 §5.3)';
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** A 32-bit key as `37 fa 21 3d`. */
export function maskKeyHex(key: number): string {
  return hex(Uint8Array.of(key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff));
}

// ─── Extensions ──────────────────────────────────────────────────────────────────────────

function factoryFor(compression: Exclude<Compression, 'none'>, codec: DeflateCodec): ExtensionFactory {
  // threshold 0: compress every message/frame, however small, so the inspector always shows it.
  return compression === 'permessage-deflate' ? permessageDeflate({ codec, threshold: 0 }) : deflateFrame({ codec, threshold: 0 });
}

/**
 * The extension object one endpoint holds after a default negotiation (an offer without
 * parameters, accepted as is): the server's side from `acceptOffer`, the client's from
 * `acceptResponse` (RFC 6455 §9.1, RFC 7692 §5).
 */
export function negotiatedExtension(compression: Compression, side: Role, codec: DeflateCodec): Extension[] {
  if (compression === 'none') return [];
  const factory = factoryFor(compression, codec);
  const params: ExtensionParams = [];
  const extension = side === 'server' ? factory.acceptOffer([params]) : factory.acceptResponse(params);
  return extension ? [extension] : [];
}

// ─── Building frames ─────────────────────────────────────────────────────────────────────

export interface ComposeRequest {
  readonly sender: Sender;
  readonly kind: FrameKind;
  /** The message (text/binary) or the control frame's application data (ping/pong). */
  readonly payload: Uint8Array;
  /** Close frames: the status code (undefined: an empty close body) and reason (RFC 6455 §5.5.1). */
  readonly closeCode?: number | undefined;
  readonly closeReason?: string;
  /** Data messages only: split into this many frames (RFC 6455 §5.4). */
  readonly fragments: number;
  readonly compression: Compression;
  /** A fixed masking key (client frames), or 'random' for fresh keys from crypto.getRandomValues. */
  readonly maskKey: number | 'random';
  readonly codec: DeflateCodec;
}

export interface ComposeResult {
  /** Every frame, in order, as the sending connection wrote it. */
  readonly frames: Uint8Array[];
  /** The frames back to back: the bytes on the wire. */
  readonly bytes: Uint8Array;
  /** Why nothing could be built (an application error the core refused, e.g. a ping over 125 bytes). */
  readonly error?: string;
}

/** Splits `payload` into `count` pieces as equal as possible (RFC 6455 §5.4 allows any split). */
export function splitPayload(payload: Uint8Array, count: number): Uint8Array[] {
  const n = Math.max(1, Math.min(MAX_FRAGMENTS, Math.floor(count)));
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    pieces.push(payload.subarray(Math.floor((i * payload.length) / n), Math.floor(((i + 1) * payload.length) / n)));
  }
  return pieces;
}

/** What a connection has written since the last call, as one buffer (a copy, out of the shared slab). */
function takeWritten(connection: Connection): Uint8Array {
  return joinFrames(connection.dataToSend());
}

/** Pulls a receiving connection's events into the inspector's own shape. */
function takeEvents(connection: Connection, events: ReceiverEvent[]): void {
  for (const event of connection.events()) {
    if (event.type === 'message') events.push({ kind: 'message', isText: event.isText, data: event.data.slice() });
    else if (event.type === 'ping' || event.type === 'pong') events.push({ kind: event.type, data: event.payload.slice() });
    else if (event.type === 'closing') events.push({ kind: 'close', code: event.code, reason: event.reason });
    else if (event.type === 'error' && event.error instanceof ProtocolError) events.push({ kind: 'error', code: event.error.closeCode, reason: event.error.message, ruleCode: event.error.code });
  }
}

/** Builds the frame(s) an endpoint of the given role sends, with the core's own sending code. */
export function composeFrames(request: ComposeRequest): ComposeResult {
  const frames: Uint8Array[] = [];
  const maskKeys = request.maskKey === 'random' ? createMaskKeySource() : () => request.maskKey as number;
  const connection = new Connection({ role: request.sender, maskKeys });
  try {
    connection.establish(undefined, negotiatedExtension(request.compression, request.sender, request.codec));
    switch (request.kind) {
      case 'text':
      case 'binary': {
        const pieces = splitPayload(request.payload, request.fragments);
        pieces.forEach((piece, i) => {
          connection.sendFrame(piece, request.kind === 'text', i === pieces.length - 1);
          frames.push(takeWritten(connection)); // one call, one frame
        });
        break;
      }
      case 'ping':
        connection.ping(request.payload);
        frames.push(takeWritten(connection));
        break;
      case 'pong':
        connection.pong(request.payload);
        frames.push(takeWritten(connection));
        break;
      case 'close':
        connection.close(request.closeCode, request.closeReason ?? '');
        frames.push(takeWritten(connection));
        break;
    }
  } catch (error) {
    return { frames: [], bytes: new Uint8Array(0), error: (error as Error).message };
  } finally {
    connection.transportClosed(); // frees the compressor
  }
  return { frames, bytes: joinFrames(frames) };
}

function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let offset = 0;
  for (const frame of frames) {
    bytes.set(frame, offset);
    offset += frame.length;
  }
  return bytes;
}

// ─── Taking bytes apart ──────────────────────────────────────────────────────────────────

/** One frame found in the bytes. */
export interface InspectedFrame {
  /** Where the frame starts in the input. */
  readonly offset: number;
  /** The frame's bytes present in the input (the whole frame unless the input was cut short). */
  readonly bytes: Uint8Array;
  readonly annotation: FrameAnnotation;
  /** The whole frame (header and payload) was in the input. */
  readonly complete: boolean;
  /** The frame's size on the wire, once its header is known. */
  readonly wireLength: number | undefined;
}

/** What the receiving endpoint (wsref's core) did with the bytes. */
export type ReceiverEvent =
  | { readonly kind: 'message'; readonly isText: boolean; readonly data: Uint8Array }
  | { readonly kind: 'ping' | 'pong'; readonly data: Uint8Array }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'error'; readonly code: number; readonly reason: string; readonly ruleCode: string | undefined };

export interface InspectResult {
  readonly frames: InspectedFrame[];
  /** Bytes after the listed frames that were not taken apart (frame limit reached). */
  readonly unlisted: number;
  /** The receiver's events, in order. */
  readonly events: ReceiverEvent[];
  /** The frames the receiver wrote back (a pong, its close frame), annotated. */
  readonly replies: InspectedFrame[];
  /** Set when the receiver failed the connection (RFC 6455 §7.1.7). */
  /** `ruleCode`: the broken row of src/core/rules.ts (`WSREF_…`), when the error names one. */
  readonly failure?: { readonly code: number; readonly name: string; readonly reason: string; readonly ruleCode: string | undefined };
  /** Bytes the receiver still waits for: the input ends inside a frame. */
  readonly awaiting: number;
}

export interface InspectRequest {
  readonly bytes: Uint8Array;
  readonly sender: Sender;
  readonly compression: Compression;
  readonly codec: DeflateCodec;
}

/** The name of a close code (1002 → "Protocol Error"), or a description of its range. */
export function closeCodeName(code: number): string {
  const known = CLOSE_CODES.find((c) => c.code === code);
  if (known) return known.name;
  if (code >= 3000 && code <= 3999) return 'registered by a library or framework';
  if (code >= 4000 && code <= 4999) return 'private use';
  return 'unassigned';
}

/** Splits `bytes` into frames and explains each one with `annotateFrame`. */
export function splitFrames(bytes: Uint8Array, sender: Sender | undefined, compression: Compression): { frames: InspectedFrame[]; unlisted: number } {
  const frames: InspectedFrame[] = [];
  let offset = 0;
  let messageType: 'text' | 'binary' | undefined;
  while (offset < bytes.length && frames.length < MAX_FRAMES) {
    const rest = bytes.subarray(offset);
    const annotation = annotateFrame(rest, {
      previewBytes: PREVIEW_BYTES,
      ...(sender ? { sender } : {}),
      extensionRsv: compression === 'none' ? 0 : 0x40,
      ...(messageType ? { messageType } : {}),
    });
    const wireLength = annotation.headerComplete ? annotation.headerLength + annotation.payloadLength : undefined;
    const complete = wireLength !== undefined && wireLength <= rest.length;
    frames.push({ offset, bytes: rest.subarray(0, complete ? wireLength : rest.length), annotation, complete, wireLength });
    if (!complete) return { frames, unlisted: 0 };
    // Continuation frames take the type of the message they continue (RFC 6455 §5.4).
    if (annotation.opcode === Opcode.Text || annotation.opcode === Opcode.Binary) {
      messageType = annotation.fin ? undefined : annotation.opcode === Opcode.Text ? 'text' : 'binary';
    } else if (annotation.opcode === Opcode.Continuation && annotation.fin) {
      messageType = undefined;
    }
    offset += wireLength;
  }
  return { frames, unlisted: bytes.length - offset };
}

/**
 * Takes `bytes` apart frame by frame, then feeds them to a wsref connection in the receiving
 * role — the role that is not `sender` — and reports what it did: messages, control frames,
 * the frames it wrote back, and, when a rule is broken, the close code it failed with.
 */
export function inspectBytes(request: InspectRequest): InspectResult {
  const { frames, unlisted } = splitFrames(request.bytes, request.sender, request.compression);
  const receiverRole: Role = request.sender === 'client' ? 'server' : 'client';
  const written: Uint8Array[] = [];
  const events: ReceiverEvent[] = [];
  // A client receiver masks what it writes back: use the RFC's example key, so replies are reproducible.
  const receiver = new Connection({ role: receiverRole, maskKeys: () => 0x37fa213d, maxMessageSize: 16 * 1024 * 1024 });
  let awaiting = 0;
  try {
    receiver.establish(undefined, negotiatedExtension(request.compression, receiverRole, request.codec));
    receiver.receive(request.bytes.slice()); // the connection unmasks in place: give it a copy
    takeEvents(receiver, events); // pulling them also lets it answer a close (RFC 6455 §5.5.1)
    written.push(takeWritten(receiver));
  } finally {
    receiver.transportClosed();
  }
  const failed = events.find((e): e is Extract<ReceiverEvent, { kind: 'error' }> => e.kind === 'error');
  const last = frames[frames.length - 1];
  if (!failed && last && !last.complete) {
    // The whole frame once its header is known; else at least the rest of the header (2 bytes minimum).
    const needed = last.wireLength ?? (last.annotation.headerLength || 2);
    awaiting = needed - last.bytes.length;
  }
  const replies = written.flatMap((frame) => splitFrames(frame, receiverRole, 'none').frames);
  return {
    frames,
    unlisted,
    events,
    replies,
    awaiting,
    ...(failed ? { failure: { code: failed.code, name: closeCodeName(failed.code), reason: failed.reason, ruleCode: failed.ruleCode } } : {}),
  };
}

// ─── The live panel: what our core would send and receive for the same messages ──────────

/**
 * Mirrors one browser ↔ server WebSocket conversation with two core connections that keep their
 * compression contexts from message to message (RFC 7692 §7.2.1 context takeover), so each
 * message is encoded as wsref's client and server would encode it at that point.
 */
export class MirroredConversation {
  private readonly client: Connection;
  private readonly server: Connection;

  /**
   * `extensions` is the negotiated `Sec-WebSocket-Extensions` value the browser reports
   * (`WebSocket.extensions`); only permessage-deflate is mirrored.
   */
  constructor(readonly extensions: string, codec: DeflateCodec, readonly maskKey = 0x37fa213d) {
    this.client = new Connection({ role: 'client', maskKeys: () => this.maskKey });
    this.server = new Connection({ role: 'server' });
    // The demo server runs wsref's defaults (threshold 1 KiB): mirror those, not the inspector's threshold 0.
    const factory = (): ExtensionFactory => permessageDeflate({ codec });
    const params = extensions ? permessageDeflateParams(extensions) : undefined;
    this.client.establish(undefined, params ? [factory().acceptResponse(params)] : []);
    const serverSide = params ? factory().acceptOffer([[['client_max_window_bits', true]]]) : undefined;
    this.server.establish(undefined, serverSide ? [serverSide] : []);
  }

  /** The frame a wsref client sends for this text message. */
  clientFrame(text: string): Uint8Array {
    this.client.send(new TextEncoder().encode(text), true);
    return takeWritten(this.client);
  }

  /** The frame a wsref server sends for this text message. */
  serverFrame(text: string): Uint8Array {
    this.server.send(new TextEncoder().encode(text), true);
    return takeWritten(this.server);
  }

  /** Frees both connections' compression contexts. */
  dispose(): void {
    this.client.transportClosed();
    this.server.transportClosed();
  }
}

/** The parameters of the permessage-deflate entry of a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1 grammar). */
function permessageDeflateParams(header: string): ExtensionParams | undefined {
  try {
    return parseExtensionHeader(header).find((offer) => offer.name === 'permessage-deflate')?.params;
  } catch {
    return undefined; // not a valid header: mirror no compression
  }
}
