// RFC 6455 §5–§7 at soak scale: 10,000 concurrent echoing connections from several client
// processes (none lost, slowloris handshakes dropped meanwhile), peers that vanish without a
// close frame (a client process killed with SIGKILL, and in-process terminations: 1006,
// resources freed), wss.close() under load (1001 for every session), and a client reconnecting
// to a server restarted 20 times.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RECOMMENDED_HTTP_SERVER_OPTIONS, type Session } from '../src/index.js';
import { activeResources, addSwarmResults, countLeaked, emptySwarmResult, reconnectLoop, settleHandles, vanishingPeers } from '../spec-tests/robustness/load-kit.js';
import { Resources, withTimeout } from '../spec-tests/helpers/node-peers.js';
import { startEchoServer, type EchoServer } from '../spec-tests/robustness/net-kit.js';
import type { ClientCommand, ClientReport } from './load-client.js';
import type { SoakReport } from './report.js';
import { slowlorisCheck } from './slowloris.js';

const CLIENT_SCRIPT = fileURLToPath(new URL('./load-client.ts', import.meta.url));

/** One client process of the swarm, driven over IPC. */
class ClientProcess {
  private readonly child: ChildProcess;
  private readonly waiting: Array<(report: ClientReport) => void> = [];
  readonly exited: Promise<number | null>;

