// `wsref connect`: the client side of the command (RFC 6455 §4.1 opening handshake, then §5–§7 on
// an open connection). Typed lines are sent as text messages; `/ping`, `/close CODE REASON` and
// `/help` drive the control frames of §5.5 by hand.

import type { Socket } from 'node:net';
import readline from 'node:readline';
import { TLSSocket } from 'node:tls';
import { CloseCode, ReadyState } from '../core/index.js';
import { connect, type ClientOptions } from './client.js';
import { describeClose, describeMessage } from './cli-messages.js';
import { certificateAdvice } from './cli-tls.js';
import type { CliIO } from './cli-io.js';
import type { Session } from './session.js';
import { formatHttp2Head } from './http2-trace.js';
import { createWireTrace, tapSocket } from './trace-format.js';

/** The usage line shown when `wsref connect` is missing its URL or has too many arguments. */
export const CONNECT_USAGE = 'usage: wsref connect ws://HOST:PORT/PATH [--echo] [--trace] [--deflate] [--subprotocol NAME] [--header \'K: V\'] [--origin ORIGIN] [--http2] [--ca FILE | --insecure]';

/** Printed once the connection is open, so that a learner knows how to talk to the peer. */
export const SENDING_HINT = '* type a line and press Enter to send it as a text message; /ping [text], /close CODE REASON (e.g. /close 1000 bye), /help';

/** What `/help` prints while connected. */
const COMMANDS_HELP = [
  '/ping [text]            send a ping (RFC 6455 §5.5.2); the pong is printed with its round trip',
  '/close [code [reason]]  start the closing handshake (§7.1.2), e.g. /close 1000 bye',
  '/help                   this list',
  'anything else           sent as a text message (§5.6); Ctrl-D closes with 1000, Ctrl-C with 1001',
].join('\n');

export interface ConnectSettings {
  echo: boolean;
  trace: boolean;
  options: ClientOptions;
}

export async function connectCommand(url: string, settings: ConnectSettings, io: CliIO): Promise<number> {
  let session: Session;
  /** The TLS connection under a wss:// WebSocket (over HTTP/2, the one its stream belongs to). */
  let tlsSocket: TLSSocket | undefined;
  try {
    session = await connect(url, {
      ...settings.options,
      onSocket: (socket: Socket) => {
        if (socket instanceof TLSSocket) tlsSocket = socket;
        if (!settings.trace) return;
        const trace = createWireTrace({ role: 'client', print: io.out, sentStartsWithHttp: true, receivedStartsWithHttp: true });
        tapSocket(socket, trace.sent, trace.received);
      },
      onHttp2Stream: (stream, request) => {
        if (stream.session?.socket instanceof TLSSocket) tlsSocket = stream.session.socket;
        if (!settings.trace) return;
        // RFC 8441: the handshake is HTTP/2 fields, the stream then carries RFC 6455 frames.
        io.out(formatHttp2Head(request, 'request'));
        stream.once('response', (headers) => io.out(formatHttp2Head(headers, 'response')));
        const trace = createWireTrace({ role: 'client', print: io.out, sentStartsWithHttp: false, receivedStartsWithHttp: false });
        tapSocket(stream as unknown as Socket, trace.sent, trace.received);
      },
    });
  } catch (error) {
    io.err(`! could not connect to ${url}: ${(error as Error).message}${certificateAdvice(error, settings.options.tls)}`);
    return 1;
  }
  const negotiated = [session.protocol && `subprotocol ${session.protocol}`, session.extensions && `extensions ${session.extensions}`].filter(Boolean);
  io.out(`* connected to ${url}${negotiated.length ? ` (${negotiated.join(', ')})` : ''}`);
  if (settings.options.tls?.rejectUnauthorized === false) {
    // --insecure: nothing was checked, so show what a careful user can compare by hand (wsref serve prints it).
    io.out(`* the server's certificate, not verified: SHA-256 ${tlsSocket?.getPeerX509Certificate()?.fingerprint256 ?? 'unknown'}`);
  }
  if (!settings.echo) io.out(SENDING_HINT);
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
    if (settings.echo && session.readyState === ReadyState.OPEN) {
      session.send(data, { binary: isBinary });
      io.out(`> ${describeMessage(data, isBinary)} (echo)`);
    }
  });

  let lines: readline.Interface | undefined;
  if (!settings.echo) {
    lines = readline.createInterface({ input: io.input, terminal: false });
    lines.on('line', (line) => {
      if (session.readyState !== ReadyState.OPEN) return;
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
      if (session.readyState === ReadyState.OPEN) void session.drained().then(() => session.readyState === ReadyState.OPEN && session.close(CloseCode.Normal));
    });
  }
  const stop = io.stopRequested().then(() => {
    if (session.readyState === ReadyState.OPEN) session.close(CloseCode.GoingAway, 'client going away');
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
    session.close(code ? Number(code) : CloseCode.Normal, reason.join(' '));
  } else {
    io.out(COMMANDS_HELP);
  }
  return true;
}
