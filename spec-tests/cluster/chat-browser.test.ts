// The chat page (examples/public/chat.js) in Debian's Chromium, through HAProxy, against three
// chat processes sharing Redis (examples/chat-cluster.ts): two people on different processes
// talk; then the process of one of them is killed with SIGKILL, the browser sees the connection
// fail (RFC 6455 §7.2.1, code 1006), and the page reconnects by itself with backoff (§7.2.3)
// through HAProxy to a survivor and rejoins. Skipped loudly without Chromium, redis-server or
// haproxy; fails under CI=true.

import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../examples/chat-cluster.js';
import { browserTestsEnabled, launchChromium } from '../helpers/browser.js';
import { clusterPeersGate } from './peers.js';

declare const document: any;

const enabled = browserTestsEnabled() && clusterPeersGate();

describe.skipIf(!enabled)('the chat page in Chromium through HAProxy, three chat processes', () => {
  let cluster: Cluster;
  let browser: Browser;
  let redis: Redis;

  beforeAll(async () => {
    [cluster, browser] = await Promise.all([startCluster({ processes: 3 }), launchChromium()]);
    redis = new Redis(cluster.redisUrl);
  }, 60_000);

  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await cluster?.stop();
  });

  async function joinAs(name: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${cluster.url}demo/chat.html`);
    await page.fill('#name', name);
    await page.click('#join');
    await page.waitForSelector('#room:not(.hidden)');
    return page;
  }
  const members = (page: Page) => page.$$eval('#members li', (items) => items.map((li) => li.textContent));
  const lines = (page: Page) => page.$$eval('#log li.message .text', (items) => items.map((s) => s.textContent));
  /** The chat process holding `name`, read from Redis. */
  async function processOf(name: string) {
    for (const p of cluster.processes) if ((await redis.smembers(`wsref:{chat}:names:${p.node}`)).includes(name.toLowerCase())) return p;
    return undefined;
  }

  it('[6455-7.2.1-2] two people on different processes chat; when one\'s process is killed, the page reconnects through HAProxy, rejoins, and hears the other again', async () => {
    const ada = await joinAs('Ada');
    const bo = await joinAs('Bo');
    await ada.waitForFunction(() => document.querySelectorAll('#members li').length === 2);
    expect(await members(ada)).toEqual(['Ada', 'Bo']);
    const adaProcess = (await processOf('Ada'))!;
    expect(adaProcess).toBeDefined();
    expect((await processOf('Bo'))?.node, 'HAProxy put them on different processes').not.toBe(adaProcess.node);

    await ada.fill('#text', 'hello from one process');
    await ada.click('#send');
    await bo.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('hello from one process'));

    adaProcess.child.kill('SIGKILL');
    await ada.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Connection lost (code 1006)'), undefined, { timeout: 10_000 });
    // Bo's page hears that Ada left (the survivors sweep the dead process), then that she joined again.
    await bo.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('Ada left.'), undefined, { timeout: 10_000 });
    await bo.waitForFunction(() => [...document.querySelectorAll('#log li.system')].at(-1)?.textContent === 'Ada joined.', undefined, { timeout: 15_000 });
    await ada.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Connected'), undefined, { timeout: 15_000 });
    expect(await members(ada)).toEqual(['Bo', 'Ada']);
    expect((await processOf('Ada'))?.node).not.toBe(adaProcess.node);

    await bo.fill('#text', 'welcome back');
    await bo.click('#send');
    await ada.waitForFunction(() => document.querySelector('#log')?.textContent?.includes('welcome back'));
    expect(await lines(ada)).toEqual(['hello from one process', 'welcome back']); // nothing shown twice
  }, 60_000);
});