  constructor() {
    this.child = fork(CLIENT_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (report: ClientReport) => this.waiting.shift()?.(report));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  request<T extends ClientReport['type']>(command: ClientCommand, type: T, ms = 300_000): Promise<Extract<ClientReport, { type: T }>> {
    const answer = new Promise<ClientReport>((resolve, reject) => {
      this.waiting.push(resolve);
      void this.exited.then((code) => reject(new Error(`client process exited (${code}) before answering ${command.cmd}`)));
    });
    this.child.send(command);
    return withTimeout(answer, ms, `client process answering ${command.cmd}`).then((report) => {
      if (report.type !== type) throw new Error(`expected ${type}, got ${report.type}`);
      return report as Extract<ClientReport, { type: T }>;
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  async exit(): Promise<void> {
    this.child.disconnect();
    await withTimeout(this.exited, 10_000, 'client process exit');
  }
}

/** Collects the close codes the server reports for its sessions. */
function watchServerCloses(echo: EchoServer): { codes: Record<number, number>; count: () => number } {
  const codes: Record<number, number> = {};
  let closed = 0;
  echo.wss.on('connection', (session: Session) => {
    session.once('close', (code) => {
      codes[code] = (codes[code] ?? 0) + 1;
      closed++;
    });
  });
  return { codes, count: () => closed };
}

async function waitFor(condition: () => boolean, ms: number, label: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Leaked handles of the server process: settled, counted, recorded. */
async function serverLeaks(report: SoakReport, phase: string, baseline: Record<string, number>): Promise<void> {
  const leaked = await settleHandles(baseline, 15_000);
  report.handlesLeaked += countLeaked(leaked);
  report.check(phase, 'no handle leaked in the server process', countLeaked(leaked) === 0, JSON.stringify(leaked));
}

/** Reports and stops client processes: their peak RSS and leaked handles go into the totals. */
async function finishClients(report: SoakReport, phase: string, clients: ClientProcess[]): Promise<void> {
  let leakedTotal = 0;
  const kinds: Record<string, number>[] = [];
  for (const client of clients) {
    const r = await client.request({ cmd: 'report' }, 'report');
    report.peakRssClients = Math.max(report.peakRssClients, r.peakRss);
    leakedTotal += r.leakedHandles;
    if (r.leakedHandles > 0) kinds.push(r.leaked);
    await client.exit();
  }
  report.handlesLeaked += leakedTotal;
  report.check(phase, 'no handle leaked in the client processes', leakedTotal === 0, `${leakedTotal} ${JSON.stringify(kinds)}`);
}

export async function swarmPhase(report: SoakReport, connections: number, processes: number, messagesPerConnection: number, slowloris: number): Promise<void> {
  const phase = `${connections} connections`;
  const resources = new Resources();
  // Created as every server wsref ships is: a trickled handshake is dropped within 11 s.
  const echo = await startEchoServer(resources, { closeTimeout: 30_000 }, { ...RECOMMENDED_HTTP_SERVER_OPTIONS });
  const baseline = activeResources();
  const serverCloses = watchServerCloses(echo);
  const clients = Array.from({ length: processes }, () => new ClientProcess());
  try {
    const share = Math.ceil(connections / processes);
    const started = Date.now();
    const opened = await Promise.all(clients.map((c, i) => c.request({ cmd: 'open', url: echo.url, count: Math.min(share, connections - i * share) }, 'opened')));
    const openedTotal = opened.reduce((n, o) => n + o.opened, 0);
    const held = echo.wss.clients.size;
    report.connectionsHeld = Math.max(report.connectionsHeld, held);
    report.check(phase, `all ${connections} opened and held at once`, openedTotal === connections && held === connections, `${openedTotal} opened in ${((Date.now() - started) / 1000).toFixed(1)} s, ${held} held by the server${opened.flatMap((o) => o.errors).slice(0, 3).join('; ')}`);
    // RFC 6455 §10.7: slow handshakes must not hold sockets while the server is full of sessions.
    if (slowloris > 0) await slowlorisCheck(report, phase, echo, slowloris);

    const results = await Promise.all(clients.map((c) => c.request({ cmd: 'echo', messages: messagesPerConnection, size: 128 }, 'echoed')));
    const total = results.reduce((acc, r) => addSwarmResults(acc, r.result), emptySwarmResult());
    report.messagesSent += total.sent;
    report.messagesReceived += total.received;
    report.messagesLost += total.lost;
    report.check(phase, 'every message echoed intact and in order', total.lost === 0 && total.corrupted === 0 && total.sent === openedTotal * messagesPerConnection, `sent ${total.sent}, received ${total.received}, lost ${total.lost}, corrupted ${total.corrupted}`);

    const closes = await Promise.all(clients.map((c) => c.request({ cmd: 'close' }, 'closed')));
    const codes = closes.reduce((acc, r) => addSwarmResults(acc, r.result), emptySwarmResult()).closeCodes;
    await waitFor(() => serverCloses.count() === openedTotal, 60_000, 'the server seeing every close');
    report.check(phase, 'every session closed cleanly with 1000 on both sides', codes[1000] === openedTotal && serverCloses.codes[1000] === openedTotal, `clients ${JSON.stringify(codes)}, server ${JSON.stringify(serverCloses.codes)}`);
    await finishClients(report, phase, clients);
    await serverLeaks(report, phase, baseline);
  } finally {
    for (const c of clients) c.kill();
    await resources.cleanup();
  }
}

export async function vanishPhase(report: SoakReport, killed: number, terminated: number): Promise<void> {
  const phase = 'vanishing peers';
  const resources = new Resources();
  const echo = await startEchoServer(resources);
  const baseline = activeResources();
  try {
    // A whole client process dies: the kernel closes its sockets, no close frame is ever sent.
    const serverCloses = watchServerCloses(echo);
    const victim = new ClientProcess();
    const { opened } = await victim.request({ cmd: 'open', url: echo.url, count: killed }, 'opened');
    victim.kill();
    await victim.exited;
    await waitFor(() => serverCloses.count() === opened, 60_000, 'the server noticing the killed process');
    report.check(phase, `${opened} peers of a SIGKILLed process: 1006 for each`, opened === killed && serverCloses.codes[1006] === opened, JSON.stringify(serverCloses.codes));
    // Sessions dropped one by one without a close frame.
    const { serverCodes, opened: dropped } = await vanishingPeers(echo, terminated);
    report.check(phase, `${dropped} peers dropped without a close frame: 1006 for each`, dropped === terminated && serverCodes[1006] === dropped, JSON.stringify(serverCodes));
    report.check(phase, 'the server holds no session afterwards', echo.wss.clients.size === 0, `${echo.wss.clients.size}`);
    await serverLeaks(report, phase, baseline);
  } finally {
    await resources.cleanup();
  }
}

export async function shutdownPhase(report: SoakReport, connections: number, processes: number): Promise<void> {
  const phase = 'shutdown under load';
  const resources = new Resources();
  const echo = await startEchoServer(resources);
  const baseline = activeResources();
  const clients = Array.from({ length: processes }, () => new ClientProcess());
  try {
    const share = Math.ceil(connections / processes);
    await Promise.all(clients.map((c, i) => c.request({ cmd: 'open', url: echo.url, count: Math.min(share, connections - i * share) }, 'opened')));
    const held = echo.wss.clients.size;
    const busy = clients.map((c) => c.request({ cmd: 'busy' }, 'shutdown'));
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // let them get busy
    const started = performance.now();
    await echo.wss.close({ timeout: 10_000 });
    const closeMs = performance.now() - started;
    const outcomes = await Promise.all(busy);
    const codes: Record<number, number> = {};
    for (const o of outcomes) for (const [code, n] of Object.entries(o.codes)) codes[Number(code)] = (codes[Number(code)] ?? 0) + n;
    const echoed = outcomes.reduce((n, o) => n + o.echoed, 0);
    report.check(phase, `wss.close() with ${held} busy sessions: every client sees 1001`, codes[1001] === held && held === connections, `${JSON.stringify(codes)}, ${echoed} echoes before the shutdown`);
    report.check(phase, 'wss.close() returns once every closing handshake is done (before its timeout)', closeMs < 10_000 && echo.wss.clients.size === 0, `${closeMs.toFixed(0)} ms`);
    await finishClients(report, phase, clients);
    await serverLeaks(report, phase, baseline);
  } finally {
    for (const c of clients) c.kill();
    await resources.cleanup();
  }
}

export async function reconnectPhase(report: SoakReport, restarts: number): Promise<void> {
  const phase = 'reconnect loop';
  const baseline = activeResources();
  const stats = await reconnectLoop(restarts);
  report.check(phase, `a client reconnects across ${restarts} server restarts, served by every life`, stats.echoes === stats.sessions && stats.sessions >= restarts + 1, `${stats.sessions} sessions, ${stats.echoes} echoes, ${stats.refused} refused attempts, closes ${JSON.stringify(stats.codes)}`);
  report.check(phase, 'each restart said "going away" (1001)', (stats.codes[1001] ?? 0) >= restarts, JSON.stringify(stats.codes));
  const leaked = await settleHandles(baseline, 15_000);
  report.handlesLeaked += countLeaked(leaked);
  report.check(phase, 'no handle leaked', countLeaked(leaked) === 0, JSON.stringify(leaked));
}
