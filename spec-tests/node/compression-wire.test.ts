// Compression as it looks on the wire between our client and our server, measured by a TCP
// proxy that decodes the frames itself (spec-tests/interop/compression-kit.ts), not by our
// counters:
//   - RFC 7692 §7.2.1/§7.2.2 context takeover: with it, the second identical message is smaller
//     than the first (it refers back into the first); under server_no_context_takeover or
//     client_no_context_takeover the affected direction sends both at the same size, and each
//     message inflates on its own with a fresh zlib (no reference into an earlier message).
//   - the deflate-frame draft under both of its names: RSV1 per frame, continuation frames too.
//   - RFC 7692 §5 / RFC 6455 §9.1: a server offered permessage-deflate and deflate-frame accepts
//     only one (both claim RSV1), and a client fails a server that accepts both.
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type ServerOptions, type Session } from '../../src/index.js';
import { acceptFor, nextEvent, parseHead, rawUpgrade, Resources, startHttpServer, startRawServer } from '../helpers/node-peers.js';
import { TapProxy, type WireFrame } from '../interop/compression-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A 1.7 KiB JSON message: above the 1 KiB compression threshold, compressible, and not trivial. */
const MESSAGE = JSON.stringify(
  Array.from({ length: 24 }, (_, i) => ({ id: i, name: `instrument-${(i * 7919) % 1000}`, bid: 100 + i / 8, ask: 100.25 + i / 8, venue: ['XNAS', 'XLON', 'XPAR'][i % 3] })),
);

