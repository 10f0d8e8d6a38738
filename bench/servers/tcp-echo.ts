// The ceiling: the same echo over raw TCP with no WebSocket framing at all. Each message is
// a 4-byte big-endian length and the payload; the server gathers whole messages (copying
// only when one spans reads, as a WebSocket server must too) and writes each one back. No
// masking, no UTF-8 checks, no handshake: what Node's sockets cost on their own.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { serveHarness } from './control.js';

let open = 0;
let echoed = 0;

const server = net.createServer((socket) => {
  open++;
  socket.setNoDelay(true);
  socket.on('close', () => open--);
  socket.on('error', () => socket.destroy());
  const pieces: Buffer[] = [];
  let buffered = 0;
  let need = -1; // length of the message being gathered (prefix included), -1 while its prefix is incomplete

  socket.on('data', (chunk: Buffer) => {
    pieces.push(chunk);
    buffered += chunk.length;
    socket.cork();
    for (;;) {
      if (need < 0) {
        if (buffered < 4) break;
        need = 4 + readLength(pieces);
      }
      if (buffered < need) break;
      socket.write(take(pieces, need)); // prefix and payload, as received
      echoed++;
      buffered -= need;
      need = -1;
    }
    socket.uncork();
  });
});

/** The payload length in the first 4 buffered bytes. */
function readLength(pieces: Buffer[]): number {
  const first = pieces[0]!;
  if (first.length >= 4) return first.readUInt32BE(0);
  return Buffer.concat(pieces).readUInt32BE(0);
}

/** Removes the first `length` bytes from the queue: a view when one piece holds them, else one copy. */
function take(pieces: Buffer[], length: number): Buffer {
  const first = pieces[0]!;
  if (first.length >= length) {
    if (first.length === length) pieces.shift();
    else pieces[0] = first.subarray(length);
    return first.subarray(0, length);
  }
  const out = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const piece = pieces[0]!;
    const n = Math.min(piece.length, length - filled);
    piece.copy(out, filled, 0, n);
    filled += n;
    if (n === piece.length) pieces.shift();
    else pieces[0] = piece.subarray(n);
  }
  return out;
}

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveHarness(port, { impl: 'tcp' }, { connections: () => open, messages: () => echoed });
});
