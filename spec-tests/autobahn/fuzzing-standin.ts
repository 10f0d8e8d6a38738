// Test helper: a stand-in for the Autobahn|Testsuite fuzzing server (`wstest -m fuzzingserver`)
// speaking the same three URLs — /getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A —
// so the client testee's protocol can be checked without the suite. Its WebSocket side is `ws`,
// with permessage-deflate (RFC 7692) enabled like the real suite's compression cases.

import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';

/** What the stand-in does for one case number. */
export type StandinCase =
  /** Sends these messages, checks each comes back with the same type and content, then closes 1000. */
  | { kind: 'echo'; messages: (string | Buffer)[] }
  /** Accepts the connection and then does nothing at all. */
  | { kind: 'stall' }
  /** Refuses the opening handshake with HTTP 503. */
  | { kind: 'refuse' }
  /**
   * Like the suite's case 3.2: right after the 101 response, a text message, then a frame with
   * RSV2 set (a protocol error, RFC 6455 §5.2), then a ping. The echo of the text message is
   * expected before the testee fails the connection.
   */
  | { kind: 'echo-then-violate'; text: string };

export interface CaseRecord {
  agent: string | null;
  /** All echoes came back, in order, with the right type and content. */
  echoedCorrectly: boolean;
  echoes: { data: Buffer; isBinary: boolean }[];
  /** Extensions the stand-in agreed with the testee (RFC 7692 §5). */
  extensions: string;
  /** Raw cases: every byte the testee sent after the handshake. */
  rawReceived?: Buffer;
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

/** Decodes the first frame a client sent (masked, payload under 126 bytes), if complete. */
function firstClientFrame(bytes: Buffer): { opcode: number; payload: Buffer } | undefined {
  if (bytes.length < 2) return undefined;
  const length = bytes[1]! & 0x7f;
  if ((bytes[1]! & 0x80) === 0 || length > 125 || bytes.length < 6 + length) return undefined;
  const mask = bytes.subarray(2, 6);
  const payload = Buffer.from(bytes.subarray(6, 6 + length).map((byte, i) => byte ^ mask[i % 4]!));
  return { opcode: bytes[0]! & 0x0f, payload };
}

export async function startFuzzingStandin(scenario: StandinCase[]): Promise<FuzzingStandin> {
  const requests: string[] = [];
  const cases = new Map<number, CaseRecord>();
  const reportsUpdatedFor: string[] = [];
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  const sockets = new Set<WebSocket>();
  const rawSockets = new Set<Duplex>();
  const server = http.createServer((_request, response) => {
    response.writeHead(404).end();
  });

  server.on('upgrade', (request, socket, head) => {
    const target = new URL(request.url ?? '/', 'ws://standin');
    requests.push(`${target.pathname}${target.search}`);
    const caseNumber = Number(target.searchParams.get('case'));
    const plan = target.pathname === '/runCase' ? scenario[caseNumber - 1] : undefined;
    const known = ['/getCaseCount', '/updateReports'].includes(target.pathname) || plan !== undefined;
    if (plan?.kind === 'echo-then-violate') {
      const record: CaseRecord = { agent: target.searchParams.get('agent'), echoedCorrectly: false, echoes: [], extensions: '', rawReceived: Buffer.alloc(0) };
      cases.set(caseNumber, record);
      rawSockets.add(socket);
      socket.on('error', () => {});
      socket.on('data', (chunk: Buffer) => {
        record.rawReceived = Buffer.concat([record.rawReceived!, chunk]);
        const first = firstClientFrame(record.rawReceived);
        if (first !== undefined) {
          record.echoedCorrectly = first.opcode === 0x1 && first.payload.toString('utf8') === plan.text;
          if (first.opcode === 0x1) record.echoes = [{ data: first.payload, isBinary: false }];
        }
      });
      socket.on('close', () => rawSockets.delete(socket));
      const accept = createHash('sha1')
        .update(`${String(request.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const text = Buffer.from(plan.text);
      // Separate writes, as the suite makes them (unmasked: server to client, RFC 6455 §5.1).
      socket.write(Buffer.concat([Buffer.from([0x81, text.length]), text]));
      socket.write(Buffer.concat([Buffer.from([0xa1, text.length]), text])); // RSV2 set
      socket.write(Buffer.from([0x89, 0x00])); // ping
      setTimeout(() => socket.end(), 1_000).unref();
      return;
    }
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
        for (const raw of rawSockets) raw.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
