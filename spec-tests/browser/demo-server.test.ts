// The server side of the demo (examples/server.ts, chat-room.ts, static-files.ts) without a
// browser: wsref's own WHATWG WebSocket plays the page. Checks what a browser test cannot easily
// show — the Origin check (RFC 6455 §10.2), the chat's validation and close codes (§7.4.1), the
// message size limit (§10.4), and that static files never leave their directory.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer, defaultStaticRoots, DEMO_PUBLIC_DIR, type DemoServer } from '../../examples/server.js';
import { CloseEvent, connect, HandshakeError, WebSocket } from '../../src/index.js';

let demo: DemoServer;
let site: string;

beforeAll(async () => {
  // A stand-in for the docs site mounted at "/", with a secret next to it that must stay unreachable.
  const base = mkdtempSync(join(tmpdir(), 'wsref-demo-'));
  site = join(base, 'site');
  mkdirSync(join(site, 'guide'), { recursive: true });
  writeFileSync(join(site, 'index.html'), '<h1>docs home</h1>');
  writeFileSync(join(site, 'guide', 'index.html'), '<h1>guide</h1>');
  writeFileSync(join(site, '404.html'), '<h1>docs 404</h1>');
  writeFileSync(join(base, 'secret.txt'), 'do not serve');
  symlinkSync(join(base, 'secret.txt'), join(site, 'link.txt'));
  demo = await createDemoServer({ port: 0, staticRoots: defaultStaticRoots(site), chatLimits: { rateLimit: 5, rateWindow: 60_000 } });
});

afterAll(async () => {
  await demo?.close();
  if (site) rmSync(join(site, '..'), { recursive: true, force: true });
});

/** A raw GET (the path is sent exactly as given, no client-side normalization). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: demo.port, path, method }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const wsUrl = (path: string) => `ws://127.0.0.1:${demo.port}${path}`;

/** A chat client: collects the server's JSON events. */
async function chatter(): Promise<{ ws: WebSocket; events: Array<Record<string, unknown>>; next: (type: string) => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(wsUrl('/chat'));
  const events: Array<Record<string, unknown>> = [];
  ws.addEventListener('message', (e) => events.push(JSON.parse(String((e as MessageEvent).data)) as Record<string, unknown>));
  await once(ws, 'open');
  const next = async (type: string) => {
    for (let i = 0; i < 300; i++) {
      const found = events.find((e) => e.type === type);
      if (found) {
        events.splice(events.indexOf(found), 1);
        return found;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${type} event; got ${JSON.stringify(events)}`);
  };
  return { ws, events, next };
}

describe('WebSocket endpoints', () => {
  it('[6455-10.2-1, 6455-10.2-2] refuses a handshake from a foreign Origin with 403; accepts its own pages and clients without Origin', async () => {
    const refused = await connect(wsUrl('/echo'), { origin: 'https://evil.example' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HandshakeError);
    expect((refused as HandshakeError).status).toBe(403);
    const own = await connect(wsUrl('/chat'), { origin: `http://127.0.0.1:${demo.port}` });
    const none = await connect(wsUrl('/chat'));
    expect([own.readyState, none.readyState]).toEqual([1, 1]);
    own.close(1000);
    none.close(1000);
  });

  it('[wsref] /echo sends text back as text and binary as binary (to wsref\'s WHATWG WebSocket)', async () => {
    const ws = new WebSocket(wsUrl('/echo'));
    ws.binaryType = 'arraybuffer';
    await once(ws, 'open');
    expect(ws.extensions).toMatch(/^permessage-deflate/);
    ws.send('ünïcödé');
    expect(((await once(ws, 'message'))[0] as MessageEvent).data).toBe('ünïcödé');
    ws.send(new Uint8Array([0, 255, 7]));
    const back = ((await once(ws, 'message'))[0] as MessageEvent).data as ArrayBuffer;
    expect([...new Uint8Array(back)]).toEqual([0, 255, 7]);
    ws.close();
    await once(ws, 'close');
  });

  it('[wsref] chat speaks JSON: welcome to the one who joins, joined/left to the others, messages to all', async () => {
    const a = await chatter();
    a.ws.send(JSON.stringify({ type: 'join', name: '  Lin  ' }));
    expect(await a.next('welcome')).toEqual({ type: 'welcome', name: 'Lin', members: ['Lin'] });
    const b = await chatter();
    b.ws.send(JSON.stringify({ type: 'join', name: 'Max' }));
    expect(await b.next('welcome')).toEqual({ type: 'welcome', name: 'Max', members: ['Lin', 'Max'] });
    expect(await a.next('joined')).toEqual({ type: 'joined', name: 'Max', members: ['Lin', 'Max'] });
    b.ws.send(JSON.stringify({ type: 'say', text: 'line one\nline two' }));
    const [toA, toB] = await Promise.all([a.next('message'), b.next('message')]);
    expect(toA).toMatchObject({ type: 'message', from: 'Max', text: 'line one\nline two' });
    expect(toB).toEqual(toA);
    expect(typeof toA.time).toBe('number');
    b.ws.close(1000);
    expect(await a.next('left')).toEqual({ type: 'left', name: 'Max', members: ['Lin'] });
    a.ws.close(1000);
    await once(a.ws, 'close');
  });

  it('[wsref] chat refuses bad requests with an error event and keeps the connection', async () => {
    const c = await chatter();
    const refusal = async (request: string) => {
      c.ws.send(request);
      return (await c.next('error')).message;
    };
    expect(await refusal('not json')).toBe('a request is a JSON object');
    expect(await refusal('{"type":"shout","text":"x"}')).toMatch(/^unknown request/);
    expect(await refusal('{"type":"say","text":"early"}')).toBe('join first');
    expect(await refusal(JSON.stringify({ type: 'join', name: 'x'.repeat(33) }))).toBe('a name has 1 to 32 characters');
    expect(await refusal(JSON.stringify({ type: 'join', name: '   ' }))).toBe('a name has 1 to 32 characters');
    expect(await refusal(JSON.stringify({ type: 'join', name: 'bell\u0007' }))).toMatch(/control/);
    c.ws.send(JSON.stringify({ type: 'join', name: 'Valid' }));
    await c.next('welcome');
    expect(await refusal(JSON.stringify({ type: 'join', name: 'Again' }))).toBe('you have already joined');
    expect(await refusal(JSON.stringify({ type: 'say', text: '  ' }))).toBe('an empty message');
    expect(await refusal(JSON.stringify({ type: 'say', text: 'y'.repeat(2001) }))).toBe('a message has at most 2000 characters');
    expect(await refusal(JSON.stringify({ type: 'say', text: 'esc\u001b[2J' }))).toMatch(/control/);
    for (let i = 0; i < 5; i++) c.ws.send(JSON.stringify({ type: 'say', text: `m${i}` }));
    expect(await refusal(JSON.stringify({ type: 'say', text: 'one too many' }))).toBe('slow down: too many messages');
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
    await once(c.ws, 'close');
  });

  it('[6455-7.4.1-2] chat closes with 1003 when sent binary data', async () => {
    const c = await chatter();
    c.ws.send(new Uint8Array([1, 2, 3]));
    const [event] = (await once(c.ws, 'close')) as [CloseEvent];
    expect([event.code, event.reason, event.wasClean]).toEqual([1003, 'this chat speaks JSON text', true]);
  });

  it('[6455-10.4-2] chat closes with 1009 when a message exceeds its 16 KiB limit', async () => {
    const c = await chatter();
    c.ws.send(JSON.stringify({ type: 'say', text: 'z'.repeat(17 * 1024) }));
    const [event] = (await once(c.ws, 'close')) as [CloseEvent];
    expect(event.code).toBe(1009);
  });
});

