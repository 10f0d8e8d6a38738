// WHATWG WebSockets Standard, "The WebSocket interface": the `send(data)` steps and the
// `bufferedAmount` they feed — converting the argument (Web IDL union `BufferSource or Blob or
// USVString`), keeping message order behind a Blob that is still being read, and counting bytes.

import { isAnyArrayBuffer } from 'node:util/types';
import { ReadyState } from '../core/index.js';
import type { Session } from './session.js';
import { bufferSourceBytes, toUSVString } from './webidl.js';

/** What `send` accepts (WHATWG: `BufferSource or Blob or USVString`). */
export type WebSocketData = string | ArrayBuffer | ArrayBufferView | Blob;

/** One converted `send()` argument: the bytes or text to send (a Blob is read when sent) and its size. */
export interface OutgoingMessage {
  readonly payload: Uint8Array | string | Blob;
  /** What `bufferedAmount` grows by: UTF-8 bytes of a string, bytes of a buffer, a Blob's size. */
  readonly size: number;
}

/**
 * Web IDL union conversion for `send(data)`: an ArrayBuffer or a view is binary (shared memory is
 * a TypeError), a Blob is binary read later, anything else is a `USVString` (lone surrogates
 * become U+FFFD, a Symbol is a TypeError). The bytes are views of the caller's memory: see
 * `OutgoingMessages.send` for when they are copied.
 */
export function toOutgoingMessage(data: unknown): OutgoingMessage {
  if (isAnyArrayBuffer(data) || ArrayBuffer.isView(data)) {
    const bytes = bufferSourceBytes(data as ArrayBuffer | ArrayBufferView);
    return { payload: bytes, size: bytes.byteLength };
  }
  if (data instanceof Blob) return { payload: data, size: data.size };
  const text = toUSVString(data);
  return { payload: text, size: Buffer.byteLength(text) };
}

/** The messages one `WebSocket` has sent: transmission in order, and the `bufferedAmount` bookkeeping. */
export class OutgoingMessages {
  #bytesAfterClosing = 0;
  #bytesThisTurn = 0;
  #bytesUnflushed = 0;
  #turnTimer: NodeJS.Immediate | undefined;
  // Sends waiting for a Blob to be read: later sends queue behind them to keep message order.
  #queue: Promise<void> = Promise.resolve();
  #queuedCount = 0;
  #queuedBytes = 0;

  /**
   * Bytes given to `send` and not yet handed to the network (approximately: once handed to the
   * socket, frame headers count and compression shrinks it). After the closing handshake has
   * started it only grows (WHATWG `bufferedAmount`).
   */
  bufferedAmount(session: Session | undefined): number {
    // The socket's backlog also holds frame headers and control frames: count at most the data bytes given to it.
    const backlog = session && session.readyState !== ReadyState.CLOSED ? session.bufferedAmount : 0;
    if (backlog === 0) this.#bytesUnflushed = 0;
    return this.#bytesAfterClosing + this.#queuedBytes + Math.max(this.#bytesThisTurn, Math.min(backlog, this.#bytesUnflushed));
  }

  /** "If the closing handshake has started": the message is not sent, only counted. */
  discard(message: OutgoingMessage): void {
    this.#bytesAfterClosing += message.size;
  }

  /** Sends a message on an open session, after any earlier message still waiting for its Blob. */
  send(session: Session, message: OutgoingMessage): void {
    const { payload, size } = message;
    if (this.#queuedCount === 0 && !(payload instanceof Blob)) {
      this.#transmit(session, payload, size);
      return;
    }
    // WHATWG send(): the data sent is the data as it is *now*. Sent at once, the session frames
    // (masks) it into its own buffer before returning; a message that must wait behind a Blob
    // keeps a copy, so that later writes to the caller's ArrayBuffer do not reach the wire.
    // A Blob is read asynchronously; it and every message after it wait their turn.
    const ready: Promise<Uint8Array | string> =
      payload instanceof Blob ? payload.arrayBuffer().then((buffer) => new Uint8Array(buffer)) : Promise.resolve(payload instanceof Uint8Array ? payload.slice() : payload);
    ready.catch(() => {});
    this.#queuedCount++;
    this.#queuedBytes += size;
    this.#queue = this.#queue.then(async () => {
      let bytes: Uint8Array | string;
      try {
        bytes = await ready;
      } catch {
        session.terminate(); // the Blob could not be read: fail the connection
        return;
      } finally {
        this.#queuedCount--;
        this.#queuedBytes -= size;
      }
      if (session.readyState === ReadyState.OPEN) this.#transmit(session, bytes, size);
      else this.#bytesAfterClosing += size;
    });
  }

  /** Runs `steps` once every message sent so far has gone out (WHATWG: close() comes after earlier sends). */
  afterQueued(steps: () => void): void {
    if (this.#queuedCount > 0) this.#queue = this.#queue.then(steps);
    else steps();
  }

  #transmit(session: Session, payload: Uint8Array | string, size: number): void {
    session.send(payload);
    this.#bytesThisTurn += size;
    this.#bytesUnflushed += size;
    // Bytes sent in this task count until the event loop turns (WHATWG `bufferedAmount`).
    this.#turnTimer ??= setImmediate(() => {
      this.#bytesThisTurn = 0;
      this.#turnTimer = undefined;
    });
  }
}
