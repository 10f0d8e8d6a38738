// RFC 6455 §5.2 frames onto a Node stream, and RFC 6455 §10.4's advice to bound what a peer may
// cost us: the session's writer. Frames written in the same tick leave together (one `writev`),
// a frame's header and payload are handed to the stream as they are (never copied into one
// buffer here), and a peer that leaves more than `maxBufferedAmount` unread is dropped instead of
// buffered without bound.
//
// It writes to any `stream.Duplex` — a TCP or TLS socket, or an HTTP/2 stream (RFC 8441) — so it
// uses nothing but the stream interface: cork/uncork, writableCorked, write,
// writableLength, destroy.

import type { Duplex } from 'node:stream';

/** The two bounds on what waits in the stream, in bytes. */
export interface WriterLimits {
  /** `belowHighWaterMark` turns false above this: the application should wait for `'drain'`. */
  readonly highWaterMark: number;
  /** A peer that leaves more than this unread, counted before a frame is written, is dropped. */
  readonly maxBufferedAmount: number;
}

/** Why a stream was dropped: its peer does not read (RFC 6455 §10.4). */
export class SlowReaderError extends Error {
  constructor(queued: number, limit: number) {
    super(`peer is not reading: ${queued} bytes still queued from earlier writes exceed maxBufferedAmount ${limit}`);
    this.name = 'SlowReaderError';
  }
}

/**
 * Writes frames to `stream`: the chunks in order (a frame's header and payload are adjacent
 * chunks, as the core's `dataToSend()` gives them). Nothing is written once the stream is gone.
 * When its peer has stopped reading, the stream is destroyed instead and the `SlowReaderError`
 * returned, for the session to report (a transport's own `destroy` may not carry an error: an
 * HTTP/2 stream is reset). Nothing is kept: the array may be reused as soon as this returns, and
 * the writer has no object of its own per session — the stream and the session's settings are
 * all it needs, and the stream itself says whether it is corked.
 */
export function writeFrames(stream: Duplex, limits: WriterLimits, chunks: readonly Uint8Array[]): SlowReaderError | undefined {
  if (stream.destroyed || stream.writableEnded) return undefined;
  // Frames written in the same tick leave together (one writev), header and payload uncopied: the
  // first write of a tick corks the stream, and the end of the tick uncorks it.
  if (stream.writableCorked === 0) {
    stream.cork();
    process.nextTick(uncork, stream);
  }
  for (let i = 0; i < chunks.length; i++) {
    // What earlier writes left unread decides, checked before each chunk, not the chunk itself: a
    // peer that keeps reading gets a message of any size, a peer that stopped is dropped before we
    // queue more (RFC 6455 §10.4). A batch can hold hundreds of pongs answering one read full of
    // pings; checked per chunk, a peer that floods pings and never reads is held to the bound too.
    const queued = stream.writableLength;
    if (queued > limits.maxBufferedAmount) {
      stream.destroy();
      return new SlowReaderError(queued, limits.maxBufferedAmount);
    }
    stream.write(chunks[i]);
  }
  return undefined;
}

/** Whether `stream` is open and holds no more than `highWaterMark`: `send` may go on. */
export function belowHighWaterMark(stream: Duplex, limits: WriterLimits): boolean {
  return !stream.destroyed && stream.writableLength <= limits.highWaterMark;
}

/** A plain function with the stream as argument: no closure per write or per session. */
function uncork(stream: Duplex): void {
  stream.uncork();
}
