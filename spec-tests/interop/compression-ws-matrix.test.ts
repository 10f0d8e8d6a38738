// RFC 7692 §5 and §7 (permessage-deflate negotiation and its four parameters) and §6–§7.2
// (compressed messages) against the `ws` package, a peer we did not write: every combination of
// server_no_context_takeover × client_no_context_takeover × server_max_window_bits ×
// client_max_window_bits, set on the side that offers (the client) and on the side that imposes
// (the server), in both directions (ws client → our server, our client → ws server).
//
// For each combination:
//   - the offer on the wire is the one the options describe (§7.1);
//   - the answer obeys RFC 7692 §7 against that offer (rfc7692ResponseProblems), and is exactly
//     the one the answering server's documented policy picks among the answers the RFC allows;
//   - both ends report the same negotiated string;
//   - messages of every size in MESSAGE_SIZES, compressible or not, text or binary, whole or in
//     three fragments, round-trip intact (echoed, fragmented or not, by the other side).
//
// Matrix: offering side 2 × 2 × 4 × 6 = 96 rows (client_max_window_bits: unset, no value, 8,
// 10, 15, plus `false` = left out, the only way to test §7.1.2.2's "offer without it" rule; both
// clients offer it without a value when unset, so "unset" and "no value" send the same offer),
// imposing side 2 × 2 × 4 × 4 = 64 rows. Pruned on the imposing side: client_max_window_bits
// without a value, because a response must give a value (§7.1.2.2) and both servers read `true`
// as "unset" — those 16 rows would repeat the unset ones. 160 rows per direction, 320 in all.
//
// To stay fast, each row sends one message of each size, the variant (compressible × text ×
// fragmented) rotating with the row, so every size × variant pair up to 70,000 bytes runs at least
// 8 times per direction and side, and each 1 MiB variant at least once (see messagesFor).
import { describe, it, type ExpectStatic } from 'vitest';
import WebSocket, { WebSocketServer as WsServer } from 'ws';
import type http from 'node:http';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, Resources, startHttpServer, withTimeout } from '../helpers/node-peers.js';
import {
  describeParams,
  MESSAGE_SIZES,
  messageVariant,
  readExtensionHeader,
  rfc7692ResponseProblems,
  type Params,
  type TestMessage,
} from './compression-kit.js';

// ─── The matrix ────────────────────────────────────────────────────────────────────────────

/** The four RFC 7692 §7.1 parameters as both libraries name their options. */
interface DeflateConfig {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number | boolean;
}

type Side = 'offer' | 'impose';

/**
 * `ws` takes `clientMaxWindowBits: true | false` too (lib/permessage-deflate.js documents
 * "(Boolean|Number)"); @types/ws only admits numbers.
 */
const forWs = (config: DeflateConfig): WebSocket.PerMessageDeflateOptions => config as WebSocket.PerMessageDeflateOptions;

interface Row {
  side: Side;
  config: DeflateConfig;
  /** Index within its side, to rotate the message variants. */
  index: number;
}

function configurations(clientWindowChoices: readonly (number | boolean | undefined)[]): DeflateConfig[] {
  const all: DeflateConfig[] = [];
  for (const serverNoContextTakeover of [false, true]) {
    for (const clientNoContextTakeover of [false, true]) {
      for (const serverMaxWindowBits of [undefined, 8, 9, 15]) {
        for (const clientMaxWindowBits of clientWindowChoices) {
          const config: DeflateConfig = {};
          // "off" is left unset: `ws` reads an explicit false as "refuse the parameter".
          if (serverNoContextTakeover) config.serverNoContextTakeover = true;
          if (clientNoContextTakeover) config.clientNoContextTakeover = true;
          if (serverMaxWindowBits !== undefined) config.serverMaxWindowBits = serverMaxWindowBits;
          if (clientMaxWindowBits !== undefined) config.clientMaxWindowBits = clientMaxWindowBits;
          all.push(config);
        }
      }
    }
  }
  return all;
}

