// The chat room shared by several processes through Redis (the fan-out seam of chat-broker.ts;
// RFC 6455 itself ends at one connection). Client: ioredis — it reconnects by itself with a
// backoff we choose, runs Lua scripts, and has Redis Cluster and Sentinel clients of the same
// shape for when one Redis is no longer enough.
//
// What each process does:
// - Membership goes through the atomic scripts of chat-redis-scripts.ts; their events carry the
//   whole member list, so every process shows the same one.
// - Presence: every HEARTBEAT_MS the process renews its `alive` key (expiry ALIVE_TTL_MS) and
//   sweeps the processes whose key expired. A process killed with `kill -9` has its members
//   removed, and announced as gone, within ALIVE_TTL_MS + HEARTBEAT_MS (4 s) of its last beat.
// - Messages: the room delivers its own members' messages at once; this broker queues them for
//   the others (a bounded outbox) and sends them with SAY (history stream + PUBLISH).
// - Delivery: Redis pub/sub is at-most-once — a subscriber that is disconnected misses what is
//   published meanwhile. So after every (re)subscription the process reads the history stream
//   and delivers what it missed, dropping repeats by message id. While Redis is unreachable the
//   process keeps serving its own members and keeps their messages in the outbox; when Redis is
//   back the outbox is sent, and every process catches up from the stream. Result: each message
//   reaches every member once, in its sender's order, as long as the outage leaves fewer than
//   OUTBOX_LIMIT messages queued on a process and HISTORY_LENGTH covers what a process missed.

import { Redis, type RedisOptions } from 'ioredis';
import { HISTORY_LENGTH, messagesAfter, newNodeId, type ChatBroker, type ChatMessage, type JoinResult, type RoomEvent } from './chat-broker.js';
import { ALL_SCRIPTS, HEARTBEAT, JOIN, LEAVE, RETIRE, SAY, SWEEP, SYNC, type Script } from './chat-redis-scripts.js';

export const HEARTBEAT_MS = 1_000;
export const ALIVE_TTL_MS = 3_000;
/** A member of a killed process is announced as gone at most this long after the process's last heartbeat. */
export const PRESENCE_BOUND_MS = ALIVE_TTL_MS + HEARTBEAT_MS;
export const OUTBOX_LIMIT = 10_000;
const SEEN_LIMIT = 20_000;

export interface RedisBrokerOptions {
  /** Key and channel prefix; one room per prefix. Default `wsref:{chat}:`. */
  prefix?: string;
  log?: (line: string) => void;
}

export class RedisChatBroker implements ChatBroker {
  readonly node = newNodeId();
  onEvent: (event: RoomEvent) => void = () => {};
  localMembers: () => string[] = () => [];
  private readonly prefix: string;
  private readonly log: (line: string) => void;
  /** Commands and scripts; the subscriber connection can do nothing but listen. */
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly heartbeat: NodeJS.Timeout;
  private reachable = false;
  private closed = false;
  /** Messages of our members not yet handed to Redis, as JSON. */
  private readonly outbox: string[] = [];
  private pumping = false;
  /** Names that left while Redis was unreachable: dropped by the next SYNC. */
  private readonly unsentLeaves = new Set<string>();
  /** Ids of the messages delivered lately, to drop repeats (from the stream, or a resent batch). */
  private readonly seen = new Set<string>();
  /** While (re)subscribing, live events wait here until the missed ones are delivered. */
  private held: RoomEvent[] | undefined = [];
  private subscribedOnce = false;
  private lastOutage = '';

  static async connect(url: string, options: RedisBrokerOptions = {}): Promise<RedisChatBroker> {
    const broker = new RedisChatBroker(url, options);
    try {
      await Promise.all([broker.commands.connect(), broker.subscriber.connect()]);
      await Promise.all([broker.whenReady(() => broker.reachable), broker.whenReady(() => broker.held === undefined)]);
    } catch (error) {
      await broker.close();
      throw new Error(`cannot reach Redis at ${url}: ${(error as Error).message}`);
    }
    return broker;
  }

