// RFC 7692 permessage-deflate against Python's `websockets` (Debian python3-websockets 10.4, a
// peer we did not write), both ways, through a tapping proxy: the offer and answer each side
// sees (§5, §7.1), and 100 KiB of compressible text and binary round-tripping as compressed
// messages (RSV1 on the wire, §6; far fewer bytes than the payload, §7.2).
//
// websockets' defaults: its client offers `permessage-deflate; client_max_window_bits`; its
// server asks for 4 KiB windows both ways (server_max_window_bits=12, client_max_window_bits=12).
// A second configuration per direction sets every parameter. (Window 8 stays out of what Python
// compresses with: zlib refuses a raw 256-byte window, so Python cannot send under it.)
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { nextEvent, pythonWebsocketsVersion, Resources, startHttpServer, SYSTEM_PYTHON, systemPeerGate, withTimeout } from '../helpers/node-peers.js';
import { runPythonScript } from '../helpers/python-script.js';
import { TapProxy, type WireFrame } from './compression-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const runPython = systemPeerGate(`Python websockets (${SYSTEM_PYTHON} with python3-websockets)`, pythonWebsocketsVersion() !== undefined);

const SIZE = 100 * 1024;

// The same 100 KiB payloads on both sides (Python builds its own copies from the same recipe).
const TEXT = Array.from({ length: 2000 }, (_, i) => `{"seq":${i % 50},"word":"compressible"},`).join('').slice(0, SIZE);
const BINARY = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i % 256 < 200 ? 7 : i % 256)));

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

const PYTHON_PAYLOADS = String.raw`
SIZE = 100 * 1024
TEXT = "".join('{"seq":%d,"word":"compressible"},' % (i % 50) for i in range(2000))[:SIZE]
BINARY = bytes(7 if i % 256 < 200 else i % 256 for i in range(SIZE))
`;

// Python client: offers per argv[2] ("default" or "all"), sends the text and the binary message,
// checks the echoes, reports the headers and the results as one JSON line.
const CLIENT_SCRIPT = String.raw`
import asyncio, hashlib, json, sys
import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
${PYTHON_PAYLOADS}
async def main():
    url, config = sys.argv[1], sys.argv[2]
    extensions = None
    if config == "all":
        extensions = [ClientPerMessageDeflateFactory(server_no_context_takeover=True, client_no_context_takeover=True, server_max_window_bits=10, client_max_window_bits=9)]
    async with websockets.connect(url, extensions=extensions, max_size=None) as ws:
        await ws.send(TEXT)
        text_echo = await ws.recv()
        await ws.send(BINARY)
        binary_echo = await ws.recv()
        print(json.dumps(dict(
            offer=ws.request_headers.get("Sec-WebSocket-Extensions"),
            answer=ws.response_headers.get("Sec-WebSocket-Extensions"),
            text_ok=isinstance(text_echo, str) and text_echo == TEXT,
            binary_ok=isinstance(binary_echo, bytes) and binary_echo == BINARY,
            text_sha=hashlib.sha256(TEXT.encode()).hexdigest(),
            binary_sha=hashlib.sha256(BINARY).hexdigest(),
        )), flush=True)
        await ws.close()

asyncio.run(main())
`;

// Python server: answers per argv[1] ("default" or "all"), echoes, reports each handshake.
const SERVER_SCRIPT = String.raw`
import asyncio, json, sys
import websockets
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

async def handler(ws, path=None):
    print(json.dumps(dict(offer=ws.request_headers.get("Sec-WebSocket-Extensions"), answer=ws.response_headers.get("Sec-WebSocket-Extensions"))), flush=True)
    try:
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass

async def main():
    extensions = None
    if sys.argv[1] == "all":
        extensions = [ServerPerMessageDeflateFactory(server_no_context_takeover=True, client_no_context_takeover=True, server_max_window_bits=9, client_max_window_bits=8)]
    async with websockets.serve(handler, "127.0.0.1", 0, extensions=extensions, max_size=None) as server:
        print(json.dumps(dict(port=server.sockets[0].getsockname()[1])), flush=True)
        await asyncio.Future()

asyncio.run(main())
`;

/** Runs a Python script (Debian's python3), its JSON lines read as it prints them. */
const runScript = (script: string, args: string[]) => runPythonScript(resources, script, args);

