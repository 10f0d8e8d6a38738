// Tests for src/node/client.ts's transport steps — RFC 6455 §4.1 step 3 (an HTTP CONNECT proxy),
// step 5 (TLS with Server Name Indication before the handshake) and §10.6 (TLS support), with a
// wss:// endpoint on an https server and a self-signed certificate made for the test.
import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import {
  closeServer,
  inCI,
  listen,
  nextEvent,
  readHead,
  Resources,
  selfSignedCertificate,
  startHttpServer,
  startRawServer,
  trackSockets,
  type RawHead,
} from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

function echo(wss: WebSocketServer): void {
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
}

async function roundTrip(session: Session, text: string): Promise<unknown> {
  const reply = nextEvent<[string | Buffer]>(session, 'message');
  session.send(text);
  return (await reply)[0];
}

/** A tiny HTTP CONNECT proxy: records each CONNECT head and tunnels to 127.0.0.1, or refuses with `refuse`. */
async function connectProxy(refuse?: number) {
  const heads: RawHead[] = [];
  const { port } = await startRawServer(resources, (client) => {
    void readHead(client).then((head) => {
      heads.push(head);
      if (refuse) {
        client.end(`HTTP/1.1 ${refuse} Refused\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const targetPort = Number(/^CONNECT [^ ]+:(\d+) HTTP\/1\.1$/.exec(head.startLine)?.[1]);
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.rest.length > 0) upstream.write(head.rest);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      resources.socket(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  });
  return { port, heads };
}

describe('HTTP CONNECT proxy (RFC 6455 §4.1 step 3)', () => {
  it('[6455-4.1-9] the client asks the proxy for a tunnel to host:port and speaks WebSocket through it', async () => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WebSocketServer({ server, path: '/via-proxy' });
    resources.defer(() => wss.close({ timeout: 200 }));
    echo(wss);
    const proxy = await connectProxy();
    const session = await connect(`ws://127.0.0.1:${port}/via-proxy`, {
      proxy: `http://user:p%40ss@127.0.0.1:${proxy.port}`,
      handshakeTimeout: 2_000,
    });
    resources.defer(() => session.terminate());
    expect(await roundTrip(session, 'tunnelled')).toBe('tunnelled');
    expect(proxy.heads).toHaveLength(1);
    expect(proxy.heads[0]!.startLine).toBe(`CONNECT 127.0.0.1:${port} HTTP/1.1`);
    expect(proxy.heads[0]!.headers.host).toBe(`127.0.0.1:${port}`);
    expect(proxy.heads[0]!.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
  });

  it('[6455-4.1-12] a proxy that refuses the tunnel fails the connection', async () => {
    const proxy = await connectProxy(403);
    await expect(connect('ws://127.0.0.1:9/', { proxy: `http://127.0.0.1:${proxy.port}`, handshakeTimeout: 2_000 })).rejects.toThrow(/proxy refused/);
    expect(proxy.heads[0]!.startLine).toBe('CONNECT 127.0.0.1:9 HTTP/1.1');
  });
});

const certificate = selfSignedCertificate();
if (!certificate) {
  const message = 'openssl is not installed: the wss:// tests cannot make a certificate';
  if (inCI) throw new Error(message);
  console.warn(`\n*** SKIPPING wss:// tests: ${message} ***\n`);
}

describe.skipIf(!certificate)('wss:// with TLS (RFC 6455 §4.1 step 5, §10.6)', () => {
  /** An https server holding a wss endpoint on 'localhost'; records the SNI name of each upgrade. */
  async function secureServer() {
    const server = https.createServer({ key: certificate!.key, cert: certificate!.cert }, (_req, res) => res.end('secure hello'));
    const sockets = trackSockets(server);
    sockets.clear();
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const port = await listen(server, 'localhost');
    resources.defer(() => closeServer(server, sockets));
    const wss = new WebSocketServer({ server: server as unknown as http.Server, path: '/secure' });
    resources.defer(() => wss.close({ timeout: 200 }));
    echo(wss);
    const servernames: Array<string | false | null> = [];
    wss.on('connection', (_session, request) => servernames.push((request.socket as tls.TLSSocket).servername));
    return { port, servernames };
  }

  it('[6455-4.1-13] [6455-4.1-15] [6455-4.1-16] [6455-10.6-1] a wss:// client trusting the certificate connects, sends SNI, and round-trips', async () => {
    const { port, servernames } = await secureServer();
    const session = await connect(`wss://localhost:${port}/secure`, { tls: { ca: certificate!.cert }, handshakeTimeout: 3_000 });
    resources.defer(() => session.terminate());
    expect(await roundTrip(session, 'encrypted')).toBe('encrypted');
    expect(servernames).toEqual(['localhost']);
    const closed = nextEvent<[number, string, boolean]>(session, 'close');
    session.close(1000);
    expect(await closed).toEqual([1000, '', true]);
  });

  it('[6455-4.1-14] an untrusted (self-signed, no ca) certificate fails the connection', async () => {
    const { port, servernames } = await secureServer();
    await expect(connect(`wss://localhost:${port}/secure`, { handshakeTimeout: 3_000 })).rejects.toThrow(/self[- ]signed|certificate/i);
    expect(servernames).toEqual([]);
  });

  it('[6455-4.1-13] [6455-4.1-16] wss:// to an IP literal verifies the certificate by IP and sends no SNI (RFC 6066 §3: names only)', async () => {
    const { port, servernames } = await secureServer();
    const session = await connect(`wss://127.0.0.1:${port}/secure`, { tls: { ca: certificate!.cert }, handshakeTimeout: 3_000 });
    resources.defer(() => session.terminate());
    expect(await roundTrip(session, 'by ip')).toBe('by ip');
    expect(servernames).toEqual([false]);
  });

  it('[6455-4.1-9] [6455-4.1-13] [6455-4.1-16] wss:// through a CONNECT proxy: TLS runs end to end inside the tunnel, with SNI', async () => {
    const { port, servernames } = await secureServer();
    const proxy = await connectProxy();
    const session = await connect(`wss://localhost:${port}/secure`, {
      proxy: `http://127.0.0.1:${proxy.port}`,
      tls: { ca: certificate!.cert },
      handshakeTimeout: 3_000,
    });
    resources.defer(() => session.terminate());
    expect(await roundTrip(session, 'tunnelled and encrypted')).toBe('tunnelled and encrypted');
    expect(proxy.heads[0]!.startLine).toBe(`CONNECT localhost:${port} HTTP/1.1`);
    expect(servernames).toEqual(['localhost']);
  });
});
