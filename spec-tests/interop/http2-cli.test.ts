// `wsref connect --http2 --trace` (RFC 8441): the real command, spawned from the TypeScript source,
// opens its WebSocket as an extended CONNECT stream of an h2c connection to a wsref endpoint and
// prints the HTTP/2 handshake fields with their RFC 8441 sections, then the RFC 6455 frames that
// the stream carries, field by field, masked on the way out. And `wsref serve --http2
// --tls-self-signed`: the command's own HTTP/2 server, met by Node's HTTP/2 client and by ws over HTTP/1.1.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame, hasOpenssl, nextEvent, OP, Resources, systemPeerGate, until, withTimeout } from '../helpers/node-peers.js';
import { connectHttp2, extendedConnect, frameCount, openStream, startHttp2Endpoint } from './http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the wsref command from the TypeScript source; its stdout and stderr are collected together. */
function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  resources.defer(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
  return {
    child,
    output: () => out,
    exited: async (label: string) => ((await withTimeout(once(child, 'exit'), 20_000, label)) as [number | null])[0],
  };
}

describe('wsref connect --http2', () => {
  it('[8441-4-1, 8441-4-2, 8441-5-1, 8441-5-2] --trace shows the extended CONNECT and the 200 with their sections, then the frames on the stream; --echo answers and the command exits 0', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false, echo: false });
    endpoint.wss.on('connection', (session) => {
      session.send('hello over h2');
      session.on('message', () => session.close(1000, 'done'));
    });
    const cli = runCli(['connect', `ws://127.0.0.1:${endpoint.port}/ws`, '--http2', '--echo', '--trace']);
    const code = await cli.exited('wsref connect --http2 to exit');
    const out = cli.output();
    expect(code, out).toBe(0);
    expect(out).toContain('→ sent      HTTP/2 extended CONNECT (opening handshake, RFC 8441 §4–§5; no key, no Upgrade)');
    expect(out).toMatch(/:method: CONNECT +RFC 8441 §4/);
    expect(out).toMatch(/:protocol: websocket +RFC 8441 §4, §5/);
    expect(out).toMatch(/:scheme: http +RFC 8441 §5/);
    expect(out).toMatch(/:path: \/ws +RFC 8441 §5/);
    expect(out).not.toMatch(/sec-websocket-key/i);
    expect(out).toContain('← received  HTTP/2 response (RFC 8441 §5)');
    expect(out).toMatch(/:status: 200 +RFC 8441 §5/);
    expect(out).toMatch(/← received  text frame, 13 bytes/);
    expect(out).toMatch(/→ sent {6}text frame, 13 bytes, masked/);
    expect(out).toMatch(/Status code {13}1000 +Normal Closure/);
    expect(endpoint.connections.map((c) => c.request.httpVersion)).toEqual(['2.0']);
  });
});

describe('wsref serve --http2 --tls-self-signed', () => {
  const withOpenssl = systemPeerGate('openssl (the self-signed certificate)', hasOpenssl());

  it.runIf(withOpenssl)('[8441-3-1, 8441-4-1, 8441-5-1, 8441-5-2] serves WebSockets as extended CONNECT streams over TLS (ALPN h2) and HTTP/1.1 upgrades on the same port; --trace shows the CONNECT received and the 200 sent', async () => {
    const cli = runCli(['serve', '--http2', '--tls-self-signed', '--port', '0', '--echo', '--trace']);
    await until(() => /listening on wss:\/\/127\.0\.0\.1:\d+\//.test(cli.output()), 20_000, 'wsref serve to listen');
    let out = cli.output();
    expect(out).toMatch(/HTTP\/2 and HTTP\/1\.1, TLS, self-signed certificate ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    const port = Number(/listening on wss:\/\/127\.0\.0\.1:(\d+)\//.exec(out)![1]);

    // HTTP/2: the server's SETTINGS allow extended CONNECT (RFC 8441 §3), the stream gets 200 and echoes.
    const client = await connectHttp2(resources, `https://127.0.0.1:${port}`);
    expect([client.alpnProtocol, client.remoteSettings.enableConnectProtocol]).toEqual(['h2', true]);
    const opened = await openStream(client, extendedConnect('https'));
    expect(opened.response?.[':status']).toBe(200);
    opened.stream.write(encodeFrame(OP.text, 'over h2', { mask: true }));
    const [echo] = await frameCount(opened.frames, 1, 'the echo on the stream');
    expect([echo!.opcode, echo!.payload.toString(), echo!.masked]).toEqual([OP.text, 'over h2', false]);

    // HTTP/1.1 on the same port (allowHTTP1): ws offers no h2 in ALPN and upgrades as usual.
    const ws = new WebSocket(`wss://127.0.0.1:${port}/h1`, { rejectUnauthorized: false });
    resources.defer(() => ws.terminate());
    await nextEvent(ws, 'open', 5_000);
    const echoed = nextEvent<[Buffer]>(ws, 'message', 5_000);
    ws.send('over http/1.1');
    expect(String((await echoed)[0])).toBe('over http/1.1');
    // The echo can overtake the command's own output (another pipe): wait for its line about it.
    await until(() => cli.output().includes('> #2 text: over http/1.1 (echo)'), 5_000, 'wsref serve to print the echo');

    out = cli.output();
    expect(out).not.toMatch(/WSREF_SLOW_HEAD_TIMEOUT/); // the HTTP/1.1 side's request head is bounded too (RFC 6455 §10.7)
    expect(out).toMatch(/#1 ← received  HTTP\/2 extended CONNECT/);
    expect(out).toMatch(/#1 {5}:protocol: websocket +RFC 8441 §4, §5/);
    expect(out).toMatch(/#1 → sent {6}HTTP\/2 response \(RFC 8441 §5\)/);
    expect(out).toMatch(/#1 {5}:status: 200 +RFC 8441 §5/);
    expect(out).toMatch(/\* #1 connected from 127\.0\.0\.1:\d+ to \/ws \(HTTP\/2 stream\)/);
    expect(out).toMatch(/#1 ← received  text frame, 7 bytes, masked/);
    expect(out).toMatch(/\* #2 connected from 127\.0\.0\.1:\d+ to \/h1\n/);
    expect(out).toMatch(/#2 ← received  HTTP request \(opening handshake, RFC 6455 §4.1\)\n#2 {5}GET \/h1 HTTP\/1\.1/);

    cli.child.kill('SIGTERM'); // the command closes both sockets with 1001 and exits 0
    expect(await cli.exited('wsref serve to exit'), cli.output()).toBe(0);
  });
});
