// RFC 6455 §7.1 (Closing the Connection) with §5.5.1 (the Close frame): who has sent and who has
// received a close frame, the answer to the peer's close (§5.5.1: promptly, by default echoing its
// code and reason), who closes the TCP connection first (§7.1.1), and how the connection ended
// (§7.1.4–§7.1.6: the code, the reason, and whether the closing handshake completed).

import { ProtocolError } from '../errors.js';
import { CloseCode, type CloseInfo } from './close-codes.js';

/**
 * What the runtime should do with the transport (RFC 6455 §7.1.1): keep it (`'no'`), close it now
 * (`'now'`: a server after the closing handshake, or any failed connection), or — a client after a
 * clean closing handshake — give the server a moment to close TCP first (`'after-grace'`).
 */
export type TransportClose = 'no' | 'now' | 'after-grace';

/** How a connection ended, once the transport is closed (the WHATWG CloseEvent's fields). */
export interface CloseResult {
  /** The code of the peer's close frame; 1005 when it had none, 1006 when none arrived (§7.1.5). */
  readonly code: number;
  /** The reason of the peer's close frame, or '' (RFC 6455 §7.1.6). */
  readonly reason: string;
  /** True when the closing handshake completed before the transport closed. */
  readonly wasClean: boolean;
}

/** The closing handshake of one connection, seen from one end. */
export class ClosingHandshake {
  /** Our close frame went out (RFC 6455 §7.1.2); no data frame may follow it (§5.5.1). */
  sent = false;
  /** The peer's close frame, once it arrived (RFC 6455 §7.1.3). */
  received: CloseInfo | undefined;
  /** The connection was failed (RFC 6455 §7.1.7): it can no longer end cleanly. */
  failed = false;
  /** The peer's close body, kept as the default answer while the answer is undecided (§5.5.1). */
  private echoBody: Uint8Array | undefined;
  /** The body of the peer's close frame, parsed but not yet heard by the application. */
  private parsedBody: Uint8Array | undefined;

  /** The peer's close frame was parsed (and checked); it counts once the application hears of it. */
  closeParsed(body: Uint8Array): void {
    this.parsedBody = body;
  }

  /** The application has been told of the peer's close frame; unless ours went out first, an answer is owed. */
  closeReceived(info: CloseInfo): void {
    this.received = info;
    if (!this.sent) this.echoBody = this.parsedBody;
  }

  /** True while the peer's close waits for our answer: a `close(code, reason)` now is the answer. */
  get answerOwed(): boolean {
    return this.echoBody !== undefined && !this.failed;
  }

  /**
   * RFC 6455 §5.5.1: once the application has heard of the peer's close and chose no answer of its
   * own, the echo is due: the peer's validated body as it came (empty if it was empty: 1005 is
   * never sent, §7.4.1). The body while an answer is owed, else undefined.
   */
  takeDueEcho(): Uint8Array | undefined {
    return this.answerOwed ? this.echoBody : undefined;
  }

  /** Our close frame is going out (a start, an answer, or the echo). */
  closeSent(): void {
    this.sent = true;
    this.echoBody = undefined;
  }

  /**
   * Once both close frames have passed (RFC 6455 §7.1.1): the server closes TCP first; a client
   * waits a moment for that. Before then the transport stays open.
   */
  transportAfterHandshake(isServer: boolean): TransportClose {
    if (!this.sent || !this.received) return 'no';
    return isServer ? 'now' : 'after-grace';
  }

  /** How the connection ended (RFC 6455 §7.1.4–§7.1.6), once the transport is closed. */
  result(): CloseResult {
    const received = this.received;
    return {
      code: received?.code ?? CloseCode.AbnormalClosure,
      reason: received?.reason ?? '',
      wasClean: received !== undefined && this.sent && !this.failed,
    };
  }
}

/**
 * A failure of the application's own code, not the peer's: RFC 6455 §7.4.1's 1011 ("an unexpected
 * condition"), with what was thrown kept as the `cause`.
 */
export function internalError(cause: unknown): ProtocolError {
  return Object.assign(new ProtocolError(CloseCode.InternalError, `internal error: ${String(cause)}`), { cause });
}
