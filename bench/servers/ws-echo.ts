// The `ws` server the benchmark compares against, written the way its README shows:
// `new WebSocketServer({ port })` echoing with `ws.send(data, { binary: isBinary })`. On a
// connection to `/string…` text is echoed the way an application that reads text does it:
// `ws.send(data.toString())`, a UTF-8 decode and a string send (see TextEcho in ../shared.ts).
// Whether ws may use its native helpers is decided by the environment the harness starts
// this process with (WS_NO_BUFFER_UTIL / WS_NO_UTF_8_VALIDATE); the process reports what it
// actually loaded so the table never claims "native" without it.

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { textEchoOf, WS_DEFLATE } from '../shared.js';
import { serveHarness } from './control.js';

const deflate = process.env.BENCH_DEFLATE === '1';
const require = createRequire(import.meta.url);

/** Whether ws's masking goes through the bufferutil addon in this process. */
function bufferutilInUse(): boolean {
  // ws does not export its internals: load the module by its path inside the package.
  const file = path.join(path.dirname(require.resolve('ws')), 'lib', 'buffer-util.js');
  const bufferUtil = require(file) as { mask: (...args: unknown[]) => void };
  return bufferUtil.mask.toString().includes('bufferUtil');
}

function versionOf(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate ? WS_DEFLATE : false });

let echoed = 0;

wss.on('connection', (ws, request) => {
  const decodeText = textEchoOf(request.url) === 'string';
  ws.on('message', (data: Buffer, isBinary) => {
    echoed++;
    if (decodeText && !isBinary) ws.send(data.toString());
    else ws.send(data, { binary: isBinary });
  });
});

wss.on('listening', () => {
  const { port } = wss.address() as AddressInfo;
  serveHarness(
    port,
    {
      impl: 'ws',
      ws: versionOf('ws'),
      deflate,
      bufferutil: bufferutilInUse() ? versionOf('bufferutil') : false,
      // ws validates UTF-8 with Node's buffer.isUtf8 when it exists (Node ≥ 18.14) and then
      // never loads utf-8-validate, with or without WS_NO_UTF_8_VALIDATE.
      utf8: 'buffer.isUtf8',
    },
    { connections: () => wss.clients.size, messages: () => echoed },
  );
});
