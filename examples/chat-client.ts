// A chat member on Node (wsref's `connect()`, RFC 6455 §4.1) speaking the JSON of chat-room.ts:
// joins, keeps the member list, collects messages, and — when its server goes away (§7.1.5: the
// connection closes without our asking, 1006 or 1001) — reconnects with a growing backoff, joins
// again with the same name and the id of the last message it saw, and drops repeats by id.
// The cluster tests and `npm run bench:chat` use it as their members.

import { CloseCode, connect, ReadyState, type Session } from '../src/index.js';
import type { ChatMessage } from './chat-broker.js';

type ServerEvent =
  | { type: 'welcome' | 'joined' | 'left' | 'members'; name?: string; members?: string[] }
  | { type: 'changes'; joined: string[]; left: string[]; count: number }
  | ChatMessage
  | { type: 'error'; message: string };

export interface ChatClientOptions {
  /** Reconnect and rejoin when the server goes away. Default true. */
  reconnect?: boolean;
  /** Record membership news in `changes`. Default true (a benchmark with thousands of members turns it off). */
  keepChanges?: boolean;
  /** Called for each new message (after repeats are dropped). */
  onMessage?: (message: ChatMessage) => void;
}

export class ChatClient {
  /** The room's member list as this member last heard it (kept in step with `listed`). */
  members: string[] = [];
  private listed = new Set<string>();
  /** Every message received once, in arrival order. */
  readonly messages: ChatMessage[] = [];
  /** Messages that arrived a second time (dropped). */
  repeats = 0;
  /** How many times the connection was lost and joined again. */
  rejoins = 0;
  /** Membership news as it arrived: who joined or left, when (Date.now()). */
  readonly changes: Array<{ type: string; name?: string; at: number }> = [];
  /** Errors the server sent, newest last. */
  readonly errors: string[] = [];
  private session: Session | undefined;
  private readonly seen = new Set<string>();
  private leaving = false;
  private welcomed: (() => void) | undefined;

  constructor(readonly url: string, readonly name: string, private readonly options: ChatClientOptions = {}) {}

  get connected(): boolean {
    return this.session?.readyState === ReadyState.OPEN;
  }

  /** Connects and joins; resolves once welcomed (retrying while the name is still held, e.g. by a dead process). */
  async join(deadlineMs = 15_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.connectAndJoin(deadline);
        return;
      } catch (error) {
        if (this.leaving || Date.now() > deadline) throw error;
        await sleep(Math.min(100 * 2 ** attempt, 2_000) * (0.5 + Math.random() / 2));
      }
    }
  }

  say(text: string): void {
    if (this.connected) this.session!.send(JSON.stringify({ type: 'say', text }));
  }

  /** Leaves for good (close 1000). */
  leave(): void {
    this.leaving = true;
    this.session?.close(CloseCode.Normal, 'leaving');
  }

  private async connectAndJoin(deadline: number): Promise<void> {
    const session = await connect(this.url);
    this.session = session;
    const welcomed = new Promise<void>((resolve, reject) => {
      this.welcomed = resolve;
      session.once('close', (code) => reject(new Error(`closed with ${code} before the welcome`)));
      setTimeout(() => reject(new Error('no welcome in time')), Math.max(0, deadline - Date.now())).unref();
    });
    welcomed.catch(() => {});
    session.on('message', (data) => this.receive(session, String(data)));
    session.once('close', () => {
      if (this.session === session && !this.leaving && this.options.reconnect !== false && this.welcomed === undefined) {
        this.rejoins++;
        void this.join(60_000).catch(() => {});
      }
    });
    const last = this.messages.at(-1)?.id;
    session.send(JSON.stringify(last ? { type: 'join', name: this.name, after: last } : { type: 'join', name: this.name }));
    try {
      await welcomed;
    } catch (error) {
      session.terminate();
      throw error;
    }
  }

  private receive(session: Session, text: string): void {
    const event = JSON.parse(text) as ServerEvent;
    switch (event.type) {
      case 'message':
        if (this.seen.has(event.id)) {
          this.repeats++;
          return;
        }
        this.seen.add(event.id);
        this.messages.push(event);
        this.options.onMessage?.(event);
        return;
      case 'error':
        this.errors.push(event.message);
        // A name still held (by a process that died and is not yet swept): close; join() tries again.
        if (this.welcomed && /is taken|reconnecting/.test(event.message)) session.close(CloseCode.Normal, 'will retry');
        return;
      case 'welcome':
        this.setMembers(event.members ?? []);
        this.welcomed?.();
        this.welcomed = undefined;
        return;
      case 'changes': {
        // A big room's gathered joins and leaves, applied to the list we have.
        for (const name of event.joined) if (!this.listed.has(name)) (this.members.push(name), this.listed.add(name));
        const left = new Set(event.left.filter((name) => this.listed.delete(name)));
        if (left.size > 0) this.members = this.members.filter((name) => !left.has(name));
        if (this.options.keepChanges !== false) {
          const at = Date.now();
          for (const name of event.joined) this.changes.push({ type: 'joined', name, at });
          for (const name of event.left) this.changes.push({ type: 'left', name, at });
        }
        return;
      }
      default:
        this.setMembers(event.members ?? []);
        if (this.options.keepChanges !== false) this.changes.push({ type: event.type, name: event.name, at: Date.now() });
    }
  }

  private setMembers(names: string[]): void {
    this.members = names;
    this.listed = new Set(names);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
