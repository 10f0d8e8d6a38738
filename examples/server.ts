// The wsref demo: ONE Node HTTP server on one port (RFC 6455 §1.7: WebSocket shares port 80/443
// with HTTP) that serves static pages and two WebSocket endpoints (§4.2) inside it:
//   /echo   sends every message back with the same type (text stays text, binary stays binary)
//   /chat   the chat room of the Jetty 7 post, rebuilt with validation and JSON (chat-room.ts)
// Both accept permessage-deflate (RFC 7692) and check Origin (§10.2) against the Host.
//
//   npm start                    → http://127.0.0.1:8080/  (env PORT, HOST; WSREF_SITE_DIR)
//
// Static roots are configurable: the demo pages are mounted at /demo/; the docs site's build
// (website/build, or WSREF_SITE_DIR) at / when it exists — otherwise / redirects to /demo/.
// `npm start` listens at once and builds the site beside the server when it is missing or stale
// (docs-build.ts); meanwhile pages outside /demo/ say so. WSREF_SKIP_DOCS_BUILD=1 skips the build.

import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer } from '../src/index.js';
import { createChatBroker } from './chat-broker.js';
import { ChatRoom, type ChatLimits } from './chat-room.js';
import { docsBuildingPage, startDocsBuild, type DocsBuild } from './docs-build.js';
import { serveStatic, type StaticRoot } from './static-files.js';

export type { StaticRoot } from './static-files.js';

/** The demo pages (index, chat, echo). */
export const DEMO_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
/** Where the docs site is built by default. */
export const DEFAULT_SITE_DIR = fileURLToPath(new URL('../website/build/', import.meta.url));

/** A strict policy for the demo pages: only our own scripts, styles and WebSocket endpoints. */
const DEMO_CSP = "default-src 'self'; connect-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The demo pages at /demo/, plus the docs site at / when its directory exists. */
export function defaultStaticRoots(siteDir: string | undefined = process.env.WSREF_SITE_DIR || DEFAULT_SITE_DIR): StaticRoot[] {
  const roots: StaticRoot[] = [{ mount: '/demo/', dir: DEMO_PUBLIC_DIR, headers: { 'Content-Security-Policy': DEMO_CSP } }];
  if (siteDir && existsSync(siteDir)) roots.push({ mount: '/', dir: siteDir });
  return roots;
}

export interface DemoServerOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only); '0.0.0.0' or '::' to be reachable from elsewhere. */
  host?: string;
  /** Directories to serve; default `defaultStaticRoots()`. */
  staticRoots?: StaticRoot[];
  /** Offer permessage-deflate on both endpoints. Default true. */
  perMessageDeflate?: boolean;
  /** Chat room limits (name and message length, members, rate). */
  chatLimits?: Partial<ChatLimits>;
  /** Share the chat room with other processes through this Redis (examples/chat-redis.ts); default: in this process only. */
  redisUrl?: string;
  /** Where log lines go; default nowhere. */
  log?: (line: string) => void;
  /** The docs site's build in progress: while its state is 'building', pages outside /demo/ say so. */
  docsBuild?: Pick<DocsBuild, 'state'>;
}

export interface DemoServer {
  readonly server: http.Server;
  readonly port: number;
  /** `http://host:port/` */
  readonly url: string;
  readonly echo: WebSocketServer;
  readonly chat: WebSocketServer;
  readonly room: ChatRoom;
  /** Closes every WebSocket with 1001 Going Away, then the HTTP server. */
  close(): Promise<void>;
}

