// Test helper: a stand-in for the Autobahn|Testsuite fuzzing server (`wstest -m fuzzingserver`)
// speaking the same three URLs — /getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A —
// so the client testee's protocol can be checked without the suite. Its WebSocket side is `ws`,
// with permessage-deflate (RFC 7692) enabled like the real suite's compression cases.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** What the stand-in does for one case number. */
export type StandinCase =
  /** Sends these messages, checks each comes back with the same type and content, then closes 1000. */
  | { kind: 'echo'; messages: (string | Buffer)[] }
  /** Accepts the connection and then does nothing at all. */
  | { kind: 'stall' }
  /** Refuses the opening handshake with HTTP 503. */
  | { kind: 'refuse' };

export interface CaseRecord {
  agent: string | null;
  /** All echoes came back, in order, with the right type and content. */
  echoedCorrectly: boolean;
  echoes: { data: Buffer; isBinary: boolean }[];
  /** Extensions the stand-in agreed with the testee (RFC 7692 §5). */
  extensions: string;
}

export interface FuzzingStandin {
  url: string;
  /** Request paths in arrival order, e.g. "/runCase?case=1&agent=wsref". */
  requests: string[];
  cases: Map<number, CaseRecord>;
  reportsUpdatedFor: string[];
  close(): Promise<void>;
}

function sameMessage(sent: string | Buffer, echo: { data: Buffer; isBinary: boolean }): boolean {
  return typeof sent === 'string'
    ? !echo.isBinary && echo.data.toString('utf8') === sent
    : echo.isBinary && echo.data.equals(sent);
}

export async function startFuzzingStandin(scenario: StandinCase[]): Promise<FuzzingStandin> {
  const requests: string[] = [];
  const cases = new Map<number, CaseRecord>();
  const reportsUpdatedFor: string[] = [];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const sockets = new Set<WebSocket>();
  const server = http.createServer((_request, response) => {
    response.writeHead(404).end();
  });

  server.on('upgrade', (request, socket, head) => {
    const target = new URL(request.url ?? '/', 'ws://standin');
    requests.push(`${target.pathname}${target.search}`);
    const caseNumber = Number(target.searchParams.get('case'));
    const plan = target.pathname === '/runCase' ? scenario[caseNumber - 1] : undefined;
    const known = ['/getCaseCount', '/updateReports'].includes(target.pathname) || plan !== undefined;
    if (!known || plan?.kind === 'refuse') {
      socket.end(`HTTP/1.1 ${known ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => {});
      if (target.pathname === '/getCaseCount') {
        ws.send(String(scenario.length));
        ws.close(1000);
      } else if (target.pathname === '/updateReports') {
        reportsUpdatedFor.push(target.searchParams.get('agent') ?? '');
        ws.close(1000);
      } else if (plan?.kind === 'echo') {
        const record: CaseRecord = {
          agent: target.searchParams.get('agent'),
          echoedCorrectly: false,
          echoes: [],
          extensions: ws.extensions,
        };
        cases.set(caseNumber, record);
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          record.echoes.push({ data, isBinary });
          if (record.echoes.length === plan.messages.length) {
            record.echoedCorrectly = plan.messages.every((sent, i) => sameMessage(sent, record.echoes[i]!));
            ws.close(1000);
          }
        });
        for (const message of plan.messages) ws.send(message, { binary: typeof message !== 'string' });
      } else {
        cases.set(caseNumber, { agent: target.searchParams.get('agent'), echoedCorrectly: false, echoes: [], extensions: ws.extensions });
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    requests,
    cases,
    reportsUpdatedFor,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
