// RFC 7692 §7.1 (extension negotiation parameters), as both compression extensions use it: the
// window-size value of §7.1.2 (which the deflate-frame draft's `max_window_bits` follows too),
// the §7 rule that a parameter appears at most once, and the checks on the options that
// configure a compressor. permessage-deflate.ts and deflate-frame.ts read their own parameter
// names; what they share lives here, beside the codec seam (deflate-codec.ts).

import type { ExtensionParams } from './extension.js';

/** The smallest window a peer may be held to, 2^8 = 256 bytes (RFC 7692 §7.1.2.1, §7.1.2.2). */
export const MIN_WINDOW_BITS = 8;
/** The largest LZ77 window DEFLATE allows, 2^15 = 32,768 bytes (RFC 7692 §7.2.1): the default. */
export const MAX_WINDOW_BITS = 15;

/** A parameter's value as the header parser gives it: the text, or `true` for a name without value. */
export type ParameterValue = ExtensionParams[number][1];

/**
 * Reads a window-size value: "a decimal integer value without leading zeroes between 8 to 15,
 * inclusive" (RFC 7692 §7.1.2.1, §7.1.2.2; ABNF `1*DIGIT`). A quoted value arrives here already
 * unquoted (RFC 6455 §9.1), so `"10"` is 10. Returns undefined for anything else.
 */
export function parseWindowBits(value: ParameterValue): number | undefined {
  if (value === true) return undefined;
  if (value.length === 1) return value === '8' || value === '9' ? Number(value) : undefined;
  if (value.length === 2 && value[0] === '1' && value[1]! >= '0' && value[1]! <= '5') return Number(value);
  return undefined;
}

/** A value as the reason for refusing it names it. */
export function describeValue(value: ParameterValue): string {
  return value === true ? 'no value' : JSON.stringify(value);
}

/** RFC 7692 §7: an offer or response naming a parameter twice is invalid. Returns the first such name. */
export function repeatedParameter(params: ExtensionParams): string | undefined {
  const seen = new Set<string>();
  for (const [name] of params) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Throws unless `value` (an option or a codec argument called `name`) is a window size 8..15. */
export function checkWindowBits(name: string, value: number): void {
  if (!Number.isInteger(value) || value < MIN_WINDOW_BITS || value > MAX_WINDOW_BITS) {
    throw new RangeError(`${name} must be an integer from ${MIN_WINDOW_BITS} to ${MAX_WINDOW_BITS}, got ${value}`);
  }
}

/** The compressor options both extensions take. */
export interface CompressorOptions {
  /** Messages (permessage-deflate) or frames (deflate-frame) shorter than this are sent uncompressed. */
  readonly threshold?: number;
  /** DEFLATE level 0..9, or -1 for the codec's default. */
  readonly level?: number;
  /** zlib memLevel 1..9. */
  readonly memLevel?: number;
}

/** Checks the compressor options both extensions take; returns the threshold (default 1024 bytes). */
export function checkCompressorOptions(options: CompressorOptions): number {
  const threshold = options.threshold ?? 1024;
  if (!Number.isInteger(threshold) || threshold < 0) throw new RangeError(`threshold must be a non-negative integer, got ${threshold}`);
  if (options.level !== undefined && (!Number.isInteger(options.level) || options.level < -1 || options.level > 9)) {
    throw new RangeError(`level must be an integer from -1 to 9, got ${options.level}`);
  }
  if (options.memLevel !== undefined && (!Number.isInteger(options.memLevel) || options.memLevel < 1 || options.memLevel > 9)) {
    throw new RangeError(`memLevel must be an integer from 1 to 9, got ${options.memLevel}`);
  }
  return threshold;
}
