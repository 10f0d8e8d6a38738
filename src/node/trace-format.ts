// RFC 6455 §4 (the opening handshake) and §5.2 (frames), printed as they cross the wire: a
// passive tracer for `wsref --trace`. It reads *copies* of the bytes a socket sends and receives
// — it never changes them, never holds a payload beyond a short preview, and never affects the
// connection — and prints the HTTP handshake heads, then every frame field by field with the
// clause that defines it (the annotation comes from the browser-safe `core/frame-annotate.ts`).

import type { Socket } from 'node:net';
import { annotateFrame, type FrameAnnotation } from '../core/explain/frame-annotate.js';
import { Opcode } from '../core/framing/frame-header.js';
import { HttpHeadParser, type HeaderList, type ParsedHead } from '../core/handshake/http-head.js';

export type Direction = 'sent' | 'received';

/** Where rule links point: the docs site as `npm start` serves it (docs/rules.md lists every rule). */
export const DOCS_SITE = 'http://127.0.0.1:8080';

export interface WireTraceOptions {
  /** Our side of the connection: a client's frames are masked, a server's are not (RFC 6455 §5.1). */
  readonly role: 'client' | 'server';
  /** Where each printed block goes (one call per block, lines joined with \n). */
  readonly print: (text: string) => void;
  /** Whether the received stream starts with an HTTP head (true for a client: the 101 response). */
  readonly receivedStartsWithHttp: boolean;
  /** Whether the sent stream starts with an HTTP head (the client's request; a server's 101). */
  readonly sentStartsWithHttp: boolean;
  /** Payload bytes shown per frame. Default 32. */
  readonly previewBytes?: number;
}

/** The two directions of one connection's trace; feed each the bytes of its direction, in order. */
export interface WireTrace {
  sent(bytes: Uint8Array): void;
  received(bytes: Uint8Array): void;
}

const ARROW: Record<Direction, string> = { sent: '→ sent    ', received: '← received' };

/** Starts tracing one connection. The negotiated extensions are learned from the 101 response. */
export function createWireTrace(options: WireTraceOptions): WireTrace {
  const peer = options.role === 'client' ? 'server' : 'client';
  // RSV bits the negotiated extensions define: unknown until the 101 has been seen.
  const negotiated: { rsv: number | undefined } = { rsv: undefined };
  const make = (direction: Direction, sender: 'client' | 'server', http: boolean) =>
    new StreamTracer(direction, sender, http, negotiated, options.print, options.previewBytes ?? 32);
  const sent = make('sent', options.role, options.sentStartsWithHttp);
  const received = make('received', peer, options.receivedStartsWithHttp);
  return { sent: (b) => sent.push(b), received: (b) => received.push(b) };
}

/**
 * Taps a socket: `onSent` sees every chunk written, `onReceived` every chunk read, before anyone
 * else (so before the session unmasks received frames in place). The callbacks must copy what
 * they keep. Returns a function that removes the tap.
 */
export function tapSocket(socket: Socket, onSent: (bytes: Uint8Array) => void, onReceived: (bytes: Uint8Array) => void): () => void {
  type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
  const originalWrite = socket.write as Write;
  const originalEnd = socket.end as (...args: unknown[]) => Socket;
  const asBytes = (chunk: unknown, encoding: unknown): Uint8Array | undefined => {
    if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    return chunk instanceof Uint8Array ? chunk : undefined;
  };
  socket.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    const bytes = asBytes(chunk, rest[0]);
    if (bytes) onSent(bytes);
    return originalWrite.call(this, chunk, ...rest);
  } as Socket['write'];
  socket.end = function (this: Socket, ...args: unknown[]) {
    // `end(data)` writes without going through `write`.
    const bytes = typeof args[0] === 'function' ? undefined : asBytes(args[0], args[1]);
    if (bytes) onSent(bytes);
    return originalEnd.apply(this, args);
  } as Socket['end'];
  const onData = (chunk: Buffer) => onReceived(chunk);
  socket.prependListener('data', onData);
  return () => {
    socket.write = originalWrite as Socket['write'];
    socket.end = originalEnd as Socket['end'];
    socket.off('data', onData);
  };
}

const enum Phase {
  Http,
  Header,
  Payload,
  Off,
}

/** The longest frame header: 2 + 8 (64-bit length) + 4 (masking key). */
const MAX_HEADER = 14;

/** Reads one direction of the byte stream: an optional HTTP head, then frames. */
class StreamTracer {
  private phase: Phase;
  private http = new HttpHeadParser();
  private readonly header = new Uint8Array(MAX_HEADER);
  private headerFilled = 0;
  private headerNeeded = 2;
  private preview = new Uint8Array(0);
  private previewFilled = 0;
  private payloadRemaining = 0;
  /** The type of the message being fragmented, for continuation frames. */
  private messageType: 'text' | 'binary' | undefined;

