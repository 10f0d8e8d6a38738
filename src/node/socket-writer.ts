// RFC 6455 §5.2 frames onto a Node stream, and RFC 6455 §10.4's advice to bound what a peer may
// cost us: the session's writer. Frames written in the same tick leave together (one `writev`),
// a frame's header and payload are handed to the stream as they are (never copied into one
// buffer here), and a peer that leaves more than `maxBufferedAmount` unread is dropped instead of
// buffered without bound.
//
// It writes to any `stream.Duplex` — a TCP or TLS socket today, an HTTP/2 stream (RFC 8441)
// tomorrow — so it uses nothing but the stream interface: cork/uncork, write, writableLength,
// destroy.

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

/** Writes one session's frames to its stream: corked per tick, uncopied, bounded. */
export class SocketWriter {
  private corked = false;

  constructor(
    private readonly stream: Duplex,
    private readonly limits: WriterLimits,
  ) {}

  /** Bytes queued in the stream, not yet handed to the operating system (or the HTTP/2 session). */
  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  /** Whether the stream is open and holds no more than `highWaterMark`: `send` may go on. */
  get belowHighWaterMark(): boolean {
    return !this.stream.destroyed && this.stream.writableLength <= this.limits.highWaterMark;
  }

  /**
   * Writes frames: the chunks in order (a frame's header and payload are adjacent chunks, as the
   * core's `dataToSend()` gives them). Nothing is written once the stream is gone. When its peer
   * has stopped reading, the stream is destroyed instead and the `SlowReaderError` returned, for
   * the session to report (a transport's own `destroy` may not carry an error: an HTTP/2 stream
   * is reset). The writer keeps no chunk: the array may be reused as soon as this returns.
   */
  write(chunks: readonly Uint8Array[]): SlowReaderError | undefined {
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded) return undefined;
    // Frames written in the same tick leave together (one writev), header and payload uncopied.
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      process.nextTick(SocketWriter.uncork, this);
    }
    for (let i = 0; i < chunks.length; i++) {
      // What earlier writes left unread decides, checked before each chunk, not the chunk itself: a
      // peer that keeps reading gets a message of any size, a peer that stopped is dropped before we
      // queue more (RFC 6455 §10.4). A batch can hold hundreds of pongs answering one read full of
      // pings; checked per chunk, a peer that floods pings and never reads is held to the bound too.
      const queued = stream.writableLength;
      if (queued > this.limits.maxBufferedAmount) {
        stream.destroy();
        return new SlowReaderError(queued, this.limits.maxBufferedAmount);
      }
      stream.write(chunks[i]);
    }
    return undefined;
  }

  /** A static function with its writer as argument: no closure per write or per session. */
  private static uncork(writer: SocketWriter): void {
    writer.corked = false;
    writer.stream.uncork();
  }
}
