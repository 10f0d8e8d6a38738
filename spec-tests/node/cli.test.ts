// Tests for src/node/cli.ts (the `wsref` command) and its wire tracer src/node/trace-format.ts:
// the real program is spawned (the TypeScript source through tsx, and once through the
// bin/wsref.mjs launcher) against `ws` peers over loopback. The trace must show the opening
// handshake (RFC 6455 §4) and every frame field by field with its section (§5.2).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as WsClient, WebSocketServer as WsServer, type RawData } from 'ws';
import { hasOpenssl, selfSignedCertificate, systemPeerGate } from '../helpers/node-peers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const servers: WsServer[] = [];

afterEach(async () => {
  // SIGTERM first, so that a serve --tls-self-signed removes its certificate file; SIGKILL whatever is left after 3 s.
  const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(running.map(async (child) => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }));
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  errors: () => string;
  /** Resolves with the first match of `pattern` in stdout (rejects after `ms`). */
  waitFor: (pattern: RegExp, ms?: number) => Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Spawns `wsref …` from the TypeScript source (or through the launcher). */
function wsref(args: string[], { launcher = false } = {}): Running {
  const argv = launcher ? ['bin/wsref.mjs', ...args] : ['--import', 'tsx', 'src/node/cli.ts', ...args];
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitFor = async (pattern: RegExp, ms = 15_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = stdout.match(pattern);
      if (match) return match;
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`wsref ${args.join(' ')}: no ${pattern} in output:\n${stdout}\nstderr:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, output: () => stdout, errors: () => stderr, waitFor, exited };
}

/** A `ws` server on port 0; `onClient` plays the peer. */
async function wsServer(onClient: (socket: import('ws').WebSocket) => void): Promise<number> {
  const server = new WsServer({ host: '127.0.0.1', port: 0 });
  servers.push(server);
  server.on('connection', onClient);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${label}`)), ms))]);
}

