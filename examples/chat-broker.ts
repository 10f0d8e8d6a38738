// The chat room's fan-out seam. RFC 6455 ends at one connection (§1.2: "a two-way communication
// channel" between one client and one server); a room whose members sit on different processes
// needs something the RFC does not define: a broker that every process hands its room events to.
//
// ChatRoom (chat-room.ts) owns the WebSocket sessions of *this* process and validates what they
// send; a ChatBroker owns what the processes share: who is a member (names are unique across the
// room), the order of joins and leaves, and the messages of the other processes' members.
//
//   InProcessBroker   the default: one process, nothing else to run (`npm start`).
//   RedisChatBroker   chat-redis.ts: Redis pub/sub, presence with expiry, a short history stream.
//
// The broker lives in examples/, not in the library: it is the chat's topology, not the protocol,
// and each application shares different state (rooms, cursors, documents) between its processes.

/** What the processes tell each other. Membership events carry the whole list, so every process shows the same one. */
export type RoomEvent =
  | { type: 'joined'; name: string; node: string; members: string[] }
  | { type: 'left'; name: string; node: string; members: string[] }
  /** The list changed without one join or leave (a process re-registered its members after the broker came back). */
  | { type: 'members'; members: string[] }
  | ChatMessage;

/** One chat line. `id` is `<node>:<sequence>`: unique across the room, so a receiver can drop a repeat. */
export interface ChatMessage {
  type: 'message';
  id: string;
  from: string;
  text: string;
  time: number;
}

export type JoinResult =
  | { ok: true; members: string[] }
  | { ok: false; reason: 'taken' | 'full' | 'unavailable' };

export interface ChatBroker {
  /** This process's id in the room; membership events name the process a member is on. */
  readonly node: string;
  /**
   * Where the broker delivers events: membership events from every process (this one included), in
   * one order for all; messages from the *other* processes only (the room delivers its own at once).
   */
  onEvent: (event: RoomEvent) => void;
  /** Names of this process's members, read when the broker must register them again (after an outage). */
  localMembers: () => string[];
  /** Claims `name` for a member of this process, room-wide. */
  join(name: string, maxMembers: number): Promise<JoinResult>;
  /** Releases a name this process holds. Never throws: an outage is repaired when the broker is back. */
  leave(name: string): void;
  /** Hands a message of a local member to the other processes (queued while the broker is unreachable). */
  publish(message: ChatMessage): void;
  /** The messages after `afterId` still in the room's short history (for a member who reconnects). */
  history(afterId: string): Promise<ChatMessage[]>;
  close(): Promise<void>;
}

/** A random process id: short, and unique enough for the processes of one room. */
export function newNodeId(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** Every broker keeps this many recent messages for members who reconnect. */
export const HISTORY_LENGTH = 500;

/** The messages after `afterId` in `history`; none when `afterId` is unknown (too old, or from before a restart). */
export function messagesAfter(history: readonly ChatMessage[], afterId: string): ChatMessage[] {
  const index = history.findIndex((m) => m.id === afterId);
  return index < 0 ? [] : history.slice(index + 1);
}

/** One process: the room's state is this object. Events are delivered synchronously. */
export class InProcessBroker implements ChatBroker {
  readonly node = newNodeId();
  onEvent: (event: RoomEvent) => void = () => {};
  localMembers: () => string[] = () => [];
  /** Display names by lower-cased name, in joining order. */
  private readonly names = new Map<string, string>();
  private readonly recent: ChatMessage[] = [];

  async join(name: string, maxMembers: number): Promise<JoinResult> {
    const key = name.toLowerCase();
    if (this.names.has(key)) return { ok: false, reason: 'taken' };
    if (this.names.size >= maxMembers) return { ok: false, reason: 'full' };
    this.names.set(key, name);
    const members = [...this.names.values()];
    this.onEvent({ type: 'joined', name, node: this.node, members });
    return { ok: true, members };
  }

  leave(name: string): void {
    if (!this.names.delete(name.toLowerCase())) return;
    this.onEvent({ type: 'left', name, node: this.node, members: [...this.names.values()] });
  }

  publish(message: ChatMessage): void {
    // No other process to tell; only the history for members who reconnect.
    this.recent.push(message);
    if (this.recent.length > HISTORY_LENGTH) this.recent.shift();
  }

  async history(afterId: string): Promise<ChatMessage[]> {
    return messagesAfter(this.recent, afterId);
  }

  async close(): Promise<void> {}
}

/** The broker the configuration asks for: Redis when a URL is given, else in-process. */
export async function createChatBroker(redisUrl?: string, log: (line: string) => void = () => {}): Promise<ChatBroker> {
  if (!redisUrl) return new InProcessBroker();
  // Loaded only when asked for, so the default needs no Redis client at all.
  const { RedisChatBroker } = await import('./chat-redis.js');
  return RedisChatBroker.connect(redisUrl, { log });
}
