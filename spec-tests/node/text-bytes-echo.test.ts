// Text as bytes, echoed (issue #15): a text message received with `textAs: 'bytes'` was checked
// to be UTF-8 as it arrived (RFC 6455 §8.1). Sent back whole from its own 'message' listener, it
// is not checked a second time; every other send of bytes as text still is (RFC 6455 §5.6): a
// copy, the same bytes later, or the bytes as a fragment. The outgoing check is wrapped (not
// replaced) so the test sees when it runs; the peer is the `ws` package.
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { WebSocketServer, type Session } from '../../src/index.js';
import { checkTextToSend } from '../../src/node/outgoing-text.js';
import { nextEvent, Resources, startHttpServer, until } from '../helpers/node-peers.js';

vi.mock('../../src/node/outgoing-text.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/node/outgoing-text.js')>();
  return { ...original, checkTextToSend: vi.fn(original.checkTextToSend) };
});

const resources = new Resources();
afterEach(() => resources.cleanup());

const TEXT = `aé€😀 ${'x'.repeat(2000)}`;

/** A wsref server with `textAs: 'bytes'`, a `ws` client of it, and the server's session. */
async function echoPair(): Promise<[WebSocket, Session]> {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, textAs: 'bytes' });
  resources.defer(() => wss.close({ timeout: 100 }));
  const sessions: Session[] = [];
  wss.on('connection', (session) => sessions.push(session));
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  resources.defer(() => ws.terminate());
  await nextEvent(ws, 'open', 5_000);
  await until(() => sessions.length === 1, 2_000, 'the server session');
  return [ws, sessions[0]!];
}

/** Sends TEXT from `ws`, lets `reply` answer it from the session's listener, and returns the text `ws` gets back. */
async function roundTrip(ws: WebSocket, session: Session, reply: (data: Buffer) => void): Promise<string> {
  session.removeAllListeners('message');
  session.on('message', (data) => reply(data as Buffer));
  const echoed = nextEvent<[Buffer, boolean]>(ws, 'message', 5_000);
  ws.send(TEXT);
  const [data, isBinary] = await echoed;
  expect(isBinary).toBe(false);
  return data.toString('utf8');
}

describe("echoing text received as bytes (RFC 6455 §5.6, §8.1)", () => {
  it('[6455-5.6-1, 6455-8.1-1] the received message, sent back whole from its listener, goes out as text without a second UTF-8 check', async () => {
    const [ws, session] = await echoPair();
    const check = vi.mocked(checkTextToSend);
    check.mockClear();
    expect(await roundTrip(ws, session, (data) => session.send(data, { binary: false }))).toBe(TEXT);
    expect(check).not.toHaveBeenCalled();
  });

  it('[6455-5.6-1] a copy of it, or the same bytes sent after the listener returned, are checked', async () => {
    const [ws, session] = await echoPair();
    const check = vi.mocked(checkTextToSend);
    check.mockClear();
    expect(await roundTrip(ws, session, (data) => session.send(Buffer.from(data), { binary: false }))).toBe(TEXT);
    expect(check).toHaveBeenCalledTimes(1);
    expect(await roundTrip(ws, session, (data) => setImmediate(() => session.send(data, { binary: false })))).toBe(TEXT);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('[6455-5.6-1, 6455-5.4-6] sent as a fragment, it is checked: the message it starts is not the one that was validated', async () => {
    const [ws, session] = await echoPair();
    const check = vi.mocked(checkTextToSend);
    check.mockClear();
    const echoed = await roundTrip(ws, session, (data) => {
      session.send(data, { binary: false, fin: false });
      session.send(Buffer.from('!'), { fin: true });
    });
    expect(echoed).toBe(`${TEXT}!`);
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('[6455-5.6-1, 6455-8.1-1] invalid bytes from the listener are still refused: only the message in hand skips the check', async () => {
    const [ws, session] = await echoPair();
    const errors: unknown[] = [];
    const echoed = await roundTrip(ws, session, (data) => {
      try {
        session.send(Buffer.from([0xff, 0xfe]), { binary: false });
      } catch (error) {
        errors.push(error);
      }
      session.send(data, { binary: false });
    });
    expect(echoed).toBe(TEXT);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
  });
});
