// RFC 6455 §5.6 on the sending side: a text frame's payload is UTF-8. A string the application
// sends is encoded to UTF-8 and is valid by construction; bytes it sends *as text* go
// out as they are (no decode, no re-encode), so they are checked first, with Node's native
// `buffer.isUtf8` — the same check the core applies to what arrives (§8.1). A fragmented text
// message (§5.4) may split a code point between fragments: the bytes left open at the end of
// one fragment are carried to the next, and the last fragment must close them.

import { Utf8Validator } from '../core/index.js';
import { nativeUtf8Check } from './platform.js';

const NOTHING_OPEN = new Uint8Array(0);

/** A message being sent in fragments (RFC 6455 §5.4): its type, and for text the code point its last fragment left open. */
export interface FragmentedSend {
  readonly isText: boolean;
  /** 0–3 bytes: the start of a code point the next fragment must complete (always empty for binary). */
  readonly open: Uint8Array;
}

/**
 * Checks `bytes` about to be sent as (part of) a text message, `open` being what the previous
 * fragment left open, and returns what this one leaves open. Throws a TypeError when the text is
 * not UTF-8, or when the message ends (`fin`) inside a code point; nothing has been sent then.
 */
export function checkTextToSend(bytes: Uint8Array, open: Uint8Array, fin: boolean): Uint8Array {
  if (open.length === 0 && fin) {
    if (!nativeUtf8Check(bytes)) throw notUtf8();
    return NOTHING_OPEN;
  }
  // A fresh validator per fragment: when a fragment is refused, the message's state is as before.
  const validator = new Utf8Validator(nativeUtf8Check);
  if (!validator.push(open) || !validator.push(bytes)) throw notUtf8();
  if (fin) {
    if (!validator.finish()) throw new TypeError('a text message must end on a whole UTF-8 code point (RFC 6455 §5.6): its last fragment ends inside one');
    return NOTHING_OPEN;
  }
  return validator.openCodePoint();
}

function notUtf8(): TypeError {
  return new TypeError('bytes sent as text must be UTF-8 (RFC 6455 §5.6) and these are not: send them as binary, or as a string');
}