/** Checks that a direction carried both messages compressed: RSV1 set and well under the payload size. */
function expectCompressed(frames: WireFrame[]): void {
  const data = frames.filter((f) => f.opcode === 1 || f.opcode === 2);
  expect(data.map((f) => f.opcode)).toEqual([1, 2]);
  for (const frame of data) {
    expect(frame.rsv & 4, 'RSV1 (RFC 7692 §6: "Per-Message Compressed")').toBe(4);
    expect(frame.wireBytes).toBeLessThan(SIZE / 2); // window 8 leaves only runs (Z_RLE), still well under half
  }
}

async function ourEchoServer(perMessageDeflate: true | Record<string, unknown>) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, perMessageDeflate });
  resources.defer(() => wss.close({ timeout: 100 }));
  const received: Array<string | Buffer> = [];
  const accepted = nextEvent<[Session]>(wss, 'connection', 15_000);
  wss.on('connection', (session) =>
    session.on('message', (data, isBinary) => {
      received.push(data);
      session.send(data, { binary: isBinary });
    }),
  );
  const { proxy, port: proxyPort } = await TapProxy.start(port);
  resources.defer(() => proxy.close());
  return { proxyPort, proxy, accepted, received };
}

const CASES = {
  clientToUs: [
    {
      config: 'default',
      serverOptions: true as const,
      offer: 'permessage-deflate; client_max_window_bits',
      answer: 'permessage-deflate',
    },
    {
      config: 'all',
      serverOptions: { clientNoContextTakeover: true, serverMaxWindowBits: 9 },
      offer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9',
      answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9',
    },
  ],
  usToServer: [
    {
      config: 'default',
      clientOptions: true as const,
      offer: 'permessage-deflate; client_max_window_bits',
      answer: 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12',
    },
    {
      config: 'all',
      clientOptions: { serverMaxWindowBits: 10, clientMaxWindowBits: 10 },
      offer: 'permessage-deflate; server_max_window_bits=10; client_max_window_bits=10',
      answer: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=8',
    },
  ],
};

describe.runIf(runPython)('permessage-deflate with Python websockets', () => {
  for (const c of CASES.clientToUs) {
    it(`[7692-5-1] [7692-5-5] [7692-5-13] [7692-6.1-1] [7692-6.2-1] [7692-7.1.1.1-1] [7692-7.1.2.1-1] Python client (${c.config} offer) → our server: "${c.answer}", 100 KiB text and binary round-trip compressed`, async () => {
      const { proxyPort, proxy, accepted, received } = await ourEchoServer(c.serverOptions);
      const python = runScript(CLIENT_SCRIPT, [`ws://127.0.0.1:${proxyPort}/`, c.config]);
      const [session] = await accepted;
      const { value: report } = await python.lines.next();
      expect(report.offer).toBe(c.offer);
      expect(report.answer).toBe(c.answer);
      expect(session.extensions).toBe(c.answer);
      expect(report).toMatchObject({ text_ok: true, binary_ok: true });
      // What our server received is what Python sent.
      expect(received.map((m) => sha256(m))).toEqual([report.text_sha, report.binary_sha]);
      expect(received[0]).toBe(TEXT);
      expect(await withTimeout(python.exited, 10_000, 'python exit')).toBe(0);
      expectCompressed(proxy.toServer);
      expectCompressed(proxy.toClient);
    });
  }

  for (const c of CASES.usToServer) {
    it(`[7692-5-1] [7692-5-13] [7692-6.1-1] [7692-6.2-1] [7692-7.1.1.1-3] [7692-7.1.1.2-3] [7692-7.1.2.1-4] [7692-7.1.2.2-3] our client (${c.config} offer) → Python server: "${c.answer}", 100 KiB text and binary round-trip compressed`, async () => {
      const python = runScript(SERVER_SCRIPT, [c.config]);
      const { value: listening } = await python.lines.next();
      const { proxy, port: proxyPort } = await TapProxy.start(Number(listening.port));
      resources.defer(() => proxy.close());
      const session = await connect(`ws://127.0.0.1:${proxyPort}/`, { perMessageDeflate: c.clientOptions, handshakeTimeout: 10_000 });
      resources.defer(() => session.terminate());
      const { value: handshake } = await python.lines.next();
      expect(handshake).toEqual({ offer: c.offer, answer: c.answer });
      expect(session.extensions).toBe(c.answer);
      for (const data of [TEXT, BINARY]) {
        const echo = nextEvent<[string | Buffer, boolean]>(session, 'message', 10_000);
        session.send(data);
        const [echoed, isBinary] = await echo;
        expect(isBinary).toBe(typeof data !== 'string');
        expect(sha256(echoed)).toBe(sha256(data));
      }
      expectCompressed(proxy.toServer);
      expectCompressed(proxy.toClient);
    });
  }
});
