// `wsref`, the command-line companion for learning RFC 6455: a small WebSocket server and client
// (like wscat) that can show the protocol itself — with `--trace`, the opening handshake of §4
// and every frame of §5.2 decoded field by field, each field tagged with its RFC section.
//
//   wsref serve   [--port 8080] [--host 127.0.0.1] [--echo | --chat] [--trace] [--deflate]
//   wsref connect URL [--echo] [--subprotocol x]... [--header 'K: V']... [--trace] [--deflate]
//   wsref --version | --help
//
// The connect command lives in cli-connect.ts, the one-line message descriptions in cli-messages.ts.

import { readFileSync, realpathSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { headerListFromRaw } from '../core/handshake/http-head.js';
import { ReadyState } from '../core/index.js';
import { CONNECT_USAGE, connectCommand } from './cli-connect.js';
import { describeClose, describeMessage } from './cli-messages.js';
import { RECOMMENDED_HTTP_SERVER_OPTIONS } from './http-server-options.js';
import { WebSocketServer } from './server.js';
import type { Session } from './session.js';
import { createWireTrace, formatHttpHead, tapSocket } from './trace-format.js';

/** `wsref serve` listens on this port unless told otherwise. */
const DEFAULT_PORT = 8080;
/** …and on loopback only, so that a learner's server is not on the network. */
const DEFAULT_HOST = '127.0.0.1';
/** `wsref serve` accepts messages up to 16 MiB: a learning tool needs no more than that. */
const SERVE_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** On Ctrl-C, how long `wsref serve` waits for clients to finish the closing handshake. */
const SERVE_SHUTDOWN_TIMEOUT = 2_000;

export const USAGE = `wsref — a WebSocket (RFC 6455) server and client that shows the protocol

Usage:
  wsref serve [options]         a WebSocket server on every path of an HTTP server
      --port, -p N              port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
      --host H                  address to listen on (default ${DEFAULT_HOST})
      --echo                    send every message back, with the same type
      --chat                    pass every text message on to all other clients
                                (default: print messages; lines typed go to every client)
  wsref connect URL [options]   connect to ws:// or wss:// URL; typed lines are sent as text
      --echo                    send every received message back; exit when the connection closes
      --subprotocol, -s NAME    offer a subprotocol (repeatable, preferred first)
      --header, -H 'K: V'       add a request header (repeatable)
      --origin ORIGIN           send an Origin header
      --http2                   open it as a stream of an HTTP/2 connection (RFC 8441)
      once connected: type a line to send it as text; /ping [text], /close CODE REASON, /help
Both:
      --trace, -t               print the handshake and every frame, field by field (RFC 6455 §4, §5.2)
      --deflate                 offer/accept permessage-deflate (RFC 7692); every message is compressed
      --help, -h                this text
  wsref --version               the version of wsref

From a clone of wsref: node bin/wsref.mjs serve --echo   (or: npm run wsref -- serve --echo)
In a project that depends on wsref: npx wsref serve --echo
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
export async function main(argv: readonly string[], io: CliIO = processIO, version = 'unknown'): Promise<number> {
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
        http2: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    io.err(`wsref: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(version);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    io.out(USAGE);
    return values.help || command === 'help' ? 0 : 2;
  }
  try {
    if (command === 'serve' && rest.length === 0) {
      if (values.echo && values.chat) throw new UsageError('choose one of --echo and --chat');
      return await serve(
        {
          port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
          host: values.host ?? DEFAULT_HOST,
          mode: values.echo ? 'echo' : values.chat ? 'chat' : 'print',
          trace: Boolean(values.trace),
          deflate: Boolean(values.deflate),
        },
        io,
      );
    }
    if (command === 'connect' && rest.length !== 1) {
      // The learner's most common slip: `wsref connect` alone. Say what is missing, in one line.
      const problem = rest.length === 0 ? 'connect needs the URL of a WebSocket server, e.g. ws://127.0.0.1:8080/' : `connect takes one URL, got ${rest.length}: ${rest.join(' ')}`;
      io.err(`wsref: ${problem}\n${CONNECT_USAGE}\n(wsref --help shows every option)`);
      return 2;
    }
    if (command === 'connect') {
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
          ...(values.http2 ? { http2: true } : {}),
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

// ─── wsref serve ────────────────────────────────────────────────────────────────────────

interface ServeSettings {
  port: number;
  host: string;
  mode: 'echo' | 'chat' | 'print';
  trace: boolean;
  deflate: boolean;
}

async function serve(settings: ServeSettings, io: CliIO): Promise<number> {
  // A handshake trickled byte by byte is dropped with 408 within 11 s (RFC 6455 §10.7: unsafe input may just be dropped).
  const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (request, response) => {
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.end(`wsref serve (${settings.mode}): connect a WebSocket client to ws://${request.headers.host ?? 'this-host'}${request.url ?? '/'}\n`);
  });
  // No `server` option: this command routes upgrades itself, so it can tap each socket first.
  const wss = new WebSocketServer({ perMessageDeflate: settings.deflate ? TRACEABLE_DEFLATE : false, maxMessageSize: SERVE_MAX_MESSAGE_SIZE });
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
    for (const client of wss.clients) if (client !== from && client.readyState === ReadyState.OPEN) client.send(text);
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
  await wss.close({ timeout: SERVE_SHUTDOWN_TIMEOUT }); // 1001 'server shutting down', the server's default
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  return 0;
}

/**
 * The `version` of the wsref package.json at or above `directory` (the launcher's or the source's
 * folder). Found at run time rather than through `import.meta`, which the CommonJS build lacks.
 */
export function wsrefVersion(directory: string): string {
  for (let dir = path.resolve(directory); ; dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'wsref' && manifest.version) return manifest.version;
    } catch {
      // no package.json here (or not readable): look one folder up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

// Run when the TypeScript source is executed directly (`node --import tsx src/node/cli.ts …`);
// bin/wsref.mjs calls runAsProgram itself. A file-name test, because `import.meta` cannot be
// used in a module that is also compiled to CommonJS.
const executedFile = ((): string => {
  try {
    return realpathSync(process.argv[1] ?? '');
  } catch {
    return ''; // no script (node -e, a REPL) or not a file
  }
})();
if (/[\\/]src[\\/]node[\\/]cli\.ts$/.test(executedFile)) {
  void runAsProgram(process.argv.slice(2), wsrefVersion(path.dirname(executedFile)));
}

/** Runs `main` as the process: sets the exit code and makes sure a lingering stdin does not keep it alive. */
export async function runAsProgram(argv: readonly string[], version = 'unknown'): Promise<void> {
  const code = await main(argv, processIO, version).catch((error: unknown) => {
    process.stderr.write(`wsref: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  });
  process.exitCode = code;
  setTimeout(() => process.exit(code), 100).unref();
  process.stdin.unref?.();
}
