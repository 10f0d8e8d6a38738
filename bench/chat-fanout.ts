// Fan-out of the chat room (examples/chat-*.ts): one message in, one WebSocket message (RFC 6455
// §5.6 text frame) out to every member. Three set-ups, 1,000 members each, in one run:
//
//   1 process, no Redis               the in-process broker: the floor of what fan-out costs
//   1 process + Redis                 every message also goes through Redis (SAY script, pub/sub)
//   3 processes + Redis + HAProxy     members spread by HAProxy, each process fans out to its own
//
// For each: latency — 100 messages one at a time, from send to the *last* of the 1,000 members
// receiving it (p50/p99) — and throughput — a burst of 500 messages from 50 senders, delivered
// to all (messages/s and deliveries/s), with the CPU time each part used during the burst
// (chat processes, Redis, HAProxy, and this load generator, whose 1,000 members share one process).
//
//   npm run bench:chat                     about a minute; writes bench/results/chat-fanout.json
//   npm run bench:chat -- --members 300

import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { Redis } from 'ioredis';
import { startCluster, type Cluster } from '../examples/chat-cluster.js';
import { ChatClient } from '../examples/chat-client.js';

const flag = (name: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
};
const MEMBERS = Number(flag('members') ?? 1_000);
const LATENCY_MESSAGES = 100;
const BURST_SENDERS = 50;
const BURST_PER_SENDER = 10;

const SETUPS = [
  { label: '1 process, no Redis', processes: 1, redis: false, haproxy: false },
  { label: '1 process + Redis', processes: 1, redis: true, haproxy: false },
  { label: '3 processes + Redis + HAProxy', processes: 3, redis: true, haproxy: true },
] as const;

interface Result {
  setup: string;
  members: number;
  joinSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  burst: { messages: number; seconds: number; messagesPerSecond: number; deliveriesPerSecond: number; latencyMs: { p50: number; p99: number } };
  /** CPU time used during the burst, in ms, by part. */
  cpuMs: { chat: number; redis: number; haproxy: number; loadGenerator: number };
  /** The same per unit of work: chat processes per delivery, Redis per message. */
  cost: { chatMicrosPerDelivery: number; redisMicrosPerMessage: number };
}

