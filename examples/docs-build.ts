// `npm start`'s documentation site, built beside the running demo server (RFC 6455 §1.7: one
// port for pages and WebSocket endpoints — the docs are just more pages on it).
//
// A fresh clone has no website/build/, and Docusaurus needs minutes to make one. Rather than keep a
// learner waiting for the first byte, examples/server.ts listens at once and starts this build in
// a child process (scripts/ensure-docs-built.mjs: it builds only when the site is missing or
// older than its sources). While it runs, pages outside /demo/ answer with `docsBuildingPage`,
// which refreshes itself; when it ends, the same URLs serve the site.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where the site stands: being checked or built, served, failed to build, or not wanted (WSREF_SKIP_DOCS_BUILD=1). */
export type DocsState = 'building' | 'ready' | 'failed' | 'skipped';

export interface DocsBuild {
  readonly state: DocsState;
  /** Resolves with 'ready' or 'failed' when the child process ends ('skipped' at once). */
  readonly finished: Promise<DocsState>;
  /** The child's process id (undefined when skipped). */
  readonly pid: number | undefined;
  /** Stops the build and everything it started (npm, Docusaurus): the server is going away. */
  stop(): void;
}

const ENSURE_SCRIPT = fileURLToPath(new URL('../scripts/ensure-docs-built.mjs', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('../', import.meta.url));

/** Starts scripts/ensure-docs-built.mjs for `siteDir` in a child process; its output goes to ours. */
export function startDocsBuild(siteDir: string, log: (line: string) => void): DocsBuild {
  if (process.env.WSREF_SKIP_DOCS_BUILD === '1') {
    log('[docs] WSREF_SKIP_DOCS_BUILD=1: not building the documentation site');
    return { state: 'skipped', finished: Promise.resolve('skipped'), pid: undefined, stop() {} };
  }
  // Its own process group (detached), so that stop() reaches npm and Docusaurus below it too.
  const child = spawn(process.execPath, [ENSURE_SCRIPT], {
    cwd: REPOSITORY,
    env: { ...process.env, WSREF_SITE_DIR: siteDir },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  let state: DocsState = 'building';
  const finished = new Promise<DocsState>((resolve) => {
    const settle = (ok: boolean) => {
      if (state === 'building') state = ok ? 'ready' : 'failed';
      resolve(state);
    };
    child.once('error', (error) => {
      log(`[docs] could not start the documentation build: ${error.message}`);
      settle(false);
    });
    child.once('exit', (code) => settle(code === 0));
  });
  return {
    get state() {
      return state;
    },
    finished,
    pid: child.pid,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // the group is already gone
      }
    },
  };
}

/**
 * The page at every non-demo path while the site is being built: 503 with Retry-After (RFC 9110
 * §15.6.4, §10.2.3) for programs, and for people a note that refreshes itself every 5 s.
 */
export function docsBuildingPage(): { status: number; headers: Record<string, string>; body: string } {
  const body = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="refresh" content="5">
  <title>wsref — the documentation site is being built</title>
</head>
<body>
  <h1>The documentation site is being built</h1>
  <p>This is the first start (or the docs changed): Docusaurus is building the site in the background,
  which takes a few minutes. This page reloads itself every 5 seconds and becomes the site when the build is done;
  the terminal that runs <code>npm start</code> shows the progress.</p>
  <p>The demos work already: the <a href="/demo/chat.html">chat room</a>, the <a href="/demo/echo.html">echo page</a>,
  and the WebSocket endpoints <code>/chat</code> and <code>/echo</code>.</p>
</body>
</html>
`;
  return {
    status: 503,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Retry-After': '5',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    },
    body,
  };
}
