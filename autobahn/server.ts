// Autobahn|Testsuite server testee: an echo server for `wstest -m fuzzingclient`. It answers the
// opening handshake (RFC 6455 §4.2), accepts permessage-deflate (RFC 7692 §7.1) and sends every
// message back with its type unchanged (text stays text, binary stays binary — RFC 6455 §5.6).
//
//   npm run autobahn:server -- [--host 0.0.0.0] [--port 9001]     (or env HOST / PORT)

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer } from '../src/index.js';
import {
  TESTEE_LIMITS,
  echo,
  isMainModule,
  type TesteeSession,
  type TesteeWebSocketServerClass,
} from './testee-runtime.js';

export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_PORT = 9001;

export interface EchoServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  WebSocketServer: TesteeWebSocketServerClass;
}

export interface RunningEchoServer {
  /** ws:// URL a client on this machine can use. */
  url: string;
  port: number;
  /** How many connections have been accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Sends each message straight back on the session it came from, keeping its type. */
export function echoMessages(session: TesteeSession): void {
  session.on('message', (data: string | Uint8Array) => echo(session, data));
  // The suite deliberately breaks connections; a failed connection is its expected outcome,
  // not a reason to stop the testee.
  session.on('error', () => {});
}

export async function startEchoServer(options: EchoServerOptions): Promise<RunningEchoServer> {
  // wsref's recommended timeouts: a handshake trickled byte by byte is dropped with 408 within 11 s.
  const httpServer = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (_request, response) => {
    // Any plain HTTP request (e.g. a health check) learns what this port is for.
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    response.end('wsref Autobahn echo testee: connect with WebSocket\n');
  });
  const wss = new options.WebSocketServer({ server: httpServer, ...TESTEE_LIMITS });
  let accepted = 0;
  wss.on('connection', (session) => {
    accepted += 1;
    echoMessages(session);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const reachableHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: `ws://${reachableHost}:${port}`,
    port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        httpServer.closeAllConnections();
        httpServer.close(() => resolve());
      }),
  };
}

/** Command line and environment: `--host`/`HOST`, `--port`/`PORT`. */
export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv): { host: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: { host: { type: 'string' }, port: { type: 'string' } },
    strict: true,
  });
  const host = values.host ?? env.HOST ?? DEFAULT_HOST;
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`invalid port: ${portText}`);
  }
  return { host, port };
}

async function main(): Promise<void> {
  const { host, port } = parseServerArgs(process.argv.slice(2), process.env);
  const server = await startEchoServer({ host, port, WebSocketServer });
  console.log(`wsref echo testee listening on ${host}:${server.port}`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
