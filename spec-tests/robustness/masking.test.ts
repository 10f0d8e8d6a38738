// RFC 6455 §5.3 and §10.3: a client's masking keys must be fresh for every frame and
// unpredictable, from a strong source of entropy. We read 10,000 frames a real client sent to a
// raw server and look at their keys, and we check that the default key source is the Web Crypto
// CSPRNG (`crypto.getRandomValues`), drawn in pools.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection, createMaskKeySource } from '../../src/core/connection.js';
import { connect } from '../../src/index.js';
import { decodeFrames, Recorder } from '../helpers/core-pair.js';
import { acceptFor, readFrames, readHead, Resources, startRawServer, until, type RawFrame } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(async () => {
  vi.restoreAllMocks();
  await resources.cleanup();
});

const FRAMES = 10_000;

/** Checks that a list of 32-bit keys looks like independent uniform draws. */
function expectUnpredictable(keys: readonly number[]): void {
  // Fresh: with 2^32 values, 10,000 draws collide about 0.01 times on average.
  expect(new Set(keys).size).toBeGreaterThanOrEqual(keys.length - 3);
  // Not sequential: no constant step between neighbours (a counter, or counter × constant).
  let sameStep = 0;
  for (let i = 2; i < keys.length; i++) if (((keys[i]! - keys[i - 1]!) >>> 0) === ((keys[i - 1]! - keys[i - 2]!) >>> 0)) sameStep++;
  expect(sameStep).toBeLessThanOrEqual(2);
  // Every bit set about half the time (σ = 0.5% for 10,000 draws; 3% is six σ).
  for (let bit = 0; bit < 32; bit++) {
    const ones = keys.filter((k) => (k >>> bit) & 1).length / keys.length;
    expect(Math.abs(ones - 0.5), `bit ${bit}`).toBeLessThan(0.03);
  }
  // Bytes spread over all values: each of the 256 byte values appears in the 40,000 key bytes.
  const byteCounts = new Uint32Array(256);
  for (const k of keys) for (let s = 0; s < 32; s += 8) byteCounts[(k >>> s) & 0xff]!++;
  expect(Math.min(...byteCounts)).toBeGreaterThan(0);
}

describe('masking keys (RFC 6455 §5.3, §10.3)', () => {
  it('[6455-5.3-2] [6455-5.3-3] [6455-10.3-1] 10,000 frames from a real client carry fresh, unpredictable keys', async () => {
    const frames: RawFrame[] = [];
    const { port } = await startRawServer(resources, (socket) => {
      void readHead(socket).then((head) => {
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n\r\n`,
        );
        readFrames(socket, head.rest, (frame) => frames.push(frame));
      });
    });
    const session = await connect(`ws://127.0.0.1:${port}/`);
    resources.defer(() => session.terminate());
    // The same payload every time, so nothing but the key can vary.
    for (let i = 0; i < FRAMES; i++) {
      session.send('same payload');
      if (i % 1_000 === 999) await session.drained();
    }
    await until(() => frames.length >= FRAMES, 10_000, `${FRAMES} frames`);
    expect(frames.every((f) => f.masked)).toBe(true);
    expect(frames.every((f) => f.payload.toString() === 'same payload')).toBe(true); // unmasked correctly
    expectUnpredictable(frames.map((f) => f.maskKey.readUInt32BE(0)));
    // The masked bytes differ from frame to frame although the payload does not.
    const wire = new Set(frames.map((f) => Buffer.from(f.payload.map((b, i) => b ^ f.maskKey[i & 3]!)).toString('hex')));
    expect(wire.size).toBeGreaterThanOrEqual(FRAMES - 3);
  });

  it('[6455-5.3-3] [6455-10.3-1] the default key source draws from crypto.getRandomValues, 1,024 keys per call, and uses them in order', () => {
    const pools: Uint32Array[] = [];
    const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    const spy = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
      const filled = original(array as never) as unknown as T;
      if (filled instanceof Uint32Array) pools.push(filled.slice());
      return filled;
    });
    const log = new Recorder();
    const client = log.attach(new Connection({ role: 'client' })); // no maskKeys: the default source
    client.establish(undefined, []);
    for (let i = 0; i < 2_500; i++) client.send(Uint8Array.of(1, 2, 3), false);
    const keys = decodeFrames(log.allWritten()).map((f) => f.maskKey);
    expect(keys).toHaveLength(2_500);
    // 2,500 keys need three pools of 1,024; the keys are the pools' values, in order.
    expect(pools.map((p) => p.length)).toEqual([1024, 1024, 1024]);
    expect(spy).toHaveBeenCalledTimes(3);
    const drawn = pools.flatMap((p) => [...p]).slice(0, 2_500);
    expect(keys).toEqual(drawn);
  });

  it('[6455-5.3-3] [wsref] two key sources never share a pool (one per connection)', () => {
    const a = createMaskKeySource();
    const b = createMaskKeySource();
    const fromA = Array.from({ length: 64 }, a);
    const fromB = Array.from({ length: 64 }, b);
    expect(fromA.filter((k) => fromB.includes(k)).length).toBeLessThanOrEqual(1);
  });
});
