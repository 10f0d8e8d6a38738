// `wsref`, the command-line companion for learning RFC 6455: a small WebSocket server and client
// (like wscat) that can show the protocol itself — with `--trace`, the opening handshake of §4
// and every frame of §5.2 decoded field by field, each field tagged with its RFC section.
//
//   wsref serve   [--port 8080] [--host 127.0.0.1] [--echo | --chat] [--trace] [--deflate]
//   wsref connect URL [--echo] [--subprotocol x]... [--header 'K: V']... [--trace] [--deflate]

import { realpathSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { headerListFromRaw } from '../core/http-head.js';
import { connect, type ClientOptions } from './client.js';
import { WebSocketServer } from './server.js';
import type { Session } from './session.js';
import { createWireTrace, formatHttpHead, tapSocket } from './trace-format.js';

export const USAGE = `wsref — a WebSocket (RFC 6455) server and client that shows the protocol

Usage:
  wsref serve [options]         a WebSocket server on every path of an HTTP server
      --port, -p N              port to listen on (default 8080; 0 picks a free one)
      --host H                  address to listen on (default 127.0.0.1)
      --echo                    send every message back, with the same type
      --chat                    pass every text message on to all other clients
                                (default: print messages; lines typed go to every client)
  wsref connect URL [options]   connect to ws:// or wss:// URL; typed lines are sent as text
      --echo                    send every received message back; exit when the connection closes
      --subprotocol, -s NAME    offer a subprotocol (repeatable, preferred first)
      --header, -H 'K: V'       add a request header (repeatable)
      --origin ORIGIN           send an Origin header
      commands while connected: /ping [text]  /close [code [reason]]  /help
Both:
      --trace, -t               print the handshake and every frame, field by field (RFC 6455 §4, §5.2)
      --deflate                 offer/accept permessage-deflate (RFC 7692); every message is compressed
      --help, -h                this text
`;

export interface CliIO {
  /** Writes one line (or block of lines) of output. */
  out(text: string): void;
  /** Writes one line of diagnostics. */
  err(text: string): void;
  /** Where typed lines come from. */
  input: NodeJS.ReadableStream;
  /** Resolves when the user asks to stop (Ctrl-C, SIGTERM). */
  stopRequested(): Promise<void>;
}

const processIO: CliIO = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  input: process.stdin,
  stopRequested: () => new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }),
};

/** Runs the command line; resolves with the exit code (0 fine, 1 failed, 2 usage error). */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        echo: { type: 'boolean' },
        chat: { type: 'boolean' },
        trace: { type: 'boolean', short: 't' },
        deflate: { type: 'boolean' },
        subprotocol: { type: 'string', short: 's', multiple: true },
        header: { type: 'string', short: 'H', multiple: true },
        origin: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`wsref: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  try {
    if (command === 'serve' && rest.length === 0) {
      if (values.echo && values.chat) throw new UsageError('choose one of --echo and --chat');
      return await serve(
        {
          port: parsePort(values.port ?? '8080'),
          host: values.host ?? '127.0.0.1',
          mode: values.echo ? 'echo' : values.chat ? 'chat' : 'print',
          trace: Boolean(values.trace),
          deflate: Boolean(values.deflate),
        },
        io,
      );
    }
    if (command === 'connect' && rest.length === 1) {
      const headers: Record<string, string> = {};
      for (const line of values.header ?? []) {
        const colon = line.indexOf(':');
        if (colon < 1) throw new UsageError(`--header wants 'Name: value', got ${JSON.stringify(line)}`);
        headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      }
      return await connectCommand(rest[0]!, {
        echo: Boolean(values.echo),
        trace: Boolean(values.trace),
        options: {
          protocols: values.subprotocol ?? [],
          headers,
          perMessageDeflate: values.deflate ? TRACEABLE_DEFLATE : false,
          ...(values.origin !== undefined ? { origin: values.origin } : {}),
        },
      }, io);
    }
    throw new UsageError(`unknown command or wrong arguments: ${positionals.join(' ')}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`wsref: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

class UsageError extends Error {}

/** permessage-deflate that compresses every message, however short, so traces show RSV1 at work (RFC 7692 §6). */
const TRACEABLE_DEFLATE = { threshold: 0 } as const;

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port wants a number from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

// ─── Showing messages ─────────────────────────────────────────────────────────────────

const PREVIEW_CHARS = 2000;

/** A message as one safe line: control characters escaped, so a peer cannot drive the terminal. */
export function describeMessage(data: string | Buffer, isBinary: boolean): string {
  if (isBinary) {
    const bytes = data as Buffer;
    const shown = bytes.subarray(0, 32).toString('hex').replace(/(..)(?!$)/g, '$1 ');
    return `binary (${bytes.length} byte${bytes.length === 1 ? '' : 's'}): ${shown}${bytes.length > 32 ? ' …' : ''}`;
  }
  const text = data as string;
  const cut = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}… (${text.length - PREVIEW_CHARS} more characters)` : text;
  return `text: ${escapeControls(cut)}`;
}

