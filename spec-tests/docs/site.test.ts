// The documentation site (website/build, built by `npm run docs`) in a real browser: Debian's
// Chromium driven by playwright-core, served by the demo server (examples/server.ts) exactly as
// `npm start` serves it. Every page of the sitemap loads with HTTP 200, without console errors,
// page errors or requests to other hosts (the site must work offline); the states page draws its
// Mermaid diagram; the closing page lists every registered close code; the frame inspector takes
// the RFC 6455 §5.7 examples apart with wsref's core and fails an unmasked client frame with 1002;
// the live panel talks to the server's /echo. Screenshots go to website/screenshots/ (git-ignored).
// Every page also fits a 390 px phone (no sideways scrolling, no header word split in two) and has
// a title of its own; RFC citations link to the right section of the right RFC; the navbar, the
// tutorials and the demo pages lead to each other; each requirement of the traceability page
// links to the line of its test.
//
// WSREF_SITE_DIR tests another build directory than website/build/ (as it serves one for npm start).
// Skipped with a loud warning without Chromium or without a build; both FAIL when CI is set.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer, defaultStaticRoots, type DemoServer } from '../../examples/server.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { builtHtml, citationLinks, citationProblem, MEASURE_LAYOUT, PHONE_WIDTH, RECORD_TITLES, TITLES_SHOWN, type CitationLink, type LayoutReport } from './site-layout.js';

const siteDir = process.env.WSREF_SITE_DIR ? `${path.resolve(process.env.WSREF_SITE_DIR)}/` : fileURLToPath(new URL('../../website/build/', import.meta.url));
const screenshotDir = fileURLToPath(new URL('../../website/screenshots/', import.meta.url));
const sitemap = path.join(siteDir, 'sitemap.xml');

function siteIsBuilt(): boolean {
  if (existsSync(sitemap)) return true;
  if (process.env.CI) return true; // run, and fail in beforeAll
  console.warn('\n*** SKIPPING the documentation site tests: website/build/ does not exist (run `npm run docs`). They FAIL when CI is set. ***\n');
  return false;
}

/** The path of every page in the sitemap, e.g. `/`, `/inspector/`, `/api/wsref/classes/Session/`. */
function sitemapPaths(): string[] {
  if (!existsSync(sitemap)) return [];
  const xml = readFileSync(sitemap, 'utf8');
  return [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname).sort();
}

const enabled = browserTestsEnabled() && siteIsBuilt();
const pages = enabled ? sitemapPaths() : [];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

interface Visit {
  readonly page: Page;
  readonly status: number | undefined;
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly foreignRequests: string[];
}

