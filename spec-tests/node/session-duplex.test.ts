// A Session runs on any stream.Duplex, not only a net.Socket (src/node/session-transport.ts):
// the transport under RFC 6455 §7.1.1 may be an HTTP/2 stream (RFC 8441) or, here, an in-memory
// pair of Duplex streams with no setNoDelay and no remoteAddress. Messages, ping/pong (§5.5.2)
// and the closing handshake with the server closing the transport first (§7.1.1) all work.
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/core/index.js';
import { Session } from '../../src/node/session.js';
import { nextEvent, until } from '../helpers/node-peers.js';

/** Two Duplex streams joined back to back: what one writes, the other reads; ending one ends the other's input; destroying one destroys the other (a lost connection). */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, done) {
        peer().push(chunk);
        done();
      },
      final(done) {
        peer().push(null);
        done();
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  ends[0]!.once('close', () => ends[1]!.destroy());
  ends[1]!.once('close', () => ends[0]!.destroy());
  return [ends[0]!, ends[1]!];
}

/** A server and a client session over a Duplex pair, both OPEN (the handshake is not the point here). */
function sessionPair() {
  const [serverEnd, clientEnd] = duplexPair();
  const server = new Session(serverEnd, new Connection({ role: 'server' }));
  const client = new Session(clientEnd, new Connection({ role: 'client' }));
  server.establish(undefined, []);
  client.establish(undefined, []);
  return { server, client, serverEnd, clientEnd };
}

type CloseArgs = [code: number, reason: string, wasClean: boolean];

describe('a Session on a plain stream.Duplex', () => {
  it('[wsref] the transport has no setNoDelay and no remoteAddress; messages of both kinds go both ways', async () => {
    const { server, client, serverEnd } = sessionPair();
    expect('setNoDelay' in serverEnd).toBe(false);
    expect(server.remoteAddress).toBeUndefined();
    expect(server.readyState).toBe(1);
    const atServer = nextEvent<[string | Buffer, boolean]>(server, 'message');
    client.send('hello');
    expect(await atServer).toEqual(['hello', false]);
    const atClient = nextEvent<[string | Buffer, boolean]>(client, 'message');
    server.send(Buffer.from([1, 2, 3]));
    const [data, isBinary] = await atClient;
    expect([...(data as Buffer)]).toEqual([1, 2, 3]);
    expect(isBinary).toBe(true);
    server.terminate();
    await nextEvent(client, 'close');
  });

  it('[6455-5.5.2-2] a ping is answered with a pong carrying the same data', async () => {
    const { server, client } = sessionPair();
    const pong = nextEvent<[Buffer]>(client, 'pong');
    client.ping('are you there');
    expect(String((await pong)[0])).toBe('are you there');
    server.terminate();
    await nextEvent(client, 'close');
  });

  it('[6455-7.1.1-3] [6455-7.1.1-5] the closing handshake completes cleanly: the server ends the transport first, both report the code and reason', async () => {
    const { server, client, serverEnd, clientEnd } = sessionPair();
    const ended: string[] = []; // whose end() finished, in order
    serverEnd.once('finish', () => ended.push('server'));
    clientEnd.once('finish', () => ended.push('client'));
    const atServer = nextEvent<CloseArgs>(server, 'close');
    const atClient = nextEvent<CloseArgs>(client, 'close');
    server.close(4000, 'done');
    expect(server.readyState).toBe(2);
    expect(await atServer).toEqual([4000, 'done', true]);
    expect(await atClient).toEqual([4000, 'done', true]);
    expect(ended).toEqual(['server', 'client']); // the client only answered the server's end
    await until(() => server.readyState === 3 && client.readyState === 3, 1_000, 'both CLOSED');
  });
});
