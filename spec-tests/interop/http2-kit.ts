// Test kit for WebSocket over HTTP/2 (RFC 8441): a wsref WebSocketServer inside a Node http2
// server (TLS with a self-signed certificate, or h2c), and Node's own HTTP/2 client (nghttp2) as
// the peer that opens extended CONNECT streams and speaks raw RFC 6455 frames on them.
import http2 from 'node:http2';
import type net from 'node:net';
import { WebSocketServer, type ServerOptions, type Session } from '../../src/index.js';
import { FrameReader, listen, selfSignedCertificate, withTimeout, type RawFrame, type Resources } from '../helpers/node-peers.js';

export interface Http2Endpoint {
  server: http2.Http2SecureServer | http2.Http2Server;
  wss: WebSocketServer;
  port: number;
  /** The sessions announced, with the request each came with. */
  connections: Array<{ session: Session; request: http2.Http2ServerRequest }>;
  origin: string;
}

/**
 * An http2 server on 127.0.0.1:0 (TLS with a fresh self-signed certificate unless `tls` is false)
 * answering ordinary requests with "page", and a wsref endpoint at /ws that echoes every message.
 */
export async function startHttp2Endpoint(
  resources: Resources,
  o: { tls?: boolean; allowHTTP1?: boolean; echo?: boolean; options?: ServerOptions } = {},
): Promise<Http2Endpoint> {
  const tls = o.tls ?? true;
  const page = (_req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => res.end('page');
  const server = tls
    ? http2.createSecureServer({ ...selfSignedCertificate()!, allowHTTP1: o.allowHTTP1 ?? false }, page)
    : http2.createServer(page);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => sockets.add(socket));
  const wss = new WebSocketServer({ server, path: '/ws', ...o.options });
  const connections: Http2Endpoint['connections'] = [];
  wss.on('connection', (session, request) => {
    connections.push({ session, request: request as unknown as http2.Http2ServerRequest });
    if (o.echo ?? true) session.on('message', (data, isBinary) => session.send(data, { binary: isBinary }));
  });
  const port = await listen(server as unknown as net.Server);
  resources.defer(async () => {
    await wss.close({ timeout: 200 });
    for (const s of sessions) s.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, wss, port, connections, origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}

/** Node's HTTP/2 client to `origin`, once the server's SETTINGS have arrived. */
export async function connectHttp2(resources: Resources, origin: string): Promise<http2.ClientHttp2Session> {
  const client = http2.connect(origin, { rejectUnauthorized: false });
  resources.defer(() => client.destroy());
  client.on('error', () => {});
  await withTimeout(new Promise((resolve) => client.once('remoteSettings', resolve)), 5_000, 'the server SETTINGS');
  return client;
}

/** A stream opened with `headers`: its response head, or how it was reset. */
export interface OpenedStream {
  stream: http2.ClientHttp2Stream;
  /** The response head, or undefined when the stream was reset first. */
  response: http2.IncomingHttpHeaders | undefined;
  /** Frames read from the stream (for accepted streams). */
  frames: FrameReader;
  /** Everything read from the stream, as text (for refusals). */
  body: () => string;
  /** Resolves when the stream has closed: its RST_STREAM code (0 when it ended cleanly). */
  closed: Promise<number>;
  /** Resolves when the peer ended its side (END_STREAM). */
  ended: Promise<void>;
}

/** Opens a stream and waits for its response head (or its reset). */
export async function openStream(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<OpenedStream> {
  const stream = client.request(headers, { endStream: false });
  stream.on('error', () => {});
  const frames = new FrameReader();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    frames.push(chunk);
  });
  const closed = new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? 0)));
  const ended = new Promise<void>((resolve) => stream.once('end', () => resolve()));
  const response = await withTimeout(
    Promise.race([
      new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve)),
      closed.then(() => undefined),
    ]),
    5_000,
    'a response to the CONNECT',
  );
  return { stream, response, frames, body: () => Buffer.concat(chunks).toString(), closed, ended };
}

/** The extended CONNECT a WebSocket client sends for /ws (RFC 8441 §5), with `extra` fields. */
export function extendedConnect(scheme: 'https' | 'http', extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  return { ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': scheme, ':path': '/ws', 'sec-websocket-version': '13', ...extra };
}

/** Waits until the reader holds `count` frames. */
export async function frameCount(reader: FrameReader, count: number, label: string): Promise<RawFrame[]> {
  const deadline = Date.now() + 5_000;
  while (reader.frames.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}: ${reader.frames.length} of ${count} frames`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return reader.frames.slice(0, count);
}
