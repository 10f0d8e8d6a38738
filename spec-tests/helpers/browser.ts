// Test helper: Debian's Chromium driven by playwright-core, as a real browser peer for the demo
// (the browser's own WebSocket, RFC 6455 + permessage-deflate RFC 7692). Never downloads a
// browser. When /usr/bin/chromium is missing the browser tests are skipped with a loud warning
// on a developer machine, and run (and fail) when CI is set.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests should run: always in CI (a missing browser then fails them). */
export function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) return true;
  console.warn(`\n*** SKIPPING the browser tests: ${CHROMIUM_PATH} is not installed (apt-get install chromium). They FAIL when CI is set. ***\n`);
  return false;
}

/** Launches headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A persistent context in a fresh temporary profile; `close` also removes the profile. */
export async function launchPersistentChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'wsref-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
