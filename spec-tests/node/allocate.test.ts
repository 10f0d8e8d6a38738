// The Node layer's allocator (src/node/allocate.ts): the buffers the core fills — a message gathered
// from several reads (RFC 6455 §5.4, §6.2), a client's masked copy of a large frame (§5.3) — come
// from `Buffer.allocUnsafeSlow`, never zero-filled and never a slice of Node's shared pool. Checked
// on what it returns, and by watching `Buffer.allocUnsafeSlow` while wsref's server and client (over
// HTTP/1.1 and over h2c, RFC 8441) exchange messages large enough to span many reads.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, WebSocketServer } from '../../src/index.js';
import { allocateUnzeroed } from '../../src/node/allocate.js';
import { nextEvent, Resources, startHttpServer, withTimeout } from '../helpers/node-peers.js';
import { startHttp2Endpoint } from '../interop/http2-kit.js';

const resources = new Resources();
afterEach(async () => {
  vi.restoreAllMocks();
  await resources.cleanup();
});

type MessageArgs = [data: Buffer, isBinary: boolean];

/** Records the size of every `Buffer.allocUnsafeSlow` call from now on (the calls still happen). */
function watchAllocations(): number[] {
  const sizes: number[] = [];
  const allocUnsafeSlow = Buffer.allocUnsafeSlow.bind(Buffer);
  vi.spyOn(Buffer, 'allocUnsafeSlow').mockImplementation((size: number) => {
    sizes.push(size);
    return allocUnsafeSlow(size);
  });
  return sizes;
}

/** `length` bytes counting up from `from`. */
const counting = (length: number, from: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (from + i) & 0xff));

describe('allocateUnzeroed (RFC 6455 §5.4, §10.4)', () => {
  it('[6455-10.4-1] every request gets a Buffer of its own, exactly its size: small ones are not slices of the shared pool', () => {
    for (const size of [1, 100, 1024, 4095, 4096, 70_000]) {
      const bytes = allocateUnzeroed(size);
      expect([Buffer.isBuffer(bytes), bytes.length, bytes.byteOffset, bytes.buffer.byteLength]).toEqual([true, size, 0, size]);
    }
  });

  it('[6455-5.4-7, 6455-5.3-1] HTTP/1.1: the server gathers a message, the client masks its frame and gathers the answer, all in buffers from it', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server });
    resources.defer(() => wss.close({ timeout: 100 }));
    const answer = counting(310_000, 7);
    const arrived = new Promise<Buffer>((resolve) => wss.on('connection', (session) => session.on('message', (data) => {
      resolve(data as Buffer); // binary: a Buffer
      session.send(answer);
    })));
    const client = await connect(`ws://127.0.0.1:${port}/`);
    resources.defer(() => client.terminate());
    const sizes = watchAllocations();
    const echoed = nextEvent<MessageArgs>(client, 'message', 5_000);
    const sent = counting(300_000, 3);
    client.send(sent);
    const atServer = await withTimeout(arrived, 5_000, 'the message at the server');
    const [atClient] = await echoed;
    expect([Buffer.compare(atServer, sent), Buffer.compare(atClient, answer)]).toEqual([0, 0]);
    expect(sizes).toContain(2 + 8 + 4 + 300_000); // the client's masked frame: header and payload
    expect(sizes).toContain(300_000); // the server gathering it from many reads
    expect(sizes).toContain(310_000); // the client gathering the answer
  });

  it('[6455-5.4-7, 8441-4-1] over h2c too: the HTTP/2 client masks and gathers in buffers from it', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false }); // echoes every message
    const client = await connect(`ws://127.0.0.1:${endpoint.port}/ws`, { http2: true });
    resources.defer(() => client.terminate());
    expect(client.transport).toBe('h2');
    const sizes = watchAllocations();
    const echoed = nextEvent<MessageArgs>(client, 'message', 5_000);
    const sent = counting(300_000, 11);
    client.send(sent);
    const [data] = await echoed;
    expect(Buffer.compare(data, sent)).toBe(0);
    expect(sizes).toContain(2 + 8 + 4 + 300_000);
    expect(sizes.filter((size) => size === 300_000)).toHaveLength(2); // gathered at the server, then at the client
  });

  it('[7692-6.2-1, 6455-10.4-1] permessage-deflate: a message inflated in several pieces is joined into one buffer from it, exactly its size', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server, perMessageDeflate: true });
    resources.defer(() => wss.close({ timeout: 100 }));
    const arrived = new Promise<Buffer>((resolve) => wss.on('connection', (session) => session.on('message', (data) => resolve(data as Buffer))));
    const client = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    resources.defer(() => client.terminate());
    expect(client.extensions).toContain('permessage-deflate');
    const sent = counting(400_000, 5); // compresses to a few KiB, inflates in many pieces
    const sizes = watchAllocations();
    client.send(sent);
    const atServer = await withTimeout(arrived, 5_000, 'the message at the server');
    expect(Buffer.compare(atServer, sent)).toBe(0);
    expect(sizes).toContain(400_000);
  });
});
