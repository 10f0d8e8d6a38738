// Interoperability of the closing handshake's answer — RFC 6455 §5.5.1 (the endpoint that receives
// a close frame answers with one, typically echoing the status code; wsref echoes code and reason)
// and §7.1.5–§7.1.6 (each side reports the code and reason of the close frame it received). Peers
// we did not write close with 4000 and a non-ASCII reason; wsref answers, by default with the echo,
// or with what the application chose in its 'closing' listener. The peer must see that code and
// reason, and a clean close. Peers: `ws` (client and server), undici's WebSocket, Python
// `websockets` (client and server), Chromium. Loopback only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as WsWebSocket, WebSocketServer as WsServer } from 'ws';
import { connect, WebSocketServer, type Session } from '../../src/index.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { nextEvent, pythonWebsocketsVersion, Resources, startHttpServer, SYSTEM_PYTHON, systemPeerGate, withTimeout } from '../helpers/node-peers.js';
import { runPythonScript } from '../helpers/python-script.js';

const resources = new Resources();
afterEach(() => resources.cleanup());

/** What a peer reports when it has closed: the code and reason it received, and whether cleanly. */
interface PeerClose {
  code: number;
  reason: string;
  wasClean: boolean;
}
type CloseArgs = [code: number, reason: string, wasClean: boolean];

/** 2-, 3- and 4-byte UTF-8 in one reason. */
const REASON = 'fermé — 閉じる ✓ 👋';
/** The answer an application chooses in its 'closing' listener. */
const CHOSEN = { code: 4100, reason: 'réponse choisie ✓' };

/**
 * Our server. With `choose`, each session's 'closing' listener answers with CHOSEN; without, no
 * listener: the echo. Resolves the server side's `'closing'` and `'close'` arguments per connection.
 */
async function ourServer(choose: boolean) {
  const { server, port } = await startHttpServer(resources);
  const wss = new WebSocketServer({ server });
  resources.defer(() => wss.close({ timeout: 100 }));
  const sessions = new Promise<{ closing: Promise<[number, string]>; closed: Promise<CloseArgs> }>((resolve) =>
    wss.once('connection', (session: Session) => {
      if (choose) session.on('closing', () => session.close(CHOSEN.code, CHOSEN.reason));
      resolve({ closing: nextEvent<[number, string]>(session, 'closing', 15_000), closed: nextEvent<CloseArgs>(session, 'close', 15_000) });
    }),
  );
  return { port, url: `ws://127.0.0.1:${port}/`, sessions };
}

/** The answer the peer should have received: the echo, or the application's choice. */
const expectedAnswer = (choose: boolean): PeerClose => (choose ? { ...CHOSEN, wasClean: true } : { code: 4000, reason: REASON, wasClean: true });

/** After the peer closed with 4000 + REASON: our side heard it in 'closing' and reports it, cleanly. */
async function expectOurSide(sessions: Awaited<ReturnType<typeof ourServer>>['sessions']): Promise<void> {
  const { closing, closed } = await sessions;
  expect(await closing).toEqual([4000, REASON]);
  expect(await closed).toEqual([4000, REASON, true]);
}

/** Our client connects to `url`; with `choose`, its 'closing' listener answers with CHOSEN. */
async function ourClient(url: string, choose: boolean): Promise<{ closed: Promise<CloseArgs> }> {
  const session = await connect(url, { handshakeTimeout: 5_000 });
  resources.defer(() => session.terminate());
  if (choose) session.on('closing', () => session.close(CHOSEN.code, CHOSEN.reason));
  return { closed: nextEvent<CloseArgs>(session, 'close', 15_000) };
}

/** The two answers, as it.each rows: [requirement ids, answer described, whether the application chooses]. */
const ANSWERS: Array<[ids: string, answer: string, choose: boolean]> = [
  ['[6455-5.5.1-3] [6455-5.5.1-6] [6455-5.5.1-7]', 'echoes code and reason', false],
  ['[6455-5.5.1-6] [6455-7.4-1] [6455-7.1.2-1]', 'answers with the application’s choice', true],
];