describe('wsref serve', () => {
  it('[wsref] serve --echo on a free port echoes text as text and binary as binary, and shuts down with 1001 on SIGTERM', async () => {
    const serve = wsref(['serve', '--port', '0', '--echo']);
    const [, url] = await serve.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const client = new WsClient(url!);
    await once(client, 'open');
    const replies: Array<[string, boolean]> = [];
    client.on('message', (data: RawData, isBinary: boolean) => replies.push([isBinary ? [...(data as Buffer)].join(',') : String(data), isBinary]));
    client.send('hello');
    client.send(Buffer.from([1, 2, 3]));
    await withTimeout((async () => { while (replies.length < 2) await new Promise((r) => setTimeout(r, 10)); })(), 5_000, 'echoes');
    expect(replies).toEqual([['hello', false], ['1,2,3', true]]);
    const closed = once(client, 'close');
    serve.child.kill('SIGTERM');
    const [code] = await withTimeout(closed, 5_000, 'close');
    expect(code).toBe(1001);
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain('< #1 text: hello');
    expect(serve.output()).toContain('> #1 binary (3 bytes): 01 02 03 (echo)');
  });

  it('[6455-5.1-4] serve --trace prints the request, the 101 response and unmasked server frames field by field', async () => {
    const serve = wsref(['serve', '--port', '0', '--echo', '--trace']);
    const [, url] = await serve.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const client = new WsClient(`${url}room?x=1`);
    await once(client, 'open');
    client.send('traced');
    await once(client, 'message');
    client.close(1000);
    await once(client, 'close');
    await serve.waitFor(/#1 closed/);
    const out = serve.output();
    expect(out).toContain('#1 ← received  HTTP request (opening handshake, RFC 6455 §4.1)');
    expect(out).toContain('#1     GET /room?x=1 HTTP/1.1');
    expect(out).toMatch(/#1 → sent {6}HTTP response \(RFC 6455 §4\.2\.2\)\n#1 {5}HTTP\/1\.1 101 Switching Protocols/);
    expect(out).toMatch(/Sec-WebSocket-Accept: \S+ +RFC 6455 §4\.2\.2 item 5\.4/);
    expect(out).toMatch(/#1 → sent {6}text frame, 6 bytes {2}\(2-byte header, 7-bit length form\)/);
    expect(out).toMatch(/#1 {5}MASK {20}0 +the payload is not masked/);
    expect(out).toMatch(/#1 {5}Masking-key {13}[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}/); // the client's frame
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('[7692-6.1-1] serve --deflate --trace shows compressed frames: RSV1 set, DEFLATE data, and the echo arrives intact', async () => {
    const serve = wsref(['serve', '--port', '0', '--echo', '--trace', '--deflate']);
    const [, url] = await serve.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const client = new WsClient(url!, { perMessageDeflate: true });
    await once(client, 'open');
    expect(client.extensions).toMatch(/^permessage-deflate/);
    client.send('compress me, compress me, compress me');
    expect(String((await once(client, 'message'))[0])).toBe('compress me, compress me, compress me');
    await serve.waitFor(/> #1 text: compress me/);
    const out = serve.output();
    expect(out).toMatch(/#1 {5}Sec-WebSocket-Extensions: permessage-deflate +RFC 6455 §4\.2\.2 item 5\.6/);
    expect(out).toMatch(/#1 → sent {6}text frame, \d+ bytes, RSV1/);
    expect(out).toMatch(/#1 {5}RSV1 {20}1 +set: the payload is compressed \(RFC 7692 §6\) +\[§5\.2, RFC 7692 §6; bit 1\]/);
    expect(out).toMatch(/#1 {5}Payload data +\d+ bytes of DEFLATE data.*\n#1 {29}[0-9a-f]{2}( [0-9a-f]{2})+\n/);
    client.close(1000);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('[wsref] serve --chat passes each text message on to the other clients and announces joins', async () => {
    const serve = wsref(['serve', '--port', '0', '--chat']);
    const [, url] = await serve.waitFor(/listening on (ws:\/\/127\.0\.0\.1:\d+\/)/);
    const alice = new WsClient(url!);
    await once(alice, 'open');
    const aliceHeard: string[] = [];
    alice.on('message', (data) => aliceHeard.push(String(data)));
    const bob = new WsClient(url!);
    await once(bob, 'open');
    await withTimeout((async () => { while (!aliceHeard.includes('#2 joined')) await new Promise((r) => setTimeout(r, 10)); })(), 5_000, 'join');
    const bobHeard = once(bob, 'message');
    alice.send('hi bob');
    expect(String((await withTimeout(bobHeard, 5_000, 'chat'))[0])).toBe('#1: hi bob');
    expect(aliceHeard).not.toContain('#1: hi bob');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('[wsref] refuses bad arguments with usage and exit code 2', async () => {
    const [bad, both, unknown] = [wsref(['serve', '--port', 'eighty']), wsref(['serve', '--echo', '--chat']), wsref(['serve', 'extra'])];
    expect(await Promise.all([bad.exited, both.exited, unknown.exited])).toEqual([2, 2, 2]);
    expect(bad.errors()).toContain('--port wants a number');
    expect(both.errors()).toContain('choose one of --echo and --chat');
    expect(unknown.errors()).toContain('Usage:');
  });
});

describe('wsref --version and wsref connect without a URL (a learner\'s first commands)', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

  it('[wsref] --version prints the version from package.json and exits 0, from the source and through the launcher', async () => {
    const [source, launcher] = [wsref(['--version']), wsref(['--version'], { launcher: true })];
    expect(await Promise.all([source.exited, launcher.exited])).toEqual([0, 0]);
    expect(source.output()).toBe(`${version}\n`);
    expect(launcher.output()).toBe(`${version}\n`);
  });

  it('[wsref] connect without a URL says that the URL is missing, shows the connect usage line, and exits 2', async () => {
    const [missing, tooMany] = [wsref(['connect']), wsref(['connect', 'ws://127.0.0.1:1/', 'extra'])];
    expect(await Promise.all([missing.exited, tooMany.exited])).toEqual([2, 2]);
    expect(missing.errors()).toContain('wsref: connect needs the URL of a WebSocket server, e.g. ws://127.0.0.1:8080/');
    expect(missing.errors()).toMatch(/^usage: wsref connect ws:\/\/HOST:PORT\/PATH /m);
    expect(tooMany.errors()).toContain('connect takes one URL, got 2');
    expect(missing.output()).toBe('');
  });
});

describe('wsref connect', () => {
  /** A `ws` server that sends three messages, waits for their echoes, then closes 1000. */
  async function threeMessageServer(extra?: Buffer) {
    const echoes: Array<[string, boolean]> = [];
    const port = await wsServer((socket) => {
      socket.on('message', (data: RawData, isBinary: boolean) => {
        echoes.push([isBinary ? (data as Buffer).toString('hex') : String(data), isBinary]);
        if (echoes.length === 3) socket.close(1000, 'done');
      });
      socket.send('one');
      socket.send(extra ?? Buffer.from([0xca, 0xfe]));
      socket.send('three \u001b[31m');
    });
    return { port, echoes };
  }

  it('[wsref] connect --echo echoes each of three messages with its type and exits 0 when the server closes', async () => {
    const { port, echoes } = await threeMessageServer();
    const client = wsref(['connect', `ws://127.0.0.1:${port}/`, '--echo']);
    expect(await withTimeout(client.exited, 20_000, 'connect --echo exit')).toBe(0);
    expect(echoes).toEqual([['one', false], ['cafe', true], ['three \u001b[31m', false]]);
    const out = client.output();
    expect(out).toContain(`* connected to ws://127.0.0.1:${port}/`);
    expect(out).toContain('< text: one\n> text: one (echo)');
    expect(out).toContain('< binary (2 bytes): ca fe');
    // Control characters from the peer are escaped, never sent to the terminal.
    expect(out).toContain('< text: three \\u001b[31m');
    expect(out).not.toContain('\u001b');
    expect(out).toContain('* closed: code 1000 reason "done" (clean closing handshake)');
  });

  it('[6455-5.1-1, 6455-5.2-6] connect --trace shows the handshake and every frame field by field with §5.2, masked on the way out, in all three length forms', async () => {
    const { port } = await threeMessageServer(Buffer.alloc(70_000, 7));
    const client = wsref(['connect', `ws://127.0.0.1:${port}/path`, '--echo', '--trace', '--subprotocol', 'chat', '--header', 'X-Test: 1']);
    expect(await withTimeout(client.exited, 20_000, 'connect --trace exit')).toBe(0);
    const out = client.output();
    expect(out).toContain('→ sent      HTTP request (opening handshake, RFC 6455 §4.1)');
    expect(out).toContain('    GET /path HTTP/1.1');
    expect(out).toMatch(/Sec-WebSocket-Key: \S+ +RFC 6455 §4\.1 item 7/);
    expect(out).toMatch(/Sec-WebSocket-Protocol: chat +RFC 6455 §4\.1 item 10/);
    expect(out).toContain('    X-Test: 1');
    expect(out).toContain('← received  HTTP response (RFC 6455 §4.2.2)');
    for (const field of ['FIN', 'RSV1', 'RSV2', 'RSV3', 'opcode', 'MASK', 'Payload len', 'Payload data']) {
      expect(out).toMatch(new RegExp(`\\n {4}${field} +\\S.*\\[§5\\.`));
    }
    expect(out).toMatch(/opcode {18}0x1 +text: .*\[§5\.2, §11\.8; bit 4-7\]/);
    expect(out).toMatch(/← received  text frame, 3 bytes {2}\(2-byte header, 7-bit length form\)/);
    expect(out).toMatch(/← received  binary frame, 70000 bytes {2}\(10-byte header, 64-bit length form\)/);
    expect(out).toMatch(/Extended payload length +70000 +payload length 70000 bytes \(64-bit form/);
    expect(out).toMatch(/→ sent {6}binary frame, 70000 bytes, masked {2}\(14-byte header, 64-bit length form\)/);
    expect(out).toMatch(/Masking-key {13}[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} +payload byte i is XORed/);
    expect(out).toMatch(/→ sent {6}close frame, 6 bytes, masked/); // the answer echoes code 1000 and "done" (§5.5.1)
    expect(out).toMatch(/Status code {13}1000 +Normal Closure/);
  });

  it('[wsref] says how to send once connected, answers /help, sends typed lines as text, runs /ping, and closes with 1000 at the end of input', async () => {
    const received: string[] = [];
    let closeCode = 0;
    const port = await wsServer((socket) => {
      socket.on('message', (data) => received.push(String(data)));
      socket.on('ping', (data) => received.push(`ping:${String(data)}`));
      socket.on('close', (code) => (closeCode = code));
    });
    const client = wsref(['connect', `ws://127.0.0.1:${port}/`]);
    await client.waitFor(/\* connected/);
    // One line tells a learner how to send: lines of text, /ping, /close CODE REASON, /help.
    await client.waitFor(/^\* type a line and press Enter to send it as a text message; \/ping \[text\], \/close CODE REASON \(e\.g\. \/close 1000 bye\), \/help$/m);
    client.child.stdin.write('/help\n');
    await client.waitFor(/^\/close \[code \[reason\]\] +start the closing handshake/m);
    client.child.stdin.write('first line\n/ping probe\nsecond line\n');
    await client.waitFor(/< pong "probe" after \d+ ms/);
    client.child.stdin.end();
    expect(await withTimeout(client.exited, 10_000, 'exit after end of input')).toBe(0);
    expect(received).toEqual(['first line', 'ping:probe', 'second line']);
    expect(closeCode).toBe(1000);
  });

  it('[6455-4.1-12] cannot connect: a message on stderr and exit code 1', async () => {
    const port = await wsServer(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const client = wsref(['connect', `ws://127.0.0.1:${port}/`]);
    expect(await client.exited).toBe(1);
    expect(client.errors()).toContain(`! could not connect to ws://127.0.0.1:${port}/`);
  });
});

describe('wsref connect to wss:// (--ca, --insecure), over HTTP/1.1 and HTTP/2', () => {
  const withOpenssl = systemPeerGate('openssl (wsref serve --tls-self-signed)', hasOpenssl());
  const FINGERPRINT = /(?:[0-9A-F]{2}:){31}[0-9A-F]{2}/;

  /** `wsref serve --tls-self-signed --echo` on a free port, and what it prints: the fingerprint, and the hint naming its certificate file. */
  async function selfSignedServe(http2: boolean) {
    const serve = wsref(['serve', '--tls-self-signed', '--port', '0', '--echo', ...(http2 ? ['--http2'] : [])]);
    const [fingerprint] = await serve.waitFor(new RegExp(`(?<=self-signed certificate )${FINGERPRINT.source}`), 20_000);
    const hint = /^\* to connect: wsref connect --ca (\S+)( --http2)? (wss:\/\/127\.0\.0\.1:\d+\/) /m;
    const [, certFile, http2Flag, url] = await serve.waitFor(hint);
    expect(Boolean(http2Flag)).toBe(http2);
    return { serve, url: url!, fingerprint, certFile: certFile! };
  }

  /** Types a line into `wsref connect`, waits for the echo, then ends its input: it closes with 1000 and exits 0. */
  async function echoOnce(client: Running, text: string) {
    await client.waitFor(/^\* connected to wss:/m);
    client.child.stdin.write(`${text}\n`);
    await client.waitFor(new RegExp(`^< text: ${text}$`, 'm'));
    client.child.stdin.end();
    expect(await withTimeout(client.exited, 10_000, 'connect to exit'), client.errors()).toBe(0);
  }

  /** How `wsref connect` reaches the server: the flags it gets, and the line `wsref serve` prints for the connection. */
  interface Transport { http2: boolean; flags: string[]; connectedLine: RegExp }
  const HTTP1: Transport = { http2: false, flags: [], connectedLine: /\* #1 connected from 127\.0\.0\.1:\d+ to \/\n/ };
  const HTTP2: Transport = { http2: true, flags: ['--http2'], connectedLine: /\* #1 connected from 127\.0\.0\.1:\d+ to \/ \(HTTP\/2 stream\)/ };

  async function trustedWithCa({ http2, flags, connectedLine }: Transport) {
    const { serve, url, certFile } = await selfSignedServe(http2);
    expect(readFileSync(certFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/); // the certificate only, never the key
    const client = wsref(['connect', '--ca', certFile, ...flags, url]);
    await echoOnce(client, 'over tls');
    expect(client.errors()).toBe('');
    await serve.waitFor(connectedLine);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(existsSync(certFile)).toBe(false);
    expect(existsSync(path.dirname(certFile))).toBe(false);
  }

  async function unverifiedWithInsecure({ http2, flags, connectedLine }: Transport) {
    const { serve, url, fingerprint } = await selfSignedServe(http2);
    const client = wsref(['connect', '-k', ...flags, url]);
    await echoOnce(client, 'unchecked');
    expect(client.errors()).toBe("wsref: warning: --insecure: the server's certificate is not checked, so anyone on the way can read and change this connection\n");
    expect(client.output()).toContain(`* the server's certificate, not verified: SHA-256 ${fingerprint}\n`);
    await serve.waitFor(connectedLine);
  }

  async function refusedUntrusted({ http2, flags }: Transport) {
    const { url } = await selfSignedServe(http2);
    const otherDir = mkdtempSync(path.join(tmpdir(), 'wsref-cli-test-'));
    try {
      const other = path.join(otherDir, 'other.pem');
      writeFileSync(other, selfSignedCertificate()!.cert);
      const [untrusted, wrongCa] = [wsref(['connect', ...flags, url]), wsref(['connect', '--ca', other, ...flags, url])];
      expect(await Promise.all([untrusted.exited, wrongCa.exited])).toEqual([1, 1]);
      expect(untrusted.errors()).toMatch(new RegExp(`^! could not connect to ${url}: .*self-signed certificate; the server's certificate is not signed by an authority Node trusts: trust it with --ca FILE \\(wsref serve --tls-self-signed names its file\\), or skip the check with --insecure\n$`));
      expect(wrongCa.errors()).toMatch(new RegExp(`^! could not connect to ${url}: .*self-signed certificate; the certificates given with --ca do not vouch for the server's\n$`));
      expect([untrusted.output(), wrongCa.output()]).toEqual(['', '']);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  }

  it.runIf(withOpenssl)('[6455-4.1-13, 6455-4.1-15, 6455-10.6-1] HTTP/1.1: --ca with the file serve --tls-self-signed names verifies its certificate and a typed line is echoed; serve removes the file when it stops', () => trustedWithCa(HTTP1));
  it.runIf(withOpenssl)('[6455-4.1-13, 6455-4.1-15, 6455-10.6-1, 8441-5-1, 8441-5-2] HTTP/2: --ca with the file serve --tls-self-signed --http2 names verifies its certificate and a typed line is echoed on an extended CONNECT stream; serve removes the file when it stops', () => trustedWithCa(HTTP2));
  it.runIf(withOpenssl)('[6455-4.1-13] HTTP/1.1: --insecure (-k) connects without checking, warns once on stderr, and shows the fingerprint serve printed', () => unverifiedWithInsecure(HTTP1));
  it.runIf(withOpenssl)('[6455-4.1-13, 8441-5-1, 8441-5-2] HTTP/2: --insecure (-k) connects without checking, warns once on stderr, and shows the fingerprint serve printed', () => unverifiedWithInsecure(HTTP2));
  it.runIf(withOpenssl)('[6455-4.1-14] HTTP/1.1: without --ca or --insecure, or with --ca naming another certificate, the TLS handshake fails the connection: one line that says why, exit 1, no stack trace', () => refusedUntrusted(HTTP1));
  it.runIf(withOpenssl)('[6455-4.1-14] HTTP/2: without --ca or --insecure, or with --ca naming another certificate, the TLS handshake fails the connection: one line that says why, exit 1, no stack trace', () => refusedUntrusted(HTTP2));

  it('[wsref] a --ca file that is missing, a folder, not PEM, a broken certificate or endless: one line naming the file, exit 1, before any connection', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wsref-cli-test-'));
    try {
      const broken = path.join(dir, 'broken.pem');
      writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
      const cases = [path.join(dir, 'missing.pem'), dir, 'package.json', broken, '/dev/zero'];
      // Port 1 on loopback: were a connection attempted, the error would be ECONNREFUSED instead.
      const runs = cases.map((file) => wsref(['connect', '--ca', file, 'wss://127.0.0.1:1/']));
      expect(await Promise.all(runs.map((run) => run.exited))).toEqual([1, 1, 1, 1, 1]);
      const lines = runs.map((run) => run.errors());
      for (const [i, line] of lines.entries()) expect(line, line).toMatch(new RegExp(`^wsref: --ca ${cases[i]}: [^\n]+\n$`));
      expect(lines[0]).toContain('ENOENT');
      expect(lines[1]).toContain('EISDIR');
      expect(lines[2]).toContain('no PEM certificate in it');
      expect(lines[3]).toContain('not a PEM certificate');
      expect(lines[4]).toContain('larger than 4 MiB');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(withOpenssl)('[6455-4.1-13, 6455-4.1-15] serve --tls-cert FILE --tls-key FILE: its own certificate serves wss://, and connect --ca that file echoes a typed line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wsref-cli-test-'));
    try {
      const { cert, key } = selfSignedCertificate()!;
      const [certFile, keyFile] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
      writeFileSync(certFile, cert);
      writeFileSync(keyFile, key);
      const serve = wsref(['serve', '--tls-cert', certFile, '--tls-key', keyFile, '--port', '0', '--echo']);
      const [url] = await serve.waitFor(/wss:\/\/127\.0\.0\.1:\d+\//, 20_000);
      const client = wsref(['connect', '--ca', certFile, url!]);
      await echoOnce(client, 'own certificate');
      expect(client.errors()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[wsref] serve --tls-cert or --tls-key that is missing, a folder or endless: one line naming the file, exit 1, before listening', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wsref-cli-test-'));
    try {
      const cases: Array<[flag: string, file: string, reason: string]> = [
        ['--tls-cert', path.join(dir, 'missing.pem'), 'ENOENT'],
        ['--tls-cert', dir, 'EISDIR'],
        ['--tls-cert', '/dev/zero', 'larger than 4 MiB'],
        ['--tls-key', '/dev/zero', 'larger than 4 MiB'],
      ];
      const certFile = path.join(dir, 'cert.pem');
      writeFileSync(certFile, selfSignedCertificate()?.cert ?? '');
      const runs = cases.map(([flag, file]) => wsref(['serve', '--port', '0', ...(flag === '--tls-cert' ? ['--tls-cert', file, '--tls-key', certFile] : ['--tls-cert', certFile, '--tls-key', file])]));
      expect(await Promise.all(runs.map((run) => withTimeout(run.exited, 15_000, 'serve to exit')))).toEqual([1, 1, 1, 1]);
      for (const [i, [flag, file, reason]] of cases.entries()) {
        const line = runs[i]!.errors();
        expect(line, line).toMatch(new RegExp(`^wsref: ${flag} ${file}: [^\n]*${reason}[^\n]*\n$`));
        expect(runs[i]!.output()).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('[6455-4.1-13] --ca or --insecure with a ws:// URL (no TLS, so no certificate) is a usage error, and so are both at once: exit 2', async () => {
    const runs = [
      wsref(['connect', '--insecure', 'ws://127.0.0.1:1/']),
      wsref(['connect', '--ca', 'package.json', 'ws://127.0.0.1:1/']),
      wsref(['connect', '-k', '--ca', 'package.json', 'wss://127.0.0.1:1/']),
    ];
    expect(await Promise.all(runs.map((run) => run.exited))).toEqual([2, 2, 2]);
    expect(runs[0]!.errors()).toMatch(/^wsref: --insecure is for wss:\/\/ URLs: ws:\/\/127\.0\.0\.1:1\/ has no TLS and no certificate\n/);
    expect(runs[1]!.errors()).toMatch(/^wsref: --ca is for wss:\/\/ URLs: /);
    expect(runs[2]!.errors()).toMatch(/^wsref: choose one of --ca \(check the certificate against FILE\) and --insecure \(check nothing\)\n/);
    for (const run of runs) expect(run.errors()).toContain('--insecure, -k'); // the usage text follows
  });
});

describe('bin/wsref.mjs', () => {
  it('[wsref] the launcher runs the CLI: --help exits 0 with usage, an unknown command exits 2', async () => {
    const [help, bogus] = [wsref(['--help'], { launcher: true }), wsref(['bogus'], { launcher: true })];
    expect(await Promise.all([help.exited, bogus.exited])).toEqual([0, 2]);
    expect(help.output()).toContain('wsref connect URL [options]');
    expect(bogus.errors()).toContain('unknown command');
  });
});