/** Our echo server (options as given), our client through a tapping proxy. */
async function pair(serverOptions: ServerOptions, clientOptions: Parameters<typeof connect>[1]) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, ...serverOptions });
  resources.defer(() => wss.close({ timeout: 100 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
  const { proxy, port: proxyPort } = await TapProxy.start(port);
  resources.defer(() => proxy.close());
  const client = await connect(`ws://127.0.0.1:${proxyPort}/`, clientOptions);
  resources.defer(() => client.terminate());
  const [serverSession] = await accepted;
  return { client, serverSession, proxy };
}

async function echo(client: Session, data: string | Buffer, fin = true): Promise<string | Buffer> {
  const reply = nextEvent<[string | Buffer]>(client, 'message', 5_000);
  client.send(data, { fin });
  return (await reply)[0];
}

/** Inflates one compressed message with a fresh, empty window (RFC 7692 §7.2.2 step 1). */
const inflateAlone = (payload: Buffer): Buffer => zlib.inflateRawSync(Buffer.concat([payload, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });

/**
 * Inflates compressed payloads as one stream, the window carried over from one to the next (each
 * had its sync-flush tail removed, RFC 7692 §7.2.2): each payload's output once zlib flushed it.
 */
async function inflateStream(payloads: Buffer[]): Promise<string[]> {
  const inflater = zlib.createInflateRaw();
  const out: string[] = [];
  for (const p of payloads) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    inflater.on('data', onData);
    inflater.write(Buffer.concat([p, TAIL]));
    await new Promise<void>((resolve) => inflater.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
    inflater.off('data', onData);
    out.push(Buffer.concat(chunks).toString('utf8'));
  }
  inflater.close();
  return out;
}

const compressedMessages = (frames: WireFrame[]): WireFrame[] => frames.filter((f) => f.opcode === 1);

interface TakeoverCase {
  serverOptions: ServerOptions;
  clientOptions: Parameters<typeof connect>[1];
  answer: string;
  /** Whether each direction may take over its window (no no_context_takeover agreed for it). */
  takeover: { toServer: boolean; toClient: boolean };
}

/** Sends the same message twice each way and checks the wire against `takeover`. */
async function checkTakeover(c: TakeoverCase): Promise<void> {
  const { client, serverSession, proxy } = await pair(c.serverOptions, c.clientOptions);
  expect(client.extensions).toBe(c.answer);
  expect(serverSession.extensions).toBe(c.answer);
  for (let i = 0; i < 2; i++) expect(await echo(client, MESSAGE)).toBe(MESSAGE);

  for (const direction of ['toServer', 'toClient'] as const) {
    const [first, second] = compressedMessages(proxy.dataFrames(direction));
    expect(first && second, direction).toBeTruthy();
    for (const f of [first!, second!]) {
      expect(f.rsv & 4, `${direction}: RSV1`).toBe(4);
      expect(f.wireBytes, `${direction}: compressed at all`).toBeLessThan(MESSAGE.length / 2);
    }
    // The proxy's own inflation of the whole stream gives back both messages.
    expect(await inflateStream([first!.payload, second!.payload]), direction).toEqual([MESSAGE, MESSAGE]);
    // The first message of a connection never refers back.
    expect(inflateAlone(first!.payload).toString(), direction).toBe(MESSAGE);
    if (c.takeover[direction]) {
      // Context takeover: the second copy is mostly one back-reference into the first, so it
      // is much smaller, and an empty window cannot decode it.
      expect(second!.wireBytes, direction).toBeLessThan(first!.wireBytes / 2);
      expect(() => inflateAlone(second!.payload), direction).toThrow();
    } else {
      // No context takeover: each message starts from an empty window, so identical input
      // gives identical output, which decodes alone.
      expect(second!.wireBytes, direction).toBe(first!.wireBytes);
      expect(second!.payload.equals(first!.payload), direction).toBe(true);
      expect(inflateAlone(second!.payload).toString(), direction).toBe(MESSAGE);
    }
  }
}

describe('context takeover, measured on the wire (RFC 7692 §7.2.1, §7.2.2)', () => {
  it('[7692-7.2.1-8] [7692-7.2.1-11] [7692-7.2.2-2] [7692-7.2.2-4] with context takeover both ways, the second identical message is smaller in both directions', async () => {
    await checkTakeover({
      serverOptions: { perMessageDeflate: true },
      clientOptions: { perMessageDeflate: true },
      answer: 'permessage-deflate',
      takeover: { toServer: true, toClient: true },
    });
  });

  it('[7692-7.1.1.1-1] [7692-7.2.1-10] [7692-7.2.1-8] [7692-7.2.2-4] server_no_context_takeover (offered by the client): server→client equal, client→server smaller', async () => {
    await checkTakeover({
      serverOptions: { perMessageDeflate: true },
      clientOptions: { perMessageDeflate: { serverNoContextTakeover: true } },
      answer: 'permessage-deflate; server_no_context_takeover',
      takeover: { toServer: true, toClient: false },
    });
  });

  it('[7692-7.1.1.2-2] [7692-7.1.1.2-3] [7692-7.2.1-7] [7692-7.2.1-11] [7692-7.2.2-2] client_no_context_takeover (imposed by the server): client→server equal, server→client smaller', async () => {
    await checkTakeover({
      serverOptions: { perMessageDeflate: { clientNoContextTakeover: true } },
      clientOptions: { perMessageDeflate: true },
      answer: 'permessage-deflate; client_no_context_takeover',
      takeover: { toServer: false, toClient: true },
    });
  });

  it('[7692-7.2.1-7] [7692-7.2.1-10] both no_context_takeover parameters: equal both ways', async () => {
    await checkTakeover({
      serverOptions: { perMessageDeflate: { clientNoContextTakeover: true } },
      clientOptions: { perMessageDeflate: { serverNoContextTakeover: true } },
      answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
      takeover: { toServer: false, toClient: false },
    });
  });

  it('[7692-7.2.1-9] [7692-7.2.2-5] a client that offers client_no_context_takeover but is not held to it may take over, and the server keeps its window', async () => {
    // Our server answers without the parameter (it is only a hint, RFC 7692 §7.1.1.2), so both
    // sides keep their windows; our client still takes over (§7.2.1: "MAY").
    await checkTakeover({
      serverOptions: { perMessageDeflate: true },
      clientOptions: { perMessageDeflate: { clientNoContextTakeover: true } },
      answer: 'permessage-deflate',
      takeover: { toServer: true, toClient: true },
    });
  });
});

describe('deflate-frame between our client and our server', () => {
  it.each(['deflate-frame', 'x-webkit-deflate-frame'] as const)('[wsref] %s: negotiated under that name, every compressed frame (continuations too) has RSV1, window carried over between frames', async (name) => {
    const { client, serverSession, proxy } = await pair({ deflateFrame: true }, { deflateFrame: { name } });
    expect(proxy.requestHead).toContain(`\r\nSec-WebSocket-Extensions: ${name}\r\n`);
    expect(client.extensions).toBe(name);
    expect(serverSession.extensions).toBe(name);
    // One message in three fragments, each above the threshold; the server echoes it whole.
    const fragments = [MESSAGE, MESSAGE, `${MESSAGE}!`];
    const reply = nextEvent<[string]>(client, 'message', 5_000);
    fragments.forEach((f, i) => client.send(f, { fin: i === fragments.length - 1 }));
    expect((await reply)[0]).toBe(fragments.join(''));

    const sent = proxy.dataFrames('toServer');
    expect(sent.map((f) => [f.opcode, f.fin, f.rsv])).toEqual([
      [1, false, 4],
      [0, false, 4], // unlike permessage-deflate (RFC 7692 §6.1), a continuation frame carries RSV1
      [0, true, 4],
    ]);
    // Per frame: each payload is its own sync-flushed piece; the window carries over, so the
    // second (identical) fragment is far smaller than the first.
    expect(await inflateStream(sent.map((f) => f.payload))).toEqual(fragments);
    expect(sent[1]!.wireBytes).toBeLessThan(sent[0]!.wireBytes / 2);
    const echoed = proxy.dataFrames('toClient');
    expect(echoed).toHaveLength(1);
    expect(echoed[0]!.rsv).toBe(4);
    expect(await inflateStream([echoed[0]!.payload])).toEqual([fragments.join('')]);
  });

  it('[wsref] deflate-frame with no_context_takeover and max_window_bits from the server: every frame inflates alone', async () => {
    const { client, proxy } = await pair({ deflateFrame: { noContextTakeover: true, maxWindowBits: 10 } }, { deflateFrame: { name: 'deflate-frame' } });
    expect(client.extensions).toBe('deflate-frame; max_window_bits=10; no_context_takeover');
    const fragments = [MESSAGE, MESSAGE];
    const reply = nextEvent<[string]>(client, 'message', 5_000);
    fragments.forEach((f, i) => client.send(f, { fin: i === 1 }));
    expect((await reply)[0]).toBe(MESSAGE + MESSAGE);
    const sent = proxy.dataFrames('toServer');
    expect(sent.map((f) => f.rsv)).toEqual([4, 4]);
    expect(sent[1]!.payload.equals(sent[0]!.payload)).toBe(true);
    for (const f of sent) expect(inflateAlone(f.payload).toString()).toBe(MESSAGE);
  });
});

describe('one RSV1 extension per connection (RFC 7692 §5, RFC 6455 §9.1)', () => {
  it('[7692-5-7] [6455-9-1] our client offers permessage-deflate and deflate-frame; a server running both accepts only permessage-deflate', async () => {
    const { client, serverSession, proxy } = await pair(
      { perMessageDeflate: true, deflateFrame: true },
      { perMessageDeflate: true, deflateFrame: true },
    );
    expect(proxy.requestHead).toContain('\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, deflate-frame, x-webkit-deflate-frame\r\n');
    expect(parseHead(Buffer.from(proxy.responseHead))!.headers['sec-websocket-extensions']).toBe('permessage-deflate');
    expect(client.extensions).toBe('permessage-deflate');
    expect(serverSession.extensions).toBe('permessage-deflate');
    const fragments = [MESSAGE, MESSAGE];
    const reply = nextEvent<[string]>(client, 'message', 5_000);
    fragments.forEach((f, i) => client.send(f, { fin: i === 1 }));
    expect((await reply)[0]).toBe(MESSAGE + MESSAGE);
    // permessage-deflate framing: RSV1 on the first frame only (RFC 7692 §6.1).
    expect(proxy.dataFrames('toServer').map((f) => f.rsv)).toEqual([4, 0]);
  });

  const ORDERS = [
    { offer: 'x-webkit-deflate-frame, permessage-deflate', answer: 'x-webkit-deflate-frame' },
    { offer: 'deflate-frame, x-webkit-deflate-frame, permessage-deflate', answer: 'deflate-frame' },
    { offer: 'x-webkit-deflate-frame, deflate-frame', answer: 'x-webkit-deflate-frame' },
    { offer: 'permessage-deflate; server_max_window_bits=10, deflate-frame', answer: 'permessage-deflate; server_max_window_bits=10' },
  ];
  for (const { offer, answer } of ORDERS) {
    it(`[7692-5-7] [6455-9.1-6] offer "${offer}" → only "${answer}" (the client's first choice; the others would share RSV1)`, async () => {
      const { server, port } = await startHttpServer(resources);
      const wss = new WebSocketServer({ server, perMessageDeflate: true, deflateFrame: true });
      resources.defer(() => wss.close({ timeout: 100 }));
      const { head } = await rawUpgrade(port, '/', resources, { 'Sec-WebSocket-Extensions': offer });
      expect(head.status).toBe(101);
      expect(head.headers['sec-websocket-extensions']).toBe(answer);
    });
  }

  it('[7692-5-8] [7692-5-10] our client fails a server that accepts permessage-deflate and deflate-frame together', async () => {
    const { port } = await startRawServer(resources, (socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const head = parseHead(buffered);
        if (!head) return;
        socket.write(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n` +
            'Sec-WebSocket-Extensions: permessage-deflate, deflate-frame\r\n\r\n',
        );
      });
    });
    await expect(connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true, deflateFrame: true, handshakeTimeout: 2_000 })).rejects.toThrow(/RSV bit/);
  });
});
