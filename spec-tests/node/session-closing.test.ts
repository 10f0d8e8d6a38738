// Tests for src/node/session.ts, the answer to the peer's close frame — RFC 6455 §5.5.1 over
// loopback: the session's `'closing'` event fires when the peer's close frame arrives, before
// the answer is written; `session.close(code, reason)` in a listener is the answer; without one
// the peer's code and reason are echoed. A raw peer reads the answer's bytes; `'close'` is unchanged.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { closeBody, encodeFrame, nextEvent, OP, rawUpgrade, readFrames, Resources, startHttpServer, until, type RawFrame } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];
/** A reason with 2-, 3- and 4-byte UTF-8 characters. */
const REASON = 'au revoir — さようなら 👋';

/** Our server and a raw client that has completed the handshake and records the frames it reads. */
async function serverAndRawClient() {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server });
  resources.defer(() => wss.close({ timeout: 200 }));
  const accepted = nextEvent<[Session]>(wss, 'connection');
  const { socket, head } = await rawUpgrade(port, '/', resources);
  const [session] = await accepted;
  const frames: RawFrame[] = [];
  readFrames(socket, head.rest, (f) => frames.push(f));
  /** The raw client sends a close frame with this body; resolves with the close frame it gets back. */
  const closeWith = async (body: Buffer): Promise<RawFrame> => {
    socket.write(encodeFrame(OP.close, body, { mask: true }));
    await until(() => frames.some((f) => f.opcode === OP.close), 2_000, 'the answering close frame');
    return frames.find((f) => f.opcode === OP.close)!;
  };
  return { session, closeWith, socket, frames };
}

describe("the server's answer to a client's close (RFC 6455 §5.5.1)", () => {
  it('[6455-5.5.1-3] [6455-5.5.1-6] [6455-5.5.1-7] without a listener: the answer echoes code and reason; closing, then close, report the peer’s', async () => {
    const { session, closeWith } = await serverAndRawClient();
    const events: unknown[] = [];
    session.on('closing', (code, reason) => events.push(['closing', code, reason, session.readyState]));
    session.on('close', (...args) => events.push(['close', ...args]));
    const answer = await closeWith(closeBody(4000, REASON));
    expect(answer.payload).toEqual(closeBody(4000, REASON));
    await until(() => events.length === 2, 2_000, 'close event');
    expect(events).toEqual([
      ['closing', 4000, REASON, 2],
      ['close', 4000, REASON, true],
    ]);
  });

  it('[6455-5.5.1-6] [6455-7.4-1] [6455-7.1.2-1] session.close(code, reason) in a closing listener is the answer, and the only close frame', async () => {
    const { session, closeWith } = await serverAndRawClient();
    session.on('closing', (code, reason) => session.close(4100, `got ${code} ${reason.length}`));
    const closed = nextEvent<CloseArgs>(session, 'close');
    const answer = await closeWith(closeBody(4000, REASON));
    expect(answer.payload).toEqual(closeBody(4100, `got 4000 ${REASON.length}`));
    expect(await closed).toEqual([4000, REASON, true]);
  });

  it('[6455-7.4.1-3] [6455-5.5.1-6] a close without a code is answered without one (1005 is reported, never sent)', async () => {
    const { session, closeWith } = await serverAndRawClient();
    const closing = nextEvent<[number, string]>(session, 'closing');
    const answer = await closeWith(Buffer.alloc(0));
    expect(answer.payload).toEqual(Buffer.alloc(0));
    expect(await closing).toEqual([1005, '']);
  });

  it('[6455-5.5-1] [6455-5.5.1-6] a reason that does not fit throws RangeError in the listener; the echo still goes out, cleanly', async () => {
    const { session, closeWith } = await serverAndRawClient();
    let refused: unknown;
    session.on('closing', () => {
      try {
        session.close(4001, 'x'.repeat(124));
      } catch (error) {
        refused = error;
      }
    });
    const closed = nextEvent<CloseArgs>(session, 'close');
    const answer = await closeWith(closeBody(4000, 'bye'));
    expect(refused).toBeInstanceOf(RangeError);
    expect(answer.payload).toEqual(closeBody(4000, 'bye'));
    expect(await closed).toEqual([4000, 'bye', true]);
  });

  it('[6455-7.1.7-2] [6455-7.1.7-3] a closing listener that throws: the peer gets 1011, the session reports the error, nothing crashes', async () => {
    const { session, closeWith } = await serverAndRawClient();
    session.on('closing', () => {
      throw new Error('listener bug');
    });
    const failed = nextEvent<[Error]>(session, 'error');
    const closed = nextEvent<CloseArgs>(session, 'close');
    const answer = await closeWith(closeBody(4000, 'bye'));
    expect(answer.payload.readUInt16BE(0)).toBe(1011);
    expect(((await failed)[0] as Error & { cause?: Error }).cause?.message).toBe('listener bug');
    expect(await closed).toEqual([4000, 'bye', false]);
  });
});

describe('a listener that throws (RFC 6455 §7.1.7, §7.4.1)', () => {
  it('[6455-7.1.7-2] [6455-7.1.7-3] a message listener that throws: the peer gets 1011, the error carries the thrown value, later frames are not delivered', async () => {
    const { session, socket, frames } = await serverAndRawClient();
    const heard: string[] = [];
    const bug = new Error('listener bug');
    session.on('message', (data) => {
      heard.push(String(data));
      throw bug;
    });
    const failed = nextEvent<[Error]>(session, 'error');
    const closed = nextEvent<CloseArgs>(session, 'close');
    // Both messages in one TCP write: the second is already parsed when the first listener throws.
    socket.write(Buffer.concat([encodeFrame(OP.text, 'one', { mask: true }), encodeFrame(OP.text, 'two', { mask: true })]));
    const [error] = await failed;
    expect((error as Error & { cause?: unknown }).cause).toBe(bug);
    await until(() => frames.some((f) => f.opcode === OP.close), 2_000, 'the 1011 close frame');
    expect(frames.find((f) => f.opcode === OP.close)!.payload.readUInt16BE(0)).toBe(1011);
    expect(heard).toEqual(['one']); // §7.1.7: after failing, nothing more is processed
    socket.end();
    expect((await closed)[2]).toBe(false);
  });
});

describe("the client's answer to a server's close (RFC 6455 §5.5.1)", () => {
  async function ourPair() {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server });
    resources.defer(() => wss.close({ timeout: 200 }));
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const client = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2_000 });
    resources.defer(() => client.terminate());
    return { client, server: (await accepted)[0] };
  }

  it('[6455-5.5.1-3] [6455-5.5.1-6] the client echoes code and reason by default, or answers with its own', async () => {
    const echoing = await ourPair();
    const echoed = nextEvent<CloseArgs>(echoing.server, 'close');
    echoing.server.close(4000, REASON);
    expect(await echoed).toEqual([4000, REASON, true]);

    const choosing = await ourPair();
    choosing.client.on('closing', () => choosing.client.close(4200, 'client’s own answer'));
    const answered = nextEvent<CloseArgs>(choosing.server, 'close');
    const atClient = nextEvent<CloseArgs>(choosing.client, 'close');
    choosing.server.close(4000, REASON);
    expect(await answered).toEqual([4200, 'client’s own answer', true]);
    expect(await atClient).toEqual([4000, REASON, true]);
  });
});
