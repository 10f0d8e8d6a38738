// The demo (examples/server.ts) in a real browser: Debian's Chromium, driven by playwright-core,
// uses its own WebSocket against our server — the chat room with two people, and the echo
// endpoint with text and binary in every payload length form (RFC 6455 §5.2) up to 1 MiB, with
// the permessage-deflate (RFC 7692) that Chromium offers. Skipped loudly without Chromium; fails in CI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createDemoServer, defaultStaticRoots, type DemoServer } from '../../examples/server.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';

// The functions given to page.evaluate run inside Chromium; these name its globals for the type checker.
declare const document: any;
declare const location: any;

const enabled = browserTestsEnabled();

describe.skipIf(!enabled)('the demo in Chromium', () => {
  let browser: Browser;
  let demo: DemoServer;
  let plainDemo: DemoServer; // permessage-deflate turned off

  beforeAll(async () => {
    [demo, plainDemo] = await Promise.all([
      createDemoServer({ port: 0, staticRoots: defaultStaticRoots('') }),
      createDemoServer({ port: 0, staticRoots: defaultStaticRoots(''), perMessageDeflate: false }),
    ]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([demo?.close(), plainDemo?.close()]);
  });

  async function openPage(path: string, server = demo): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error on ${path}: ${error.message}`));
    await page.goto(`${server.url}${path}`);
    return page;
  }

  async function join(page: Page, name: string): Promise<void> {
    await page.fill('#name', name);
    await page.click('#join');
    await page.waitForSelector('#room:not(.hidden)');
  }

  const members = (page: Page) => page.$$eval('#members li', (items) => items.map((li) => li.textContent));

  it('[wsref] two people chat: both join, see each other in the members list and each other\'s messages, and one leaving is seen', async () => {
    const ada = await openPage('demo/chat.html');
    const bo = await openPage('demo/chat.html');
    await join(ada, 'Ada');
    await join(bo, 'Bo');
    await ada.waitForFunction(() => document.querySelectorAll('#members li').length === 2);
    expect(await members(ada)).toEqual(['Ada', 'Bo']);
    expect(await members(bo)).toEqual(['Ada', 'Bo']);
    expect(await ada.textContent('#count')).toBe('2');
    expect(await ada.textContent('#log')).toContain('Bo joined.');
    expect(demo.room.names).toEqual(['Ada', 'Bo']);

    await ada.fill('#text', 'hello Bo');
    await ada.click('#send');
    await bo.waitForFunction(() => [...document.querySelectorAll('#log li.message')].some((li) => li.textContent?.includes('hello Bo')));
    const seenByBo = await bo.$$eval('#log li.message', (items) => items.map((li) => [li.querySelector('.from')?.textContent, li.querySelector('.text')?.textContent]));
    expect(seenByBo).toEqual([['Ada', 'hello Bo']]);
    // The sender sees its own message as the server relayed it.
    await ada.waitForFunction(() => document.querySelectorAll('#log li.message').length === 1);

    await bo.fill('#text', 'hi Ada');
    await bo.press('#text', 'Enter');
    await ada.waitForFunction(() => [...document.querySelectorAll('#log li.message .text')].some((s) => s.textContent === 'hi Ada'));

    await bo.close();
    await ada.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('Bo left.'));
    expect(await members(ada)).toEqual(['Ada']);
    expect(await ada.textContent('#count')).toBe('1');
    expect(demo.room.names).toEqual(['Ada']);
    await ada.click('#leave');
    await ada.waitForSelector('#join-form:not(.hidden)');
    expect(await ada.textContent('#status')).toBe('Disconnected (code 1000).');
    await ada.close();
  });

  it('[wsref] markup in names and messages is shown as text, never as HTML', async () => {
    const alice = await openPage('demo/chat.html');
    const eve = await openPage('demo/chat.html');
    await join(alice, 'Alice');
    await join(eve, '<i>Eve</i>');
    await eve.fill('#text', '<b>x</b><img src=x onerror="document.title=\'pwned\'">');
    await eve.click('#send');
    await alice.waitForFunction(() => document.querySelectorAll('#log li.message').length === 1);
    const shown = await alice.$eval('#log li.message', (li) => ({ from: li.querySelector('.from')?.textContent, text: li.querySelector('.text')?.textContent, html: li.innerHTML }));
    expect(shown.from).toBe('<i>Eve</i>');
    expect(shown.text).toBe('<b>x</b><img src=x onerror="document.title=\'pwned\'">');
    expect(shown.html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(await alice.$$('#log b, #log i, #log img, #members i')).toHaveLength(0);
    expect(await members(alice)).toEqual(['Alice', '<i>Eve</i>']);
    expect(await alice.title()).toBe('wsref chat');
    await Promise.all([alice.close(), eve.close()]);
  });

  it('[wsref] a taken name is refused with an error, and another name can then join', async () => {
    const first = await openPage('demo/chat.html');
    const second = await openPage('demo/chat.html');
    await join(first, 'Grace');
    await second.fill('#name', 'grace');
    await second.click('#join');
    await second.waitForFunction(() => document.querySelector('#status')?.textContent === 'the name grace is taken');
    expect(await second.isVisible('#room')).toBe(false);
    await join(second, 'Hopper');
    expect(await members(second)).toEqual(['Grace', 'Hopper']);
    await Promise.all([first.close(), second.close()]);
  });

  /** Runs in the page: the browser's own WebSocket echoes text and binary of each size. */
  async function echoSizes(page: Page, sizes: number[]) {
    return page.evaluate(async (sizes) => {
      const url = new URL('/echo', location.href);
      url.protocol = 'ws:';
      const ws = new WebSocket(url.href);
      ws.binaryType = 'arraybuffer';
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('WebSocket error'));
      });
      const next = () => new Promise<unknown>((resolve) => ws.addEventListener('message', (e) => resolve(e.data), { once: true }));
      const results: Array<{ type: string; size: number; ok: boolean }> = [];
      for (const size of sizes) {
        const chars = new Array<string>(size);
        for (let i = 0; i < size; i++) chars[i] = String.fromCharCode(97 + ((i * 7) % 26));
        const text = chars.join('');
        ws.send(text);
        const textBack = await next();
        results.push({ type: 'text', size, ok: textBack === text });
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
        ws.send(bytes);
        const back = await next();
        let same = back instanceof ArrayBuffer && back.byteLength === size;
        if (same) {
          const view = new Uint8Array(back as ArrayBuffer);
          for (let i = 0; i < size && same; i++) same = view[i] === bytes[i];
        }
        results.push({ type: 'binary', size, ok: same });
      }
      const extensions = ws.extensions;
      ws.close(1000);
      await new Promise((resolve) => (ws.onclose = resolve));
      return { extensions, results };
    }, sizes);
  }

  const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

  it('[7692-5-5, 7692-5-13] the echo endpoint returns text and binary of 0, 125, 126, 65535, 65536 bytes and 1 MiB intact, over the permessage-deflate Chromium offers', async () => {
    const page = await openPage('demo/echo.html');
    const serverSide = new Promise<string>((resolve) => demo.echo.once('connection', (session) => resolve(session.extensions)));
    const { extensions, results } = await echoSizes(page, SIZES);
    expect(results).toEqual(SIZES.flatMap((size) => [{ type: 'text', size, ok: true }, { type: 'binary', size, ok: true }]));
    // Chromium offers "permessage-deflate; client_max_window_bits"; our server accepts with its parameters.
    expect(extensions).toMatch(/^permessage-deflate(;|$)/);
    expect(extensions).toBe(await serverSide);
    await page.close();
  });

  it('[7692-5-11] without permessage-deflate on the server, nothing is negotiated and the echo is still intact', async () => {
    const page = await openPage('demo/echo.html', plainDemo);
    const { extensions, results } = await echoSizes(page, [0, 126, 65536]);
    expect(extensions).toBe('');
    expect(results.every((r) => r.ok)).toBe(true);
    await page.close();
  });

  it('[wsref] the echo page\'s own size test passes in every length form', async () => {
    const page = await openPage('demo/echo.html');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Connected'));
    expect(await page.textContent('#status')).toMatch(/extensions: permessage-deflate/);
    await page.click('#self-test');
    await page.waitForFunction(() => document.querySelectorAll('#results tr').length === 12, undefined, { timeout: 20_000 });
    const rows = await page.$$eval('#results tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent).join(' ')));
    expect(rows).toContain('binary 65536 64-bit echoed intact');
    expect(rows).toContain('text 126 16-bit echoed intact');
    expect(rows.filter((r) => r.endsWith('echoed intact'))).toHaveLength(12);
    await page.close();
  });
});
