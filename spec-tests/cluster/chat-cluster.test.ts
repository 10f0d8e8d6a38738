// The chat room beyond one process, on the real parts: Debian's redis-server and haproxy started
// on loopback ports by the test, three chat processes (examples/chat-node.ts) behind HAProxy
// (deploy/haproxy.cfg), and 30 members connected through HAProxy with wsref's client. Checks that
// every message reaches every member once, in its sender's order; that member lists agree; that
// `kill -9` of a process removes its members within the stated bound while its members reconnect
// (RFC 6455 §7.2.1: the transport dropped, the client fails the connection, then comes back)
// through HAProxy to the survivors; and that a Redis restart loses no message sent meanwhile.
// Skipped loudly without redis-server or haproxy; fails under CI=true.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../examples/chat-cluster.js';
import { ChatClient } from '../../examples/chat-client.js';
import { PRESENCE_BOUND_MS } from '../../examples/chat-redis.js';
import { until } from '../helpers/node-peers.js';
import { clusterPeersGate } from './peers.js';

const enabled = clusterPeersGate();

const MEMBERS = 30;
const PREFIX = 'wsref:{chat}:';
const nameOf = (i: number) => `member-${String(i).padStart(2, '0')}`;

describe.skipIf(!enabled)('the chat room on three processes behind HAProxy, sharing Redis', () => {
  let cluster: Cluster;
  let redis: Redis;
  let clients: ChatClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ processes: 3 });
    redis = new Redis(cluster.redisUrl, { lazyConnect: true, retryStrategy: (n) => Math.min(100 * n, 500) });
    redis.on('error', () => {}); // the test restarts Redis on purpose
    await redis.connect();
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.leave();
    redis?.disconnect();
    await cluster?.stop();
  });

  const wsUrl = () => `${cluster.url.replace('http:', 'ws:')}chat`;
  const namesHeldBy = async (node: string) => (await redis.smembers(`${PREFIX}names:${node}`)).sort();
  const allAgree = (expected: number) => clients.every((c) => c.members.length === expected && c.members.join() === clients[0]!.members.join());

  /** Each client says `count` numbered lines tagged `tag`; resolves when every client has all of them. */
  async function roundOfMessages(tag: string, count: number, ms: number): Promise<void> {
    const before = snapshot();
    for (let i = 0; i < count; i++) for (const client of clients) client.say(`${tag} ${client.name} ${i}`);
    const expected = clients.length * count;
    await until(() => clients.every((c, k) => c.messages.length - before[k]!.messages >= expected), ms, `every member receives the ${expected} "${tag}" messages`);
    expectOnceAndInOrder(tag, count, before);
  }

  /** Counters to compare against later. */
  const snapshot = () => clients.map((c) => ({ messages: c.messages.length, repeats: c.repeats, rejoins: c.rejoins }));

  /**
   * Every member has each `tag` message exactly once, and each sender's lines in the order sent.
   * A member that never lost its connection was sent nothing twice; one that rejoined may have
   * been (its catch-up overlaps what it saw, and may still arrive), and drops repeats by id.
   */
  function expectOnceAndInOrder(tag: string, count: number, before: ReturnType<typeof snapshot>): void {
    for (const [k, client] of clients.entries()) {
      if (client.rejoins === 0) expect(client.repeats, `${client.name} was sent no message twice`).toBe(before[k]!.repeats);
      const lines = client.messages.filter((m) => m.text.startsWith(`${tag} `));
      expect(lines, `${client.name} receives each "${tag}" message once`).toHaveLength(clients.length * count);
      for (const sender of clients) {
        const numbers = lines.filter((m) => m.from === sender.name).map((m) => Number(m.text.split(' ')[2]));
        expect(numbers, `${client.name} sees ${sender.name}'s lines in order`).toEqual([...Array(count).keys()]);
      }
    }
  }

  it('[wsref] 30 members through HAProxy: spread over the 3 processes, one member list everywhere, every message to all 30 exactly once in each sender\'s order', async () => {
    clients = Array.from({ length: MEMBERS }, (_, i) => new ChatClient(wsUrl(), nameOf(i)));
    for (const client of clients) await client.join(); // one at a time: the list order is the join order
    await until(() => allAgree(MEMBERS), 5_000, 'all 30 members see the same list of 30');
    expect(clients[0]!.members).toEqual(clients.map((c) => c.name));
    // HAProxy's leastconn spread them: every process holds members, 30 in all (read from Redis).
    const held = await Promise.all(cluster.processes.map((p) => namesHeldBy(p.node)));
    expect(held.map((names) => names.length).every((n) => n >= 5), `members per process: ${held.map((n) => n.length)}`).toBe(true);
    expect(held.flat().sort()).toEqual(clients.map((c) => c.name).sort());
    await roundOfMessages('hello', 5, 10_000);
  });

  it("[6455-7.2.1-2] kill -9 of a process: the others announce its members gone within the presence bound (PRESENCE_BOUND_MS, 4 s), and those members reconnect through HAProxy to the survivors and rejoin", async () => {
    expect(clients, 'the 30 members of the first test').toHaveLength(MEMBERS);
    const victim = cluster.processes[0]!;
    const victimNames = await namesHeldBy(victim.node);
    expect(victimNames.length).toBeGreaterThan(0);
    const survivors = clients.filter((c) => !victimNames.includes(c.name));
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');

    // Every surviving member hears a 'left' for each of the victim's members, within the bound.
    await until(() => survivors.every((c) => victimNames.every((name) => c.changes.some((e) => e.type === 'left' && e.name === name && e.at >= killedAt))), PRESENCE_BOUND_MS + 3_000, 'the survivors hear that the victim\'s members left');
    const lastLeft = Math.max(...survivors.flatMap((c) => c.changes.filter((e) => e.type === 'left' && e.at >= killedAt).map((e) => e.at)));
    expect(lastLeft - killedAt, 'announced gone within the bound (+ 2 s for delivery on a busy machine)').toBeLessThanOrEqual(PRESENCE_BOUND_MS + 2_000);

    // The victim's members lost their connection (1006 on their side), came back and joined again.
    await until(() => allAgree(MEMBERS), 20_000, 'all 30 members are back and see the same list');
    const rejoined = clients.filter((c) => c.rejoins > 0).map((c) => c.name).sort();
    expect(rejoined).toEqual(victimNames);
    // Now on the two survivors only.
    const held = await Promise.all(cluster.processes.slice(1).map((p) => namesHeldBy(p.node)));
    expect(held.flat().sort()).toEqual(clients.map((c) => c.name).sort());
    expect(await redis.smembers(`${PREFIX}nodes`)).not.toContain(victim.node);
    await roundOfMessages('after-kill', 1, 10_000);
  }, 45_000);

  it('[wsref] Redis killed and restarted empty: no process crashes, members stay connected, and every message sent during the outage reaches all members exactly once, in order', async () => {
    expect(clients, 'the 30 members of the first test').toHaveLength(MEMBERS);
    const alive = cluster.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    await cluster.stopRedis();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // During the outage: each member says two lines. Its own process's members get them at once.
    const before = snapshot();
    for (let i = 0; i < 2; i++) for (const client of clients) client.say(`outage ${client.name} ${i}`);
    await until(() => clients.every((c, k) => c.messages.length > before[k]!.messages), 5_000, 'members of the same process hear each other while Redis is down');
    expect(clients.every((c, k) => c.messages.length - before[k]!.messages < MEMBERS * 2), 'the other processes\' lines wait for Redis').toBe(true);

    await cluster.startRedis();
    await until(() => clients.every((c, k) => c.messages.length - before[k]!.messages >= MEMBERS * 2), 15_000, 'every outage message reaches every member once Redis is back');
    expect(clients.every((c, k) => c.connected && c.rejoins === before[k]!.rejoins), 'nobody was disconnected by the outage').toBe(true);
    expectOnceAndInOrder('outage', 2, before);
    expect(alive.every((p) => p.child.exitCode === null && p.child.signalCode === null), 'no chat process crashed').toBe(true);
    // Redis forgot every member; the processes registered theirs again, and the lists agree.
    await until(() => allAgree(MEMBERS), 10_000, 'the member lists agree again');
    expect((await redis.zrange(`${PREFIX}order`, 0, '-1')).sort()).toEqual(clients.map((c) => c.name).sort());
    await roundOfMessages('after-restart', 1, 10_000);
  }, 45_000);

  it('[wsref] the processes\' subscriptions cut (CLIENT KILL TYPE pubsub): what was published meanwhile is caught up from the history stream, and nothing older is delivered again', async () => {
    expect(clients, 'the 30 members of the first test').toHaveLength(MEMBERS);
    const before = snapshot();
    const killed = Number(await redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed).toBe(cluster.processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null).length);
    // Sent at once, while the subscribers reconnect: some processes miss them live.
    for (const client of clients) client.say(`resubscribe ${client.name} 0`);
    await until(() => clients.every((c, k) => c.messages.length - before[k]!.messages >= MEMBERS), 10_000, 'every member receives every line');
    await new Promise((resolve) => setTimeout(resolve, 500)); // room for repeats to show up, if any
    expectOnceAndInOrder('resubscribe', 1, before);
    expect(clients.map((c, k) => c.messages.length - before[k]!.messages), 'no older message was delivered again').toEqual(clients.map(() => MEMBERS));
  });
});
