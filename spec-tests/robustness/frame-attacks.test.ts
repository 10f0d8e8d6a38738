// RFC 6455 §5.2 (length fields), §10.4 (size limits, 1009), §5.5.2 (pings) and RFC 7692 §8
// (decompression bombs) under attack: huge and non-minimal lengths, a 1 GiB message declared
// or trickled in fragments, millions of 1-byte fragments, compressed bombs in both directions,
// a ping flood from a peer that never reads, and a peer that never reads what we send. Memory
// must stay bounded: peak RSS is read from the kernel's high-water mark (/proc/self/status).

import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ProtocolError, type Session } from '../../src/index.js';
import { openEndpoint } from '../helpers/core-pair.js';
import {
  acceptFor,
  closeBody,
  encodeFrame,
  FrameReader,
  OP,
  rawUpgrade,
  readFrames,
  readHead,
  Resources,
  startRawServer,
  until,
  withTimeout,
  type RawFrame,
} from '../helpers/node-peers.js';
import { closeCodeOf, FIN, maskedHeader, MiB, peakRss, pump, resetPeakRss, RSV1, startEchoServer, zeroBomb } from './net-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const closeCode = (frame: RawFrame | undefined) => (frame && frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined);

describe('length fields (RFC 6455 §5.2), in the core', () => {
  const lengthCases: Array<{ ids: string; name: string; header: number[]; code: number }> = [
    { ids: '[6455-5.2-5] [6455-10.4-2]', name: '2^63 − 1 (high bit 0, beyond any limit)', header: [0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], code: 1009 },
    { ids: '[6455-5.2-5]', name: '2^63 (the high bit set)', header: [0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0], code: 1002 },
    { ids: '[6455-5.2-5]', name: '2^64 − 1', header: [0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], code: 1002 },
    { ids: '[6455-5.2-5] [6455-10.4-2]', name: '2^53 (beyond a safe integer)', header: [0x82, 127, 0, 0x20, 0, 0, 0, 0, 0, 0], code: 1009 },
    { ids: '[6455-10.4-2]', name: '1 GiB, above the 64 MiB default limit', header: [0x82, 127, 0, 0, 0, 0, 0x40, 0, 0, 0], code: 1009 },
    { ids: '[6455-5.2-6]', name: '125 in the 16-bit form', header: [0x82, 126, 0, 125], code: 1002 },
    { ids: '[6455-5.2-6]', name: '0 in the 16-bit form', header: [0x82, 126, 0, 0], code: 1002 },
    { ids: '[6455-5.2-6]', name: '65,535 in the 64-bit form', header: [0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff], code: 1002 },
    { ids: '[6455-5.2-6]', name: '1 in the 64-bit form', header: [0x82, 127, 0, 0, 0, 0, 0, 0, 0, 1], code: 1002 },
  ];
  describe.each(['server', 'client'] as const)('received by the %s', (role) => {
    it.each(lengthCases)('$ids a length of $name fails the connection with $code before any payload', (c) => {
      const { conn, log } = openEndpoint(role);
      const header = Uint8Array.from(c.header);
      if (role === 'server') header[1]! |= 0x80; // clients mask (§5.1); the key follows the length
      conn.receive(role === 'server' ? Uint8Array.of(...header, 1, 2, 3, 4) : header);
      expect(log.failCode).toBe(c.code);
      expect(conn.readyState).toBe(2);
    });
  });

  it('[6455-5.2-6] the smallest lengths of each form are accepted (126 in 16 bits, 65,536 in 64 bits)', () => {
    const { conn, log } = openEndpoint('client');
    conn.receive(Uint8Array.of(0x82, 126, 0, 126, ...new Uint8Array(126)));
    conn.receive(Uint8Array.of(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0, ...new Uint8Array(65_536)));
    expect(log.failCode).toBeUndefined();
    expect(log.ofType('message').map((m) => m.data.length)).toEqual([126, 65_536]);
  });
});

/** A raw client upgraded on an echo server; frames from the server are collected unless `read` is false. */
async function hostileClient(options: Parameters<typeof startEchoServer>[1] = {}, headers: Record<string, string> = {}, read = true) {
  const echo = await startEchoServer(resources, options);
  const sessions: Session[] = [];
  const errors: Error[] = [];
  echo.wss.on('connection', (s) => {
    sessions.push(s);
    s.on('error', (e) => errors.push(e));
  });
  const { socket, head } = await rawUpgrade(echo.port, '/echo', resources, headers);
  expect(head.status).toBe(101);
  const reader = read ? readFrames(socket, head.rest) : new FrameReader();
  await until(() => sessions.length === 1, 2_000, 'session');
  return { ...echo, socket, reader, session: sessions[0]!, errors };
}

