// WebSocket over HTTP/2 (RFC 8441) against a Python peer we did not write: Debian's python3-h2
// (HTTP/2) with python3-wsproto (RFC 6455 frames) as the client of wsref's server over h2c. It
// sees SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (§3), opens the WebSocket with an extended CONNECT
// (§4–§5), echoes text and binary across the frame-length boundaries with permessage-deflate,
// closes with a code and reason (END_STREAM after the closing handshake), and sends the CONNECTs a
// careful client never would: each gets its defined answer and the connection lives on. The same
// client over TLS (Python's ssl, ALPN h2) against wsref's TLS server.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { hasOpenssl, listen, nextEvent, Resources, SYSTEM_PYTHON, systemPeerGate } from '../helpers/node-peers.js';
import { runPythonScript } from '../helpers/python-script.js';
import { startHttp2Endpoint } from './http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const CLIENT = readFileSync(new URL('./http2-python-client.py', import.meta.url), 'utf8');
const hasH2 = spawnSync(SYSTEM_PYTHON, ['-c', 'import h2, wsproto'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const runPython = systemPeerGate('python3-h2 and python3-wsproto', hasH2);

/** Runs the Python client in `mode` against a fresh endpoint (h2c, or TLS with ALPN h2); returns its lines and the endpoint. */
async function runClient(mode: 'echo' | 'errors', tls = false) {
  const endpoint = await startHttp2Endpoint(resources, { tls, options: { perMessageDeflate: true, protocols: ['chat'] } });
  const script = runPythonScript(resources, CLIENT, [String(endpoint.port), mode, ...(tls ? ['tls'] : [])]);
  const lines: Record<string, unknown>[] = [];
  for (;;) {
    const line = (await script.lines.next()).value;
    lines.push(line);
    if (line.step === 'closed' || line.step === 'after') break;
  }
  expect(await script.exited).toBe(0);
  return { lines, endpoint };
}

describe.runIf(runPython)('python3-h2 + python3-wsproto client, wsref server (h2c)', () => {
  it('[8441-3-1, 8441-5-1, 8441-5-2] settings, extended CONNECT with chat + permessage-deflate, echo 0 B–1 MiB text and binary, close 4000 with reason and END_STREAM', async () => {
    const { lines, endpoint } = await runClient('echo');
    const step = (name: string) => lines.filter((l) => l.step === name);
    expect(step('settings')).toEqual([{ step: 'settings', enableConnectProtocol: 1 }]);
    expect(step('handshake')[0]).toMatchObject({ status: 200, headers: { 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': expect.stringMatching(/^permessage-deflate/) } });
    expect(step('echo')).toEqual([0, 125, 126, 65535, 65536, 1 << 20].map((size) => ({ step: 'echo', size, text: true, binary: true })));
    expect(step('closed')).toEqual([{ step: 'closed', close: [4000, 'python says bye'], endStream: true }]);
    expect(step('reset')).toEqual([]); // a clean close never resets the stream
    expect(endpoint.connections[0]!.session.extensions).toMatch(/^permessage-deflate/);
  });

  it('[8441-4-2, 8441-4-3, 8441-5-1, 8441-5-3] malformed CONNECTs are reset with PROTOCOL_ERROR, refused ones get 400 (with the version for a wrong one), a key is ignored, and the connection lives on', async () => {
    const { lines, endpoint } = await runClient('errors');
    const cases = Object.fromEntries(lines.filter((l) => l.step === 'case').map((l) => [l.name, l.reset !== undefined ? `reset ${l.reset}` : l.status]));
    expect(cases).toEqual({
      'no-protocol-with-path': 'reset 1', // RFC 9113 §8.5: a plain CONNECT carries no :scheme/:path
      'no-path': 'reset 1', // RFC 8441 §4: :protocol needs :scheme and :path
      'protocol-not-websocket': 400,
      'with-key': 200, // RFC 8441 §5: the key is not processed, so not refused either
      'with-connection-upgrade': 'reset 1', // RFC 8441 §5, RFC 9113 §8.2.2
      'wrong-version': 400,
    });
    expect(lines.find((l) => l.name === 'wrong-version')).toMatchObject({ headers: { 'sec-websocket-version': '13' } });
    expect(lines.at(-1)).toMatchObject({ step: 'after', status: 200 });
    expect(endpoint.connections).toHaveLength(2); // the one with an (ignored) key, and the last
  });
});

describe.runIf(runPython && systemPeerGate('openssl (a self-signed certificate for HTTP/2 over TLS)', hasOpenssl()))('python3-h2 + python3-wsproto client over TLS (ssl, ALPN h2), wsref server', () => {
  it('[8441-3-1, 8441-5-1, 8441-5-2] ALPN agrees on h2; settings, extended CONNECT with :scheme https, echo 0 B–1 MiB with permessage-deflate, close 4000 and END_STREAM', async () => {
    const { lines, endpoint } = await runClient('echo', true);
    const step = (name: string) => lines.filter((l) => l.step === name);
    expect(step('tls')).toEqual([{ step: 'tls', alpn: 'h2', version: expect.stringMatching(/^TLSv1\.[23]$/) }]);
    expect(step('settings')).toEqual([{ step: 'settings', enableConnectProtocol: 1 }]);
    expect(step('handshake')[0]).toMatchObject({ status: 200, headers: { 'sec-websocket-protocol': 'chat', 'sec-websocket-extensions': expect.stringMatching(/^permessage-deflate/) } });
    expect(step('echo')).toEqual([0, 125, 126, 65535, 65536, 1 << 20].map((size) => ({ step: 'echo', size, text: true, binary: true })));
    expect(step('closed')).toEqual([{ step: 'closed', close: [4000, 'python says bye'], endStream: true }]);
    expect(endpoint.connections.map((c) => [c.request.headers[':scheme'], c.session.transport])).toEqual([['https', 'h2']]);
  });
});

describe.runIf(runPython)('an extended CONNECT before the SETTINGS (python3-h2 client, h2c)', () => {
  /** The answer to a CONNECT the client sends right after its preface, without reading the server's SETTINGS. */
  async function early(port: number): Promise<Record<string, unknown>> {
    const script = runPythonScript(resources, CLIENT, [String(port), 'early']);
    const line = (await script.lines.next()).value;
    expect(await script.exited).toBe(0);
    return line;
  }

  it('[8441-3-2] a server that never sent SETTINGS_ENABLE_CONNECT_PROTOCOL resets it with PROTOCOL_ERROR (RFC 8441 §3: malformed to it); wsref, which sends it with its preface, answers 200', async () => {
    const plain = http2.createServer((_req, res) => res.end('no websockets'));
    const plainPort = await listen(plain as unknown as net.Server);
    const plainSessions = new Set<http2.ServerHttp2Session>();
    plain.on('session', (s: http2.ServerHttp2Session) => plainSessions.add(s));
    resources.defer(() => { for (const s of plainSessions) s.destroy(); return new Promise((resolve) => plain.close(resolve)); });
    expect(await early(plainPort)).toMatchObject({ step: 'early', reset: 1 });
    const { port } = await startHttp2Endpoint(resources, { tls: false });
    expect(await early(port)).toMatchObject({ step: 'early', status: 200 });
  });
});

describe.runIf(runPython)('wsref client, python3-h2 + python3-wsproto server (h2c)', () => {
  it('[8441-3-2, 8441-4-1, 8441-4-2, 8441-5-1, 8441-5-2, 8441-5-3] connect(ws://…, { http2: true }) sends the extended CONNECT the server accepts, echoes, and closes with code and reason', async () => {
    const script = runPythonScript(resources, readFileSync(new URL('./http2-python-server.py', import.meta.url), 'utf8'), []);
    const listening = (await script.lines.next()).value;
    const session = await connect(`ws://127.0.0.1:${String(listening.port)}/chat?room=1`, { http2: true, protocols: ['chat'] });
    const request = (await script.lines.next()).value;
    expect(request.headers).toMatchObject({
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/chat?room=1',
      ':authority': `127.0.0.1:${String(listening.port)}`, 'sec-websocket-version': '13', 'sec-websocket-protocol': 'chat',
    });
    for (const name of ['sec-websocket-key', 'upgrade', 'connection', 'host']) expect(request.headers).not.toHaveProperty(name);
    for (const data of ['hello python', Buffer.alloc(100_000, 9)]) {
      const reply = nextEvent<[string | Buffer, boolean]>(session, 'message', 5_000);
      session.send(data);
      expect((await reply)[0]).toEqual(data);
    }
    const closed = nextEvent<[number, string, boolean]>(session, 'close', 5_000);
    session.close(4000, 'wsref says bye');
    expect((await script.lines.next()).value).toEqual({ step: 'close', code: 4000, reason: 'wsref says bye' });
    expect(await closed).toEqual([4000, 'wsref says bye', true]);
  });
});
