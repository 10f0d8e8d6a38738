// Interoperability with Python's `websockets` (Debian python3-websockets, asyncio API; a peer we
// did not write), over loopback: its client against our server and our client against its
// server. RFC 6455 §5.2 length boundaries, §6 messages, §7 close codes; RFC 7692 permessage-deflate
// negotiated (the response names it) and data round-tripping compressed. The Python side runs
// a small script written to a temp file and reports as JSON lines on stdout.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { inCI, nextEvent, pythonWebsocketsVersion, Resources, startHttpServer, SYSTEM_PYTHON, systemPeerGate, withTimeout } from '../helpers/node-peers.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

const version = pythonWebsocketsVersion();
const runPythonTests = systemPeerGate(`Python websockets (${SYSTEM_PYTHON} with python3-websockets)`, version !== undefined);

const SIZES = [0, 125, 126, 65535, 65536, 1 << 20];

// Python client: echo round-trips of every size as bytes and as text, then a close (or waits
// for the server's close in mode "wait-close").
const CLIENT_SCRIPT = String.raw`
import asyncio, json, sys
import websockets

def report(**fields):
    print(json.dumps(fields), flush=True)

async def main():
    url, compression, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = json.loads(sys.argv[4])
    async with websockets.connect(url, compression=("deflate" if compression == "deflate" else None), max_size=None, subprotocols=["echo.v1"]) as ws:
        report(event="open", extensions=ws.response_headers.get("Sec-WebSocket-Extensions"), protocol=ws.subprotocol)
        if mode == "wait-close":
            try:
                await ws.recv()
            except websockets.exceptions.ConnectionClosed as closed:
                report(event="closed", code=closed.code, reason=closed.reason)
            return
        results = []
        for size in sizes:
            data = bytes((i * 7 + size) & 0xFF for i in range(size))
            await ws.send(data)
            echoed = await ws.recv()
            text = ("ab\u20ac" * size)[:size]
            await ws.send(text)
            echoed_text = await ws.recv()
            results.append(dict(size=size, binary=isinstance(echoed, bytes) and echoed == data, text=isinstance(echoed_text, str) and echoed_text == text))
        report(event="echo", results=results)
        await ws.close(4000, "python bye")
        report(event="closed", code=ws.close_code, reason=ws.close_reason)

asyncio.run(main())
`;

// Python server: echoes; "close-me" makes it close with 4001; reports each connection and close.
const SERVER_SCRIPT = String.raw`
import asyncio, json, sys
import websockets

def report(**fields):
    print(json.dumps(fields), flush=True)

async def handler(ws, path=None):
    report(event="connection", offer=ws.request_headers.get("Sec-WebSocket-Extensions"), extensions=ws.response_headers.get("Sec-WebSocket-Extensions"))
    try:
        async for message in ws:
            if message == "close-me":
                await ws.close(4001, "python server bye")
                break
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass
    report(event="closed", code=ws.close_code, reason=ws.close_reason)

async def main():
    compression = sys.argv[1]
    async with websockets.serve(handler, "127.0.0.1", 0, compression=("deflate" if compression == "deflate" else None), max_size=None) as server:
        report(event="listening", port=server.sockets[0].getsockname()[1])
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

asyncio.run(main())
`;

interface Report {
  event: string;
  [field: string]: unknown;
}

