// `wsref serve`: a WebSocket server (RFC 6455 §4.2) on every path of an HTTP server, printing,
// echoing or relaying messages; with `--trace`, each opening handshake and every frame decoded
// field by field. With TLS (cli-tls.ts) it serves wss://, and with `--http2` the same port speaks
// HTTP/2 (ALPN h2) beside HTTP/1.1: WebSockets then arrive as extended CONNECT streams (RFC 8441).

import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { Socket } from 'node:net';
import readline from 'node:readline';
import { headerListFromRaw } from '../core/handshake/http-head.js';
import { ReadyState } from '../core/index.js';
import type { CliIO } from './cli-io.js';
import { describeClose, describeMessage } from './cli-messages.js';
import type { TlsMaterial } from './cli-tls.js';
import { RECOMMENDED_HTTP_SERVER_OPTIONS } from './http-server-options.js';
import { attachHttp2, isHttp2Server } from './http2-server.js';
import { formatHttp2Head } from './http2-trace.js';
import { WebSocketServer } from './server.js';
import type { Session } from './session.js';
import { createWireTrace, formatHttpHead, tapSocket } from './trace-format.js';

/** `wsref serve` accepts messages up to 16 MiB: a learning tool needs no more than that. */
const SERVE_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** On Ctrl-C, how long `wsref serve` waits for clients to finish the closing handshake. */
const SERVE_SHUTDOWN_TIMEOUT = 2_000;

export interface ServeSettings {
  port: number;
  host: string;
  mode: 'echo' | 'chat' | 'print';
  trace: boolean;
  /** permessage-deflate settings to accept, or false. */
  deflate: false | { threshold: number };
  /** wss:// with this key and certificate; undefined for ws://. */
  tls: TlsMaterial | undefined;
  /** Speak HTTP/2 too (needs `tls`): WebSockets over extended CONNECT (RFC 8441) and HTTP/1.1 upgrades. */
  http2: boolean;
}

type AnyServer = http.Server | https.Server | http2.Http2SecureServer;

/** The HTTP server for the settings; `page` answers every ordinary request. */
function createServer(settings: ServeSettings, page: (request: http.IncomingMessage | http2.Http2ServerRequest, response: http.ServerResponse | http2.Http2ServerResponse) => void): AnyServer {
  const { tls } = settings;
  if (tls && settings.http2) {
    // allowHTTP1: clients that do not offer h2 in ALPN get HTTP/1.1 on the same port (RFC 7301).
    const server = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, page);
    // Its HTTP/1.1 side reads the head deadlines from these properties (Node sets 60 s and 300 s
    // there and ignores the options), the interval when it starts listening: bounded as below.
    return Object.assign(server, RECOMMENDED_HTTP_SERVER_OPTIONS);
  }
  // A handshake trickled byte by byte is dropped with 408 within 11 s (RFC 6455 §10.7: unsafe input may just be dropped).
  if (tls) return https.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS, key: tls.key, cert: tls.cert }, page);
  return http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, page);
}

