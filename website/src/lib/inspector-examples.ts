// The frames the inspector offers as buttons: RFC 6455 §5.7's examples, RFC 7692 §7.2.3.1's
// compressed "Hello", and frames that break a rule (each named with the clause it breaks).

import type { Compression, Sender } from './frame-lab.js';

export interface FrameExample {
  readonly id: string;
  readonly label: string;
  readonly hex: string;
  readonly sender: Sender;
  readonly compression: Compression;
  /** Where the example comes from, or the rule it breaks. */
  readonly note: string;
}

export const RFC_EXAMPLES: readonly FrameExample[] = [
  { id: 'unmasked-hello', label: 'Unmasked "Hello"', hex: '81 05 48 65 6c 6c 6f', sender: 'server', compression: 'none', note: 'RFC 6455 §5.7: a single-frame unmasked text message' },
  { id: 'masked-hello', label: 'Masked "Hello"', hex: '81 85 37 fa 21 3d 7f 9f 4d 51 58', sender: 'client', compression: 'none', note: 'RFC 6455 §5.7: a single-frame masked text message' },
  { id: 'fragmented', label: 'Fragmented "Hel" + "lo"', hex: '01 03 48 65 6c 80 02 6c 6f', sender: 'server', compression: 'none', note: 'RFC 6455 §5.7: a fragmented unmasked text message' },
  { id: 'ping', label: 'Ping "Hello"', hex: '89 05 48 65 6c 6c 6f', sender: 'server', compression: 'none', note: 'RFC 6455 §5.7: an unmasked ping' },
  { id: 'masked-pong', label: 'Masked pong "Hello"', hex: '8a 85 37 fa 21 3d 7f 9f 4d 51 58', sender: 'client', compression: 'none', note: 'RFC 6455 §5.7: a masked pong answering it' },
  { id: 'binary-256', label: '256-byte binary (header)', hex: '82 7e 01 00', sender: 'server', compression: 'none', note: 'RFC 6455 §5.7: the header of a 256-byte binary message (16-bit length)' },
  { id: 'binary-64k', label: '64 KiB binary (header)', hex: '82 7f 00 00 00 00 00 01 00 00', sender: 'server', compression: 'none', note: 'RFC 6455 §5.7: the header of a 64 KiB binary message (64-bit length)' },
  { id: 'close-1000', label: 'Close 1000 "shutting down"', hex: '88 0f 03 e8 73 68 75 74 74 69 6e 67 20 64 6f 77 6e', sender: 'server', compression: 'none', note: 'RFC 6455 §5.5.1, §7.4.1: a close frame with a status code and a reason' },
  { id: 'compressed-hello', label: 'Compressed "Hello"', hex: 'c1 07 f2 48 cd c9 c9 07 00', sender: 'server', compression: 'permessage-deflate', note: 'RFC 7692 §7.2.3.1: "Hello" compressed with permessage-deflate (RSV1 set)' },
];

export const BROKEN_EXAMPLES: readonly FrameExample[] = [
  { id: 'unmasked-from-client', label: 'Unmasked client frame', hex: '81 05 48 65 6c 6c 6f', sender: 'client', compression: 'none', note: 'RFC 6455 §5.1: a client must mask every frame it sends' },
  { id: 'masked-from-server', label: 'Masked server frame', hex: '81 85 37 fa 21 3d 7f 9f 4d 51 58', sender: 'server', compression: 'none', note: 'RFC 6455 §5.1: a server must not mask its frames' },
  { id: 'non-minimal-length', label: 'Non-minimal length', hex: '81 7e 00 05 48 65 6c 6c 6f', sender: 'server', compression: 'none', note: 'RFC 6455 §5.2: the length must use the shortest form' },
  { id: 'long-ping', label: 'Ping of 126 bytes', hex: '89 7e 00 7e', sender: 'server', compression: 'none', note: 'RFC 6455 §5.5: control frames carry at most 125 bytes' },
  { id: 'fragmented-ping', label: 'Fragmented ping', hex: '09 00', sender: 'server', compression: 'none', note: 'RFC 6455 §5.5: control frames must not be fragmented' },
  { id: 'reserved-opcode', label: 'Reserved opcode 0x3', hex: '83 00', sender: 'server', compression: 'none', note: 'RFC 6455 §5.2: opcodes 0x3–0x7 and 0xB–0xF are reserved' },
  { id: 'invalid-utf8', label: 'Invalid UTF-8 text', hex: '81 02 c3 28', sender: 'server', compression: 'none', note: 'RFC 6455 §8.1: text must be valid UTF-8 (close code 1007)' },
  { id: 'close-1004', label: 'Close code 1004', hex: '88 02 03 ec', sender: 'server', compression: 'none', note: 'RFC 6455 §7.4.1: 1004 is reserved; wsref, like the Autobahn|Testsuite, fails a close frame that carries it' },
  { id: 'rsv1-on-close', label: 'RSV1 on a close frame', hex: 'c8 00', sender: 'server', compression: 'permessage-deflate', note: 'RFC 7692 §6.1: RSV1 has no meaning on control frames' },
];