describe.skipIf(!enabled)('the documentation site in Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let demo: DemoServer;

  beforeAll(async () => {
    if (!existsSync(sitemap)) throw new Error('website/build/sitemap.xml is missing: run `npm run docs` before the tests');
    demo = await createDemoServer({ port: 0, staticRoots: defaultStaticRoots(siteDir) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(RECORD_TITLES);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
  });

  /** Opens a page of the site and records what a reader would not want to see. */
  async function visit(pathname: string): Promise<Visit> {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Names what a "Failed to load resource" console error failed to load.
    page.on('response', (response) => {
      if (response.status() >= 400) consoleErrors.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'ws:' || url.protocol === 'wss:') && !LOOPBACK.has(url.hostname)) {
        foreignRequests.push(request.url());
      }
    });
    const response = await page.goto(new URL(pathname, demo.url).href, { waitUntil: 'networkidle' });
    return { page, status: response?.status(), consoleErrors, pageErrors, foreignRequests };
  }

  it('[wsref] the sitemap lists the hand-written pages and the generated API reference', () => {
    for (const expected of ['/', '/states/', '/closing/', '/inspector/', '/performance/', '/conformance/autobahn/', '/api/']) {
      expect(pages).toContain(expected);
    }
    expect(pages.filter((p) => p.startsWith('/api/')).length).toBeGreaterThan(20);
  });

  // One test for the whole sitemap (its pages are only known once the site is built, so a test
  // per page would have a name `npm run trace` cannot read); soft assertions name each failing
  // page and let the others run. Five pages are open at a time.
  it('[wsref] every page of the sitemap loads with HTTP 200, no console or page errors, and no request to another host; it fits a 390 px phone and has a title of its own', async () => {
    const queue = pages.length > 0 ? [...pages] : ['/'];
    const titles = new Map<string, string[]>();
    const checkNext = async (): Promise<void> => {
      for (let pathname = queue.shift(); pathname !== undefined; pathname = queue.shift()) {
        const { page, status, consoleErrors, pageErrors, foreignRequests } = await visit(pathname);
        try {
          expect.soft(status, pathname).toBe(200);
          expect.soft(await page.locator('#__docusaurus h1').count(), pathname).toBeGreaterThan(0);
          expect.soft(consoleErrors, pathname).toEqual([]);
          expect.soft(pageErrors, pathname).toEqual([]);
          expect.soft(foreignRequests, pathname).toEqual([]);
          // A title says which page this is: not empty, not only the site's name — not even for a
          // moment while the page hydrates (every title the tab showed is recorded).
          const title = (await page.title()).trim();
          expect.soft(title, pathname).not.toMatch(/^(wsref)?$/);
          expect.soft((await page.evaluate(TITLES_SHOWN)) as string[], `${pathname}: titles shown while loading`).not.toContain('wsref');
          titles.set(title, [...(titles.get(title) ?? []), pathname]);
          // On a phone, only code blocks and tables may scroll sideways, inside their own box.
          await page.setViewportSize({ width: PHONE_WIDTH, height: 844 });
          await page.waitForFunction(`document.documentElement.clientWidth <= ${PHONE_WIDTH}`);
          const layout = (await page.evaluate(MEASURE_LAYOUT)) as LayoutReport;
          expect.soft(layout.scrollWidth, `${pathname} is wider than ${PHONE_WIDTH} px: ${layout.beyondEdge.join('; ')}`).toBeLessThanOrEqual(layout.viewportWidth);
          expect.soft(layout.beyondEdge, pathname).toEqual([]);
          expect.soft(layout.brokenHeaderWords, `${pathname}: table header words split over two lines`).toEqual([]);
        } finally {
          await page.close();
        }
      }
    };
    await Promise.all(Array.from({ length: 5 }, checkNext));
    const shared = [...titles].filter(([, paths]) => paths.length > 1);
    expect(shared, 'pages with the same <title>').toEqual([]);
  }, 300_000);

  it('[wsref] the home page renders, and a screenshot is saved', async () => {
    const { page } = await visit('/');
    try {
      await expect.poll(() => page.locator('article h1').first().innerText()).toContain('WebSocket');
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotDir, 'home.png') });
    } finally {
      await page.close();
    }
  });

  it('[wsref] the states page renders its Mermaid diagram as SVG', async () => {
    const { page } = await visit('/states/');
    try {
      const diagram = page.locator('.docusaurus-mermaid-container svg').first();
      await diagram.waitFor({ state: 'visible', timeout: 15_000 });
      expect(await diagram.locator('g').count()).toBeGreaterThan(3);
      // The state machine's four states are drawn.
      const drawn = await page.locator('.docusaurus-mermaid-container').first().innerText();
      for (const state of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) expect(drawn).toContain(state);
      await page.evaluate("document.querySelector('.docusaurus-mermaid-container').scrollIntoView({ block: 'center' })");
      await page.screenshot({ path: path.join(screenshotDir, 'states.png') });
    } finally {
      await page.close();
    }
  });

  it('[wsref] the closing page has a status code table with every registered code 1000–1015', async () => {
    const { page } = await visit('/closing/');
    try {
      const table = page.locator('article table').filter({ hasText: 'TLS Handshake' }).first();
      const firstCells = (await table.locator('tbody tr td:first-child').allInnerTexts()).map((t) => t.trim());
      for (let code = 1000; code <= 1015; code++) expect(firstCells).toContain(String(code));
    } finally {
      await page.close();
    }
  });

  it('[wsref] every RFC section citation of the built pages links to that section of the RFC it means, listed in the RFC\'s sections', () => {
    const links = pages.filter((p) => p !== '/search/').flatMap((p) => citationLinks(builtHtml(siteDir, p), p));
    const citations = links.filter((l) => l.text.includes('§'));
    expect(citations.length).toBeGreaterThan(500);
    // A sample of 20 spread over the whole site, then every one: each names the right anchor.
    const step = Math.floor(citations.length / 20);
    const sample = Array.from({ length: 20 }, (_, i) => citations[i * step]!);
    expect(new Set(sample.map((l) => l.page)).size).toBeGreaterThan(5);
    for (const link of [...sample, ...citations]) expect(citationProblem(link), `${link.page}: ${link.text} → ${link.href}`).toBeUndefined();
    for (const rfc of [6455, 7692]) expect(citations.some((l) => l.href.includes(`/rfc${rfc}#section-`)), `RFC ${rfc}`).toBe(true);
    const on = (page: string, text: string) => citations.filter((l: CitationLink) => l.page === page && l.text === text).map((l) => l.href);
    expect(on('/closing/', '§7.4.1')).toContain('https://www.rfc-editor.org/rfc/rfc6455#section-7.4.1');
    expect(on('/extensions-comparison/', 'RFC 7692 §6')).toContain('https://www.rfc-editor.org/rfc/rfc7692#section-6');
  });

  it('[wsref] the draft names in the compression history link to their datatracker pages', () => {
    const drafts = citationLinks(builtHtml(siteDir, '/extensions/'), '/extensions/').filter((l) => l.href.startsWith('https://datatracker.ietf.org/'));
    for (const name of ['draft-tyoshino-hybi-websocket-perframe-deflate', 'draft-ietf-hybi-permessage-compression']) {
      expect(drafts).toContainEqual(expect.objectContaining({ text: name, href: `https://datatracker.ietf.org/doc/html/${name}` }));
    }
    for (const link of drafts) expect(link.href).toBe(`https://datatracker.ietf.org/doc/html/${link.text}`);
  });

  it('[wsref] citations are linked in prose only: none inside code, headings or another link, and none left unlinked in paragraphs', async () => {
    for (const pathname of ['/', '/closing/', '/extensions/', '/security/', '/security-defences/', '/states/', '/conformance/traceability/']) {
      const { page } = await visit(pathname);
      try {
        expect(await page.locator('article :is(h1, h2, h3, h4, h5, h6, code, pre) a:not(.hash-link)').count(), pathname).toBe(0);
        expect(await page.locator('article a a').count(), pathname).toBe(0);
        // (Diagram labels are drawn text, not prose: Mermaid's paragraphs are left out.)
        const unlinked = (await page.evaluate(`[...document.querySelectorAll('article p, article li, article td')].filter((e) => !e.closest('svg, .docusaurus-mermaid-container')).map((e) => {
          const copy = e.cloneNode(true);
          copy.querySelectorAll('a, code, ul, ol').forEach((x) => x.remove());
          // Sections of other RFCs (RFC 6066 §3) are not ours to link.
          const prose = copy.textContent.replace(/RFC (?!6455|7692|8441)\\d{4} §\\s?\\d+(\\.\\d+)*/g, '');
          return (prose.match(/§\\s?\\d+(\\.\\d+)*/g) || []).join(' ');
        }).filter(Boolean)`)) as string[];
        expect(unlinked, pathname).toEqual([]);
      } finally {
        await page.close();
      }
    }
    // Headings keep their text and anchors: a citation in a heading stays plain.
    const { page } = await visit('/security-defences/');
    try {
      const heading = page.locator('article h2', { hasText: 'RFC 7692 §8' });
      expect(await heading.count()).toBe(1);
      expect(await heading.locator('a[href*="rfc-editor"]').count()).toBe(0);
    } finally {
      await page.close();
    }
  });

  it('[wsref] the closing page\'s frame diagram fits its column on a desktop screen (nothing cut off at the right)', async () => {
    const { page } = await visit('/closing/');
    try {
      const diagram = page.locator('article pre', { hasText: '88 0f 03 e8' }).first();
      const [scrollWidth, clientWidth] = await diagram.evaluate((e: { scrollWidth: number; clientWidth: number }) => [e.scrollWidth, e.clientWidth]);
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    } finally {
      await page.close();
    }
  });

  it('[wsref] "The protocol" in the navbar is highlighted on the protocol\'s pages only', async () => {
    const highlighted = async (pathname: string) => {
      const { page } = await visit(pathname);
      try {
        return await page.locator('.navbar__items a.navbar__link--active').allInnerTexts();
      } finally {
        await page.close();
      }
    };
    for (const pathname of ['/', '/states/', '/closing/']) expect(await highlighted(pathname), pathname).toEqual(['The protocol']);
    expect(await highlighted('/tutorials/chat/')).toEqual(['Tutorials']);
    expect(await highlighted('/inspector/')).toEqual(['Frame inspector']);
    expect(await highlighted('/conformance/traceability/')).toEqual(['Conformance']);
  });

  it('[wsref] the navbar and the tutorials lead to the live demos, the demo pages lead back to the docs, and /demo/favicon.ico is served', async () => {
    const { page } = await visit('/');
    try {
      await page.locator('.navbar__item.dropdown', { hasText: 'Live demos' }).hover();
      await page.locator('.dropdown__menu a', { hasText: 'Chat room' }).click();
      await page.waitForURL('**/demo/chat.html');
      expect(await page.locator('h1').innerText()).toBe('Chat');
      // Back to the documentation from the demo.
      await page.locator('nav.site-nav a', { hasText: 'Chat tutorial' }).click();
      await page.waitForURL('**/tutorials/chat/');
      await page.locator('article a[href="/demo/chat.html"]').first().waitFor();
      await page.goto(new URL('/tutorials/echo-server/', demo.url).href);
      // A link in the text opens the demo in a new tab; follow it here.
      expect(await page.locator('article a[href="/demo/echo.html"]').count()).toBeGreaterThan(0);
      await page.goto(new URL('/demo/echo.html', demo.url).href);
      expect(await page.locator('h1').innerText()).toBe('Echo');
      expect(await page.locator('nav.site-nav a[href="/"]').count()).toBe(1);
    } finally {
      await page.close();
    }
    for (const demoPage of ['/demo/', '/demo/chat.html', '/demo/echo.html']) {
      const visited = await visit(demoPage);
      try {
        expect(visited.status, demoPage).toBe(200);
        expect(visited.consoleErrors, demoPage).toEqual([]); // a missing favicon would be a 404 here
        const backLinks = await visited.page.locator('nav.site-nav a').evaluateAll((as: { getAttribute(name: string): string | null }[]) => as.map((a) => a.getAttribute('href') ?? ''));
        expect(backLinks, demoPage).toContain('/');
        for (const href of backLinks) expect((await visited.page.request.get(new URL(href, demo.url).href)).status(), `${demoPage} → ${href}`).toBe(200);
        expect(await visited.page.locator('link[rel="icon"]').getAttribute('href'), demoPage).toBe('favicon.ico');
      } finally {
        await visited.page.close();
      }
    }
    const icon = await fetch(new URL('/demo/favicon.ico', demo.url));
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    expect([...new Uint8Array(await icon.arrayBuffer()).subarray(0, 4)]).toEqual([0, 0, 1, 0]); // an ICO header
  }, 90_000);

  it('[wsref] the traceability page links a requirement\'s test to the line of its it() call on the test\'s own page', async () => {
    const { page } = await visit('/conformance/traceability/');
    let href: string;
    try {
      const row = page.locator('article tr', { hasText: '6455-5.5.1-1' }).first();
      const link = row.locator('a[href^="/conformance/tests/"]').first();
      href = (await link.getAttribute('href'))!;
      expect(href).toMatch(/^\/conformance\/tests\/.+\/#L\d+$/);
      expect(await link.innerText()).toMatch(/^spec-tests\/.+\.test\.ts:\d+$/);
    } finally {
      await page.close();
    }
    const source = await visit(href);
    try {
      expect(source.status).toBe(200);
      const [file, line] = href.split('#');
      const lineText = await source.page.locator(`#${line}`).innerText();
      expect(lineText).toMatch(/\b(it|test)(\.\w+)*(\(.*\))?\(/);
      expect(await source.page.locator('h1').innerText()).toMatch(new RegExp(`^spec-tests${file!.replace('/conformance/tests', '').replace(/\/$/, '')}\\.test\\.ts$`));
    } finally {
      await source.page.close();
    }
  });

  describe('the frame inspector', () => {
    let page: Page;

    beforeAll(async () => {
      ({ page } = await visit('/inspector/'));
      await page.locator('[data-testid="frame-inspector"]').waitFor();
    });

    afterAll(async () => {
      await page?.close();
    });

    /** The value cell of a field row in frame `index` of the inspected bytes. */
    const field = (name: string, index = 0) =>
      page.locator('[data-testid="frames"] [data-testid="frame"]').nth(index).locator(`tr[data-field="${name}"] [data-value]`);
    const receiver = () => page.locator('[data-testid="receiver"]');

    it('[wsref] decodes the RFC 6455 §5.7 single-frame unmasked "Hello": text opcode, FIN, no mask, length 5', async () => {
      await page.click('[data-testid="example-unmasked-hello"]');
      expect(await page.inputValue('[data-testid="hex-input"]')).toBe('81 05 48 65 6c 6c 6f');
      expect(await field('FIN').innerText()).toBe('1');
      expect(await field('opcode').innerText()).toBe('0x1');
      expect(await field('MASK').innerText()).toBe('0');
      expect(await field('Payload len').innerText()).toBe('5');
      expect(await field('Payload data').innerText()).toBe('"Hello"');
      expect(await receiver().locator('[data-testid="decoded-text"]').innerText()).toBe('"Hello"');
      expect(await receiver().getAttribute('data-close-code')).toBe('');
    });

    it('[wsref] decodes the RFC 6455 §5.7 masked "Hello": mask bit, key 37 fa 21 3d, payload unmasked to "Hello"', async () => {
      await page.click('[data-testid="example-masked-hello"]');
      expect(await field('MASK').innerText()).toBe('1');
      expect(await field('Masking-key').innerText()).toBe('37 fa 21 3d');
      expect(await field('Payload len').innerText()).toBe('5');
      expect(await field('Payload data').innerText()).toBe('"Hello"');
      expect(await receiver().locator('[data-testid="decoded-text"]').innerText()).toBe('"Hello"');
      // The inspector from its tabs down to the decoded payload (a full-page shot would repeat the sticky navbar).
      await page.setViewportSize({ width: 1280, height: 1500 });
      await page.evaluate("document.querySelector('[data-testid=\"frame-inspector\"]').scrollIntoView({ block: 'start' }); window.scrollBy(0, -70)");
      await page.mouse.move(0, 0);
      await page.screenshot({ path: path.join(screenshotDir, 'inspector.png') });
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it('[wsref] decodes the RFC 6455 §5.7 fragmented message: a text frame without FIN, then a continuation frame, delivered as "Hello"', async () => {
      await page.click('[data-testid="example-fragmented"]');
      expect(await field('FIN', 0).innerText()).toBe('0');
      expect(await field('opcode', 0).innerText()).toBe('0x1');
      expect(await field('FIN', 1).innerText()).toBe('1');
      expect(await field('opcode', 1).innerText()).toBe('0x0');
      expect(await field('Payload data', 1).innerText()).toBe('"lo"');
      expect(await receiver().locator('[data-testid="decoded-text"]').innerText()).toBe('"Hello"');
    });

    it('[wsref] decodes the RFC 6455 §5.7 ping, and the receiver answers with a pong carrying "Hello"', async () => {
      await page.click('[data-testid="example-ping"]');
      expect(await field('opcode').innerText()).toBe('0x9');
      expect(await field('Application data').innerText()).toBe('"Hello"');
      const reply = receiver().locator('[data-testid="frame"]').first();
      expect(await reply.getAttribute('data-opcode')).toBe(String(0xa));
    });

    it('[wsref] decodes the RFC 6455 §5.7 256-byte and 64 KiB binary headers: 16-bit and 64-bit extended lengths', async () => {
      await page.click('[data-testid="example-binary-256"]');
      expect(await field('opcode').innerText()).toBe('0x2');
      expect(await field('Payload len').innerText()).toBe('126');
      expect(await field('Extended payload length').innerText()).toBe('256');
      expect(await page.locator('[data-testid="awaiting"]').innerText()).toContain('256 more bytes');
      await page.click('[data-testid="example-binary-64k"]');
      expect(await field('Payload len').innerText()).toBe('127');
      expect(await field('Extended payload length').innerText()).toBe('65536');
    });

    it('[wsref] inflates RFC 7692 §7.2.3.1\'s compressed "Hello" with permessage-deflate in the browser (pako)', async () => {
      await page.click('[data-testid="example-compressed-hello"]');
      expect(await page.inputValue('[data-testid="compression"]')).toBe('permessage-deflate');
      expect(await field('RSV1').innerText()).toBe('1');
      expect(await receiver().locator('[data-testid="decoded-text"]').innerText()).toBe('"Hello"');
    });

    it('[wsref] an unmasked frame pasted as client → server fails the connection with 1002 and names the masking rule', async () => {
      await page.click('[data-testid="mode-paste"]');
      await page.selectOption('[data-testid="compression"]', 'none');
      await page.fill('[data-testid="hex-input"]', '81 05 48 65 6c 6c 6f');
      await page.check('[data-testid="sender-client"]');
      await expect.poll(() => receiver().getAttribute('data-close-code')).toBe('1002');
      expect(await page.locator('[data-testid="failure"]').innerText()).toMatch(/1002[\s\S]*Protocol Error[\s\S]*unmasked frame from client/);
      expect(await page.locator('tr[data-field="MASK"]').first().innerText()).toContain('a client must mask every frame');
    });

    it('[wsref] builds a message with the core: two fragments with permessage-deflate carry RSV1 on the first frame only', async () => {
      await page.click('[data-testid="mode-build"]');
      await page.check('[data-testid="kind-text"]');
      await page.check('[data-testid="sender-client"]');
      await page.fill('[data-testid="message-input"]', 'Hello, Hello, Hello!');
      await page.fill('[data-testid="fragments"]', '2');
      await page.selectOption('[data-testid="compression"]', 'permessage-deflate');
      await expect.poll(() => page.locator('[data-testid="frames"] [data-testid="frame"]').count()).toBe(2);
      expect(await field('RSV1', 0).innerText()).toBe('1');
      expect(await field('RSV1', 1).innerText()).toBe('0');
      expect(await field('Masking-key', 0).innerText()).toBe('37 fa 21 3d');
      expect(await receiver().locator('[data-testid="decoded-text"]').innerText()).toBe('"Hello, Hello, Hello!"');
    });

    it('[wsref] the live panel exchanges a message with the server\'s /echo, with permessage-deflate negotiated', async () => {
      await page.click('[data-testid="live-connect"]');
      await page.locator('[data-testid="live-panel"][data-status="open"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('[data-testid="live-extensions"]').innerText()).toContain('permessage-deflate');
      await page.fill('[data-testid="live-input"]', 'hello from the docs');
      await page.click('[data-testid="live-send"]');
      await expect.poll(() => page.locator('[data-testid="live-received"]').first().innerText().catch(() => ''), { timeout: 10_000 }).toBe('"hello from the docs"');
      const exchange = page.locator('[data-testid="live-exchange"]').first();
      expect(await exchange.locator('[data-testid="frame"]').count()).toBe(2);
    });
  });
});
