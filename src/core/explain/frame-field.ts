// RFC 6455 §5.2 for people: how one explained field of a frame is written down (where it lies,
// its value, its meaning, the clause, and the rule it breaks), shared by the header explainer
// (frame-annotate.ts) and the payload explainer (payload-annotate.ts).
import type { Rule } from '../rules.js';

/** One field of a frame, located and explained. */
export interface FrameField {
  /** The field's name as the RFC's §5.2 figure labels it, e.g. `FIN`, `opcode`, `Payload len`, `Masking-key`. */
  readonly field: string;
  /** Where the field lies, in bits from the first bit of the frame: `[first, end)`. */
  readonly bits: readonly [number, number];
  /** The bytes that hold it: `[first, end)` (a sub-byte field names the byte it is in). */
  readonly bytes: readonly [number, number];
  /** The decoded value: a bit as 0/1, a number, or text. */
  readonly value: number | string;
  /** The value as a person reads it: `1`, `0x1`, `37 fa 21 3d`, `"Hello"`. */
  readonly display: string;
  /** What the value means here. */
  readonly meaning: string;
  /** The defining clause, e.g. `RFC 6455 §5.2`. */
  readonly rfc: string;
  /** Set when the field breaks a rule: what is wrong and what a receiver must do. */
  readonly problem?: string;
  /** The row of core/rules.ts the field breaks (with `problem`): its requirement id and docs section. */
  readonly rule?: Rule;
}

/** What `annotateFrame` should know about the frame's context. */
export interface AnnotateOptions {
  /** How many payload bytes to decode and show. Default 64. */
  readonly previewBytes?: number;
  /** Who sent the frame: client frames must be masked, server frames must not be (§5.1). Unknown: not checked. */
  readonly sender?: 'client' | 'server';
  /**
   * The RSV bits the negotiated extensions give a meaning (0x40 for permessage-deflate or
   * deflate-frame, 0 for none). Unknown (undefined): reserved bits are described, not judged.
   */
  readonly extensionRsv?: number;
  /** For a continuation frame: the type of the message it continues, to show text as text. */
  readonly messageType?: 'text' | 'binary';
}

/** A field's `problem` and the row it names: the text says what a receiver does, the row links the rule. */
export interface Broken {
  readonly problem: string;
  readonly rule: Rule;
}

export function breaks(rule: Rule, problem: string): Broken {
  return { problem, rule };
}

/** Bytes as two-digit hex separated by spaces: `37 fa 21 3d`. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return out;
}

export function hexPreview(bytes: Uint8Array, truncated: boolean): string {
  return hex(bytes) + (truncated ? ' …' : '');
}

export function quote(text: string, truncated: boolean): string {
  return JSON.stringify(text) + (truncated ? '…' : '');
}