function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describeClose(code: number, reason: string, wasClean: boolean): string {
  return `closed: code ${code}${reason ? ` reason ${JSON.stringify(reason)}` : ''} (${wasClean ? 'clean closing handshake' : 'not clean'})`;
}

// ─── wsref connect ──────────────────────────────────────────────────────────────────────

interface ConnectSettings {
  echo: boolean;
  trace: boolean;
  options: ClientOptions;
}

async function connectCommand(url: string, settings: ConnectSettings, io: CliIO): Promise<number> {
  let session: Session;
  try {
    session = await connect(url, {
      ...settings.options,
      ...(settings.trace
        ? {
            onSocket: (socket: Socket) => {
              const trace = createWireTrace({ role: 'client', print: io.out, sentStartsWithHttp: true, receivedStartsWithHttp: true });
              tapSocket(socket, trace.sent, trace.received);
            },
          }
        : {}),
    });
  } catch (error) {
    io.err(`! could not connect to ${url}: ${(error as Error).message}`);
    return 1;
  }
  const negotiated = [session.protocol && `subprotocol ${session.protocol}`, session.extensions && `extensions ${session.extensions}`].filter(Boolean);
  io.out(`* connected to ${url}${negotiated.length ? ` (${negotiated.join(', ')})` : ''}`);
  const closed = new Promise<boolean>((resolve) =>
    session.on('close', (code, reason, wasClean) => {
      io.out(`* ${describeClose(code, reason, wasClean)}`);
      resolve(wasClean);
    }),
  );
  session.on('error', (error) => io.err(`! ${error.message}`));
  let pingSent = 0;
  session.on('pong', (data) => io.out(`< pong ${JSON.stringify(data.toString('latin1'))}${pingSent ? ` after ${Date.now() - pingSent} ms` : ''}`));
  session.on('message', (data, isBinary) => {
    io.out(`< ${describeMessage(data, isBinary)}`);
    if (settings.echo && session.readyState === 1) {
      session.send(data, { binary: isBinary });
      io.out(`> ${describeMessage(data, isBinary)} (echo)`);
    }
  });

  let lines: readline.Interface | undefined;
  if (!settings.echo) {
    lines = readline.createInterface({ input: io.input, terminal: false });
    lines.on('line', (line) => {
      if (session.readyState !== 1) return;
      try {
        if (!runCommand(line, session, io, () => (pingSent = Date.now()))) {
          session.send(line);
          if (settings.trace) io.out(`> ${describeMessage(line, false)}`);
        }
      } catch (error) {
        io.err(`! ${(error as Error).message}`);
      }
    });
    // End of input: finish sending, then close normally.
    lines.on('close', () => {
      if (session.readyState === 1) void session.drained().then(() => session.readyState === 1 && session.close(1000));
    });
  }
  const stop = io.stopRequested().then(() => {
    if (session.readyState === 1) session.close(1001, 'client going away');
    else session.terminate();
  });
  void stop;
  const clean = await closed;
  lines?.close();
  return clean ? 0 : 1;
}