describe('ws', () => {
  /** The ws endpoint's close event (ws computes wasClean as "close frame sent and received"). */
  const wsClosed = (ws: WsWebSocket) =>
    withTimeout(
      new Promise<PeerClose>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }), { once: true })),
      15_000,
      'ws close',
    );

  it.each(ANSWERS)('%s ws client closes with 4000 + reason; our server %s', async (_ids, _answer, choose) => {
    const { url, sessions } = await ourServer(choose);
    const ws = new WsWebSocket(url);
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open', 5_000);
    const closed = wsClosed(ws);
    ws.close(4000, REASON);
    expect(await closed).toEqual(expectedAnswer(choose));
    await expectOurSide(sessions);
  });

  it.each(ANSWERS)('%s ws server closes with 4000 + reason; our client %s', async (_ids, _answer, choose) => {
    const { server, port } = await startHttpServer(resources);
    const wss = new WsServer({ server });
    resources.defer(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const theirs = new Promise<Promise<PeerClose>>((resolve) =>
      wss.once('connection', (ws) => {
        resolve(wsClosed(ws));
        ws.close(4000, REASON);
      }),
    );
    const ours = await ourClient(`ws://127.0.0.1:${port}/`, choose);
    expect(await (await theirs)).toEqual(expectedAnswer(choose));
    expect(await ours.closed).toEqual([4000, REASON, true]);
  });
});

describe('undici', () => {
  it.each(ANSWERS)('%s undici WebSocket closes with 4000 + reason; our server %s', async (_ids, _answer, choose) => {
    const { url, sessions } = await ourServer(choose);
    const ws = new UndiciWebSocket(url);
    resources.defer(() => {
      if (ws.readyState < 2) ws.close();
    });
    await withTimeout(new Promise((resolve) => ws.addEventListener('open', resolve, { once: true })), 5_000, 'undici open');
    const closed = withTimeout(
      new Promise<PeerClose>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }), { once: true })),
      15_000,
      'undici close',
    );
    ws.close(4000, REASON);
    expect(await closed).toEqual(expectedAnswer(choose));
    await expectOurSide(sessions);
  });
});

// Python websockets (10.x, legacy asyncio API): close_code / close_reason are those of the close
// frame it received (RFC 6455 §7.1.5–§7.1.6); clean means it both sent and received one.
const PYTHON_SCRIPT = String.raw`
import asyncio, json, sys
import websockets

def report(ws):
    clean = ws.close_rcvd is not None and ws.close_sent is not None
    print(json.dumps(dict(code=ws.close_code, reason=ws.close_reason, wasClean=clean)), flush=True)

async def close_and_report(ws, code, reason):
    await ws.close(code, reason)  # waits for the answer and the end of TCP
    report(ws)

async def main():
    role, code, reason = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if role == "client":
        ws = await websockets.connect(sys.argv[4])
        await close_and_report(ws, code, reason)
        return
    async def handler(ws, path=None):
        await close_and_report(ws, code, reason)
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        print(json.dumps(dict(port=server.sockets[0].getsockname()[1])), flush=True)
        await asyncio.Future()

asyncio.run(main())
`;

const runPython = systemPeerGate(`Python websockets (${SYSTEM_PYTHON} with python3-websockets)`, pythonWebsocketsVersion() !== undefined);

describe.runIf(runPython)('Python websockets', () => {
  it.each(ANSWERS)('%s Python client closes with 4000 + reason; our server %s', async (_ids, _answer, choose) => {
    const { url, sessions } = await ourServer(choose);
    const python = runPythonScript(resources, PYTHON_SCRIPT, ['client', '4000', REASON, url]);
    expect((await python.lines.next()).value).toEqual(expectedAnswer(choose));
    await expectOurSide(sessions);
  });

  it.each(ANSWERS)('%s Python server closes with 4000 + reason; our client %s', async (_ids, _answer, choose) => {
    const python = runPythonScript(resources, PYTHON_SCRIPT, ['server', '4000', REASON]);
    const { port } = (await python.lines.next()).value as { port: number };
    const ours = await ourClient(`ws://127.0.0.1:${port}/`, choose);
    expect((await python.lines.next()).value).toEqual(expectedAnswer(choose));
    expect(await ours.closed).toEqual([4000, REASON, true]);
  });
});

describe.runIf(browserTestsEnabled())('Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each(ANSWERS)('%s a page’s WebSocket closes with 4000 + reason; our server %s', async (_ids, _answer, choose) => {
    const { port, url, sessions } = await ourServer(choose);
    const page = await browser.newPage();
    resources.defer(() => page.close());
    await page.goto(`http://127.0.0.1:${port}/`); // our HTTP server's ordinary page: the WebSocket's origin
    const seen = await page.evaluate(
      async ([target, reason]) => {
        const ws = new WebSocket(target!);
        await new Promise((resolve, reject) => {
          ws.onopen = resolve;
          ws.onerror = () => reject(new Error('WebSocket error'));
        });
        const closed = new Promise<{ code: number; reason: string; wasClean: boolean }>((resolve) => {
          ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
        });
        ws.close(4000, reason);
        return closed;
      },
      [url, REASON],
    );
    expect(seen).toEqual(expectedAnswer(choose));
    await expectOurSide(sessions);
  });
});
