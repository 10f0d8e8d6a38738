// The Autobahn server testee (autobahn/server.ts): an echo server that keeps each message's type
// (RFC 6455 §5.6), reassembles fragments (§5.4), accepts permessage-deflate (RFC 7692 §7.1) and
// allows the suite's largest messages (cases 9.*). Driven by a `ws` client.

import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseServerArgs, startEchoServer, type RunningEchoServer } from '../../autobahn/server.js';
import { TESTEE_LIMITS, echo, type TesteeSession, type TesteeWebSocketServerClass } from '../../autobahn/testee-runtime.js';
import { runtimeReady, wsrefRuntime } from './runtime-ready.js';
import { WsTesteeServer } from './ws-adapter.js';

interface Received {
  data: Buffer;
  isBinary: boolean;
}

let server: RunningEchoServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function openClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: true, maxPayload: TESTEE_LIMITS.maxMessageSize });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** Runs `send`, then collects `count` messages (bounded by a timer). */
function collect(ws: WebSocket, count: number, send: () => void, timeoutMs = 20_000): Promise<Received[]> {
  return new Promise((resolve, reject) => {
    const received: Received[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} echoes`)), timeoutMs);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      received.push({ data, isBinary });
      if (received.length === count) {
        clearTimeout(timer);
        resolve(received);
      }
    });
    send();
  });
}

function closeClient(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.once('close', (code: number) => resolve(code));
    ws.close(1000);
  });
}

/** The same checks for any runtime the testee may be built on (the enclosing describe names it). */
function echoChecks(enabled: () => boolean, WebSocketServer: () => TesteeWebSocketServerClass): void {
  const start = async (): Promise<RunningEchoServer> =>
    (server = await startEchoServer({ host: '127.0.0.1', port: 0, WebSocketServer: WebSocketServer() }));

  it.skipIf(!enabled())('[wsref] echoes text as text and binary as binary, negotiating permessage-deflate', async () => {
    const { url } = await start();
    const ws = await openClient(url);
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    const binary = Buffer.from([0, 0xff, 0x80, 0x7f]);
    const echoes = await collect(ws, 4, () => {
      ws.send('Hello, Autobahn');
      ws.send(binary);
      ws.send('');
      ws.send('κόσμε');
    });
    expect(echoes.map((e) => [e.isBinary, e.isBinary ? e.data.toString('hex') : e.data.toString('utf8')])).toEqual([
      [false, 'Hello, Autobahn'],
      [true, '00ff807f'],
      [false, ''],
      [false, 'κόσμε'],
    ]);
    expect(await closeClient(ws)).toBe(1000);
  });

  it.skipIf(!enabled())('[wsref] reassembles a fragmented text message before echoing it', async () => {
    const { url } = await start();
    const ws = await openClient(url);
    const [echo] = await collect(ws, 1, () => {
      ws.send('frag', { fin: false });
      ws.send('men', { fin: false });
      ws.send('ted', { fin: true });
    });
    expect(echo).toEqual({ data: Buffer.from('fragmented'), isBinary: false });
    await closeClient(ws);
  });

  it.skipIf(!enabled())('[wsref] answers a plain HTTP request with 426 Upgrade Required', async () => {
    const { url, port } = await start();
    expect(url).toBe(`ws://127.0.0.1:${port}`);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/`, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(status).toBe(426);
  });
}

describe('[wsref] Autobahn server testee on a ws stand-in runtime', () => {
  echoChecks(() => true, () => WsTesteeServer);
});

describe('[wsref] Autobahn server testee on the wsref runtime', () => {
  echoChecks(() => runtimeReady, () => wsrefRuntime!.WebSocketServer);

  it.skipIf(!runtimeReady)('[wsref] wsref: accepts a 16 MiB message (cases 9.1.6/9.2.6) and 65,536 fragments of 64 bytes (9.3.1)', async () => {
    server = await startEchoServer({ host: '127.0.0.1', port: 0, WebSocketServer: wsrefRuntime!.WebSocketServer });
    const ws = await openClient(server.url);
    const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
    const fragment = Buffer.alloc(64, 0x2a);
    const echoes = await collect(
      ws,
      2,
      () => {
        ws.send(big, { binary: true, compress: false });
        for (let i = 0; i < 65_536; i += 1) ws.send(fragment, { binary: false, fin: i === 65_535, compress: false });
      },
      60_000,
    );
    expect(echoes[0]!.isBinary).toBe(true);
    expect(echoes[0]!.data.equals(big)).toBe(true);
    expect(echoes[1]!.isBinary).toBe(false);
    expect(echoes[1]!.data.length).toBe(4 * 1024 * 1024);
    await closeClient(ws);
  }, 90_000);
});

describe('[wsref] Autobahn server testee options', () => {
  it('[wsref] echo sends the data unchanged, and swallows the refusal of a session that is already closing', () => {
    const sent: (string | Uint8Array)[] = [];
    const open: TesteeSession = { on: () => undefined, send: (data) => void sent.push(data), close: () => {} };
    echo(open, 'text');
    echo(open, Uint8Array.of(1, 2));
    expect(sent).toEqual(['text', Uint8Array.of(1, 2)]);
    const closing: TesteeSession = {
      on: () => undefined,
      send: () => {
        throw new Error('not OPEN');
      },
      close: () => {},
    };
    expect(() => echo(closing, 'late')).not.toThrow();
  });

  it('[wsref] listens on 0.0.0.0:9001 unless --host/--port or HOST/PORT say otherwise', () => {
    expect(parseServerArgs([], {})).toEqual({ host: '0.0.0.0', port: 9001 });
    expect(parseServerArgs([], { HOST: '127.0.0.1', PORT: '9100' })).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(parseServerArgs(['--host', '::1', '--port', '0'], { HOST: 'x', PORT: '1' })).toEqual({ host: '::1', port: 0 });
    expect(() => parseServerArgs(['--port', '65536'], {})).toThrow(RangeError);
    expect(() => parseServerArgs(['--port', 'http'], {})).toThrow(RangeError);
  });
});
