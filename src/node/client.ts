// RFC 6455 §4.1 on Node: opening a client connection. Resolve the host, wait for any other
// connection to the same address that is still CONNECTING (§4.1 step 2), open TCP (through
// an HTTP CONNECT proxy if configured, step 3), run TLS with SNI for wss:// (step 5), then
// send the handshake and check the response in the core (`handshake/opening-handshake.ts`).

import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { Connection, HandshakeError, HttpHeadParser, parseWebSocketUri, type WebSocketUri } from '../core/index.js';
import type { ClientOptions } from './client-options.js';
import { checkSessionOptions, DEFAULT_HANDSHAKE_TIMEOUT } from './defaults.js';
import { basicAuthorization, headersForAuthenticationRetry, takeCredentials } from './credentials.js';
import { buildExtensionFactories } from './extensions.js';
import { connectHttp2 } from './http2-client.js';
import { allocateUnzeroed } from './allocate.js';
import { nativeUtf8Check, sha1 } from './platform.js';
import { Session } from './session.js';

export type { ClientOptions } from './client-options.js';
/**
 * Opens a WebSocket connection and resolves with the session once it is OPEN. Rejects with a
 * `HandshakeError` when the server refuses or answers wrongly, or an `Error` for network
 * failures and the handshake timeout. A URL with credentials (`ws://user:pass@host/`) is
 * handled as browsers do: asked with a 401, the handshake is retried once with
 * `Authorization: Basic` (credentials.ts).
 */