  private constructor(url: string, options: RedisBrokerOptions) {
    this.prefix = options.prefix ?? 'wsref:{chat}:';
    this.log = options.log ?? (() => {});
    const connection: RedisOptions = {
      lazyConnect: true,
      // Fail fast while disconnected: we keep what must survive an outage ourselves (outbox, unsentLeaves).
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false, // we resubscribe, then catch up from the stream
      commandTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1_000), // reconnect for ever, at most 1 s apart
    };
    this.commands = new Redis(url, connection);
    this.subscriber = new Redis(url, connection);
    for (const [role, client] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => this.outage(`${role}: ${error.message}`));
    }
    this.commands.on('ready', () => void this.commandsReady());
    this.commands.on('close', () => (this.reachable = false));
    this.subscriber.on('ready', () => void this.subscriberReady());
    this.subscriber.on('close', () => (this.held ??= []));
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text));
    this.heartbeat = setInterval(() => void this.beat(false), HEARTBEAT_MS);
  }

  async join(name: string, maxMembers: number): Promise<JoinResult> {
    if (!this.reachable) return { ok: false, reason: 'unavailable' };
    try {
      const answer = String(await this.run(JOIN, this.node, name.toLowerCase(), name, maxMembers));
      if (answer === 'taken' || answer === 'full') return { ok: false, reason: answer };
      return { ok: true, members: listOf((JSON.parse(answer) as { members: unknown }).members) };
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
  }

  leave(name: string): void {
    const key = name.toLowerCase();
    if (!this.reachable) return void this.unsentLeaves.add(key);
    this.run(LEAVE, this.node, key).catch(() => this.unsentLeaves.add(key));
  }

  publish(message: ChatMessage): void {
    this.outbox.push(JSON.stringify(message));
    if (this.outbox.length > OUTBOX_LIMIT) {
      this.outbox.shift();
      this.log(`chat: outbox full while Redis is unreachable; dropped the oldest message`);
    }
    void this.pump();
  }

  async history(afterId: string): Promise<ChatMessage[]> {
    try {
      return messagesAfter(await this.readHistory(), afterId);
    } catch {
      return [];
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.reachable) await this.run(RETIRE, this.node).catch(() => {});
    for (const client of [this.commands, this.subscriber]) {
      await client.quit().catch(() => client.disconnect());
    }
  }

  // ─── Connections coming and going ──────────────────────────────────────────────────────────

  /** Every (re)connection: load the scripts, register our members again, send what waited. */
  private async commandsReady(): Promise<void> {
    try {
      await Promise.all(ALL_SCRIPTS.map((s) => this.commands.script('LOAD', s.lua)));
      this.reachable = true;
      if (this.lastOutage) this.log(`chat: Redis reachable again (after: ${this.lastOutage})`);
      this.lastOutage = '';
      await this.beat(true);
    } catch (error) {
      this.outage(`commands: ${(error as Error).message}`);
    }
  }

  /** Every (re)subscription: listen first, then deliver what was missed, then what arrived meanwhile. */
  private async subscriberReady(): Promise<void> {
    try {
      await this.subscriber.subscribe(`${this.prefix}events`);
      await this.whenReady(() => this.reachable);
      const missed = await this.readHistory();
      const members = listOf(await this.commands.zrange(`${this.prefix}order`, 0, '-1'));
      for (const message of missed) this.subscribedOnce ? this.deliverMessage(message) : this.remember(message.id);
      this.subscribedOnce = true;
      this.onEvent({ type: 'members', members });
      const held = this.held ?? [];
      this.held = undefined;
      for (const event of held) this.dispatch(event);
    } catch (error) {
      this.outage(`subscriber: ${(error as Error).message}`);
      this.subscriber.disconnect(true); // try the whole sequence again
    }
  }

  /** Renews our presence, re-registers our members when Redis forgot them, sweeps dead processes. */
  private async beat(sync: boolean): Promise<void> {
    if (!this.reachable || this.closed) return;
    try {
      const fresh = await this.run(HEARTBEAT, this.node, ALIVE_TTL_MS);
      if (fresh === 1 || sync || this.unsentLeaves.size > 0) await this.sync();
      await this.run(SWEEP);
      void this.pump();
    } catch (error) {
      this.outage(`heartbeat: ${(error as Error).message}`);
    }
  }

  private async sync(): Promise<void> {
    const drops = [...this.unsentLeaves];
    const holds = this.localMembers().flatMap((name) => [name.toLowerCase(), name]);
    const lost = (await this.run(SYNC, this.node, drops.length, ...drops, ...holds)) as string[];
    for (const key of drops) this.unsentLeaves.delete(key);
    for (const name of lost) this.log(`chat: the name ${name} was taken on another process during an outage`);
  }

  // ─── Messages ───────────────────────────────────────────────────────────────────────────────

  /** Sends the outbox in order, in pipelined batches; on failure keeps it for the next connection. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.reachable && this.outbox.length > 0) {
        const batch = this.outbox.slice(0, 256);
        const pipeline = this.commands.pipeline();
        for (const json of batch) pipeline.evalsha(SAY.sha, 0, this.prefix, json, String(HISTORY_LENGTH));
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) throw failed[0]; // a resent batch may repeat messages: receivers drop repeats by id
        this.outbox.splice(0, batch.length);
      }
    } catch (error) {
      this.outage(`publish: ${(error as Error).message}`);
    } finally {
      this.pumping = false;
    }
  }

  private receive(text: string): void {
    let event: RoomEvent;
    try {
      event = JSON.parse(text) as RoomEvent;
    } catch {
      return;
    }
    if (event.type === 'message' && event.id.startsWith(`${this.node}:`)) return; // ours: delivered at once
    if (event.type !== 'message') event.members = listOf(event.members);
    if (this.held) this.held.push(event);
    else this.dispatch(event);
  }

  private dispatch(event: RoomEvent): void {
    if (event.type === 'message') this.deliverMessage(event);
    else this.onEvent(event);
  }

  private deliverMessage(message: ChatMessage): void {
    if (this.seen.has(message.id) || message.id.startsWith(`${this.node}:`)) return;
    this.remember(message.id);
    this.onEvent(message);
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value!);
  }

  private async readHistory(): Promise<ChatMessage[]> {
    const entries = await this.commands.xrange(`${this.prefix}history`, '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as ChatMessage);
  }

  // ─── Helpers ────────────────────────────────────────────────────────────────────────────────

  private run(script: Script, ...args: Array<string | number>): Promise<unknown> {
    return this.commands.evalsha(script.sha, 0, this.prefix, ...args);
  }

  private async whenReady(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
      if (this.closed || waited > 10_000) throw new Error('Redis did not become ready within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Logs an outage once, not once per retry. */
  private outage(what: string): void {
    if (this.closed || this.lastOutage) return;
    this.lastOutage = what;
    this.log(`chat: Redis unreachable (${what}); serving this process's members, reconnecting`);
  }
}

/** Lua's cjson writes an empty list as `{}`. */
function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
