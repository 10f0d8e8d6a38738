// Autobahn|Testsuite client testee: drives `wstest -m fuzzingserver` through its three URLs —
// /getCaseCount, /runCase?case=N&agent=A (echo every message, RFC 6455 §5.6, until the server
// closes, §7) and /updateReports?agent=A — opening each connection as a client (RFC 6455 §4.1)
// that offers permessage-deflate (RFC 7692 §5).
//
//   npm run autobahn:client -- [--url ws://127.0.0.1:9001] [--agent wsref]
//                              [--case-timeout 120000] [--wait 30000]

import { parseArgs } from 'node:util';
import { connect } from '../src/index.js';
import {
  TESTEE_LIMITS,
  echo,
  isMainModule,
  type TesteeConnect,
  type TesteeSession,
} from './testee-runtime.js';

export const DEFAULT_URL = 'ws://127.0.0.1:9001';
export const DEFAULT_AGENT = 'wsref';
export const DEFAULT_CASE_TIMEOUT_MS = 120_000;
export const DEFAULT_WAIT_MS = 30_000;

export interface FuzzingRunOptions {
  /** Base URL of the fuzzing server, e.g. ws://127.0.0.1:9001 */
  url: string;
  /** Name under which the suite files the results. */
  agent: string;
  connect: TesteeConnect;
  /** Longest one case may take, from connecting to the close; then the run moves on. */
  caseTimeoutMs: number;
  /** How long to keep retrying /getCaseCount while the fuzzing server starts up. */
  waitMs: number;
  log: (line: string) => void;
}

export interface FuzzingRunSummary {
  caseCount: number;
  /** Cases that had not closed when their time ran out. */
  timedOut: number[];
  /** Cases whose opening handshake failed. */
  connectFailed: number[];
}

/** How one connection to the fuzzing server ended. */
type SessionEnd =
  | { kind: 'closed'; code: number | undefined }
  | { kind: 'timeout' }
  | { kind: 'connect-failed'; error: unknown };

/**
 * Opens `url`, hands every message to `onMessage`, and waits for the close — at most
 * `timeoutMs` in all, so one stuck case cannot hang the run.
 */
function runSession(
  url: string,
  connectTo: TesteeConnect,
  timeoutMs: number,
  onMessage: (session: TesteeSession, data: string | Uint8Array) => void,
): Promise<SessionEnd> {
  return new Promise<SessionEnd>((resolve) => {
    let settled = false;
    let session: TesteeSession | undefined;
    const finish = (end: SessionEnd): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(end);
    };
    const timer = setTimeout(() => {
      // Ask for a close so the peer is not left waiting; do not wait for it.
      if (session !== undefined) {
        try {
          session.close();
        } catch {
          // already closing
        }
      }
      finish({ kind: 'timeout' });
    }, timeoutMs);

    connectTo(url, TESTEE_LIMITS).then(
      (opened) => {
        session = opened;
        if (settled) {
          // The case already timed out while the handshake was still going on.
          opened.close();
          return;
        }
        opened.on('message', (data: string | Uint8Array) => onMessage(opened, data));
        opened.on('close', (code?: number) => finish({ kind: 'closed', code }));
        opened.on('error', () => {});
      },
      (error: unknown) => finish({ kind: 'connect-failed', error }),
    );
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks the fuzzing server how many cases it has, retrying while it starts up. */
export async function fetchCaseCount(options: FuzzingRunOptions): Promise<number> {
  const url = `${options.url}/getCaseCount`;
  const giveUpAt = Date.now() + options.waitMs;
  for (;;) {
    let reply: string | undefined;
    const end = await runSession(url, options.connect, options.caseTimeoutMs, (_session, data) => {
      reply = typeof data === 'string' ? data : new TextDecoder().decode(data);
    });
    if (reply !== undefined) {
      const count = Number(reply.trim());
      if (!Number.isInteger(count) || count < 1) {
        throw new Error(`the fuzzing server answered /getCaseCount with ${JSON.stringify(reply)}`);
      }
      return count;
    }
    // Not listening yet, or closed before answering: the server may still be starting up.
    if (end.kind === 'timeout' || Date.now() >= giveUpAt) {
      const why =
        end.kind === 'connect-failed'
          ? String(end.error)
          : end.kind === 'closed'
            ? 'the server closed without sending it'
            : `no answer within ${options.caseTimeoutMs} ms`;
      throw new Error(`no case count from ${url}: ${why}`);
    }
    await sleep(500);
  }
}

/** Runs every case once, in order, echoing; then asks the suite to write its reports. */
export async function runFuzzingCases(options: FuzzingRunOptions): Promise<FuzzingRunSummary> {
  const caseCount = await fetchCaseCount(options);
  const agent = encodeURIComponent(options.agent);
  const summary: FuzzingRunSummary = { caseCount, timedOut: [], connectFailed: [] };

  for (let caseNumber = 1; caseNumber <= caseCount; caseNumber += 1) {
    options.log(`case ${caseNumber} of ${caseCount}`);
    const url = `${options.url}/runCase?case=${caseNumber}&agent=${agent}`;
    const end = await runSession(url, options.connect, options.caseTimeoutMs, echo);
    if (end.kind === 'timeout') {
      summary.timedOut.push(caseNumber);
      options.log(`case ${caseNumber}: no close within ${options.caseTimeoutMs} ms, moving on`);
    } else if (end.kind === 'connect-failed') {
      summary.connectFailed.push(caseNumber);
      options.log(`case ${caseNumber}: handshake failed: ${String(end.error)}`);
    }
  }

  const update = await runSession(
    `${options.url}/updateReports?agent=${agent}`,
    options.connect,
    options.caseTimeoutMs,
    () => {},
  );
  if (update.kind !== 'closed') {
    throw new Error(`/updateReports did not complete (${update.kind})`);
  }
  options.log(`reports updated for agent ${options.agent}`);
  return summary;
}

export function parseClientArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Pick<FuzzingRunOptions, 'url' | 'agent' | 'caseTimeoutMs' | 'waitMs'> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      agent: { type: 'string' },
      'case-timeout': { type: 'string' },
      wait: { type: 'string' },
    },
    strict: true,
  });
  const milliseconds = (text: string, name: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`invalid ${name}: ${text}`);
    return value;
  };
  const url = (values.url ?? env.AUTOBAHN_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  if (!/^wss?:\/\//.test(url)) throw new RangeError(`not a ws:// or wss:// URL: ${url}`);
  return {
    url,
    agent: values.agent ?? env.AUTOBAHN_AGENT ?? DEFAULT_AGENT,
    caseTimeoutMs: milliseconds(values['case-timeout'] ?? String(DEFAULT_CASE_TIMEOUT_MS), '--case-timeout'),
    waitMs: milliseconds(values.wait ?? String(DEFAULT_WAIT_MS), '--wait'),
  };
}

async function main(): Promise<void> {
  const settings = parseClientArgs(process.argv.slice(2), process.env);
  const summary = await runFuzzingCases({ ...settings, connect, log: (line) => console.log(line) });
  const troubled = summary.timedOut.length + summary.connectFailed.length;
  console.log(
    `ran ${summary.caseCount} cases` +
      (troubled > 0
        ? `; timed out: [${summary.timedOut.join(', ')}], handshake failed: [${summary.connectFailed.join(', ')}]`
        : ''),
  );
}

if (isMainModule(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