/** Runs a `/command` line; returns false when the line is a message to send. */
function runCommand(line: string, session: Session, io: CliIO, onPing: () => void): boolean {
  const match = /^\/(ping|close|help)\b ?(.*)$/.exec(line);
  if (!match) return false;
  const [, name, args] = match;
  if (name === 'ping') {
    onPing();
    session.ping(Buffer.from(args ?? ''));
  } else if (name === 'close') {
    const [code, ...reason] = (args ?? '').split(' ').filter(Boolean);
    session.close(code ? Number(code) : 1000, reason.join(' '));
  } else {
    io.out('/ping [text]            send a ping (RFC 6455 §5.5.2); the pong is printed with its round trip\n/close [code [reason]]  start the closing handshake (§7.1.2)\nanything else           sent as a text message');
  }
  return true;
}

// ─── wsref serve ────────────────────────────────────────────────────────────────────────

interface ServeSettings {
  port: number;
  host: string;
  mode: 'echo' | 'chat' | 'print';
  trace: boolean;
  deflate: boolean;
}

async function serve(settings: ServeSettings, io: CliIO): Promise<number> {
  const server = http.createServer((request, response) => {
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.end(`wsref serve (${settings.mode}): connect a WebSocket client to ws://${request.headers.host ?? 'this-host'}${request.url ?? '/'}\n`);
  });
  // No `server` option: this command routes upgrades itself, so it can tap each socket first.
  const wss = new WebSocketServer({ perMessageDeflate: settings.deflate ? TRACEABLE_DEFLATE : false, maxMessageSize: 16 * 1024 * 1024 });
  const ids = new WeakMap<http.IncomingMessage, number>();
  let nextId = 1;
  server.on('upgrade', (request: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const id = nextId++;
    ids.set(request, id);
    if (settings.trace) {
      const print = (text: string) => io.out(text.replace(/^/gm, `#${id} `));
      print(formatHttpHead({ kind: 'request', method: request.method ?? '', target: request.url ?? '', httpVersion: request.httpVersion, headers: headerListFromRaw(request.rawHeaders) }, 'received'));
      const trace = createWireTrace({ role: 'server', print, sentStartsWithHttp: true, receivedStartsWithHttp: false });
      tapSocket(socket, trace.sent, trace.received);
      if (head.length > 0) trace.received(head);
    }
    void wss.handleUpgrade(request, socket, head);
  });
  wss.on('rejected', (status, reason) => io.out(`* refused a handshake: ${status} ${reason}`));
  wss.on('connection', (session, request) => {
    const id = ids.get(request) ?? 0;
    const negotiated = [session.protocol && `subprotocol ${session.protocol}`, session.extensions && `extensions ${session.extensions}`].filter(Boolean);
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
    for (const client of wss.clients) if (client !== from && client.readyState === 1) client.send(text);
  };

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
  io.out(`* listening on ws://${host}:${address.port}/ (${settings.mode} mode${settings.deflate ? ', permessage-deflate' : ''}${settings.trace ? ', tracing' : ''}); Ctrl-C stops`);

  let lines: readline.Interface | undefined;
  if (settings.mode === 'print') {
    lines = readline.createInterface({ input: io.input, terminal: false });
    lines.on('line', (line) => broadcast(line));
  }
  await io.stopRequested();
  io.out('* shutting down: closing every connection with 1001 Going Away');
  lines?.close();
  await wss.close({ code: 1001, reason: 'server shutting down', timeout: 2_000 });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

// Run when executed directly (`node --import tsx src/node/cli.ts …`); `bin/wsref.mjs` calls `main` itself.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  void runAsProgram(process.argv.slice(2));
}

/** Runs `main` as the process: sets the exit code and makes sure a lingering stdin does not keep it alive. */
export async function runAsProgram(argv: readonly string[]): Promise<void> {
  const code = await main(argv).catch((error: unknown) => {
    process.stderr.write(`wsref: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  });
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
  process.stdin.unref?.();
}
