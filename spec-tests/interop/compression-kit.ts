// Shared by the compression tests (RFC 7692 permessage-deflate, the deflate-frame draft): the
// message catalogue they send, an independent reader for `Sec-WebSocket-Extensions` values, the
// RFC 7692 §7 rules a server's answer must obey, and a TCP proxy that taps the frames on the
// wire, so sizes and RSV1 bits are measured outside the code under test.
//
// Nothing here imports src/: a checker that shared the code under test would agree with its bugs.

import net from 'node:net';
import { FrameReader, parseHead, type RawFrame } from '../helpers/node-peers.js';

// ─── Messages ────────────────────────────────────────────────────────────────────────────────

/** A deterministic xorshift32 byte stream. */
export function pseudoRandomBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Valid UTF-8 of exactly `size` bytes. Compressible: JSON-ish text that repeats. Incompressible:
 * CJK ideographs drawn at random (3 bytes each, about 14 bits of entropy), so DEFLATE gains
 * little and code points straddle any fragment boundary; ASCII pads the last bytes.
 */
export function textBytes(size: number, compressible: boolean, seed: number): Buffer {
  if (compressible) {
    const unit = Buffer.from('{"type":"tick","symbol":"WSREF","price":42.5,"note":"héllo €"},');
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i += unit.length) unit.copy(out, i, 0, Math.min(unit.length, size - i));
    return fixUtf8Tail(out);
  }
  const random = pseudoRandomBytes(size, seed);
  const out = Buffer.alloc(size);
  let at = 0;
  for (let i = 0; size - at >= 3; i += 2) {
    const codePoint = 0x4e00 + (((random[i]! << 8) | random[i + 1]!) % 0x5200); // U+4E00..U+9FFF
    out[at++] = 0xe0 | (codePoint >> 12);
    out[at++] = 0x80 | ((codePoint >> 6) & 0x3f);
    out[at++] = 0x80 | (codePoint & 0x3f);
  }
  out.fill(0x41, at); // 'A'
  return out;
}

/** Replaces a multi-byte character cut by the end of `bytes` with ASCII, keeping the length. */
function fixUtf8Tail(bytes: Buffer): Buffer {
  let start = bytes.length - 1;
  while (start > 0 && (bytes[start]! & 0xc0) === 0x80) start--;
  if (start < 0 || start >= bytes.length) return bytes;
  const lead = bytes[start]!;
  const needed = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (start + needed > bytes.length) bytes.fill(0x2e, start); // '.'
  return bytes;
}

export function binaryBytes(size: number, compressible: boolean, seed: number): Buffer {
  if (!compressible) return pseudoRandomBytes(size, seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (i >> 4) % 7 === 0 ? i & 0xff : 0xaa; // runs with a little structure
  return out;
}

/** One test message: its bytes, its type, and how the sender splits it (RFC 6455 §5.4). */
export interface TestMessage {
  readonly label: string;
  readonly bytes: Buffer;
  readonly isText: boolean;
  /** The fragments to send in order (one piece when not fragmented). */
  readonly fragments: Buffer[];
}

export const MESSAGE_SIZES = [0, 1, 1023, 1024, 5000, 70_000, 1024 * 1024] as const;

const catalogue = new Map<string, TestMessage>();

/**
 * The eight variants of a size: compressible (variants 0–3) or not (4–7) × text or binary ×
 * whole or in three fragments. Built once and shared (the 1 MiB ones take a while).
 */
export function messageVariant(size: number, variant: number): TestMessage {
  const key = `${size}/${variant}`;
  const cached = catalogue.get(key);
  if (cached) return cached;
  const compressible = (variant & 4) === 0;
  const isText = (variant & 2) === 0;
  const fragmented = (variant & 1) === 1;
  const seed = size + variant;
  const bytes = isText ? textBytes(size, compressible, seed) : binaryBytes(size, compressible, seed);
  const third = Math.floor(size / 3);
  const fragments = fragmented ? [bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)] : [bytes];
  const label = `${size} B ${compressible ? 'compressible' : 'incompressible'} ${isText ? 'text' : 'binary'}${fragmented ? ' in 3 fragments' : ''}`;
  const message = { label, bytes, isText, fragments };
  catalogue.set(key, message);
  return message;
}

// ─── Sec-WebSocket-Extensions, read independently (RFC 6455 §9.1) ─────────────────────────────

export type Params = Map<string, string | true>;
export interface ExtensionElement {
  name: string;
  params: Params;
  /** Names in the order they appeared, repeats included (for the "appears twice" rule). */
  order: string[];
}

/** Reads a header value: comma-separated elements of `name; p; p=v`. Quoted values are unquoted. */
export function readExtensionHeader(value: string | undefined): ExtensionElement[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((element) => {
    const [name, ...rest] = element.split(';').map((part) => part.trim());
    const params: Params = new Map();
    const order: string[] = [];
    for (const part of rest) {
      const eq = part.indexOf('=');
      const key = (eq === -1 ? part : part.slice(0, eq)).trim();
      const raw = eq === -1 ? true : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      order.push(key);
      params.set(key, raw);
    }
    return { name: name!, params, order };
  });
}

/** Parameters as a sorted, printable list: for comparisons that ignore order. */
export function describeParams(params: Params): string {
  return [...params].map(([k, v]) => (v === true ? k : `${k}=${v}`)).sort().join('; ');
}

