// The chat room of the Jetty 7 WebSocket post (the "seeds"), rebuilt carefully on wsref: members
// join with a name, every message goes to all members, the member list is kept current, and a
// member leaves when its connection closes (RFC 6455 §7). Unlike the original — which trusted
// `user:message` strings and escaped only the first `<` — the server validates everything it is
// sent, and speaks JSON; the page shows it with `textContent`, never as HTML.
//
// Client → server (text messages, JSON):   {"type":"join","name":"Ada"}   {"type":"say","text":"hi"}
//   a member who reconnects may add the id of the last message it saw: {"type":"join","name":"Ada","after":"k3:17"}
// Server → client:
//   {"type":"welcome","name":"Ada","members":["Ada","Bo"]}      to the member who joined
//   {"type":"joined","name":"Ada","members":[…]}                to the others
//   {"type":"left","name":"Bo","members":[…]}                   to the rest, when a member's connection closes
//   {"type":"changes","joined":[…],"left":[…],"count":1000}   instead of those two in a room of more than
//     FULL_LIST_LIMIT members: the changes of NEWS_INTERVAL_MS at once, applied to the welcome's list
//   {"type":"members","members":[…]}                            the list changed after a broker outage
//   {"type":"message","id":"k3:18","from":"Ada","text":"hi","time":1700000000000}   to every member, sender included
//   {"type":"error","message":"…"}                              to the one whose request was refused
//
// Who is a member is decided by a ChatBroker (chat-broker.ts): in this process by default, or in
// Redis so that members on several processes share one room (chat-redis.ts).

import { CloseCode, ReadyState, type Session } from '../src/index.js';
import { InProcessBroker, type ChatBroker, type ChatMessage, type RoomEvent } from './chat-broker.js';

export interface ChatLimits {
  /** Longest name, in characters. Default 32. */
  maxNameLength: number;
  /** Longest message text, in characters. Default 2000. */
  maxTextLength: number;
  /** Most members at once. Default 200. */
  maxMembers: number;
  /** At most this many messages per member per `rateWindow` ms; more are refused. Default 20 per 10 s. */
  rateLimit: number;
  rateWindow: number;
}

/** Up to this many members, each join and leave is sent at once with the whole list; above, gathered into 'changes'. */
export const FULL_LIST_LIMIT = 100;
/** How often a big room sends its gathered 'changes'. */
export const NEWS_INTERVAL_MS = 250;

/** How long a join waits for its own 'joined' event before the broker's answer welcomes the member. */
const JOIN_EVENT_GRACE_MS = 1_000;

export const DEFAULT_CHAT_LIMITS: ChatLimits = { maxNameLength: 32, maxTextLength: 2000, maxMembers: 200, rateLimit: 20, rateWindow: 10_000 };

interface Member {
  name: string;
  /** Send times inside the current rate window. */
  recent: number[];
}

type Incoming = { type: 'join'; name: string; after?: string } | { type: 'say'; text: string };

export class ChatRoom {
  private readonly limits: ChatLimits;
  /** This process's members by connection; connections that have not joined are not in here. */
  private readonly members = new Map<Session, Member>();
  /** Connections whose join the broker is deciding, by lower-cased name. */
  private readonly joining = new Map<string, Session>();
  /** The room's member list (every process's members) as the broker last announced it. */
  private roomNames: string[] = [];
  private sequence = 0;

  constructor(limits: Partial<ChatLimits> = {}, readonly broker: ChatBroker = new InProcessBroker()) {
    this.limits = { ...DEFAULT_CHAT_LIMITS, ...limits };
    broker.onEvent = (event) => this.deliver(event);
    broker.localMembers = () => [...this.members.values()].map((m) => m.name);
  }

  /** The names of the room's members, on every process, in joining order. */
  get names(): string[] {
    return [...this.roomNames];
  }

  /** The names of the members connected to this process. */
  get localNames(): string[] {
    return this.broker.localMembers();
  }

  /** Stops the broker (the sessions are closed by their server). */
  close(): Promise<void> {
    clearTimeout(this.newsTimer);
    return this.broker.close();
  }

  /** Takes a new connection: it may join, talk, and leaves when it closes. */
  accept(session: Session): void {
    session.on('message', (data, isBinary) => {
      // RFC 6455 §7.4.1: 1003 is for a kind of data the endpoint cannot accept.
      if (isBinary) return session.close(CloseCode.UnsupportedData, 'this chat speaks JSON text');
      const request = parseRequest(String(data));
      if (typeof request === 'string') return this.refuse(session, request);
      if (request.type === 'join') void this.join(session, request.name, request.after);
      else this.say(session, request.text);
    });
    session.on('close', () => this.leave(session));
  }

  private async join(session: Session, rawName: string, after?: string): Promise<void> {
    if (this.members.has(session) || [...this.joining.values()].includes(session)) return this.refuse(session, 'you have already joined');
    const name = rawName.trim();
    const length = [...name].length;
    if (length === 0 || length > this.limits.maxNameLength) return this.refuse(session, `a name has 1 to ${this.limits.maxNameLength} characters`);
    if (/[\p{C}]/u.test(name)) return this.refuse(session, 'a name may not contain control or invisible formatting characters');
    const key = name.toLowerCase();
    if (this.joining.has(key)) return this.refuse(session, `the name ${name} is taken`);
    // The broker decides, room-wide; its 'joined' event (deliver, below) usually welcomes the member first.
    this.joining.set(key, session);
    const result = await this.broker.join(name, this.limits.maxMembers);
    if (!result.ok) {
      this.joining.delete(key);
      const why = { taken: `the name ${name} is taken`, full: 'the room is full', unavailable: 'the chat is reconnecting to its broker; try again in a moment' };
      return this.refuse(session, why[result.reason]);
    }
    // The 'joined' event normally welcomes the member, in order with the events before it. Should it
    // be lost (the broker's pub/sub is at-most-once), the result welcomes it a little later.
    if (this.joining.get(key) === session) await new Promise((resolve) => setTimeout(resolve, JOIN_EVENT_GRACE_MS));
    if (this.joining.get(key) === session) this.welcome(session, name, result.members);
    if (session.readyState !== ReadyState.OPEN) return this.leave(session);
    if (after !== undefined) for (const message of await this.broker.history(after)) this.sendTo(session, message);
  }

