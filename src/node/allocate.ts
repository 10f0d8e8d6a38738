// RFC 6455 §5.4, §6.2 (receiving a message) and §5.3 (a client's masked frames): the buffers the
// core fills, from Node without zero-filling. The core asks only for buffers it writes in full
// before anyone sees them (src/core/bytes.ts, `Allocate`), so clearing them first is wasted work:
// a 64 KiB zero-fill costs more than copying the message into it.

import type { Allocate } from '../core/bytes.js';

/**
 * `Buffer.allocUnsafeSlow`: uninitialised memory in an ArrayBuffer of its own. Not
 * `Buffer.allocUnsafe`, whose requests under 4 KiB (half of `Buffer.poolSize`) are slices of a
 * shared 8 KiB pool: a small message the application keeps would keep the whole pool alive, and
 * its `.buffer` would show whatever else the process put there (other connections' messages,
 * strings turned into Buffers). From 4 KiB up the two are the same call; below, the pool would
 * save a fraction of a microsecond, only for messages that came split or fragmented.
 * The result is a Buffer, so the session hands it to the application without a wrapper.
 */
export const allocateUnzeroed: Allocate = (size) => Buffer.allocUnsafeSlow(size);