  constructor(
    private readonly direction: Direction,
    private readonly sender: 'client' | 'server',
    startsWithHttp: boolean,
    private readonly negotiated: { rsv: number | undefined },
    private readonly print: (text: string) => void,
    private readonly previewBytes: number,
  ) {
    this.phase = startsWithHttp ? Phase.Http : Phase.Header;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && this.phase !== Phase.Off) {
      if (this.phase === Phase.Http) offset = this.readHttp(chunk, offset);
      else if (this.phase === Phase.Header) offset = this.readHeader(chunk, offset);
      else offset = this.readPayload(chunk, offset);
    }
  }

  private readHttp(chunk: Uint8Array, offset: number): number {
    let parsed;
    try {
      parsed = this.http.push(chunk.subarray(offset));
    } catch (error) {
      this.print(`${ARROW[this.direction]}  bytes that are not an HTTP head: ${(error as Error).message}`);
      this.phase = Phase.Off;
      return chunk.length;
    }
    if (!parsed) return chunk.length;
    this.print(formatHttpHead(parsed.head, this.direction));
    const head = parsed.head;
    if (head.kind === 'response') {
      if (head.status !== 101) {
        this.phase = Phase.Off; // not upgraded: what follows is an HTTP body
        return chunk.length;
      }
      this.negotiated.rsv = extensionRsv(head.headers);
    }
    this.phase = Phase.Header;
    return chunk.length - parsed.rest.length;
  }

  private readHeader(chunk: Uint8Array, offset: number): number {
    const take = Math.min(this.headerNeeded - this.headerFilled, chunk.length - offset);
    this.header.set(chunk.subarray(offset, offset + take), this.headerFilled);
    this.headerFilled += take;
    offset += take;
    if (this.headerFilled < this.headerNeeded) return offset;
    if (this.headerNeeded === 2) {
      // The first two bytes say how long the header is (RFC 6455 §5.2).
      const length7 = this.header[1]! & 0x7f;
      this.headerNeeded = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (this.header[1]! & 0x80 ? 4 : 0);
      if (this.headerNeeded > 2) return offset;
    }
    const header = annotateFrame(this.header.subarray(0, this.headerFilled), { previewBytes: 0 });
    // Lengths past 2^53 cannot be followed byte by byte; show the header and stop.
    if (!Number.isSafeInteger(header.payloadLength)) {
      this.printFrame(this.header.slice(0, this.headerFilled));
      this.phase = Phase.Off;
      return chunk.length;
    }
    this.payloadRemaining = header.payloadLength;
    this.preview = new Uint8Array(Math.min(header.payloadLength, this.previewBytes));
    this.previewFilled = 0;
    this.phase = Phase.Payload;
    if (this.payloadRemaining === 0) this.endFrame();
    return offset;
  }

  private readPayload(chunk: Uint8Array, offset: number): number {
    const n = Math.min(this.payloadRemaining, chunk.length - offset);
    const keep = Math.min(n, this.preview.length - this.previewFilled);
    if (keep > 0) {
      this.preview.set(chunk.subarray(offset, offset + keep), this.previewFilled);
      this.previewFilled += keep;
    }
    this.payloadRemaining -= n;
    if (this.payloadRemaining === 0) this.endFrame();
    return offset + n;
  }

  private endFrame(): void {
    const frame = new Uint8Array(this.headerFilled + this.previewFilled);
    frame.set(this.header.subarray(0, this.headerFilled));
    frame.set(this.preview.subarray(0, this.previewFilled), this.headerFilled);
    this.printFrame(frame);
    this.headerFilled = 0;
    this.headerNeeded = 2;
    this.phase = Phase.Header;
  }

  private printFrame(frame: Uint8Array): void {
    const opcode = frame[0]! & 0x0f;
    const annotation = annotateFrame(frame, {
      previewBytes: this.previewBytes,
      sender: this.sender,
      ...(this.negotiated.rsv !== undefined ? { extensionRsv: this.negotiated.rsv } : {}),
      ...(this.messageType ? { messageType: this.messageType } : {}),
    });
    // Track the message type across fragments; a compressed message's fragments stay bytes.
    if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      const compressed = (frame[0]! & 0x40) !== 0 && this.negotiated.rsv !== undefined;
      this.messageType = annotation.fin || compressed ? undefined : opcode === Opcode.Text ? 'text' : 'binary';
    } else if (opcode === Opcode.Continuation && annotation.fin) {
      this.messageType = undefined;
    }
    this.print(formatFrame(annotation, this.direction));
  }
}