/** Redis's own CPU time in ms (INFO cpu: microsecond precision, unlike /proc's 10 ms ticks). */
async function redisCpuMs(redis: Redis | undefined): Promise<number> {
  if (!redis) return 0;
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function measure(setup: (typeof SETUPS)[number]): Promise<Result> {
  const cluster: Cluster = await startCluster({
    processes: setup.processes, redis: setup.redis, haproxy: setup.haproxy,
    env: { CHAT_MAX_MEMBERS: String(MEMBERS + 10), CHAT_RATE_LIMIT: '1000000' },
    // --verbose: the processes' own lines (minus one per connection) on stderr.
    log: process.argv.includes('--verbose') ? (line) => void (line.includes('connection from') || console.error(line)) : undefined,
  });
  // Receipts by message text: how many members have it, and when the last one got it.
  const receipts = new Map<string, { count: number; last: number }>();
  const onMessage = (m: { text: string }) => {
    const receipt = receipts.get(m.text);
    if (receipt) (receipt.count++, (receipt.last = performance.now()));
  };
  const url = `${cluster.url.replace('http:', 'ws:')}chat`;
  let redis: Redis | undefined;
  const clients = Array.from({ length: MEMBERS }, (_, i) => new ChatClient(url, `m${i}`, { reconnect: false, keepChanges: false, onMessage }));
  try {
    const joinStart = performance.now();
    // 25 at a time, each with a minute to get in: the machine may be busy.
    for (let i = 0; i < MEMBERS; i += 25) await Promise.all(clients.slice(i, i + 25).map((c) => c.join(60_000)));
    await until(() => clients.every((c) => c.members.length === MEMBERS), 30_000, 'every member sees all members').catch((error: Error) => {
      throw new Error(`${error.message}; list lengths seen: ${[...new Set(clients.map((c) => c.members.length))].join(', ')}`);
    });
    const joinSeconds = (performance.now() - joinStart) / 1000;

    const send = (client: ChatClient, text: string) => {
      receipts.set(text, { count: 0, last: 0 });
      client.say(text);
      return performance.now();
    };
    const delivered = (text: string) => receipts.get(text)!.count >= MEMBERS;
    for (let i = 0; i < 20; i++) {
      const text = `warm-up ${i}`;
      send(clients[(i * 37) % MEMBERS]!, text);
      await until(() => delivered(text), 10_000, text);
    }

    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      const text = `latency ${i}`;
      const sentAt = send(clients[(i * 101) % MEMBERS]!, text);
      await until(() => delivered(text), 10_000, text);
      latencies.push(receipts.get(text)!.last - sentAt);
    }
    latencies.sort((a, b) => a - b);

    const pids = cluster.pids();
    redis = setup.redis ? new Redis(cluster.redisUrl) : undefined;
    const cpuBefore = { chat: pids.chat.reduce((sum, pid) => sum + cpuMsOf(pid), 0), redis: await redisCpuMs(redis), haproxy: cpuMsOf(pids.haproxy), load: process.cpuUsage() };
    const burstTexts: string[] = [];
    const burstStart = performance.now();
    for (let k = 0; k < BURST_PER_SENDER; k++) {
      for (let s = 0; s < BURST_SENDERS; s++) {
        const text = `burst ${s} ${k}`;
        burstTexts.push(text);
        send(clients[(s * 19) % MEMBERS]!, text);
      }
    }
    await until(() => burstTexts.every(delivered), 60_000, 'the burst reaches every member').catch((error: Error) => {
      const missing = burstTexts.filter((t) => !delivered(t)).length;
      const lowest = Math.min(...burstTexts.map((t) => receipts.get(t)!.count));
      throw new Error(`${error.message}: ${missing} messages short (fewest receivers ${lowest}); members disconnected: ${clients.filter((c) => !c.connected).length}`);
    });
    const burstSeconds = (Math.max(...burstTexts.map((t) => receipts.get(t)!.last)) - burstStart) / 1000;
    const burstLatencies = burstTexts.map((t) => receipts.get(t)!.last - burstStart).sort((a, b) => a - b);
    const load = process.cpuUsage(cpuBefore.load);
    const cpuMs = {
      chat: pids.chat.reduce((sum, pid) => sum + cpuMsOf(pid), 0) - cpuBefore.chat,
      redis: round((await redisCpuMs(redis)) - cpuBefore.redis),
      haproxy: cpuMsOf(pids.haproxy) - cpuBefore.haproxy,
      loadGenerator: Math.round((load.user + load.system) / 1000),
    };
    const messages = burstTexts.length;
    return {
      setup: setup.label, members: MEMBERS, joinSeconds: round(joinSeconds),
      latencyMs: { p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      burst: {
        messages, seconds: round(burstSeconds, 2), messagesPerSecond: Math.round(messages / burstSeconds),
        deliveriesPerSecond: Math.round((messages * MEMBERS) / burstSeconds),
        latencyMs: { p50: round(percentile(burstLatencies, 50)), p99: round(percentile(burstLatencies, 99)) },
      },
      cpuMs,
      cost: { chatMicrosPerDelivery: round((cpuMs.chat * 1000) / (messages * MEMBERS), 2), redisMicrosPerMessage: round((cpuMs.redis * 1000) / messages) },
    };
  } finally {
    for (const client of clients) client.leave();
    redis?.disconnect();
    await cluster.stop();
  }
}

const started = Date.now();
console.log(`chat fan-out: ${MEMBERS} members, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
const results: Result[] = [];
const only = flag('only'); // e.g. --only 3: the third set-up alone
for (const setup of only ? [SETUPS[Number(only) - 1]!] : SETUPS) {
  const result = await measure(setup);
  results.push(result);
  const { latencyMs: l, burst: b, cpuMs: c } = result;
  console.log(
    `${setup.label.padEnd(32)} latency p50 ${l.p50} ms  p99 ${l.p99} ms | burst ${b.messages} msgs in ${b.seconds} s: ` +
      `${b.messagesPerSecond} msg/s, ${b.deliveriesPerSecond} deliveries/s (p50 ${b.latencyMs.p50} ms, p99 ${b.latencyMs.p99} ms) | ` +
      `CPU ms: chat ${c.chat}, redis ${c.redis}, haproxy ${c.haproxy}, load generator ${c.loadGenerator} ` +
      `(chat ${result.cost.chatMicrosPerDelivery} µs/delivery, redis ${result.cost.redisMicrosPerMessage} µs/message) | joins ${result.joinSeconds} s`,
  );
}
const file = new URL('./results/chat-fanout.json', import.meta.url);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg(), members: MEMBERS, results }, null, 2)}\n`);
console.log(`done in ${Math.round((Date.now() - started) / 1000)} s; written to bench/results/chat-fanout.json`);