const ROWS: Row[] = [
  ...configurations([undefined, true, false, 8, 10, 15]).map((config, index) => ({ side: 'offer' as const, config, index })),
  // client_max_window_bits without a value is pruned here: see the top of the file.
  ...configurations([undefined, 8, 10, 15]).map((config, index) => ({ side: 'impose' as const, config, index })),
];

/** The options as text, for test names. */
function describeConfig(config: DeflateConfig): string {
  const parts = Object.entries(config).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length > 0 ? parts.join(',') : 'defaults';
}

// ─── Expected negotiation ──────────────────────────────────────────────────────────────────

const DEFAULT_OFFER = 'permessage-deflate; client_max_window_bits';

/** The offer a client configured with `config` sends: ws and wsref build it the same way (§7.1). */
function expectedOffer(config: DeflateConfig): string {
  const parts = ['permessage-deflate'];
  if (config.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (config.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (config.serverMaxWindowBits !== undefined) parts.push(`server_max_window_bits=${config.serverMaxWindowBits}`);
  // Both clients offer client_max_window_bits (no value) unless told a number or false.
  if (config.clientMaxWindowBits === undefined || config.clientMaxWindowBits === true) parts.push('client_max_window_bits');
  else if (typeof config.clientMaxWindowBits === 'number') parts.push(`client_max_window_bits=${config.clientMaxWindowBits}`);
  return parts.join('; ');
}

const bitsOf = (value: string | true | undefined): number | undefined => (typeof value === 'string' ? Number(value) : undefined);

function format(params: [string, string | true][]): string {
  return ['permessage-deflate', ...params.map(([k, v]) => (v === true ? k : `${k}=${v}`))].join('; ');
}

/**
 * What OUR server answers (src/core/extensions/permessage-deflate.ts `acceptOffer`), written out as its
 * choices among those RFC 7692 allows. It never declines a valid offer.
 */
function wsrefServerAnswer(offer: Params, server: DeflateConfig): string {
  const answer: [string, string | true][] = [];
  // §7.1.1.1: must repeat an offered server_no_context_takeover; MAY add it unasked (ours: when configured).
  if (offer.has('server_no_context_takeover') || server.serverNoContextTakeover) answer.push(['server_no_context_takeover', true]);
  // §7.1.1.2: MAY add client_no_context_takeover (ours: only when configured; an offered one is a hint).
  if (server.clientNoContextTakeover) answer.push(['client_no_context_takeover', true]);
  // §7.1.2.1: an offered value is answered with the same or smaller; MAY add one unasked.
  const offeredServerBits = bitsOf(offer.get('server_max_window_bits'));
  if (offeredServerBits !== undefined || server.serverMaxWindowBits !== undefined) {
    answer.push(['server_max_window_bits', String(Math.min(offeredServerBits ?? 15, server.serverMaxWindowBits ?? 15))]);
  }
  // §7.1.2.2: only when offered; ours limits to the smaller of its option and the client's hint,
  // and says nothing when that is the default 15 and it was not configured.
  if (offer.has('client_max_window_bits')) {
    const hinted = bitsOf(offer.get('client_max_window_bits')) ?? 15;
    const configured = typeof server.clientMaxWindowBits === 'number' ? server.clientMaxWindowBits : undefined;
    const bits = Math.min(hinted, configured ?? 15);
    if (bits < 15 || configured !== undefined) answer.push(['client_max_window_bits', String(bits)]);
  }
  return format(answer);
}

/**
 * What a `ws` (8.x) server answers: the offered parameters, overridden by its options
 * (lib/permessage-deflate.js `acceptAsServer`). It would refuse (400) an offer it cannot take;
 * no row of this matrix makes it do so, and `undefined` here would fail the row.
 */
function wsServerAnswer(offer: Params, server: DeflateConfig): string | undefined {
  const offeredServerBits = bitsOf(offer.get('server_max_window_bits'));
  const offeredClientBits = offer.get('client_max_window_bits');
  if (offeredServerBits !== undefined && typeof server.serverMaxWindowBits === 'number' && server.serverMaxWindowBits > offeredServerBits) return undefined;
  if (typeof server.clientMaxWindowBits === 'number') {
    if (offeredClientBits === undefined) return undefined;
    if (offeredClientBits !== true && server.clientMaxWindowBits > Number(offeredClientBits)) return undefined;
  }
  const answer = new Map(offer);
  if (server.serverNoContextTakeover) answer.set('server_no_context_takeover', true);
  if (server.clientNoContextTakeover) answer.set('client_no_context_takeover', true);
  if (typeof server.serverMaxWindowBits === 'number') answer.set('server_max_window_bits', String(server.serverMaxWindowBits));
  if (typeof server.clientMaxWindowBits === 'number') answer.set('client_max_window_bits', String(server.clientMaxWindowBits));
  else if (offeredClientBits === true) answer.delete('client_max_window_bits');
  return format([...answer]);
}

// ─── Peers ────────────────────────────────────────────────────────────────────────────────

/** What a test learns from the server side of a connection. */
interface ServerEnd {
  port: number;
  /** The offer the server received and the extensions string its side reports. */
  negotiated: Promise<{ offer: string; serverSide: string }>;
}

/** Sends `reply` as a message; odd-numbered replies go out in two fragments (RFC 6455 §5.4). */
function replyPieces(reply: Buffer, count: number): Buffer[] {
  if (count % 2 === 0) return [reply];
  const half = Math.floor(reply.length / 2);
  return [reply.subarray(0, half), reply.subarray(half)];
}

async function ourServer(resources: Resources, options: DeflateConfig): Promise<ServerEnd> {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, perMessageDeflate: options });
  resources.defer(() => wss.close({ timeout: 50 }));
  const negotiated = new Promise<{ offer: string; serverSide: string }>((resolve) => {
    wss.once('connection', (session: Session, request: http.IncomingMessage) => {
      let count = 0;
      session.on('message', (data, isBinary) => {
        const pieces = replyPieces(Buffer.from(data as Buffer | string), count++);
        pieces.forEach((piece, i) => session.send(piece, { binary: isBinary, fin: i === pieces.length - 1 }));
      });
      resolve({ offer: request.headers['sec-websocket-extensions'] ?? '', serverSide: session.extensions });
    });
  });
  return { port, negotiated };
}

