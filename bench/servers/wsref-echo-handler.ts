// The echo both wsref benchmark servers run (./wsref-echo.ts over HTTP/1.1, ./wsref-h2-echo.ts
// over HTTP/2): every message goes straight back with `session.send`, its type kept, through the
// public API an application uses. Counts what it echoed, for CPU per message (./control.ts).

import type { WebSocketServer } from '../../src/index.js';

/** Echoes every message of every session of `wss`; returns the count of messages echoed so far. */
export function echoEveryMessage(wss: WebSocketServer): () => number {
  let echoed = 0;
  wss.on('connection', (session) => {
    session.on('message', (data, isBinary) => {
      echoed++;
      session.send(data, { binary: isBinary });
    });
  });
  return () => echoed;
}
