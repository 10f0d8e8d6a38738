// The wsref server under test: the public API exactly as an application uses it, an HTTP
// server with a WebSocket endpoint inside, echoing every message with `session.send`.
// No benchmark-only fast paths. BENCH_DEFLATE=1 turns on permessage-deflate (RFC 7692)
// with the parameters in ../shared.ts. wsref hands every text message to the application as
// a decoded string (it has no bytes-text API yet), so both text echoes (`/bytes` and
// `/string`, see TextEcho) take the same path here: decode, then send the string.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, WebSocketServer } from '../../src/index.js';
import { WSREF_DEFLATE } from '../shared.js';
import { serveHarness } from './control.js';
import { echoEveryMessage } from './wsref-echo-handler.js';

const deflate = process.env.BENCH_DEFLATE === '1';

// The HTTP timeouts wsref's docs recommend (a bounded request head), as an application would set them.
const server = http.createServer({ ...RECOMMENDED_HTTP_SERVER_OPTIONS }, (_request, response) => response.end('wsref benchmark server\n'));
const wss = new WebSocketServer({ server, ...(deflate ? { perMessageDeflate: WSREF_DEFLATE } : {}) });
const echoed = echoEveryMessage(wss);

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  // `script` tells which build answered: this tree's, or a --baseline build's (../baseline.ts).
  serveHarness(port, { impl: 'wsref', deflate, runner: import.meta.url.endsWith('.js') ? 'tsc output' : 'tsx', textBytesApi: false, script: import.meta.url }, {
    connections: () => wss.clients.size,
    messages: echoed,
  });
});
