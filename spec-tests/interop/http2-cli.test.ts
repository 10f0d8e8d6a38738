// `wsref connect --http2 --trace` (RFC 8441): the real command, spawned from the TypeScript source,
// opens its WebSocket as an extended CONNECT stream of an h2c connection to a wsref endpoint and
// prints the HTTP/2 handshake fields with their RFC 8441 sections, then the RFC 6455 frames that
// the stream carries, field by field, masked on the way out.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, withTimeout } from '../helpers/node-peers.js';
import { startHttp2Endpoint } from './http2-kit.js';

const resources = new Resources();
afterEach(() => resources.cleanup());
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('wsref connect --http2', () => {
  it('[8441-4-1, 8441-4-2, 8441-5-1, 8441-5-2] --trace shows the extended CONNECT and the 200 with their sections, then the frames on the stream; --echo answers and the command exits 0', async () => {
    const endpoint = await startHttp2Endpoint(resources, { tls: false, echo: false });
    endpoint.wss.on('connection', (session) => {
      session.send('hello over h2');
      session.on('message', () => session.close(1000, 'done'));
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/cli.ts', 'connect', `ws://127.0.0.1:${endpoint.port}/ws`, '--http2', '--echo', '--trace'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    resources.defer(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (out += text));
    const [code] = (await withTimeout(once(child, 'exit'), 20_000, 'wsref connect --http2 to exit')) as [number | null];
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
