// Tests for src/node/session.ts as a runtime that pulls from the core (issue #14): frames that
// arrive in the same TCP read as the 101 wait inside the core until connect()'s caller has the
// session, so its listeners hear them. (A listener that throws: session-closing.test.ts.)
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { acceptFor, closeBody, encodeFrame, nextEvent, OP, readFrames, readHead, Resources, startRawServer, until, type RawFrame } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

type CloseArgs = [code: number, reason: string, wasClean: boolean];

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