describe('static pages', () => {
  it('[wsref] serves the demo pages at /demo/ with a strict CSP and nosniff, and redirects /demo to /demo/', async () => {
    const page = await get('/demo/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<a href="chat.html">');
    const script = await get('/demo/chat.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('textContent');
    expect(script.body).not.toContain('innerHTML');
    expect(await get('/demo')).toMatchObject({ status: 301, headers: { location: '/demo/' } });
    const head = await get('/demo/echo.html', 'HEAD');
    expect([head.status, head.body]).toEqual([200, '']);
    expect((await get('/demo/', 'POST')).status).toBe(405);
  });

  it('[wsref] mounts another directory at / (the docs site), with its 404 page and directory indexes', async () => {
    expect(await get('/')).toMatchObject({ status: 200, body: '<h1>docs home</h1>' });
    expect(await get('/guide')).toMatchObject({ status: 301, headers: { location: '/guide/' } });
    expect(await get('/guide/')).toMatchObject({ status: 200, body: '<h1>guide</h1>' });
    expect(await get('/missing/page')).toMatchObject({ status: 404, body: '<h1>docs 404</h1>' });
    expect((await get('/')).headers['content-security-policy']).toBeUndefined();
  });

  it('[wsref] never serves a file outside its directory: dot-dot, encoded dot-dot and symbolic links', async () => {
    for (const path of ['/demo/../../package.json', '/demo/%2e%2e%2f%2e%2e%2fpackage.json', '/demo/..%2f..%2fpackage.json', '/%2e%2e%2fsecret.txt', '/link.txt', '/demo/%00']) {
      const response = await get(path);
      expect(response.status, path).not.toBe(200);
      expect(response.body).not.toContain('do not serve');
      expect(response.body).not.toContain('"name": "wsref"');
    }
    expect((await get('/demo/%E0%A4%A')).status).toBe(400);
  });

  it('[wsref] without a site directory, / redirects to the demo pages', async () => {
    const bare = await createDemoServer({ port: 0, staticRoots: defaultStaticRoots('') });
    try {
      const response = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: bare.port, path: '/' }, resolve));
      response.resume();
      expect([response.statusCode, response.headers.location]).toEqual([302, '/demo/']);
      expect(defaultStaticRoots('')).toEqual([expect.objectContaining({ mount: '/demo/', dir: DEMO_PUBLIC_DIR })]);
    } finally {
      await bare.close();
    }
  });
});
