// The wsref server under test: the public API exactly as an application uses it, an HTTP
// server with a WebSocket endpoint inside, echoing every message with `session.send`.
// No benchmark-only fast paths. BENCH_DEFLATE=1 turns on permessage-deflate (RFC 7692)
// with the parameters in ../shared.ts. The two text echoes (see TextEcho) are two endpoints on
// the one HTTP server, as an application would route them: `/string` keeps the default (text
// arrives as a string and goes back as one: a decode and an encode), every other path —
// `/bytes` — has `textAs: 'bytes'` (text arrives as its validated UTF-8 and goes back with
// `send(data, { binary: false })`: no decode, no re-encode), like ws's `send(data, { binary })`.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SESSION_OPTIONS, RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer } from '../../src/index.js';
import { WSREF_DEFLATE } from '../shared.js';
import { serveHarness } from './control.js';
import { echoEveryMessage } from './wsref-echo-handler.js';

const deflate = process.env.BENCH_DEFLATE === '1';

// The HTTP timeouts wsref's docs recommend (a bounded request head), as an application would set them.
const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (_request, response) => response.end('wsref benchmark server\n'));
const compression = deflate ? { perMessageDeflate: WSREF_DEFLATE } : {};
// The first endpoint whose path matches takes the upgrade: /string here, everything else below.
const stringEcho = new WebSocketServer({ server, path: '/string', ...compression });
const bytesEcho = new WebSocketServer({ server, textAs: 'bytes', ...compression });
const echoedStrings = echoEveryMessage(stringEcho);
const echoedBytes = echoEveryMessage(bytesEcho);
/** Whether the src/ this runs on has the option (a --baseline build may predate it, and then decodes on /bytes too). */
const textBytesApi = 'textAs' in DEFAULT_SESSION_OPTIONS;

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  // `script` tells which build answered: this tree's, or a --baseline build's (../baseline.ts).
  serveHarness(port, { impl: 'wsref', deflate, runner: import.meta.url.endsWith('.js') ? 'tsc output' : 'tsx', textBytesApi, script: import.meta.url }, {
    connections: () => stringEcho.clients.size + bytesEcho.clients.size,
    messages: () => echoedStrings() + echoedBytes(),
  });
});