/** A running Python script and the JSON lines it printed. */
class PythonPeer {
  readonly reports: Report[] = [];
  private readonly waiters: Array<() => void> = [];
  stderr = '';

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as Report);
      } catch {
        this.reports.push({ event: 'unparsed', line });
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.on('exit', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The next report named `event` (counting from `after` reports), within `ms`. */
  async next(event: string, ms = 10_000, after = 0): Promise<Report> {
    const found = () => this.reports.slice(after).find((r) => r.event === event);
    return withTimeout(
      (async () => {
        for (;;) {
          const report = found();
          if (report) return report;
          if (this.child.exitCode !== null) throw new Error(`python exited (${this.child.exitCode}) before '${event}': ${this.stderr}`);
          await new Promise<void>((wake) => this.waiters.push(wake));
        }
      })(),
      ms,
      `python '${event}' (stderr: ${this.stderr})`,
    );
  }
}

let scriptDir = '';
beforeAll(() => {
  scriptDir = mkdtempSync(join(tmpdir(), 'wsref-python-'));
  writeFileSync(join(scriptDir, 'client.py'), CLIENT_SCRIPT);
  writeFileSync(join(scriptDir, 'server.py'), SERVER_SCRIPT);
});
afterAll(() => rmSync(scriptDir, { recursive: true, force: true }));

function runPython(script: 'client.py' | 'server.py', args: string[]): PythonPeer {
  const child = spawn(SYSTEM_PYTHON, [join(scriptDir, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  resources.defer(() => {
    child.stdin.end();
    if (child.exitCode === null) child.kill();
  });
  return new PythonPeer(child);
}

async function ourEchoServer(perMessageDeflate: boolean) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server, perMessageDeflate, protocols: ['echo.v1'] });
  resources.defer(() => wss.close({ timeout: 100 }));
  wss.on('connection', (session) => session.on('message', (data, isBinary) => session.send(data, { binary: isBinary })));
  return { wss, port };
}

it('[wsref] Python websockets is installed (required in CI)', () => {
  if (!inCI && version === undefined) return; // skipped loudly by systemPeerGate above
  expect(version, `${SYSTEM_PYTHON} -c "import websockets" failed`).toBeDefined();
});

describe.skipIf(!runPythonTests)('Python websockets client → our server', () => {
  it.each([
    { compression: 'none', ids: '' },
    { compression: 'deflate', ids: '[7692-5-5] [7692-5-13] [7692-6.1-1] [7692-6.2-1]' },
  ])('[6455-6.2-1] [6455-6.2-7] [6455-7.1.2-1] $ids echo of every size as bytes and text, then a close with 4000 (compression: $compression)', async ({ compression }) => {
    const { wss, port } = await ourEchoServer(compression === 'deflate');
    const accepted = nextEvent<[Session]>(wss, 'connection', 10_000);
    const python = runPython('client.py', [`ws://127.0.0.1:${port}/`, compression, 'echo', JSON.stringify(SIZES)]);
    const open = await python.next('open');
    const [session] = await accepted;
    const serverClose = nextEvent<[number, string, boolean]>(session, 'close', 15_000);
    expect(open.protocol).toBe('echo.v1');
    if (compression === 'deflate') expect(open.extensions).toMatch(/^permessage-deflate/);
    else expect(open.extensions).toBeNull();
    const echo = await python.next('echo', 15_000);
    expect(echo.results).toEqual(SIZES.map((size) => ({ size, binary: true, text: true })));
    expect(await serverClose).toEqual([4000, 'python bye', true]);
    const closed = await python.next('closed');
    expect(closed.code).toBe(4000);
  });

  it('[6455-5.5.1-2] [6455-5.5.1-3] our server closes with a code and reason the Python client reads', async () => {
    const { wss, port } = await ourEchoServer(false);
    wss.on('connection', (session) => setTimeout(() => session.close(4003, 'server says bye ✓'), 20));
    const python = runPython('client.py', [`ws://127.0.0.1:${port}/`, 'none', 'wait-close', '[]']);
    const closed = await python.next('closed');
    expect([closed.code, closed.reason]).toEqual([4003, 'server says bye ✓']);
  });
});

describe.skipIf(!runPythonTests)('our client → Python websockets server', () => {
  it.each([
    { compression: 'none', ids: '' },
    { compression: 'deflate', ids: '[7692-5-1] [7692-5-5] [7692-5-13] [7692-6.1-1] [7692-6.2-1]' },
  ])('[6455-5.1-1] [6455-6.2-1] [6455-7.1.2-1] $ids echo of every size as bytes and text, then a close both ways (compression: $compression)', async ({ compression }) => {
    const python = runPython('server.py', [compression]);
    const { port } = await python.next('listening');
    const session = await connect(`ws://127.0.0.1:${String(port)}/`, { perMessageDeflate: compression === 'deflate', handshakeTimeout: 5_000 });
    resources.defer(() => session.terminate());
    const connection = await python.next('connection');
    if (compression === 'deflate') {
      expect(connection.offer).toMatch(/^permessage-deflate/);
      expect(connection.extensions).toMatch(/^permessage-deflate/);
      expect(session.extensions).toMatch(/^permessage-deflate/);
    } else {
      expect(connection.extensions).toBeNull();
      expect(session.extensions).toBe('');
    }
    for (const size of SIZES) {
      const bytes = Buffer.alloc(size).map((_, i) => (i * 13 + size) & 0xff);
      let reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
      session.send(bytes);
      const [echoed, isBinary] = await reply;
      expect(isBinary && Buffer.isBuffer(echoed) && echoed.equals(bytes), `binary ${size}`).toBe(true);
      const text = 'xy€'.repeat(size).slice(0, size);
      reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
      session.send(text);
      expect((await reply)[0], `text ${size}`).toBe(text);
    }
    // We close: Python reads our code and reason.
    const ourClose = nextEvent<[number, string, boolean]>(session, 'close', 5_000);
    session.close(4002, 'wsref bye');
    const closed = await python.next('closed');
    expect([closed.code, closed.reason]).toEqual([4002, 'wsref bye']);
    const [code, , wasClean] = await ourClose;
    expect([code, wasClean]).toEqual([4002, true]);
  });

  it('[6455-5.5.1-2] [6455-5.5.1-3] the Python server closes with a code and reason we read', async () => {
    const python = runPython('server.py', ['none']);
    const { port } = await python.next('listening');
    const session = await connect(`ws://127.0.0.1:${String(port)}/`, { handshakeTimeout: 5_000 });
    resources.defer(() => session.terminate());
    const closed = nextEvent<[number, string, boolean]>(session, 'close', 5_000);
    session.send('close-me');
    expect(await closed).toEqual([4001, 'python server bye', true]);
  });
});