/** Resolves with the server's close frame as the raw client read it. */
async function serverCloseFrame(reader: FrameReader, ms = 5_000): Promise<RawFrame> {
  await until(() => reader.frames.some((f) => f.opcode === OP.close), ms, 'close frame from the server');
  return reader.frames.find((f) => f.opcode === OP.close)!;
}

const expectTooBig = (errors: Error[]) => {
  expect(errors.some((e) => e instanceof ProtocolError && e.closeCode === 1009)).toBe(true);
};

describe('size limits over a real connection (RFC 6455 §10.4)', () => {
  it('[6455-5.2-5] [6455-10.4-2] [6455-7.1.7-3] a 2^63 − 1 length: 1009 at once, connection closed', async () => {
    const { socket, reader, errors } = await hostileClient();
    socket.write(maskedHeader(FIN | OP.binary, (1n << 63n) - 1n));
    expect(closeCode(await serverCloseFrame(reader, 1_000))).toBe(1009);
    await withTimeout(new Promise((resolve) => (socket.closed ? resolve(null) : socket.once('close', resolve))), 6_000, 'socket close');
    expectTooBig(errors);
  });

  it('[6455-10.4-1] [6455-10.4-2] a 1 GiB message declared in its header: refused with 1009 before any payload arrives', async () => {
    const { socket, reader, errors } = await hostileClient(); // the default limit, 64 MiB
    const started = performance.now();
    socket.write(maskedHeader(FIN | OP.binary, 1n << 30n));
    expect(closeCode(await serverCloseFrame(reader, 1_000))).toBe(1009);
    expect(performance.now() - started).toBeLessThan(1_000);
    expectTooBig(errors);
  });

  it('[6455-10.4-1] [6455-10.4-2] a 1 GiB message trickled as undeclared 64 KiB fragments: 1009 at the limit, memory bounded', async () => {
    const limit = 4 * MiB;
    const { socket, reader, errors } = await hostileClient({ maxMessageSize: limit });
    const fragment = Buffer.concat([maskedHeader(OP.continuation, 64 * 1024), Buffer.alloc(64 * 1024, 0x61)]);
    socket.write(Buffer.concat([maskedHeader(OP.binary, 64 * 1024), Buffer.alloc(64 * 1024, 0x61)])); // first fragment, FIN clear
    const canMeasure = resetPeakRss();
    const baseline = process.memoryUsage().rss;
    const sent = await pump(socket, fragment, 1 << 30);
    expect(closeCode(await serverCloseFrame(reader))).toBe(1009);
    expect(sent).toBeLessThan(1 << 30); // the server stopped us long before 1 GiB
    expectTooBig(errors);
    if (canMeasure) expect(peakRss()! - baseline).toBeLessThan(limit + 96 * MiB);
  });

  it('[6455-10.4-1] [wsref] a message of 1-byte fragments: 1009 at the limit, without holding ~100 bytes of views per byte', async () => {
    const limit = MiB;
    const { socket, reader, errors } = await hostileClient({ maxMessageSize: limit });
    // 1,024 fragments of 1 byte per write: the first starts a binary message, the rest continue it.
    const tiny = (first: number) => Buffer.concat([maskedHeader(first, 1), Buffer.of(0x61)]);
    socket.write(tiny(OP.binary));
    const batch = Buffer.concat(Array.from({ length: 1024 }, () => tiny(OP.continuation)));
    const heapBefore = process.memoryUsage().heapUsed;
    const sent = await pump(socket, batch, 16 * limit * 7);
    expect(closeCode(await serverCloseFrame(reader, 15_000))).toBe(1009);
    expect(sent).toBeGreaterThan(limit * 7); // a million frames went in before the limit
    expectTooBig(errors);
    // ~1 M views would cost ~100 MB of heap; merged, the message costs about its own size.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(48 * MiB);
  }, 30_000);
});