async function wsServer(resources: Resources, options: DeflateConfig): Promise<ServerEnd> {
  const wss = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: forWs(options) });
  await nextEvent(wss, 'listening');
  resources.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  // ws reports only extension names on its sockets; its 'headers' event shows the real answer.
  const answered = new Promise<{ offer: string; serverSide: string }>((resolve) => {
    wss.once('headers', (headers: string[], request: http.IncomingMessage) => {
      const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
      resolve({ offer: request.headers['sec-websocket-extensions'] ?? '', serverSide: line ? line.slice(line.indexOf(':') + 1).trim() : '' });
    });
  });
  wss.on('connection', (ws) => {
    let count = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const pieces = replyPieces(data, count++);
      pieces.forEach((piece, i) => ws.send(piece, { binary: isBinary, fin: i === pieces.length - 1 }));
    });
  });
  return { port: (wss.address() as { port: number }).port, negotiated: answered };
}

/** What a test does with the client side. */
interface ClientEnd {
  clientSide: string;
  roundTrip(message: TestMessage): Promise<{ bytes: Buffer; isText: boolean }>;
}

async function ourClient(resources: Resources, port: number, options: DeflateConfig | true): Promise<ClientEnd> {
  const session = await connect(`ws://127.0.0.1:${port}/`, { perMessageDeflate: options, handshakeTimeout: 5_000 });
  resources.defer(() => session.terminate());
  return {
    clientSide: session.extensions,
    async roundTrip(message) {
      const reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 10_000);
      message.fragments.forEach((piece, i) => session.send(piece, { binary: !message.isText, fin: i === message.fragments.length - 1 }));
      const [data, isBinary] = await reply;
      return { bytes: Buffer.from(data), isText: !isBinary };
    },
  };
}

