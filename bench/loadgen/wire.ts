// The load generator's own minimal WebSocket client side (RFC 6455), kept deliberately
// tiny so it costs the same, and little, against every server: a fixed opening handshake
// (§4.1) written on a raw socket, frames built and masked once before a run (§5.2, §5.3) and
// then written again and again, and a counter that walks the server's frames without
// copying or unmasking anything (server frames are unmasked, §5.1). It is not a WebSocket
// implementation: it trusts the server and checks only what a benchmark needs.

import net from 'node:net';
import { deflateRawSync, constants } from 'node:zlib';

/** A fixed key is fine here: the benchmark talks to its own servers over loopback (§4.1 wants it random for real clients). */
const HANDSHAKE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MASK_KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

/** An open WebSocket (or TCP) connection of the load generator, and bytes that came after the handshake. */
export interface OpenSocket {
  socket: net.Socket;
  leftover: Buffer;
}

/** Connects and completes the opening handshake; `deflate` offers permessage-deflate and requires it in the answer. */
export function openWebSocket(port: number, deflate: boolean): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.on('connect', () => {
      socket.write(
        'GET / HTTP/1.1\r\n' +
          `Host: 127.0.0.1:${port}\r\n` +
          'Upgrade: websocket\r\n' +
          'Connection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${HANDSHAKE_KEY}\r\n` +
          'Sec-WebSocket-Version: 13\r\n' +
          (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '') +
          '\r\n',
      );
    });
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > 8192) fail(new Error('handshake response too long'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', fail);
      const response = head.subarray(0, end).toString('latin1');
      if (!response.startsWith('HTTP/1.1 101')) return fail(new Error(`handshake refused: ${response.split('\r\n')[0]}`));
      if (deflate && !/permessage-deflate/i.test(response)) return fail(new Error('server did not accept permessage-deflate'));
      socket.pause();
      resolve({ socket, leftover: head.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Connects a plain TCP socket (for the raw TCP ceiling). */
export function openTcp(port: number): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.off('error', reject);
      socket.pause();
      resolve({ socket, leftover: Buffer.alloc(0) });
    });
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** One masked client frame (RFC 6455 §5.2, §5.3), FIN set; `rsv1` marks a compressed message (RFC 7692 §6). */
export function buildClientFrame(opcode: number, payload: Uint8Array, rsv1 = false): Buffer {
  const length = payload.length;
  const lengthBytes = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const headerLength = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  MASK_KEY.copy(frame, headerLength - 4);
  for (let i = 0; i < length; i++) frame[headerLength + i] = payload[i]! ^ MASK_KEY[i & 3]!;
  return frame;
}

/**
 * A compressed message for permessage-deflate (RFC 7692 §7.2.1): raw DEFLATE ending in a sync
 * flush, with the final 00 00 FF FF removed. Compressed from an empty window, so it is valid
 * however much context the server keeps.
 */
export function compressMessage(payload: Uint8Array): Buffer {
  const flushed = deflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH });
  return flushed.subarray(0, flushed.length - 4);
}

/** A length-prefixed message for the raw TCP echo. */
export function buildTcpMessage(payload: Uint8Array): Buffer {
  const message = Buffer.allocUnsafe(4 + payload.length);
  message.writeUInt32BE(payload.length, 0);
  message.set(payload, 4);
  return message;
}

/** Counts what comes back from a server. */
export interface ReplyCounter {
  /** Walks a chunk; returns how many messages it completed. */
  feed(chunk: Buffer): number;
  /** Payload bytes received so far (partial messages included). */
  payloadBytes: number;
}

/**
 * Walks unmasked server frames (RFC 6455 §5.2) and counts data frames with FIN set. Payload
 * bytes are skipped, never copied. Control frames are skipped too.
 */
export function webSocketReplyCounter(): ReplyCounter {
  const header = Buffer.alloc(14);
  let headerFilled = 0;
  let skip = 0;
  let completes = false; // the frame being skipped ends a data message
  let isData = false;
  const counter: ReplyCounter = {
    payloadBytes: 0,
    feed(chunk) {
      let done = 0;
      let i = 0;
      const length = chunk.length;
      while (i < length) {
        if (skip > 0) {
          const n = Math.min(skip, length - i);
          skip -= n;
          i += n;
          if (isData) counter.payloadBytes += n;
          if (skip === 0 && completes) done++;
          continue;
        }
        header[headerFilled++] = chunk[i++]!;
        if (headerFilled < 2) continue;
        const length7 = header[1]! & 0x7f;
        const need = 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0);
        if (headerFilled < need) continue;
        const payloadLength = length7 === 126 ? header.readUInt16BE(2) : length7 === 127 ? Number(header.readBigUInt64BE(2)) : length7;
        const opcode = header[0]! & 0x0f;
        isData = opcode < 0x8;
        completes = isData && (header[0]! & 0x80) !== 0;
        headerFilled = 0;
        skip = payloadLength;
        if (skip === 0 && completes) done++;
      }
      return done;
    },
  };
  return counter;
}

/** Walks the raw TCP echo's length-prefixed messages. */
export function tcpReplyCounter(): ReplyCounter {
  const prefix = Buffer.alloc(4);
  let prefixFilled = 0;
  let skip = 0;
  const counter: ReplyCounter = {
    payloadBytes: 0,
    feed(chunk) {
      let done = 0;
      let i = 0;
      const length = chunk.length;
      while (i < length) {
        if (skip > 0) {
          const n = Math.min(skip, length - i);
          skip -= n;
          i += n;
          counter.payloadBytes += n;
          if (skip === 0) done++;
          continue;
        }
        prefix[prefixFilled++] = chunk[i++]!;
        if (prefixFilled < 4) continue;
        prefixFilled = 0;
        skip = prefix.readUInt32BE(0);
        if (skip === 0) done++;
      }
      return done;
    },
  };
  return counter;
}