describe('decompression bombs (RFC 7692 §8)', () => {
  it('[6455-10.4-1] [7692-6.2-1] client → server: 256 MiB of zeros in ~256 KB is refused with 1009 at the limit, memory bounded', async () => {
    const limit = MiB;
    const { socket, reader, errors } = await hostileClient({ maxMessageSize: limit, perMessageDeflate: true }, { 'Sec-WebSocket-Extensions': 'permessage-deflate' });
    const bomb = zeroBomb(256);
    expect(bomb.length).toBeLessThan(MiB);
    const canMeasure = resetPeakRss();
    const baseline = process.memoryUsage().rss;
    socket.write(Buffer.concat([maskedHeader(FIN | RSV1 | OP.binary, bomb.length), bomb]));
    expect(closeCode(await serverCloseFrame(reader))).toBe(1009);
    expectTooBig(errors);
    if (canMeasure) expect(peakRss()! - baseline).toBeLessThan(64 * MiB);
  });

  it('[6455-10.4-1] [7692-6.2-1] server → client: our client refuses a bomb with 1009 and stays bounded', async () => {
    const bomb = zeroBomb(256);
    let clientClose: number | undefined;
    const { port } = await startRawServer(resources, (socket) => {
      void readHead(socket).then((head) => {
        const key = head.headers['sec-websocket-key']!;
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n` +
            'Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n',
        );
        readFrames(socket, head.rest, (frame) => {
          if (frame.opcode === OP.close) clientClose = frame.payload.readUInt16BE(0);
        });
        const header = Buffer.from([FIN | RSV1 | OP.binary, 127, 0, 0, 0, 0, 0, 0, 0, 0]);
        header.writeBigUInt64BE(BigInt(bomb.length), 2);
        socket.write(Buffer.concat([header, bomb]));
      });
    });
    const canMeasure = resetPeakRss();
    const baseline = process.memoryUsage().rss;
    const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true, maxMessageSize: MiB });
    resources.defer(() => session.terminate());
    const errors: Error[] = [];
    session.on('error', (e) => errors.push(e));
    await closeCodeOf(session, 8_000);
    await until(() => clientClose !== undefined, 2_000, 'the client\'s close frame');
    expect(clientClose).toBe(1009);
    expectTooBig(errors);
    if (canMeasure) expect(peakRss()! - baseline).toBeLessThan(64 * MiB);
  });
});

describe('peers that do not read (bounded buffers)', () => {
  it('[6455-5.5.2-2] [wsref] pings flooded by a peer that never reads our pongs: buffered bytes stay under maxBufferedAmount, the session is dropped', async () => {
    const maxBufferedAmount = 256 * 1024;
    const { socket, session, errors } = await hostileClient({ maxBufferedAmount }, {}, false); // never reads
    let peakBuffered = 0;
    const sampler = setInterval(() => (peakBuffered = Math.max(peakBuffered, session.bufferedAmount)), 1);
    const closed = closeCodeOf(session, 20_000);
    const ping = encodeFrame(OP.ping, Buffer.alloc(125, 1), { mask: true });
    const sent = await pump(socket, Buffer.concat(Array.from({ length: 512 }, () => ping)), 512 * MiB);
    try {
      expect(await closed).toBe(1006); // dropped without a closing handshake: it would not read one
    } finally {
      clearInterval(sampler);
    }
    expect(sent).toBeLessThan(512 * MiB);
    expect(peakBuffered).toBeLessThanOrEqual(maxBufferedAmount + 256);
    expect(errors.some((e) => /not reading/.test(e.message))).toBe(true);
  }, 30_000);

  it('[6455-10.4-1] [wsref] an application that ignores send()\'s false: writes stop at maxBufferedAmount and the session is dropped', async () => {
    const maxBufferedAmount = MiB;
    const { session, errors } = await hostileClient({ maxBufferedAmount }, {}, false); // never reads
    const chunk = randomBytes(64 * 1024);
    let sentBytes = 0;
    let peakBuffered = 0;
    const closed = closeCodeOf(session, 20_000);
    while (session.readyState === 1 && sentBytes < 1 << 30) {
      session.send(chunk); // a careless application: never looks at the return value
      sentBytes += chunk.length;
      peakBuffered = Math.max(peakBuffered, session.bufferedAmount);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await closed).toBe(1006);
    expect(sentBytes).toBeLessThan(1 << 30);
    expect(peakBuffered).toBeLessThanOrEqual(maxBufferedAmount + chunk.length + 14);
    expect(errors.some((e) => /not reading/.test(e.message))).toBe(true);
  }, 30_000);

  it('[6455-5.5.1-6] [wsref] a close frame from a peer that never reads still ends the session (close timeout)', async () => {
    const { socket, session } = await hostileClient({ closeTimeout: 300 }, {}, false);
    socket.write(encodeFrame(OP.close, closeBody(1000), { mask: true }));
    expect(await closeCodeOf(session, 3_000)).toBe(1000);
  });
});