export async function serve(settings: ServeSettings, io: CliIO): Promise<number> {
  const scheme = settings.tls ? 'wss' : 'ws';
  const server = createServer(settings, (request, response) => {
    const authority = request.headers.host ?? request.headers[':authority'] ?? 'this-host';
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.end(`wsref serve (${settings.mode}): connect a WebSocket client to ${scheme}://${String(authority)}${request.url ?? '/'}\n`);
  });
  // No `server` option: this command routes upgrades itself, so it can tap each socket first.
  const wss = new WebSocketServer({ perMessageDeflate: settings.deflate, maxMessageSize: SERVE_MAX_MESSAGE_SIZE });
  /** Connection numbers, keyed by the upgrade request (HTTP/1.1) or the stream (HTTP/2). */
  const ids = new WeakMap<object, number>();
  let nextId = 1;
  const printerFor = (id: number) => (text: string) => io.out(text.replace(/^/gm, `#${id} `));
  server.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const id = nextId++;
    ids.set(request, id);
    if (settings.trace) {
      const print = printerFor(id);
      print(formatHttpHead({ kind: 'request', method: request.method ?? '', target: request.url ?? '', httpVersion: request.httpVersion, headers: headerListFromRaw(request.rawHeaders) }, 'received'));
      const trace = createWireTrace({ role: 'server', print, sentStartsWithHttp: true, receivedStartsWithHttp: false });
      tapSocket(socket, trace.sent, trace.received);
      if (head.length > 0) trace.received(head);
    }
    void wss.handleUpgrade(request, socket, head);
  });
  if (isHttp2Server(server)) {
    // RFC 8441 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL, and extended CONNECTs (any path) to `wss`.
    attachHttp2(server, [wss]);
    server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
      if (headers[':method'] !== 'CONNECT') return;
      const id = nextId++;
      ids.set(stream, id);
      if (settings.trace) traceStream(stream, headers, printerFor(id));
    });
  }
  wss.on('rejected', (status, reason) => io.out(`* refused a handshake: ${status} ${reason}`));
  wss.on('connection', (session, request) => {
    const id = ids.get(request) ?? ids.get((request as unknown as { stream?: object }).stream ?? {}) ?? 0;
    const negotiated = [session.transport === 'h2' && 'HTTP/2 stream', session.protocol && `subprotocol ${session.protocol}`, session.extensions && `extensions ${session.extensions}`].filter(Boolean);
    io.out(`* #${id} connected from ${request.socket.remoteAddress}:${request.socket.remotePort} to ${request.url}${negotiated.length ? ` (${negotiated.join(', ')})` : ''}`);
    session.on('error', (error) => io.err(`! #${id} ${error.message}`));
    session.on('close', (code, reason, wasClean) => {
      io.out(`* #${id} ${describeClose(code, reason, wasClean)}`);
      if (settings.mode === 'chat') broadcast(`#${id} left`, session);
    });
    session.on('message', (data, isBinary) => {
      io.out(`< #${id} ${describeMessage(data, isBinary)}`);
      if (settings.mode === 'echo') {
        session.send(data, { binary: isBinary });
        io.out(`> #${id} ${describeMessage(data, isBinary)} (echo)`);
      } else if (settings.mode === 'chat' && !isBinary) {
        broadcast(`#${id}: ${String(data)}`, session);
      }
    });
    if (settings.mode === 'chat') broadcast(`#${id} joined`, session);
  });
  const broadcast = (text: string, from?: Session) => {
    for (const client of wss.clients) if (client !== from && client.readyState === ReadyState.OPEN) client.send(text);
  };
  // Every TCP connection, so that shutting down ends HTTP/2 connections and kept-alive ones too.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.port, settings.host, () => resolve());
    });
  } catch (error) {
    io.err(`! cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`);
    return 1;
  }
  const address = server.address() as { address: string; port: number };
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const features = [
    `${settings.mode} mode`,
    settings.http2 && 'HTTP/2 and HTTP/1.1',
    settings.tls && `TLS, ${settings.tls.origin} certificate ${settings.tls.fingerprint}`,
    settings.deflate && 'permessage-deflate',
    settings.trace && 'tracing',
  ].filter(Boolean);
  io.out(`* listening on ${scheme}://${host}:${address.port}/ (${features.join(', ')}); Ctrl-C stops`);
  if (settings.tls?.certFile) {
    // The certificate names loopback too (cli-tls.ts), so a server on every address is reached there.
    const reach = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
    const command = ['wsref connect --ca', shellQuoted(settings.tls.certFile), settings.http2 ? '--http2' : '', `wss://${reach}:${address.port}/`].filter(Boolean).join(' ');
    io.out(`* to connect: ${command}   (or --insecure, comparing the fingerprint; the file goes when the server stops)`);
  }

  let lines: readline.Interface | undefined;
  if (settings.mode === 'print') {
    lines = readline.createInterface({ input: io.input, terminal: false });
    lines.on('line', (line) => broadcast(line));
  }
  await io.stopRequested();
  io.out('* shutting down: closing every connection with 1001 Going Away');
  lines?.close();
  await wss.close({ timeout: SERVE_SHUTDOWN_TIMEOUT }); // 1001 'server shutting down', the server's default
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

/** `text` as one shell word, quoted only when it needs to be. */
function shellQuoted(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `--trace` for a WebSocket over HTTP/2: the CONNECT's fields, the answer's, then the frames on the stream. */
function traceStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, print: (text: string) => void): void {
  print(formatHttp2Head(headers, 'request', 'server'));
  const respond = stream.respond;
  stream.respond = function respondTraced(this: http2.ServerHttp2Stream, answer?: http2.OutgoingHttpHeaders, options?: http2.ServerStreamResponseOptions) {
    print(formatHttp2Head(answer ?? {}, 'response', 'server'));
    respond.call(this, answer, options);
    // Tapped only now: a 'data' listener starts the flow, and the session takes the stream in this same tick.
    if (Number(answer?.[':status']) === 200) {
      const trace = createWireTrace({ role: 'server', print, sentStartsWithHttp: false, receivedStartsWithHttp: false });
      tapSocket(stream as unknown as Socket, trace.sent, trace.received);
    }
  };
}