/** RSV bits defined by the extensions a 101 response names (RFC 7692 §6 and the deflate-frame draft use RSV1). */
function extensionRsv(headers: HeaderList): number {
  const value = headers.filter(([n]) => n.toLowerCase() === 'sec-websocket-extensions').map(([, v]) => v).join(',');
  return /(^|,)\s*(permessage-deflate|deflate-frame|x-webkit-deflate-frame)\s*(;|,|$)/i.test(value) ? 0x40 : 0;
}

/** Where each handshake header is defined, for the trace: the request (§4.1) and the response (§4.2.2 step 5). */
const REQUEST_CLAUSES: Record<string, string> = {
  host: '§4.1 item 4',
  upgrade: '§4.1 item 5',
  connection: '§4.1 item 6',
  'sec-websocket-key': '§4.1 item 7',
  origin: '§4.1 item 8, §10.2',
  'sec-websocket-version': '§4.1 item 9',
  'sec-websocket-protocol': '§4.1 item 10, §11.3.4',
  'sec-websocket-extensions': '§4.1 item 11, §9.1',
};
const RESPONSE_CLAUSES: Record<string, string> = {
  upgrade: '§4.2.2 item 5.2',
  connection: '§4.2.2 item 5.3',
  'sec-websocket-accept': '§4.2.2 item 5.4',
  'sec-websocket-protocol': '§4.2.2 item 5.5',
  'sec-websocket-extensions': '§4.2.2 item 5.6, §9.1',
  'sec-websocket-version': '§4.4',
};

/** An HTTP handshake head as trace lines, each WebSocket header tagged with its RFC 6455 clause. */
export function formatHttpHead(head: ParsedHead, direction: Direction): string {
  const title = head.kind === 'request' ? 'HTTP request (opening handshake, RFC 6455 §4.1)' : `HTTP response (RFC 6455 §4.2.2${head.status === 101 ? '' : ', handshake refused'})`;
  const start = head.kind === 'request' ? `${head.method} ${head.target} HTTP/${head.httpVersion}` : `HTTP/${head.httpVersion} ${head.status} ${head.reason}`;
  const lines = [`${ARROW[direction]}  ${title}`, `    ${start}`];
  for (const [name, value] of head.headers) {
    const clause = (head.kind === 'request' ? REQUEST_CLAUSES : RESPONSE_CLAUSES)[name.toLowerCase()];
    const line = `    ${name}: ${value}`;
    lines.push(clause ? `${line.padEnd(64)}  RFC 6455 ${clause}` : line);
  }
  return lines.join('\n');
}

/**
 * One annotated frame as trace lines: a summary, then one line per field. A field that breaks a
 * rule gets two more: what is wrong, and the rule's requirement id and code with a link to the
 * docs section that explains it (`docsSite` + the row's path).
 */
export function formatFrame(a: FrameAnnotation, direction: Direction, docsSite = DOCS_SITE): string {
  const opcode = a.fields.find((f) => f.field === 'opcode');
  const kind = opcode ? opcode.meaning.split(':')[0] : 'frame';
  const summary = `${kind} frame, ${a.payloadLength} byte${a.payloadLength === 1 ? '' : 's'}${a.fin ? '' : ', not final'}${a.masked ? ', masked' : ''}${a.rsv & 0x40 && opcode ? ', RSV1' : ''}`;
  const lines = [`${ARROW[direction]}  ${summary}  (${a.headerLength}-byte header, ${a.lengthForm ?? '?'} length form)`];
  for (const f of a.fields) {
    const bytes = f.bytes[1] - f.bytes[0] === 1 && f.bits[1] - f.bits[0] < 8 ? `bit ${f.bits[0]}${f.bits[1] - f.bits[0] > 1 ? `-${f.bits[1] - 1}` : ''}` : `bytes ${f.bytes[0]}-${f.bytes[1] - 1}`;
    // A long value (a payload preview) goes on a line of its own under the field.
    const short = f.display.length <= 14;
    lines.push(`    ${f.field.padEnd(24)}${(short ? f.display : '').padEnd(14)} ${f.meaning}  [${f.rfc.replace('RFC 6455 ', '')}; ${bytes}]`);
    if (!short) lines.push(`    ${''.padEnd(24)}${f.display}`);
    if (f.problem) lines.push(`    ${''.padEnd(24)}!! ${f.problem}`);
    if (f.rule) lines.push(`    ${''.padEnd(24)}!! rule ${f.rule.id} (${f.rule.code}): ${docsSite}${f.rule.docs}`);
  }
  return lines.join('\n');
}
