// Tests for src/node/session.ts as a runtime that pulls from the core (issue #14): the session
// drains the connection's events and output after each read, a listener that throws fails the
// connection with 1011 (RFC 6455 §7.4.1) instead of unwinding into the socket code, and frames
// that arrive in the same TCP read as the 101 wait inside the core until connect()'s caller has
// the session, so its listeners hear them.
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import {
  acceptFor,
  closeBody,
  encodeFrame,
  nextEvent,
  OP,
  rawUpgrade,
  readFrames,
  readHead,
  Resources,
  startHttpServer,
  startRawServer,
  until,
  type RawFrame,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

describe('a listener that throws (RFC 6455 §7.1.7, §7.4.1)', () => {
  it('[6455-7.1.7-2] [6455-7.1.7-3] a message listener that throws: the peer gets 1011, the error carries the thrown value, later frames are not delivered', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server });
    resources.defer(() => wss.close({ timeout: 200 }));
    const accepted = nextEvent<[Session]>(wss, 'connection');
    const { socket, head } = await rawUpgrade(port, '/', resources);
    const [session] = await accepted;
    const frames: RawFrame[] = [];
    readFrames(socket, head.rest, (f) => frames.push(f));
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

describe('frames that came with the 101 (connect() holds the session until its caller has it)', () => {
  it('[6455-6.2-1] [6455-5.5.2-3] a message and a ping in the 101’s TCP read: heard by the caller’s listener, and the ping answered', async () => {
    let serverSocket: net.Socket | undefined;
    const frames: RawFrame[] = [];
    const { port } = await startRawServer(resources, (socket) => {
      serverSocket = socket;
      void readHead(socket).then((head) => {
        readFrames(socket, head.rest, (f) => frames.push(f));
        socket.write(
          Buffer.concat([
            Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(head.headers['sec-websocket-key']!)}\r\n\r\n`),
            encodeFrame(OP.text, 'early'),
            encodeFrame(OP.ping, 'p'),
          ]),
        );
      });
    });
    const client = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 2_000 });
    resources.defer(() => client.terminate());
    const message = nextEvent<[string, boolean]>(client, 'message');
    const ping = nextEvent<[Buffer]>(client, 'ping');
    expect(await message).toEqual(['early', false]);
    expect(String((await ping)[0])).toBe('p');
    await until(() => frames.some((f) => f.opcode === OP.pong), 2_000, 'the pong');
    expect(String(frames.find((f) => f.opcode === OP.pong)!.payload)).toBe('p');
    const closed = nextEvent<CloseArgs>(client, 'close');
    serverSocket!.write(encodeFrame(OP.close, closeBody(1000)));
    await until(() => frames.some((f) => f.opcode === OP.close), 2_000, 'the echo');
    serverSocket!.end();
    expect(await closed).toEqual([1000, '', true]);
  });
});
