// A small, careful static file handler for the demo server (plain HTTP, RFC 9110 GET/HEAD): the
// WebSocket endpoints share one port with ordinary pages, as the Jetty 7 post insisted ("not
// another separate server"). Several directories can be mounted at URL prefixes; a request is
// served from the longest matching one. Paths are decoded once, resolved, and must stay inside
// their directory (no `..`, no symlinks leading out); only files are served.

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';

/** A directory served under a URL prefix. */
export interface StaticRoot {
  /** URL path prefix, starting and ending with `/`: `/` or `/demo/`. */
  readonly mount: string;
  /** Directory on disk. */
  readonly dir: string;
  /** Extra headers for every response from this root (e.g. a Content-Security-Policy). */
  readonly headers?: Readonly<Record<string, string>>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.wasm': 'application/wasm',
};

/**
 * Serves `request` from the first root (longest mount first) whose mount prefixes its path.
 * Returns false when no root matches (the caller answers). Never throws.
 */
export async function serveStatic(request: http.IncomingMessage, response: http.ServerResponse, roots: readonly StaticRoot[]): Promise<boolean> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  } catch {
    send(response, 400, 'bad request path');
    return true;
  }
  const root = [...roots].sort((a, b) => b.mount.length - a.mount.length).find((r) => pathname.startsWith(r.mount));
  if (!root) return false;
  for (const [name, value] of Object.entries(root.headers ?? {})) response.setHeader(name, value);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(response, 405, 'method not allowed');
    return true;
  }
  if (pathname.includes('\0')) {
    send(response, 400, 'bad request path');
    return true;
  }
  const file = await resolveFile(root, pathname.slice(root.mount.length));
  if (file === 'directory') {
    // A directory without its trailing slash: relative links inside would break.
    response.writeHead(301, { Location: `${pathname}/` }).end();
  } else if (file === undefined) {
    const notFound = await resolveFile(root, '404.html');
    if (typeof notFound === 'object') return streamFile(request, response, notFound, 404);
    send(response, 404, 'not found');
  } else {
    return streamFile(request, response, file, 200);
  }
  return true;
}

/** The file for a path inside a root: a file, 'directory' (needs a slash), or undefined. */
async function resolveFile(root: StaticRoot, relative: string): Promise<{ file: string; size: number } | 'directory' | undefined> {
  try {
    const base = await realpath(root.dir);
    let candidate = path.resolve(base, `.${path.sep}${relative}`);
    if (!isInside(base, candidate)) return undefined;
    let info = await stat(candidate);
    if (info.isDirectory()) {
      if (relative !== '' && !relative.endsWith('/')) return 'directory';
      candidate = path.join(candidate, 'index.html');
      info = await stat(candidate);
    }
    // Symbolic links must not lead out of the root either.
    const real = await realpath(candidate);
    if (!info.isFile() || !isInside(base, real)) return undefined;
    return { file: real, size: info.size };
  } catch {
    return undefined;
  }
}

function isInside(base: string, candidate: string): boolean {
  return candidate === base || candidate.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
}

function streamFile(request: http.IncomingMessage, response: http.ServerResponse, found: { file: string; size: number }, status: number): true {
  const type = CONTENT_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': found.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
  });
  if (request.method === 'HEAD') {
    response.end();
    return true;
  }
  const stream = createReadStream(found.file);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
  return true;
}

function send(response: http.ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end(`${text}\n`);
}