/** Starts the demo server and resolves once it listens. */
export async function createDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  // Looked up per request: a docs build that finishes while we run adds the site at /.
  const currentRoots = () => options.staticRoots ?? defaultStaticRoots();
  const log = options.log ?? (() => {});
  // wsref's recommended timeouts: a handshake trickled byte by byte is dropped with 408 within 11 s.
  const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (request, response) => {
    void route(request, response).catch(() => response.destroy());
  });
  async function route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const pathname = (request.url ?? '/').split('?')[0]!;
    const roots = currentRoots();
    if (options.docsBuild?.state === 'building' && !pathname.startsWith('/demo')) {
      const page = docsBuildingPage();
      response.writeHead(page.status, page.headers).end(request.method === 'HEAD' ? undefined : page.body);
      return;
    }
    // A mount point without its trailing slash (/demo → /demo/).
    if (roots.some((r) => r.mount === `${pathname}/`)) {
      response.writeHead(301, { Location: `${pathname}/` }).end();
      return;
    }
    if (await serveStatic(request, response, roots)) return;
    // No root at "/": send visitors to the first mounted directory (the demo pages).
    if (pathname === '/' && roots.length > 0) {
      response.writeHead(302, { Location: roots[0]!.mount }).end();
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  }

  // RFC 6455 §10.2: browsers always send Origin; accept pages of this very server (and non-browser
  // clients, which send none). This refuses cross-site WebSocket hijacking with 403.
  const sameOrigin = (origin: string | undefined, request: http.IncomingMessage) => {
    if (origin === undefined) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  };
  const perMessageDeflate = options.perMessageDeflate ?? true;
  const echo = new WebSocketServer({
    server, path: '/echo', perMessageDeflate, verifyOrigin: sameOrigin,
    maxMessageSize: 16 * 1024 * 1024, pingInterval: 30_000,
  });
  echo.on('connection', (session, request) => {
    log(`echo: connection from ${request.socket.remoteAddress} (${session.extensions || 'no extensions'})`);
    session.on('message', (data, isBinary) => {
      // Same type back. Backpressure: stop reading while the peer is slow to take our echoes.
      if (!session.send(data, { binary: isBinary })) {
        session.pause();
        void session.drained().then(() => session.resume());
      }
    });
  });
  const room = new ChatRoom(options.chatLimits, await createChatBroker(options.redisUrl, log));
  const chat = new WebSocketServer({
    server, path: '/chat', perMessageDeflate, verifyOrigin: sameOrigin,
    // Small messages only (larger ones close with 1009); keep idle members alive with pings,
    // where Jetty 7's chat dropped them after 30 s of silence; drop members that stop reading.
    maxMessageSize: 16 * 1024, pingInterval: 25_000, highWaterMark: 256 * 1024, maxBufferedAmount: 2 * 1024 * 1024,
  });
  chat.on('connection', (session, request) => {
    log(`chat: connection from ${request.socket.remoteAddress}`);
    room.accept(session);
  });
  for (const endpoint of [echo, chat]) endpoint.on('rejected', (status, reason) => log(`refused a handshake: ${status} ${reason}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server, port: address.port, url: `http://${host}:${address.port}/`, echo, chat, room,
    async close() {
      await Promise.all([echo.close({ timeout: 2_000 }), chat.close({ timeout: 2_000 })]);
      await room.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// `npm start` / `tsx examples/server.ts`: run until Ctrl-C.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 8080);
  const siteDir = process.env.WSREF_SITE_DIR || DEFAULT_SITE_DIR;
  // REDIS_URL or --redis URL: the chat room shared with other processes (see examples/chat-cluster.ts).
  const redisFlag = process.argv.indexOf('--redis');
  const redisUrl = (redisFlag > 0 ? process.argv[redisFlag + 1] : undefined) ?? process.env.REDIS_URL;
  const docsBuild: { state: DocsBuild['state'] } = { state: 'building' };
  const demo = await createDemoServer({ port, host: process.env.HOST ?? '127.0.0.1', redisUrl, docsBuild, log: (line) => console.log(line) });
  console.log(`wsref demo listening on ${demo.url}`);
  console.log(`  /demo/   ← ${DEMO_PUBLIC_DIR}\n  /        ← ${siteDir} (the docs site)`);
  console.log(`  chat: ${demo.url}demo/chat.html   echo: ${demo.url}demo/echo.html   (WebSocket endpoints /chat and /echo)`);
  // Only now, with the demos served: the docs build (minutes on a first start) runs beside us.
  const build = startDocsBuild(siteDir, (line) => console.log(line));
  docsBuild.state = build.state;
  void build.finished.then((state) => {
    docsBuild.state = state;
    if (state === 'ready') console.log(`[docs] the documentation site is served at ${demo.url}`);
    if (state === 'failed') console.log(`[docs] no documentation site this time; the demos stay at ${demo.url}demo/`);
  });
  const stop = () => {
    build.stop();
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