async function wsClient(resources: Resources, port: number, options: DeflateConfig | true): Promise<ClientEnd> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: options === true ? {} : forWs(options) });
  resources.defer(() => ws.terminate());
  // ws reports only extension names; the upgrade response has the server's answer.
  const upgrade = nextEvent<[http.IncomingMessage]>(ws, 'upgrade', 5_000);
  const failed = nextEvent<[Error]>(ws, 'error', 5_000).then(([e]) => Promise.reject(e));
  await Promise.race([nextEvent(ws, 'open', 5_000), failed]);
  const [response] = await upgrade;
  return {
    clientSide: response.headers['sec-websocket-extensions'] ?? '',
    async roundTrip(message) {
      const reply = withTimeout(
        new Promise<[Buffer, boolean]>((resolve) => ws.once('message', (d: Buffer, isBinary: boolean) => resolve([d, isBinary]))),
        10_000,
        `ws echo of ${message.label}`,
      );
      message.fragments.forEach((piece, i) => ws.send(piece, { binary: !message.isText, fin: i === message.fragments.length - 1 }));
      const [data, isBinary] = await reply;
      return { bytes: data, isText: !isBinary };
    },
  };
}

// ─── The tests ────────────────────────────────────────────────────────────────────────────

const MIB = 1024 * 1024;

/**
 * One message of every size, the variant rotating with the row. Deflating 1 MiB of random data
 * costs this machine ~100 ms a pass (four passes per round trip), so the 1 MiB message is an
 * incompressible one on every 16th row only (each of the four incompressible variants still
 * runs in every direction and side) and a compressible one elsewhere.
 */
function messagesFor(row: Row): TestMessage[] {
  return MESSAGE_SIZES.map((size, i) => {
    if (size !== MIB) return messageVariant(size, (row.index + i) % 8);
    return messageVariant(size, row.index % 16 === 0 ? 4 + ((row.index / 16) % 4) : row.index % 4);
  });
}

async function runRow(
  expect: ExpectStatic,
  row: Row,
  startServer: (resources: Resources, options: DeflateConfig) => Promise<ServerEnd>,
  startClient: (resources: Resources, port: number, options: DeflateConfig | true) => Promise<ClientEnd>,
  answer: (offer: Params, server: DeflateConfig) => string | undefined,
): Promise<void> {
  const resources = new Resources();
  try {
    await exchange(expect, resources, row, startServer, startClient, answer);
  } finally {
    await resources.cleanup();
  }
}

async function exchange(
  expect: ExpectStatic,
  resources: Resources,
  row: Row,
  startServer: (resources: Resources, options: DeflateConfig) => Promise<ServerEnd>,
  startClient: (resources: Resources, port: number, options: DeflateConfig | true) => Promise<ClientEnd>,
  answer: (offer: Params, server: DeflateConfig) => string | undefined,
): Promise<void> {
  const serverOptions = row.side === 'impose' ? row.config : {};
  const clientOptions = row.side === 'offer' ? row.config : true;
  const offer = row.side === 'offer' ? expectedOffer(row.config) : DEFAULT_OFFER;
  const expected = answer(readExtensionHeader(offer)[0]!.params, serverOptions);
  expect(expected, 'the answering server would refuse this offer').toBeDefined();

  const server = await startServer(resources, serverOptions);
  const client = await startClient(resources, server.port, clientOptions);
  const { offer: sentOffer, serverSide } = await withTimeout(server.negotiated, 5_000, 'server side of the handshake');

  // §7.1: the offer on the wire.
  expect(sentOffer).toBe(offer);
  // §7, §7.1: the answer is a valid acceptance of that offer ...
  const [offerElement] = readExtensionHeader(sentOffer);
  const answered = readExtensionHeader(serverSide);
  expect(answered).toHaveLength(1);
  expect(rfc7692ResponseProblems(offerElement!, answered[0]!)).toEqual([]);
  // ... and the one the server's policy picks (parameter order is the server's own affair).
  expect(describeParams(answered[0]!.params)).toBe(describeParams(readExtensionHeader(expected)[0]!.params));
  // Both ends report the same agreement, character for character.
  expect(client.clientSide).toBe(serverSide);

  // §6, §7.2: every message survives compression and decompression both ways.
  for (const message of messagesFor(row)) {
    const echoed = await client.roundTrip(message);
    expect(echoed.isText, message.label).toBe(message.isText);
    expect(echoed.bytes.length, message.label).toBe(message.bytes.length);
    expect(echoed.bytes.equals(message.bytes), message.label).toBe(true);
  }
}