export async function connect(url: string, options: ClientOptions = {}): Promise<Session> {
  checkSessionOptions(options); // before any connection is made
  if (options.http2) {
    const session = await connectHttp2(url, options); // undefined: 'auto' found no RFC 8441 there
    if (session) return session;
  }
  const { url: target, authorization } = takeCredentials(url);
  const uri = parseWebSocketUri(target);
  const timeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  let socket: net.Socket | undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      socket?.destroy();
      reject(new Error(`WebSocket handshake with ${url} timed out after ${timeout} ms`));
    }, timeout);
  });
  try {
    const onSocket = (s: net.Socket) => {
      socket = s;
      if (timedOut) s.destroy(); // a late socket of an abandoned attempt
    };
    const session = await Promise.race([deadline, openWithCredentials(uri, options, authorization, onSocket)]);
    // Frames that came with the 101 are held until our caller, resumed before any macrotask,
    // has attached its listeners.
    setImmediate(() => session.releaseEvents());
    return session;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * As a browser does (Fetch, "HTTP-network-or-cache fetch"): the first request goes without the
 * URL's credentials; a 401 answer is retried once with them, on a new connection. An
 * `Authorization` header given in `options.headers` wins, and then the URL's are not used.
 */
async function openWithCredentials(
  uri: WebSocketUri,
  options: ClientOptions,
  authorization: string | undefined,
  onSocket: (socket: net.Socket) => void,
): Promise<Session> {
  try {
    return await open(uri, options, onSocket);
  } catch (error) {
    const headers = headersForAuthenticationRetry(error, authorization, options.headers);
    if (!headers) throw error;
    return open(uri, { ...options, headers }, onSocket);
  }
}

async function open(uri: WebSocketUri, options: ClientOptions, onSocket: (socket: net.Socket) => void): Promise<Session> {
  const proxy = options.proxy ? parseProxy(options.proxy) : undefined;
  // RFC 6455 §4.1 step 2: serialize attempts per remote address; through a proxy the address is
  // unknown, so each host name counts as a distinct host.
  const address = proxy || net.isIP(uri.host) ? uri.host : (await lookup(uri.host)).address;
  // …and the client should then keep the total of pending attempts low.
  const releaseProxySlot = proxy ? await pendingThroughProxy.acquire() : () => {};
  const release = await connectingQueue.acquire(`${address}:${uri.port}`);
  try {
    let socket = proxy ? await tunnel(proxy, uri, onSocket) : await connectTcp(address, uri.port, onSocket);
    // RFC 6455 §4.1 step 5: TLS before the handshake, with Server Name Indication (§4.1, RFC 6066).
    if (uri.secure) socket = await startTls(socket, uri.host, options.tls, onSocket);
    options.onSocket?.(socket);
    const factories = buildExtensionFactories(options);
    const protocols = typeof options.protocols === 'string' ? [options.protocols] : (options.protocols ?? []);
    const connection = new Connection({
      role: 'client',
      maxMessageSize: options.maxMessageSize, // the core applies the default
      utf8Check: nativeUtf8Check,
      allocate: allocateUnzeroed,
      client: {
        uri,
        sha1,
        protocols,
        extensions: factories,
        ...(options.origin !== undefined ? { origin: options.origin } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
      },
    });
    const session = new Session(socket, connection, options);
    // A tunnelled socket was paused after the proxy's answer; the session reads from here on.
    socket.resume();
    await new Promise<void>((resolve, reject) => {
      const onClose = () => reject(session.lastError ?? new Error('connection closed during the opening handshake'));
      // RFC 6455 §4.1: a failed handshake fails the connection. There is nothing left to send, so
      // drop TCP now instead of waiting for a server that may keep it open (or keep talking).
      const onError = () => socket.destroy();
      session.once('close', onClose);
      session.once('error', onError);
      session.once('open', () => {
        session.holdEvents();
        session.off('close', onClose);
        session.off('error', onError);
        resolve();
      });
      session.startHandshake();
    });
    return session;
  } finally {
    release();
    releaseProxySlot();
  }
}

function connectTcp(host: string, port: number, onSocket: (socket: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    onSocket(socket);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function startTls(raw: net.Socket, host: string, options: tls.ConnectionOptions | undefined, onSocket: (socket: net.Socket) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      ...options,
      socket: raw,
      // SNI carries host names only, never IP literals (RFC 6066 §3); a caller's own servername wins.
      ...(net.isIP(host) ? {} : { servername: options?.servername ?? host }),
      ALPNProtocols: ['http/1.1'],
    });
    onSocket(socket);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

interface Proxy {
  host: string;
  port: number;
  authorization: string | undefined;
}

function parseProxy(proxy: string): Proxy {
  const url = new URL(proxy);
  if (url.protocol !== 'http:') throw new TypeError(`proxy must be an http:// URL, got ${proxy}`);
  const authorization = url.username ? basicAuthorization(url.username, url.password) : undefined;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), authorization };
}

/** Opens a TCP tunnel to the WebSocket server through an HTTP proxy (CONNECT, RFC 9110 §9.3.6). */
async function tunnel(proxy: Proxy, uri: WebSocketUri, onSocket: (socket: net.Socket) => void): Promise<net.Socket> {
  const socket = await connectTcp(proxy.host, proxy.port, onSocket);
  const authority = net.isIPv6(uri.host) ? `[${uri.host}]:${uri.port}` : `${uri.host}:${uri.port}`;
  socket.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n` +
      (proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : '') +
      '\r\n',
  );
  return new Promise((resolve, reject) => {
    const parser = new HttpHeadParser();
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      let parsed;
      try {
        parsed = parser.push(chunk);
      } catch (error) {
        return fail(error as Error);
      }
      if (!parsed) return;
      socket.off('data', onData);
      socket.off('error', fail);
      socket.pause();
      const head = parsed.head;
      if (head.kind !== 'response' || head.status < 200 || head.status > 299) {
        return fail(new HandshakeError(`proxy refused the tunnel: ${head.kind === 'response' ? head.status : 'not a response'}`, 502));
      }
      if (parsed.rest.length > 0) socket.unshift(Buffer.from(parsed.rest));
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', fail);
  });
}

/** One CONNECTING attempt per remote address at a time (RFC 6455 §4.1 step 2). */
class ConnectingQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for earlier attempts to the same key; resolves with the function that lets the next one go. */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

const connectingQueue = new ConnectingQueue();

/** At most `limit` attempts at once; the rest wait their turn in order. */
class PendingLimit {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next attempt
      else this.active--;
    };
  }
}

/**
 * RFC 6455 §4.1 step 2: when a proxy resolves names, the client cannot tell which host names
 * share an address, so it limits how many attempts through proxies are CONNECTING at once.
 */
export const MAX_PENDING_THROUGH_PROXY = 8;
const pendingThroughProxy = new PendingLimit(MAX_PENDING_THROUGH_PROXY);