  private welcome(session: Session, name: string, members: string[]): void {
    this.joining.delete(name.toLowerCase());
    this.members.set(session, { name, recent: [] });
    this.sendTo(session, { type: 'welcome', name, members });
  }

  /** An event from the broker: membership from every process, messages from the others. */
  private deliver(event: RoomEvent): void {
    if (event.type === 'message') return this.broadcast(event);
    if (event.type === 'members' && event.members.join('\n') === this.roomNames.join('\n')) return; // nothing new
    this.roomNames = event.members;
    if (event.type === 'members') return this.broadcast(event);
    let welcomed: Session | undefined;
    if (event.type === 'joined' && event.node === this.broker.node) {
      const key = event.name.toLowerCase();
      welcomed = this.joining.get(key);
      if (welcomed) this.welcome(welcomed, event.name, event.members);
      // Whoever was welcomed (just now, or already from the join's result) is not told of itself.
      welcomed ??= [...this.members].find(([, m]) => m.name.toLowerCase() === key)?.[0];
    }
    // A big room gathers joins and leaves into one event per NEWS_INTERVAL_MS: telling every member of
    // every join, with the whole list, would cost O(members²) messages and bytes as the room fills.
    if (event.members.length > FULL_LIST_LIMIT || this.news) return this.gather(event.type, event.name);
    this.broadcast(event, welcomed);
  }

  /** Joins and leaves of a big room not sent yet; a name's latest change counts. */
  private news: Map<string, 'joined' | 'left'> | undefined;
  private newsTimer: NodeJS.Timeout | undefined;

  private gather(change: 'joined' | 'left', name: string): void {
    if (!this.news) {
      this.news = new Map();
      this.newsTimer = setTimeout(() => this.sendNews(), NEWS_INTERVAL_MS);
    }
    this.news.delete(name);
    this.news.set(name, change);
  }

  private sendNews(): void {
    const news = [...(this.news ?? [])];
    this.news = undefined;
    const named = (change: string) => news.filter(([, c]) => c === change).map(([name]) => name);
    this.broadcast({ type: 'changes', joined: named('joined'), left: named('left'), count: this.roomNames.length });
  }

  private say(session: Session, text: string): void {
    const member = this.members.get(session);
    if (!member) return this.refuse(session, 'join first');
    if (text.trim() === '') return this.refuse(session, 'an empty message');
    if ([...text].length > this.limits.maxTextLength) return this.refuse(session, `a message has at most ${this.limits.maxTextLength} characters`);
    if (/[\p{Cc}]/u.test(text.replace(/[\n\t]/g, ''))) return this.refuse(session, 'a message may not contain control characters');
    const now = Date.now();
    member.recent = member.recent.filter((t) => now - t < this.limits.rateWindow);
    if (member.recent.length >= this.limits.rateLimit) return this.refuse(session, 'slow down: too many messages');
    member.recent.push(now);
    // Our own members get it at once; the broker carries it to the other processes' members.
    const message: ChatMessage = { type: 'message', id: `${this.broker.node}:${++this.sequence}`, from: member.name, text, time: now };
    this.broadcast(message);
    this.broker.publish(message);
  }

  private leave(session: Session): void {
    const member = this.members.get(session);
    if (!member) return;
    this.members.delete(session);
    this.broker.leave(member.name); // its 'left' event tells everyone, here and elsewhere
  }

  private refuse(session: Session, message: string): void {
    this.sendTo(session, { type: 'error', message });
  }

  /** To every member of this process (except `except`). One serialization, sent to each. */
  private broadcast(event: object, except?: Session): void {
    const { node: _node, ...visible } = event as { node?: string }; // which process is the broker's business
    const text = JSON.stringify(visible);
    for (const session of this.members.keys()) if (session !== except) this.sendTo(session, text);
  }

  private sendTo(session: Session, event: object | string): void {
    // A member whose connection is closing gets nothing more (RFC 6455 §5.5.1: no data after a close frame).
    // A member that stops reading is dropped by the session's maxBufferedAmount, never buffered without bound.
    if (session.readyState === ReadyState.OPEN) session.send(typeof event === 'string' ? event : JSON.stringify(event));
  }
}

/** Checks a client's request; returns it, or why it is refused. */
function parseRequest(text: string): Incoming | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'a request is a JSON object';
  }
  if (typeof value !== 'object' || value === null) return 'a request is a JSON object';
  const request = value as Record<string, unknown>;
  if (request.type === 'join' && typeof request.name === 'string') {
    return typeof request.after === 'string' ? { type: 'join', name: request.name, after: request.after } : { type: 'join', name: request.name };
  }
  if (request.type === 'say' && typeof request.text === 'string') return { type: 'say', text: request.text };
  return 'unknown request: expected {"type":"join","name":…} or {"type":"say","text":…}';
}
