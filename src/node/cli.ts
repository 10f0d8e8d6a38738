// `wsref`, the command-line companion for learning RFC 6455: a small WebSocket server and client
// (like wscat) that can show the protocol itself — with `--trace`, the opening handshake of §4
// and every frame of §5.2 decoded field by field, each field tagged with its RFC section.
//
//   wsref serve   [--port 8080] [--host 127.0.0.1] [--echo | --chat] [--trace] [--deflate]
//                 [--tls-self-signed | --tls-cert FILE --tls-key FILE] [--http2]
//   wsref connect URL [--echo] [--subprotocol x]... [--header 'K: V']... [--trace] [--deflate]
//                 [--http2] [--ca FILE | --insecure]
//   wsref --version | --help
//
// The serve command lives in cli-serve.ts (its TLS in cli-tls.ts), the connect command in
// cli-connect.ts (whom it trusts over wss://, --ca and --insecure, in cli-tls.ts too), the
// one-line message descriptions in cli-messages.ts.

import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONNECT_USAGE, connectCommand } from './cli-connect.js';
import { serve } from './cli-serve.js';
import { INSECURE_WARNING, makeSelfSignedCertificate, readTlsFiles, TlsSetupError, trustOptions, type TlsMaterial } from './cli-tls.js';
import { processIO, type CliIO } from './cli-io.js';

/** `wsref serve` listens on this port unless told otherwise. */
const DEFAULT_PORT = 8080;
/** …and on loopback only, so that a learner's server is not on the network. */
const DEFAULT_HOST = '127.0.0.1';

export const USAGE = `wsref — a WebSocket (RFC 6455) server and client that shows the protocol

Usage:
  wsref serve [options]         a WebSocket server on every path of an HTTP server
      --port, -p N              port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
      --host H                  address to listen on (default ${DEFAULT_HOST})
      --echo                    send every message back, with the same type
      --chat                    pass every text message on to all other clients
                                (default: print messages; lines typed go to every client)
      --tls-self-signed         serve wss:// with a certificate made at start (needs openssl)
      --tls-cert FILE, --tls-key FILE   serve wss:// with your own PEM certificate and key
      --http2                   with TLS: speak HTTP/2 too (HTTP/1.1 still works on the same port);
                                WebSockets then come as extended CONNECT streams (RFC 8441)
  wsref connect URL [options]   connect to ws:// or wss:// URL; typed lines are sent as text
      --echo                    send every received message back; exit when the connection closes
      --subprotocol, -s NAME    offer a subprotocol (repeatable, preferred first)
      --header, -H 'K: V'       add a request header (repeatable)
      --origin ORIGIN           send an Origin header
      --http2                   open it as a stream of an HTTP/2 connection (RFC 8441)
      --ca FILE                 wss:// only: trust the PEM certificate(s) in FILE, e.g. the one
                                serve --tls-self-signed names, INSTEAD of Node's built-in roots
      --insecure, -k            wss:// only: do not check the server's certificate (warns)
      once connected: type a line to send it as text; /ping [text], /close CODE REASON, /help
Both:
      --trace, -t               print the handshake and every frame, field by field (RFC 6455 §4, §5.2)
      --deflate                 offer/accept permessage-deflate (RFC 7692); every message is compressed
      --help, -h                this text
  wsref --version               the version of wsref

From a clone of wsref: node bin/wsref.mjs serve --echo   (or: npm run wsref -- serve --echo)
In a project that depends on wsref: npx wsref serve --echo
`;


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
        ca: { type: 'string' },
        insecure: { type: 'boolean', short: 'k' },
        'tls-self-signed': { type: 'boolean' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
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
      const host = values.host ?? DEFAULT_HOST;
      const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port); // before a certificate file is made
      const tls = serveTls(values['tls-self-signed'], values['tls-cert'], values['tls-key'], host);
      if (values.http2 && !tls) throw new UsageError('serve --http2 needs TLS (browsers speak HTTP/2 only over TLS): add --tls-self-signed, or --tls-cert FILE --tls-key FILE');
      try {
        return await serve(
          {
            port,
            host,
            mode: values.echo ? 'echo' : values.chat ? 'chat' : 'print',
            trace: Boolean(values.trace),
            deflate: values.deflate ? TRACEABLE_DEFLATE : false,
            tls,
            http2: Boolean(values.http2),
          },
          io,
        );
      } finally {
        tls?.dispose(); // the self-signed certificate's file
      }
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
      const tls = connectTls(rest[0]!, values.ca, Boolean(values.insecure));
      if (values.insecure) io.err(INSECURE_WARNING);
      return await connectCommand(rest[0]!, {
        echo: Boolean(values.echo),
        trace: Boolean(values.trace),
        options: {
          protocols: values.subprotocol ?? [],
          headers,
          perMessageDeflate: values.deflate ? TRACEABLE_DEFLATE : false,
          ...(values.origin !== undefined ? { origin: values.origin } : {}),
          ...(values.http2 ? { http2: true } : {}),
          ...(tls ? { tls } : {}),
        },
      }, io);
    }
    throw new UsageError(`unknown command or wrong arguments: ${positionals.join(' ')}`);
  } catch (error) {
    if (error instanceof TlsSetupError) {
      io.err(`wsref: ${error.message}`); // not a usage slip: a missing tool or file, said with its fix
      return 1;
    }
    if (!(error instanceof UsageError)) throw error;
    io.err(`wsref: ${error.message}\n\n${USAGE}`);
    return 2;
  }
}

class UsageError extends Error {}

/** permessage-deflate that compresses every message, however short, so traces show RSV1 at work (RFC 7692 §6). */
const TRACEABLE_DEFLATE = { threshold: 0 } as const;

/** The key and certificate the TLS flags ask for, or undefined without them. */
function serveTls(selfSigned: boolean | undefined, certFile: string | undefined, keyFile: string | undefined, host: string): TlsMaterial | undefined {
  if (selfSigned && (certFile !== undefined || keyFile !== undefined)) throw new UsageError('choose one of --tls-self-signed and --tls-cert/--tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (selfSigned) return makeSelfSignedCertificate(host);
  return certFile !== undefined && keyFile !== undefined ? readTlsFiles(certFile, keyFile) : undefined;
}

/** The TLS options of `connect --ca FILE` / `--insecure`: usage errors for ws:// and for both at once. */
function connectTls(url: string, caFile: string | undefined, insecure: boolean) {
  if (caFile === undefined && !insecure) return undefined;
  const flag = caFile !== undefined ? '--ca' : '--insecure';
  if (caFile !== undefined && insecure) throw new UsageError('choose one of --ca (check the certificate against FILE) and --insecure (check nothing)');
  // A ws:// (or http://) URL has no TLS, so no certificate to trust or to skip (RFC 6455 §3, §4.1 step 5).
  if (/^(ws|http):/i.test(url)) throw new UsageError(`${flag} is for wss:// URLs: ${url} has no TLS and no certificate`);
  return trustOptions(caFile, insecure);
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port wants a number from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
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
