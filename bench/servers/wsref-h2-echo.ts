// The wsref server of the HTTP/2 scenario (../http2-sockets.ts): the same echo as
// ./wsref-echo.ts, but on an HTTP/2 server without TLS (h2c), so every WebSocket arrives as an
// extended CONNECT stream (RFC 8441) rather than an HTTP/1.1 upgrade. No TLS on either side of
// the comparison: the TCP server is ./wsref-echo.ts, plain too.

import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from '../../src/index.js';
import { serveHarness } from './control.js';
import { echoEveryMessage } from './wsref-echo-handler.js';

const server = http2.createServer((_request, response) => response.end('wsref HTTP/2 benchmark server\n'));
const wss = new WebSocketServer({ server });
/** HTTP/2 connections (not streams): the scenario expects one. */
let connections = 0;
server.on('session', (session) => {
  connections++;
  session.once('close', () => connections--);
});

const echoed = echoEveryMessage(wss);

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveHarness(port, { impl: 'wsref', transport: 'h2c', runner: import.meta.url.endsWith('.js') ? 'tsc output' : 'tsx' }, {
    connections: () => wss.clients.size,
    messages: echoed,
    http2Connections: () => connections,
  });
});