const WINDOW_VALUE = /^(8|9|1[0-5])$/; // RFC 7692 §7.1.2: 8..15, no leading zeros

/**
 * RFC 7692 §7 and §7.1: what is wrong with `response` as the server's acceptance of the
 * permessage-deflate `offer` (an empty list when nothing is). This is the client's check
 * (§7: "A client MUST _Fail the WebSocket Connection_ if …") plus the server's duties towards the
 * offer it accepted (§7.1.1.1, §7.1.2.1, §7.1.2.2).
 */
export function rfc7692ResponseProblems(offer: ExtensionElement, response: ExtensionElement): string[] {
  const problems: string[] = [];
  if (response.name !== 'permessage-deflate') problems.push(`answered ${response.name}`);
  if (new Set(response.order).size !== response.order.length) problems.push('a parameter appears twice (§7)');
  for (const [key, value] of response.params) {
    switch (key) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) problems.push(`${key} takes no value (§7.1.1)`);
        break;
      case 'server_max_window_bits':
      case 'client_max_window_bits':
        if (value === true || !WINDOW_VALUE.test(value)) problems.push(`${key} needs a value 8..15 in a response (§7.1.2)`);
        break;
      default:
        problems.push(`${key} is not a permessage-deflate parameter (§7)`);
    }
  }
  // §7.1.1.1: an offer with server_no_context_takeover is accepted by repeating it.
  if (offer.params.has('server_no_context_takeover') && !response.params.has('server_no_context_takeover')) {
    problems.push('server_no_context_takeover was offered but not in the response (§7.1.1.1)');
  }
  // §7.1.2.1: an offered server_max_window_bits is accepted with the same or a smaller value.
  const offeredServerBits = offer.params.get('server_max_window_bits');
  if (typeof offeredServerBits === 'string') {
    const answered = response.params.get('server_max_window_bits');
    if (typeof answered !== 'string') problems.push('server_max_window_bits was offered but not answered (§7.1.2.1)');
    else if (Number(answered) > Number(offeredServerBits)) problems.push(`server_max_window_bits=${answered} exceeds the ${offeredServerBits} offered (§7.1.2.1)`);
  }
  // §7.1.2.2: client_max_window_bits only in answer to an offer that has it.
  if (!offer.params.has('client_max_window_bits') && response.params.has('client_max_window_bits')) {
    problems.push('client_max_window_bits answered though not offered (§7.1.2.2)');
  }
  return problems;
}

// ─── A tapping proxy ───────────────────────────────────────────────────────────────────────

/** A frame as seen on the wire: its total size (header, mask key and payload) and fields. */
export interface WireFrame extends RawFrame {
  /** Bytes the frame occupied on the wire. */
  readonly wireBytes: number;
}

/**
 * A TCP proxy on 127.0.0.1:0 in front of `targetPort` that decodes the frames passing each way
 * once the HTTP handshake is through. It forwards bytes unchanged; what it records comes from
 * its own parsing (spec-tests/helpers FrameReader), not from either endpoint's counters.
 */
export class TapProxy {
  readonly toServer: WireFrame[] = [];
  readonly toClient: WireFrame[] = [];
  /** The raw handshake heads, for the negotiated headers. */
  requestHead = '';
  responseHead = '';
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly targetPort: number) {
    this.server = net.createServer((client) => this.relay(client));
  }

  static async start(targetPort: number): Promise<{ proxy: TapProxy; port: number }> {
    const proxy = new TapProxy(targetPort);
    const port = await new Promise<number>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve((proxy.server.address() as net.AddressInfo).port));
    });
    return { proxy, port };
  }

  /** Data frames (text, binary, continuation) in one direction. */
  dataFrames(direction: 'toServer' | 'toClient'): WireFrame[] {
    return this[direction].filter((f) => f.opcode < 8);
  }

  private relay(client: net.Socket): void {
    const upstream = net.connect({ host: '127.0.0.1', port: this.targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => this.sockets.delete(s));
    }
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    this.tap(client, upstream, this.toServer, (head) => (this.requestHead = head));
    this.tap(upstream, client, this.toClient, (head) => (this.responseHead = head));
  }

  /** Forwards `from` → `to`, reading the HTTP head first and frames after it. */
  private tap(from: net.Socket, to: net.Socket, frames: WireFrame[], onHead: (head: string) => void): void {
    let head: Buffer | undefined = Buffer.alloc(0);
    const reader = new SizedFrameReader(frames);
    from.on('data', (chunk: Buffer) => {
      to.write(chunk);
      if (head !== undefined) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseHead(head);
        if (!parsed) return;
        onHead(head.subarray(0, head.length - parsed.rest.length).toString('latin1'));
        head = undefined;
        if (parsed.rest.length > 0) reader.push(parsed.rest);
        return;
      }
      reader.push(chunk);
    });
    from.once('end', () => to.end());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Wraps FrameReader to also record each frame's size on the wire. */
class SizedFrameReader {
  private readonly reader = new FrameReader();
  constructor(private readonly frames: WireFrame[]) {}

  push(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      const length = frame.payload.length;
      const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
      this.frames.push({ ...frame, wireBytes: 2 + lengthBytes + (frame.masked ? 4 : 0) + length });
    }
  }
}
