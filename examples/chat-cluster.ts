// The chat room as a user deploys it on one machine: N chat processes (chat-node.ts) sharing the
// room through Redis, behind HAProxy (deploy/haproxy.cfg) that balances their WebSocket
// connections (RFC 6455 §4.1 upgrades, then tunnels). Debian's `redis-server` and `haproxy`.
//
//   npm run chat:cluster                          3 processes, Redis and HAProxy on http://127.0.0.1:8080/
//   npm run chat:cluster -- --processes 5 --port 9000
//   REDIS_URL=redis://host:6379 npm run chat:cluster    use that Redis instead of starting one
//
// The cluster tests (spec-tests/cluster/) and `npm run bench:chat` start it through startCluster().

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HAPROXY_CONFIG = fileURLToPath(new URL('../deploy/haproxy.cfg', import.meta.url));
const CHAT_NODE = fileURLToPath(new URL('./chat-node.ts', import.meta.url));

export interface ClusterOptions {
  /** How many chat processes. Default 3. */
  processes?: number;
  /** HAProxy's port; default 0 (a free one). */
  port?: number;
  /** An existing Redis; default: start `redis-server` on a free loopback port. */
  redisUrl?: string;
  /** false: no Redis at all, each process has its own room (a baseline for the benchmark). Default true. */
  redis?: boolean;
  /** false: no HAProxy; connect to the processes' own ports. Default true. */
  haproxy?: boolean;
  /** Extra environment for the chat processes (CHAT_MAX_MEMBERS, CHAT_RATE_LIMIT). */
  env?: Record<string, string>;
  /** Where the children's output goes; default nowhere. */
  log?: (line: string) => void;
}

export interface ChatProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Its id in the room (the broker's node id), read from its first line. */
  readonly node: string;
}

export interface Cluster {
  /** HAProxy's address: http://127.0.0.1:port/ (without HAProxy: the first process's). */
  readonly url: string;
  readonly redisUrl: string;
  readonly processes: ChatProcess[];
  /** Stops the Redis this cluster started (SIGKILL: nothing saved), and starts it again on the same port. */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** Process ids, for measuring what each part costs (the benchmark reads their CPU time). */
  pids(): { chat: number[]; redis?: number; haproxy?: number };
  /** Stops everything it started, even half-started. */
  stop(): Promise<void>;
}

/** A free loopback TCP port, as the OS picks it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; rejects if `child` exits first. */
export async function waitForPort(port: number, child?: ChildProcess, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
      setTimeout(() => (socket.destroy(), resolve(false)), 1_000).unref();
    });
    if (open) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Ends a child and waits for it (SIGKILL after 3 s). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const log = options.log ?? (() => {});
  const children = new Set<ChildProcess>();
  const workDir = mkdtempSync(join(tmpdir(), 'wsref-chat-cluster-'));
  // Whatever happens to the test or the launcher, no child outlives it.
  const killAll = () => children.forEach((child) => child.kill('SIGKILL'));
  process.once('exit', killAll);
  const spawnChild = (command: string, args: string[], env: Record<string, string> = {}, label = command) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => text.trimEnd().split('\n').forEach((line) => log(`[${label}] ${line}`)));
    }
    return child;
  };

  let redis: ChildProcess | undefined;
  let haproxy: ChildProcess | undefined;
  let processes: ChatProcess[] = [];
  const pids = () => ({ chat: processes.map((p) => p.child.pid!), redis: redis?.pid, haproxy: haproxy?.pid });
  const redisPort = options.redisUrl ? 0 : await freePort();
  const redisUrl = options.redisUrl ?? `redis://127.0.0.1:${redisPort}`;
  const startRedis = async () => {
    // No snapshots, no append-only file: a restarted Redis has forgotten everything (the hard case).
    redis = spawnChild('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, 'redis');
    await waitForPort(redisPort, redis);
  };
  const stopRedis = async () => {
    if (redis) await stopChild(redis, 'SIGKILL');
  };

  const stop = async () => {
    process.off('exit', killAll);
    // The chat processes first (they unregister their members), then HAProxy and Redis.
    const chat = [...children].filter((c) => c !== redis);
    await Promise.all(chat.map((child) => stopChild(child)));
    await Promise.all([...children].map((child) => stopChild(child, 'SIGKILL')));
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    const withRedis = options.redis !== false;
    if (withRedis && !options.redisUrl) await startRedis();
    const count = options.processes ?? 3;
    processes = await Promise.all(
      Array.from({ length: count }, async (_, index): Promise<ChatProcess> => {
        const port = await freePort();
        const child = spawnChild(process.execPath, ['--import', 'tsx', CHAT_NODE], { ...options.env, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: withRedis ? redisUrl : '' }, `chat${index + 1}`);
        const node = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`chat process ${index + 1} did not start within 30 s`)), 30_000);
          child.stdout!.on('data', (text: string) => {
            const started = /chat process (\S+) listening/.exec(text);
            if (started) (clearTimeout(timer), resolve(started[1]!));
          });
          child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`chat process ${index + 1} exited with ${code}`))));
        });
        return { port, child, node };
      }),
    );

    if (options.haproxy === false) return { url: `http://127.0.0.1:${processes[0]!.port}/`, redisUrl, processes, stopRedis, startRedis, pids, stop };
    const port = options.port || (await freePort());
    const config = join(workDir, 'haproxy.cfg');
    // deploy/haproxy.cfg as it is, with one server line per process.
    const servers = processes.map((_, i) => `    server chat${i + 1} "\${CHAT_NODE_${i + 1}}" check`).join('\n');
    writeFileSync(config, readFileSync(HAPROXY_CONFIG, 'utf8').replace(/(?:^ *server chat\d+ .*\n?)+/m, `${servers}\n`));
    const nodeEnv = Object.fromEntries(processes.map((p, i) => [`CHAT_NODE_${i + 1}`, `127.0.0.1:${p.port}`]));
    haproxy = spawnChild('haproxy', ['-f', config, '-db'], { CHAT_BIND: `127.0.0.1:${port}`, ...nodeEnv }, 'haproxy');
    await waitForPort(port, haproxy);
    return { url: `http://127.0.0.1:${port}/`, redisUrl, processes, stopRedis, startRedis, pids, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// `npm run chat:cluster`: run until Ctrl-C.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(`--${name}`);
    return index > 0 ? process.argv[index + 1] : undefined;
  };
  const cluster = await startCluster({
    processes: Number(flag('processes') ?? 3),
    port: Number(flag('port') ?? process.env.PORT ?? 8080),
    redisUrl: flag('redis') ?? process.env.REDIS_URL,
    log: (line) => console.log(line),
  });
  console.log(`\nchat cluster: ${cluster.processes.length} processes (ports ${cluster.processes.map((p) => p.port).join(', ')}), Redis ${cluster.redisUrl}`);
  console.log(`open ${cluster.url}demo/chat.html — through HAProxy; try kill -9 on a chat process (pids ${cluster.processes.map((p) => p.child.pid).join(', ')})`);
  const stop = () => void cluster.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
