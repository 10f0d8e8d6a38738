// A quiet connection's compressor gives its memory back (`releaseQuietCompressorAfter`): RFC 7692
// lets a compressor begin any message from an empty window, context takeover or not, because the
// receiver keeps its own window whatever the sender does (§7.2.1, §7.2.2). Checked: the codec
// releases exactly the compressors that sent nothing for a whole period, never a decompressor,
// runs its one timer only while a compressor holds state, and refuses a bad period; and peers that
// keep their windows (the `ws` client, wsref's client) read every message across a release.
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { createZlibCodec } from '../../src/node/zlib-codec.js';
import { nextEvent, Resources, startHttpServer, until } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  return resources.cleanup();
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const MESSAGE = text(JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ id: i, name: `member-${i}`, online: i % 3 === 0 }))));
/** MESSAGE compressed from an empty window; with MESSAGE in the window it takes a few back-references, under a quarter of this. */
const WITHOUT_HISTORY = createZlibCodec().createDeflater({ windowBits: 15 }).deflate(MESSAGE).length;
const withHistory = (compressed: Uint8Array) => compressed.length < WITHOUT_HISTORY / 4;

/** Counts the zlib streams the codec opens, by kind. */
function countStreams() {
  const opened = { deflate: 0, inflate: 0 };
  const { createDeflateRaw, createInflateRaw } = zlib;
  vi.spyOn(zlib, 'createDeflateRaw').mockImplementation((options) => (opened.deflate++, createDeflateRaw(options)));
  vi.spyOn(zlib, 'createInflateRaw').mockImplementation((options) => (opened.inflate++, createInflateRaw(options)));
  return opened;
}

describe('releaseQuietCompressorAfter: the codec (RFC 7692 §7.2.1, §7.2.2)', () => {
  it('[7692-7.2.1-11, 7692-7.2.1-8] a compressor quiet for a whole period is released; its next message starts from an empty window and still inflates', () => {
    vi.useFakeTimers();
    const opened = countStreams();
    const codec = createZlibCodec({ releaseQuietCompressorAfter: 1_000 });
    const deflater = codec.createDeflater({ windowBits: 15 });
    const inflater = createZlibCodec().createInflater({ windowBits: 15 }); // the peer: keeps its window throughout
    const first = deflater.deflate(MESSAGE);
    const repeat = deflater.deflate(MESSAGE); // with history: a back-reference to the first
    expect(withHistory(repeat)).toBe(true);
    expect(Buffer.from(inflater.inflate(first, 1 << 20)).equals(MESSAGE)).toBe(true);
    expect(Buffer.from(inflater.inflate(repeat, 1 << 20)).equals(MESSAGE)).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2_000); // two sweeps: the first sees it ran, the second that it did not
    expect(vi.getTimerCount()).toBe(0); // nothing holds state: the timer stopped
    const afresh = deflater.deflate(MESSAGE);
    expect(opened.deflate).toBe(2);
    expect(afresh.length).toBe(WITHOUT_HISTORY); // no history: compressed like the very first
    expect(Buffer.from(inflater.inflate(afresh, 1 << 20)).equals(MESSAGE)).toBe(true);
    deflater.close();
  });

  it('[7692-7.2.1-11, 7692-7.2.2-4] a compressor that keeps sending is never released, and decompressors never are', () => {
    vi.useFakeTimers();
    const opened = countStreams();
    const codec = createZlibCodec({ releaseQuietCompressorAfter: 1_000 });
    const deflater = codec.createDeflater({ windowBits: 15 });
    const inflater = codec.createInflater({ windowBits: 15 });
    for (let i = 0; i < 10; i++) {
      expect(Buffer.from(inflater.inflate(deflater.deflate(MESSAGE), 1 << 20)).equals(MESSAGE)).toBe(true);
      vi.advanceTimersByTime(600);
    }
    expect(opened).toEqual({ deflate: 1, inflate: 1 });
    vi.advanceTimersByTime(5_000);
    expect(opened).toEqual({ deflate: 1, inflate: 1 });
    expect(deflater.deflate(MESSAGE).length).toBe(WITHOUT_HISTORY); // released: no history left
    expect(opened.deflate).toBe(2);
    // The decompressor keeps its window through quiet periods: a peer's back-reference into its
    // earlier message (a few bytes, not the message) still resolves after one.
    const peer = createZlibCodec().createDeflater({ windowBits: 15 });
    inflater.reset(); // a new stream, from another compressor
    expect(Buffer.from(inflater.inflate(peer.deflate(MESSAGE), 1 << 20)).equals(MESSAGE)).toBe(true);
    vi.advanceTimersByTime(5_000);
    const backReference = peer.deflate(MESSAGE);
    expect(withHistory(backReference)).toBe(true);
    expect(Buffer.from(inflater.inflate(backReference, 1 << 20)).equals(MESSAGE)).toBe(true);
    expect(opened.inflate).toBe(1);
    deflater.close();
    inflater.close();
    peer.close();
  });

  it('[wsref] without the option nothing is released and no timer runs; a period below 1 ms or not a number is refused', () => {
    vi.useFakeTimers();
    const opened = countStreams();
    const deflater = createZlibCodec().createDeflater({ windowBits: 15 });
    deflater.deflate(MESSAGE);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(withHistory(deflater.deflate(MESSAGE))).toBe(true);
    expect(opened.deflate).toBe(1);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createZlibCodec({ releaseQuietCompressorAfter: bad })).toThrow(RangeError);
    }
  });
});

describe('releaseQuietCompressorAfter on a server (RFC 7692 §7.2.1, §7.2.2)', () => {
  it('[7692-7.2.1-11, 7692-7.2.2-2] the ws client and wsref\'s client, both keeping their windows, read every message across a release', async () => {
    const opened = countStreams();
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server, perMessageDeflate: { releaseQuietCompressorAfter: 100 } });
    resources.defer(() => wss.close({ timeout: 100 }));
    const sessions: Session[] = [];
    wss.on('connection', (session) => sessions.push(session));

    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open', 5_000);
    expect(ws.extensions).toContain('permessage-deflate');
    const ours = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    resources.defer(() => ours.terminate());
    await until(() => sessions.length === 2, 2_000, 'two server sessions');
    const toWs = sessions[0]!;
    const toOurs = sessions[1]!;

    const wsGot: Buffer[] = [];
    ws.on('message', (data: Buffer) => wsGot.push(data));
    const oursGot: Buffer[] = [];
    ours.on('message', (data) => oursGot.push(data as Buffer));
    const sendBoth = () => {
      toWs.send(MESSAGE);
      toOurs.send(MESSAGE);
    };
    sendBoth();
    sendBoth(); // back to back: the second refers to the first
    await until(() => wsGot.length === 2 && oursGot.length === 2, 3_000, 'the first two messages');
    const before = opened.deflate;
    await new Promise((resolve) => setTimeout(resolve, 400)); // quiet for more than two periods
    sendBoth(); // from an empty window, into peers whose windows still hold the first two
    sendBoth();
    await until(() => wsGot.length === 4 && oursGot.length === 4, 3_000, 'the messages after the release');
    expect(opened.deflate - before).toBe(2); // one fresh compressor per server session
    for (const got of [...wsGot, ...oursGot]) expect(Buffer.from(got).equals(MESSAGE)).toBe(true);
  });
});