/** The row as text: who is configured, how, the offer and the answer expected. */
function title(row: Row, answer: (offer: Params, server: DeflateConfig) => string | undefined): string {
  const offer = row.side === 'offer' ? expectedOffer(row.config) : DEFAULT_OFFER;
  const expected = answer(readExtensionHeader(offer)[0]!.params, row.side === 'impose' ? row.config : {}) ?? '(refused)';
  return `${row.side === 'offer' ? 'client' : 'server'} ${describeConfig(row.config)}: offer "${offer}" → "${expected}"`;
}

const table = (side: Side, answer: (offer: Params, server: DeflateConfig) => string | undefined) =>
  ROWS.filter((row) => row.side === side).map((row) => [title(row, answer), row] as const);

// Rows run a few at a time (each with its own servers and sockets): much of a row is waiting
// for the peer, and ws deflates on the thread pool.
describe.concurrent('permessage-deflate matrix: ws client → our server', () => {
  it.for(table('offer', wsrefServerAnswer))(
    '[7692-5-5] [7692-5-6] [7692-5-13] [7692-7.1.1.1-2] [7692-7.1.2.1-3] [7692-7.1.2.2-4] [7692-7.1.2.2-5] [7692-6.1-1] [7692-6.2-1] [7692-7.2.2-4] [7692-7.2.2-5] [7692-7.2.2-9] offering ws %s',
    async ([, row], { expect }) => runRow(expect, row, ourServer, wsClient, wsrefServerAnswer),
  );
  it.for(table('impose', wsrefServerAnswer))(
    '[7692-5-5] [7692-5-13] [7692-7.1.1.1-3] [7692-7.1.1.2-2] [7692-7.1.2.1-3] [7692-7.1.2.1-4] [7692-7.1.2.2-3] [7692-7.1.2.2-4] [7692-6.1-1] [7692-6.2-1] [7692-7.2.1-10] imposing wsref %s',
    async ([, row], { expect }) => runRow(expect, row, ourServer, wsClient, wsrefServerAnswer),
  );
});

describe.concurrent('permessage-deflate matrix: our client → ws server', () => {
  it.for(table('offer', wsServerAnswer))(
    '[7692-5-1] [7692-5-4] [7692-5-13] [7692-7.1.1.1-1] [7692-7.1.1.2-1] [7692-7.1.2.1-1] [7692-7.1.2.1-2] [7692-7.1.2.2-1] [7692-7.1.2.2-2] [7692-6.1-1] [7692-6.2-1] [7692-7.2.2-2] [7692-7.2.2-7] offering wsref %s',
    async ([, row], { expect }) => runRow(expect, row, wsServer, ourClient, wsServerAnswer),
  );
  it.for(table('impose', wsServerAnswer))(
    '[7692-5-13] [7692-7.1.1.2-3] [7692-6.1-1] [7692-6.2-1] [7692-7.2.1-7] [7692-7.2.2-2] imposing ws %s',
    async ([, row], { expect }) => runRow(expect, row, wsServer, ourClient, wsServerAnswer),
  );
});
